"""The bot as a dyno whose user account is the stand-in's fake: ``python -m sandbox.account.dyno``.

Exactly ``main.py`` (same settings, same logging, same lifecycle), except that the account is
``StandInAccount(TELEGRAM_API_URL, PYROGRAM_SESSION_STRING)``: the Telegram stand-in serves the
Bot API and the fake account on one address. API_ID, API_HASH and PYROGRAM_SESSION_STRING are set
as in production (any api_id, 32 hex characters for api_hash, the session ``tg.add_account()``
gave), so the bot treats the account as configured and redacts the session from its output.
For benchmarks and multi-process tests; never a network address other than the stand-in's.
"""

from __future__ import annotations

import asyncio
import sys

from bot.runtime.config import Settings, SettingsError, load_settings
from bot.userbot.interface import Account


def standin_account_factory(settings: Settings) -> Account:
    from sandbox.account.client import StandInAccount

    if settings.pyrogram_session_string is None or not settings.telegram_api_url:
        raise ValueError("PYROGRAM_SESSION_STRING and TELEGRAM_API_URL must be set")
    return StandInAccount(
        settings.telegram_api_url, settings.pyrogram_session_string.get_secret_value()
    )


def main() -> int:
    try:
        settings = load_settings()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    from bot.app import BotApp
    from bot.runtime.logging import configure_logging, get_logger

    configure_logging(settings.log_level, secrets=settings.secrets())
    try:
        return asyncio.run(BotApp(settings, account_factory=standin_account_factory).run())
    except Exception:
        get_logger("main").exception("bot_crashed")
        return 1


if __name__ == "__main__":
    sys.exit(main())
