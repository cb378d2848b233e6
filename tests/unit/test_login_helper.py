"""The login helper's conversation, on a fake of kurigram's few login calls (no network)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from pyrogram import errors

from bot.userbot import login
from bot.userbot.login import LoginError, Prompt, converse, main

SESSION = "BQAAAAFAKE-session-string"
API_HASH = "0123456789abcdef0123456789abcdef"
PASSWORD = "correct horse battery staple"


@dataclass
class FakeClient:
    """kurigram's send_code / sign_in / check_password / export_session_string."""

    code: str = "12345"
    password: str | None = None
    sign_in_error: Exception | None = None
    calls: list[tuple[str, Any]] = field(default_factory=list)

    async def send_code(self, phone_number: str) -> Any:
        self.calls.append(("send_code", phone_number))
        if phone_number == "+10000000000":
            raise errors.PhoneNumberInvalid()
        return type("SentCode", (), {"phone_code_hash": "hash-1"})()

    async def sign_in(self, phone_number: str, phone_code_hash: str, phone_code: str) -> Any:
        self.calls.append(("sign_in", phone_code))
        assert phone_code_hash == "hash-1"
        if self.sign_in_error is not None:
            raise self.sign_in_error
        if phone_code != self.code:
            raise errors.PhoneCodeInvalid()
        if self.password is not None:
            raise errors.SessionPasswordNeeded()
        return object()

    async def check_password(self, password: str) -> Any:
        self.calls.append(("check_password", "***"))
        if password != self.password:
            raise errors.PasswordHashInvalid()
        return object()

    async def export_session_string(self) -> str:
        return SESSION


class Script:
    """Answers to the questions, in order; what was said and which answers were hidden."""

    def __init__(self, *answers: str) -> None:
        self._answers: Iterator[str] = iter(answers)
        self.said: list[str] = []
        self.secret_questions: list[str] = []

    def prompt(self) -> Prompt:
        return Prompt(ask=self._ask, secret=self._secret, say=self.said.append)

    def _ask(self, question: str) -> str:
        return next(self._answers)

    def _secret(self, question: str) -> str:
        self.secret_questions.append(question)
        return next(self._answers)


async def test_code_then_session() -> None:
    client = FakeClient()
    assert await converse(client, Script("+44 7700 900123", "1 2 3 4 5").prompt()) == SESSION
    assert client.calls == [("send_code", "+447700900123"), ("sign_in", "12345")]


async def test_a_wrong_code_is_asked_again_then_the_2fa_password_hidden() -> None:
    client = FakeClient(password=PASSWORD)
    script = Script("447700900123", "99999", "12345", "wrong", PASSWORD)
    assert await converse(client, script.prompt()) == SESSION
    assert script.said == [
        "That code is not right; try again.",
        "That password is not right; try again.",
    ]
    assert len(script.secret_questions) == 2  # the password goes through getpass, twice
    assert ("check_password", "***") in client.calls


async def test_three_wrong_codes_end_the_login() -> None:
    with pytest.raises(LoginError, match="wrong three times") as caught:
        await converse(FakeClient(), Script("+447700900123", "1", "2", "3").prompt())
    assert caught.value.code == 2


async def test_telegram_refusals_are_one_clean_line() -> None:
    with pytest.raises(LoginError, match="does not accept this phone number"):
        await converse(FakeClient(), Script("+10000000000").prompt())
    with pytest.raises(LoginError, match="no Telegram account"):
        client = FakeClient(sign_in_error=errors.PhoneNumberUnoccupied())
        await converse(client, Script("+447700900123", "12345").prompt())
    with pytest.raises(LoginError, match="wait 30 s") as caught:
        client = FakeClient(sign_in_error=errors.FloodWait(value=30))
        await converse(client, Script("+447700900123", "12345").prompt())
    assert caught.value.code == 1
    with pytest.raises(LoginError, match="could not be reached") as caught:
        client = FakeClient(sign_in_error=ConnectionError("no route"))
        await converse(client, Script("+447700900123", "12345").prompt())
    assert caught.value.code == 1


@pytest.mark.parametrize("phone", ["", "abc", "+12", "+44 7700 900123 999999999"])
async def test_a_malformed_phone_is_refused_before_telegram(phone: str) -> None:
    client = FakeClient()
    with pytest.raises(LoginError, match="international format"):
        await converse(client, Script(phone).prompt())
    assert client.calls == []


def test_main_prints_the_session_and_the_heroku_steps(capsys: pytest.CaptureFixture[str]) -> None:
    script = Script("+447700900123", "12345")

    async def log_in(api_id: int, api_hash: str, prompt: Prompt) -> str:
        assert (api_id, api_hash) == (12345, API_HASH)
        return await converse(FakeClient(), prompt)

    env = {"API_ID": "12345", "API_HASH": API_HASH}
    assert main([], prompt=script.prompt(), env=env, log_in=log_in) == 0
    shown = "\n".join(script.said)
    assert SESSION in shown and "heroku config:set" in shown and "PYROGRAM_SESSION_STRING" in shown
    assert API_HASH not in shown + capsys.readouterr().err


def test_main_asks_for_the_credentials_hiding_the_hash() -> None:
    script = Script("12345", API_HASH, "+447700900123", "12345")

    async def log_in(api_id: int, api_hash: str, prompt: Prompt) -> str:
        return await converse(FakeClient(), prompt)

    assert main([], prompt=script.prompt(), env={}, log_in=log_in) == 0
    assert script.secret_questions[0].startswith("API_HASH")


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"API_ID": "abc", "API_HASH": API_HASH}, "API_ID must be"),
        ({"API_ID": "12345", "API_HASH": "short"}, "API_HASH must be"),
    ],
)
def test_bad_credentials_exit_2_with_one_line(
    env: dict[str, str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    async def never(api_id: int, api_hash: str, prompt: Prompt) -> str:
        raise AssertionError("no login with bad credentials")

    assert main([], prompt=Script().prompt(), env=env, log_in=never) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert "short" not in err


def test_a_wrong_password_exits_2_without_echoing_it(capsys: pytest.CaptureFixture[str]) -> None:
    script = Script("+447700900123", "12345", "bad-1", "bad-2", "bad-3")

    async def log_in(api_id: int, api_hash: str, prompt: Prompt) -> str:
        return await converse(FakeClient(password=PASSWORD), prompt)

    env = {"API_ID": "12345", "API_HASH": API_HASH}
    assert main([], prompt=script.prompt(), env=env, log_in=log_in) == 2
    captured = capsys.readouterr()
    assert "bad-" not in captured.err + captured.out + "\n".join(script.said)
    assert captured.err.startswith("login failed: the password was wrong three times")


def test_cancelling_exits_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    def interrupted(question: str) -> str:
        raise KeyboardInterrupt

    prompt = Prompt(ask=interrupted, secret=interrupted, say=lambda text: None)
    assert main([], prompt=prompt, env={}, log_in=login._log_in) == 2
    assert capsys.readouterr().err == "login cancelled\n"


def test_the_command_refuses_bad_input_before_any_connection() -> None:
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-m", "bot.userbot.login"],
        cwd=root,
        env={"PATH": os.environ["PATH"], "API_ID": "12345", "API_HASH": "not-a-hash"},
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("login failed: API_HASH must be") and done.stderr.count("\n") == 1
    assert "not-a-hash" not in done.stderr + done.stdout
