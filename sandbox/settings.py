"""The bot's settings for a run against the stand-ins (tests, benchmarks, the offline demo)."""

from __future__ import annotations

from pydantic import SecretStr

from bot.runtime.config import Settings


def standin_settings(
    token: str,
    owner: int,
    alerts: int,
    database_url: str,
    telegram_url: str,
    groq_url: str | None = None,
    *,
    groq_key: str = "gsk_test",
) -> Settings:
    """Settings that point the bot at a Telegram stand-in (and a Groq one when given)."""
    return Settings(
        telegram_bot_token=SecretStr(token),
        owner_telegram_id=owner,
        admin_chat_id=alerts,
        database_url=SecretStr(database_url),
        telegram_api_url=telegram_url,
        groq_api_key=SecretStr(groq_key) if groq_url else None,
        groq_base_url=groq_url,
    )
