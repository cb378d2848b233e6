"""Log the user account in once and print its session string: ``python -m bot.userbot.login``.

Asks for API_ID and API_HASH (or reads them from the environment), the phone number, the code
Telegram sends and, when the account has one, the two-step verification password (not
echoed). Prints the session string and how to put it in Heroku's config vars. Run it on your
own computer: it is the one command that talks to Telegram as you, and the session string it
prints is full access to your account.

Exit codes: 0 done, 2 bad input (a malformed API_ID/API_HASH/phone, a wrong code or password
three times, a number with no Telegram account), 1 Telegram could not be reached or refused.
Errors are one line, with no traceback and nothing secret in them.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import os
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

ATTEMPTS = 3
_HASH = re.compile(r"^[0-9a-fA-F]{32}$")


class LoginError(Exception):
    """The login cannot go on; ``code`` is the exit code (2: the input, 1: Telegram)."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


class LoginClient(Protocol):
    """The few calls of kurigram's Client the conversation needs (a fake in tests)."""

    async def send_code(self, phone_number: str) -> Any: ...  # has .phone_code_hash

    async def sign_in(self, phone_number: str, phone_code_hash: str, phone_code: str) -> Any: ...

    async def check_password(self, password: str) -> Any: ...

    async def export_session_string(self) -> str: ...


@dataclass
class Prompt:
    """Where questions go and answers come from (the terminal, or a test's script)."""

    ask: Callable[[str], str] = input
    secret: Callable[[str], str] = getpass.getpass
    say: Callable[[str], None] = print


def _error_id(error: BaseException) -> str:
    return str(getattr(error, "ID", "") or "")


def parse_api_id(text: str) -> int:
    text = text.strip()
    if not text.isdigit() or int(text) <= 0:
        raise LoginError(
            "API_ID must be the number shown on my.telegram.org (API development tools)"
        )
    return int(text)


def parse_api_hash(text: str) -> str:
    text = text.strip()
    if not _HASH.match(text):
        raise LoginError("API_HASH must be the 32 hexadecimal characters from my.telegram.org")
    return text


def parse_phone(text: str) -> str:
    digits = re.sub(r"[\s()\-.]", "", text.strip())
    if not re.fullmatch(r"\+?\d{7,15}", digits):
        raise LoginError("the phone number must be in international format, e.g. +44 7700 900123")
    return digits if digits.startswith("+") else "+" + digits


async def converse(client: LoginClient, prompt: Prompt) -> str:
    """The login conversation on a connected client; the session string."""
    phone = parse_phone(prompt.ask("Phone number of the account (international format): "))
    try:
        sent = await client.send_code(phone)
    except Exception as error:
        raise _refusal(error) from None
    for attempt in range(1, ATTEMPTS + 1):
        code = re.sub(r"\D", "", prompt.ask("The code Telegram sent you (in the Telegram app): "))
        try:
            signed = await client.sign_in(phone, sent.phone_code_hash, code)
        except Exception as error:
            kind = _error_id(error)
            if kind == "SESSION_PASSWORD_NEEDED":
                await _password(client, prompt)
                break
            if kind in ("PHONE_CODE_INVALID", "PHONE_CODE_EMPTY") and attempt < ATTEMPTS:
                prompt.say("That code is not right; try again.")
                continue
            raise _refusal(error) from None
        if signed is False:  # kurigram: the number has no account yet (it would sign up)
            raise LoginError(_REFUSALS["PHONE_NUMBER_UNOCCUPIED"][0])
        break
    try:
        return await client.export_session_string()
    except Exception as error:
        raise _refusal(error) from None


async def _password(client: LoginClient, prompt: Prompt) -> None:
    for attempt in range(1, ATTEMPTS + 1):
        password = prompt.secret("Two-step verification password (not shown): ")
        try:
            await client.check_password(password)
            return
        except Exception as error:
            if _error_id(error) == "PASSWORD_HASH_INVALID" and attempt < ATTEMPTS:
                prompt.say("That password is not right; try again.")
                continue
            raise _refusal(error) from None


