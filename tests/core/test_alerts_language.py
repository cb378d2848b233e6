"""Alerts are written in the owner's language: their /language choice, looked up at most once a
minute, and the last one known while the database is away (English before any).

The alert's title here is a lazy text that says which language it was rendered in, so the test
sees the language an alert was written in whatever the catalogues hold today.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiogram import Bot

from bot.runtime.alerts import LANGUAGE_TTL_S, Alerts
from bot.runtime.config import Settings
from bot.runtime.db import close_db, open_db
from bot.runtime.i18n import choose_language, current_language, lazy_text
from bot.runtime.shared import SharedLink
from bot.runtime.telegram import make_bot
from sandbox.telegram.standin import TelegramStandIn
from tests.core.conftest import DEST_A, OWNER, TOKEN


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def bot(tg: TelegramStandIn) -> AsyncIterator[Bot]:
    settings = Settings(
        telegram_bot_token=TOKEN,  # type: ignore[arg-type]
        owner_telegram_id=OWNER,
        telegram_api_url=tg.url,
    )
    made = make_bot(settings)
    try:
        yield made
    finally:
        await made.session.close()


def written_in() -> object:
    return lazy_text(lambda: f"written in {current_language()}")


def alert_texts(tg: TelegramStandIn) -> list[str]:
    return [m.get("text", "") for m in tg.bot_messages(DEST_A)]


async def test_an_alert_is_written_in_the_language_the_owner_chose(
    db: str, tg: TelegramStandIn, bot: Bot
) -> None:
    await choose_language(OWNER, "ru")
    alerts = Alerts(bot, DEST_A, owner_id=OWNER)

    assert await alerts.report("fault", written_in(), written_in())

    assert alert_texts(tg) == ["⚠️ written in ru\nwritten in ru"]


async def test_a_new_choice_reaches_the_alerts_within_a_minute(
    db: str, tg: TelegramStandIn, bot: Bot
) -> None:
    clock = Clock()
    await choose_language(OWNER, "es")
    alerts = Alerts(bot, DEST_A, owner_id=OWNER, clock=clock)
    assert await alerts.language() == "es"

    await choose_language(OWNER, "fa")
    assert await alerts.language() == "es"  # looked up a moment ago
    clock.now += LANGUAGE_TTL_S
    await alerts.report("fault", written_in())

    assert alert_texts(tg) == ["⚠️ written in fa"]


async def test_with_the_database_away_alerts_keep_the_last_language_known(
    db: str, tg: TelegramStandIn, bot: Bot
) -> None:
    clock = Clock()
    await choose_language(OWNER, "es")
    link = SharedLink("alert_language", timeout_s=0.5, retry_s=0.0, clock=clock)
    alerts = Alerts(bot, DEST_A, owner_id=OWNER, clock=clock, language_link=link)
    assert await alerts.language() == "es"

    await close_db()
    try:
        clock.now += LANGUAGE_TTL_S
        assert await alerts.report("database_lost", written_in())
    finally:
        await open_db(db)

    assert alert_texts(tg) == ["⚠️ written in es"]


async def test_without_an_owner_or_a_choice_alerts_are_in_english(
    db: str, tg: TelegramStandIn, bot: Bot
) -> None:
    assert await Alerts(bot, DEST_A).language() == "en"
    assert await Alerts(bot, DEST_A, owner_id=OWNER).language() == "en"
