"""The delivery workers on their own: claim → send → record, against the Telegram stand-in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiogram import Bot

from bot.forwarding.delivery.outbox import Outbox
from bot.forwarding.delivery.ratelimit import RateLimiter
from bot.forwarding.delivery.sender import Sender
from bot.forwarding.delivery.worker import Workers
from bot.forwarding.intake.ingest import Ingest
from bot.forwarding.rules.index import RuleIndex
from bot.runtime.alerts import Alerts
from models import Delivery, MessageLink
from models.forwarding import HELD, SENT
from sandbox.telegram.standin import TelegramStandIn
from tests.conftest import wait_until
from tests.core.conftest import DEST_A, DEST_B, OWNER, SRC, add_rule, message

STOP_S = 5.0


@asynccontextmanager
async def working(
    bot: Bot, outbox: Outbox, index: RuleIndex, paused: list[tuple[int, str]]
) -> AsyncIterator[Workers]:
    async def pause_rule(rule_id: int, reason: str) -> None:
        paused.append((rule_id, reason))

    workers = Workers(
        outbox=outbox,
        index=index,
        sender=Sender(bot),
        limiter=RateLimiter(),
        alerts=Alerts(bot, OWNER),
        pause_rule=pause_rule,
        concurrency=2,
    )
    workers.start()
    try:
        yield workers
    finally:
        await workers.stop(STOP_S)


async def test_a_claimed_delivery_is_sent_and_recorded(
    db: str, tg: TelegramStandIn, bot: Bot, outbox: Outbox
) -> None:
    index = RuleIndex()
    rule = await add_rule(index, dests=(DEST_A, DEST_B))
    source = tg.channel_post(SRC, "rates cut")
    await Ingest(index, outbox).post(message(source))

    async with working(bot, outbox, index, []) as workers:

        async def both_sent() -> bool:
            return await Delivery.filter(status=SENT).count() == 2

        await wait_until(both_sent)
        assert workers.sent == 2 and workers.failed == 0

    for dest in (DEST_A, DEST_B):
        (copy,) = tg.bot_messages(dest)
        assert copy["text"] == "rates cut"
        link = await MessageLink.get(dest_chat_id=dest)
        assert (link.rule_id, link.source_message_id, link.dest_message_id) == (
            rule.id,
            source["message_id"],
            copy["message_id"],
        )
    assert await Delivery.filter(claimed_by__isnull=False, status="in_flight").count() == 0


async def test_a_destination_that_refuses_pauses_the_rule_and_holds_its_post(
    db: str, tg: TelegramStandIn, bot: Bot, outbox: Outbox
) -> None:
    index = RuleIndex()
    rule = await add_rule(index)
    tg.set_member(DEST_A, 123456, "left")
    await Ingest(index, outbox).post(message(tg.channel_post(SRC, "nobody will see this")))
    paused: list[tuple[int, str]] = []

    async with working(bot, outbox, index, paused):
        await wait_until(lambda: Delivery.filter(status=HELD).exists())

    assert [rule_id for rule_id, _ in paused] == [rule.id]
    assert str(DEST_A) in paused[0][1]
    assert tg.bot_messages(DEST_A) == []