_REFUSALS = {
    "PHONE_CODE_INVALID": ("the code was wrong three times; run the command again", 2),
    "PHONE_CODE_EXPIRED": ("the code expired; run the command again", 2),
    "PASSWORD_HASH_INVALID": ("the password was wrong three times; run the command again", 2),
    "PHONE_NUMBER_INVALID": ("Telegram does not accept this phone number", 2),
    "PHONE_NUMBER_UNOCCUPIED": ("there is no Telegram account with this phone number", 2),
    "PHONE_NUMBER_BANNED": ("Telegram has banned this phone number", 2),
    "API_ID_INVALID": ("Telegram does not accept this API_ID / API_HASH pair", 2),
    "API_ID_PUBLISHED_FLOOD": ("this API_ID is refused; create your own on my.telegram.org", 2),
}


def _refusal(error: BaseException) -> LoginError:
    if isinstance(error, LoginError):
        return error
    kind = _error_id(error)
    if kind in _REFUSALS:
        message, code = _REFUSALS[kind]
        return LoginError(message, code)
    value = getattr(error, "value", None)
    if kind.startswith("FLOOD_WAIT") and isinstance(value, int):
        return LoginError(f"Telegram asks to wait {value} s before trying again", 1)
    if kind:
        return LoginError(f"Telegram refused the login ({kind})", 1)
    return LoginError(f"Telegram could not be reached ({type(error).__name__})", 1)


def instructions(session: str) -> str:
    return "\n".join(
        [
            "",
            "Your session string (keep it secret: it gives full access to your Telegram account):",
            "",
            session,
            "",
            "Put it in the bot's config vars, with the API_ID and API_HASH you used:",
            "  heroku config:set -a <your-app> API_ID=<api_id> API_HASH=<api_hash> \\",
            f"    PYROGRAM_SESSION_STRING='{session}'",
            "or on the Heroku dashboard: your app → Settings → Config Vars → Reveal Config Vars.",
            "For a local run, add the three lines to .env instead.",
            "The bot restarts with the new config vars; only one dyno (the leader) uses the",
            "session. To revoke it: Telegram → Settings → Devices → terminate the session.",
        ]
    )


def credentials(env: dict[str, str], prompt: Prompt) -> tuple[int, str]:
    api_id = env.get("API_ID") or prompt.ask("API_ID (my.telegram.org → API development tools): ")
    api_hash = env.get("API_HASH") or prompt.secret("API_HASH (not shown): ")
    return parse_api_id(api_id), parse_api_hash(api_hash)


async def _log_in(api_id: int, api_hash: str, prompt: Prompt) -> str:
    from bot.userbot.kurigram_map import pyrogram  # kurigram, with its TgCrypto warning off

    client = pyrogram.Client(
        "forwarding-bot-login", api_id=api_id, api_hash=api_hash, in_memory=True
    )
    try:
        await client.connect()
    except Exception as error:
        raise _refusal(error) from None
    try:
        return await converse(client, prompt)
    finally:
        with contextlib.suppress(Exception):  # the login is over either way
            await client.disconnect()


def main(
    argv: list[str] | None = None,
    *,
    prompt: Prompt | None = None,
    env: dict[str, str] | None = None,
    log_in: Callable[[int, str, Prompt], Any] = _log_in,
) -> int:
    prompt = prompt or Prompt()
    try:
        api_id, api_hash = credentials(dict(os.environ) if env is None else env, prompt)
        session = asyncio.run(log_in(api_id, api_hash, prompt))
    except LoginError as error:
        print(f"login failed: {error}", file=sys.stderr)
        return error.code
    except (KeyboardInterrupt, EOFError):
        print("login cancelled", file=sys.stderr)
        return 2
    prompt.say(instructions(session))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
