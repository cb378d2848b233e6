"""The delivery workers on their own: claim → send → record, against the Telegram stand-in;
a delivery that makes them fail can't take them down, a slow one is never claimed twice."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from aiogram import Bot
from structlog.testing import capture_logs

from bot.forwarding.delivery.outbox import Claimed, Outbox
from bot.forwarding.delivery.ratelimit import RateLimiter
from bot.forwarding.delivery.sender import Sender
from bot.forwarding.delivery.worker import CRASH_ATTEMPTS, Workers
from bot.forwarding.intake.ingest import Ingest
from bot.forwarding.rules.index import RuleIndex
from bot.forwarding.steps.ai.client import AiClient
from bot.runtime.alerts import Alerts
from bot.runtime.config import DEFAULT_GROQ_MODEL
from models import Delivery, MessageLink
from models.forwarding import DEAD, HELD, PENDING, SENT
from sandbox.groq.server import GroqStandIn
from sandbox.telegram.standin import TelegramStandIn
from tests.conftest import wait_until
from tests.core.conftest import (
    DEST_A,
    DEST_B,
    OWNER,
    SRC,
    add_rule,
    channel_message,
    message,
)

STOP_S = 5.0


@asynccontextmanager
async def working(
    bot: Bot, outbox: Outbox, index: RuleIndex, paused: list[tuple[int, str]], **options: Any
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
        **{"concurrency": 2, **options},
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


OTHER_SRC = -1001000000102
HEADER = [{"type": "header", "template": "News"}]


async def test_a_post_that_breaks_the_pipeline_goes_dead_and_the_workers_carry_on(
    db: str, tg: TelegramStandIn, bot: Bot, outbox: Outbox
) -> None:
    tg.user_sends(OWNER, "/start")  # the owner started the bot: alerts reach them
    index = RuleIndex()
    await add_rule(index, (DEST_A,), steps=HEADER)
    other = {"chat_id": OTHER_SRC, "thread_id": None, "title": "Other"}
    await add_rule(index, (DEST_B,), source=other, steps=HEADER, name="other")
    ingest = Ingest(index, outbox)
    # The bold entity starts inside the emoji's surrogate pair: no HTML can be made of it.
    poison = [{"type": "bold", "offset": 2, "length": 2}]
    await ingest.post(channel_message(1, text="a\U0001f600b", entities=poison))
    await ingest.post(channel_message(2, text="rates cut"))
    await ingest.post(channel_message(3, chat_id=OTHER_SRC, text="rates held"))
    poisoned = await Delivery.get(source_message_ids=[1])

    with capture_logs() as logs:
        async with working(bot, outbox, index, []) as workers:
            await wait_until(lambda: tg.bot_messages(DEST_B), message="the other chat's post")

            async def retrying() -> bool:
                await poisoned.refresh_from_db()
                return poisoned.status == PENDING and poisoned.attempts == 1

            await wait_until(retrying, message="the poisoned post waiting to retry")
            assert "UnicodeDecodeError" in (poisoned.last_error or "")
            assert tg.bot_messages(DEST_A) == []  # what follows it in its chat keeps its order

            # Two more tries, 1 s and 2 s later; then the next post of its chat goes.
            stalled_from = time.monotonic()
            await wait_until(
                lambda: tg.bot_messages(DEST_A), timeout=10, message="the post after it"
            )
            assert time.monotonic() - stalled_from < 5
            assert workers.alive == 2

    await poisoned.refresh_from_db()
    assert poisoned.status == DEAD
    assert "UnicodeDecodeError" in (poisoned.last_error or "")
    assert [m["text"] for m in tg.bot_messages(DEST_A)] == ["News\n\nrates cut"]
    assert [m["text"] for m in tg.bot_messages(DEST_B)] == ["News\n\nrates held"]
    crashes = [entry for entry in logs if entry["event"] == "delivery_crashed"]
    assert len(crashes) == CRASH_ATTEMPTS and all(entry.get("exc_info") for entry in crashes)
    alerts = [m["text"] for m in tg.bot_messages(OWNER)]
    assert sum("failed unexpectedly" in text for text in alerts) == 1  # the repeat is counted
    assert workers.failed == 1 and workers.sent == 2


async def test_a_delivery_slower_than_its_lease_is_sent_once_while_others_try_to_claim(
    db: str, tg: TelegramStandIn, bot: Bot
) -> None:
    groq = GroqStandIn(api_keys={"gsk_test"}, latency=1.5)
    await groq.start()
    ai = AiClient(api_key="gsk_test", base_url=groq.base_url, default_model=DEFAULT_GROQ_MODEL)
    index = RuleIndex()
    await add_rule(index, steps=[{"type": "rewrite", "tone": "formal"}])
    lease_s = 0.4
    outbox = Outbox("slow", lease_s=lease_s)
    await Ingest(index, outbox).post(channel_message(1, text="rates cut"))
    intruder = Outbox("intruder", lease_s=lease_s)
    taken: list[Claimed] = []

    async def keep_claiming() -> None:  # as another dyno does: reap, claim
        while True:
            await intruder.reap()
            taken.extend(await intruder.claim(5))
            await asyncio.sleep(0.02)

    try:
        async with working(bot, outbox, index, [], ai=ai, heartbeat_s=lease_s / 4):
            await wait_until(lambda: Delivery.filter(status="in_flight").exists())
            claiming = asyncio.create_task(keep_claiming())
            await wait_until(lambda: tg.bot_messages(DEST_A), timeout=15, message="the post")
            claiming.cancel()
    finally:
        await ai.close()
        await groq.stop()

    assert taken == []
    assert len(tg.bot_messages(DEST_A)) == 1
    assert await Delivery.filter(status=SENT).count() == 1


async def test_the_workers_outlive_the_outbox_table_going_away_for_a_while(
    db: str, tg: TelegramStandIn, bot: Bot, outbox: Outbox
) -> None:
    index = RuleIndex()
    await add_rule(index)
    admin = await asyncpg.connect(db)
    try:
        with capture_logs() as logs:
            async with working(bot, outbox, index, []) as workers:
                await admin.execute("ALTER TABLE deliveries RENAME TO deliveries_away")
                workers.wake()
                await wait_until(lambda: any(e["event"] == "worker_failed" for e in logs))
                await admin.execute("ALTER TABLE deliveries_away RENAME TO deliveries")
                await Ingest(index, outbox).post(message(tg.channel_post(SRC, "still here")))
                await wait_until(lambda: tg.bot_messages(DEST_A), message="the post after it")
                assert workers.alive == 2
    finally:
        await admin.close()
    failures = [e for e in logs if e["event"] == "worker_failed"]
    assert failures and all(e.get("exc_info") for e in failures)
