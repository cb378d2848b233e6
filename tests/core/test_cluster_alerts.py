"""Two processes' alerts on one database behave as one throttle: the first to report a fault sends
it, the other counts the repeat, one summary counts them all, and the cap of a few a minute holds
for both; with the database gone each still sends its alerts alone.

Each ``Alerts`` stands for a process, with a Bot of its own on the Telegram stand-in; the alert
chat is a channel where the bot may post.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from structlog.testing import capture_logs

from bot.runtime.alerts import Alerts
from bot.runtime.config import Settings
from bot.runtime.db import close_db, open_db
from bot.runtime.telegram import make_bot
from sandbox.telegram.standin import TelegramStandIn
from tests.conftest import wait_until
from tests.core.conftest import DEST_A, OWNER, TOKEN

ALERT_CHAT = DEST_A


@pytest.fixture
async def bots(tg: TelegramStandIn) -> AsyncIterator[tuple[Bot, Bot]]:
    settings = Settings(
        telegram_bot_token=TOKEN,  # type: ignore[arg-type]
        owner_telegram_id=OWNER,
        telegram_api_url=tg.url,
    )
    made = make_bot(settings), make_bot(settings)
    try:
        yield made
    finally:
        for bot in made:
            await bot.session.close()


def alert_texts(tg: TelegramStandIn) -> list[str]:
    return [m.get("text", "") for m in tg.bot_messages(ALERT_CHAT)]


async def test_the_same_fault_from_two_processes_is_sent_once_and_summed_once(
    db: str, tg: TelegramStandIn, bots: tuple[Bot, Bot]
) -> None:
    first, second = (Alerts(bot, ALERT_CHAT, window_s=1.0, shared=True) for bot in bots)
    outcomes = await asyncio.gather(
        *(
            alerts.report("groq_down", "The AI (Groq) is unavailable", "timeout")
            for alerts in (first, second, first, second, second)
        )
    )

    assert sorted(outcomes) == [False, False, False, False, True]
    assert len(alert_texts(tg)) == 1
    assert "The AI (Groq) is unavailable" in alert_texts(tg)[0]

    async def summary_sent() -> bool:
        await first.flush()
        await second.flush()
        return len(alert_texts(tg)) >= 2

    await wait_until(summary_sent, timeout=5, message="the summary after the window")
    await first.flush()
    await second.flush()
    texts = alert_texts(tg)
    assert len(texts) == 2
    assert "repeated 4 more time(s)" in texts[1]
    assert first.sent_count + second.sent_count == 2


async def test_the_cap_of_alerts_a_minute_holds_for_the_cluster(
    db: str, tg: TelegramStandIn, bots: tuple[Bot, Bot]
) -> None:
    first, second = (Alerts(bot, ALERT_CHAT, max_per_minute=3, shared=True) for bot in bots)
    sent = [
        await alerts.report(f"fault-{n}", f"Fault {n}")
        for n, alerts in enumerate((first, second, first, second, first))
    ]

    assert sent == [True, True, True, False, False]
    assert len(alert_texts(tg)) == 3


async def test_with_the_database_closed_alerts_still_go_out_throttled_locally(
    db: str, tg: TelegramStandIn, bots: tuple[Bot, Bot]
) -> None:
    alerts = Alerts(bots[0], ALERT_CHAT, window_s=600.0, shared=True)
    await close_db()
    try:
        with capture_logs() as logs:
            lost = await asyncio.wait_for(
                alerts.report("db_lost", "The database is unreachable", "connection refused"), 5
            )
            again = await alerts.report("db_lost", "The database is unreachable")
    finally:
        await open_db(db)

    assert lost is True and again is False
    assert alert_texts(tg) == ["⚠️ The database is unreachable\nconnection refused"]
    assert [e["what"] for e in logs if e["event"] == "shared_state_unreachable"] == ["alerts"]


async def test_against_a_closed_port_an_alert_goes_out_at_once(
    migrated_database: None, tg: TelegramStandIn, bots: tuple[Bot, Bot]
) -> None:
    await open_db("postgres://postgres@127.0.0.1:9/nowhere")
    try:
        alerts = Alerts(bots[0], ALERT_CHAT, shared=True)
        assert await asyncio.wait_for(alerts.report("db_lost", "Database lost"), 5)
        await alerts.flush()
    finally:
        await close_db()

    await wait_until(lambda: alert_texts(tg), timeout=5)
    assert alert_texts(tg) == ["⚠️ Database lost"]
