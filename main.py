"""Entry point of the Heroku worker dyno: ``python main.py`` (``--demo`` for the offline demo)."""

from __future__ import annotations

import asyncio
import sys


def main(argv: list[str]) -> int:
    if "--demo" in argv:
        from sandbox.demo import run_demo

        return asyncio.run(run_demo())

    from bot.runtime.config import SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    # Only now the heavy imports (aiogram takes seconds): a settings error shows at once.
    from bot.app import BotApp
    from bot.runtime.logging import configure_logging, get_logger

    configure_logging(settings.log_level, secrets=settings.secrets())
    try:
        return asyncio.run(BotApp(settings).run())
    except Exception:
        get_logger("main").exception("bot_crashed")
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
