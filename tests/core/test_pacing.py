"""Quiet hours and pacing per destination, as the outbox's claim applies them: a post due in the
quiet window waits until it ends (a rule's delay included), a burst leaves one post per interval in
source order, two claimers on one database keep the interval, and edits of sent copies go at once.

The clocks are fake: "now" is an argument of the claim, so the window is tested at any hour."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.forwarding.delivery import pacing
from bot.forwarding.delivery.outbox import Claimed, Outbox
from bot.forwarding.delivery.pacing import Window
from bot.forwarding.intake.ingest import Ingest
from bot.forwarding.rules.index import RuleIndex
from bot.runtime.db import close_db, open_db, upgrade_schema
from models import Delivery
from tests.conftest import PG_URL, truncate_all
from tests.core.conftest import DEST_A, DEST_B, SRC, add_rule, channel_message

MOSCOW = ZoneInfo("Europe/Moscow")


def at(hour: int, minute: int = 0, day: int = 2) -> float:
    """An instant of 2026-12-``day`` in Moscow, as epoch seconds."""
    return datetime(2026, 12, day, hour, minute, tzinfo=MOSCOW).timestamp()


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=["postgres", "sqlite"])
async def database(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_database: None
) -> AsyncIterator[str]:
    """Tortoise opened on an emptied Postgres (the claim tests quiet hours in SQL there), or on a
    new SQLite file (the same test made in Python)."""
    if request.param == "postgres":
        await truncate_all()
        url = PG_URL
    else:
        url = f"sqlite://{tmp_path}/bot.sqlite3"
        await upgrade_schema(url)
    await open_db(url)
    try:
        yield url
    finally:
        await close_db()


async def post(ingest: Ingest, *message_ids: int) -> None:
    for message_id in message_ids:
        await ingest.post(channel_message(message_id, text=f"post {message_id}"))


async def claim_units(outbox: Outbox) -> list[str]:
    return [item.unit for item in await outbox.claim(10)]


async def test_a_post_in_quiet_hours_waits_until_the_window_ends(database: str) -> None:
    await pacing.set_timezone("Europe/Moscow")
    await pacing.set_quiet(DEST_A, Window(23 * 60, 7 * 60))  # wraps midnight
    clock = Clock(at(23, 30))
    outbox = Outbox("w1", clock=clock)
    index = RuleIndex()
    await add_rule(index, dests=(DEST_A, DEST_B))
    await post(Ingest(index, outbox, clock=clock), 1)

    assert await claim_units(outbox) == ["m:1"]  # Dest B has no quiet hours
    for hour, minute, day in ((23, 30, 2), (0, 0, 3), (3, 15, 3), (6, 59, 3)):
        clock.now = at(hour, minute, day)
        assert await claim_units(outbox) == [], f"claimed at {hour}:{minute:02d}"
    clock.now = at(7, 0, 3)
    claimed = await outbox.claim(10)
    assert [(c.unit, c.dest_chat_id) for c in claimed] == [("m:1", DEST_A)]


async def test_a_window_that_does_not_wrap_holds_only_inside_it(database: str) -> None:
    await pacing.set_timezone("Europe/Moscow")
    await pacing.set_quiet(DEST_A, Window(60, 7 * 60))
    clock = Clock(at(0, 59))
    outbox = Outbox("w1", clock=clock)
    index = RuleIndex()
    await add_rule(index)
    await post(Ingest(index, outbox, clock=clock), 1, 2)

    claimed = await outbox.claim(10)  # 00:59: not quiet yet
    assert [c.unit for c in claimed] == ["m:1"]
    await outbox.done(claimed[0], [])
    clock.now = at(1, 0)
    assert await claim_units(outbox) == []
    clock.now = at(7, 0)
    assert await claim_units(outbox) == ["m:2"]


async def test_the_quiet_hours_follow_the_owners_time_zone(database: str) -> None:
    await pacing.set_quiet(DEST_A, Window(1 * 60, 7 * 60))
    clock = Clock(at(2, 10))  # 02:10 in Moscow is 23:10 UTC
    outbox = Outbox("w1", clock=clock)
    index = RuleIndex()
    await add_rule(index)
    await post(Ingest(index, outbox, clock=clock), 1)
    await pacing.set_timezone("europe/moscow")  # typed in any case, stored as spelled

    assert await pacing.timezone() == "Europe/Moscow"
    assert await claim_units(outbox) == []
    await pacing.set_timezone("UTC")
    assert await claim_units(outbox) == ["m:1"]


async def test_a_delayed_post_due_in_quiet_hours_goes_when_they_end(database: str) -> None:
    await pacing.set_timezone("Europe/Moscow")
    await pacing.set_quiet(DEST_A, Window(1 * 60, 7 * 60))
    posted = at(1, 40)
    clock = Clock(posted)
    outbox = Outbox("w1", clock=clock)
    index = RuleIndex()
    await add_rule(index, delay_minutes=30)
    ingest = Ingest(index, outbox, clock=clock)
    await ingest.post(channel_message(1, text="late news", date=int(posted)))

    assert (await Delivery.get(unit="m:1")).due_at == at(2, 10)
    clock.now = at(2, 10)
    assert await claim_units(outbox) == []  # due, but quiet
    clock.now = at(7, 0)
    assert await claim_units(outbox) == ["m:1"]


async def test_a_burst_leaves_one_post_per_interval_in_source_order(database: str) -> None:
    await pacing.set_interval(DEST_A, 60)
    start = at(12, 0)
    clock = Clock(start)
    outbox = Outbox("w1", clock=clock)
    index = RuleIndex()
    await add_rule(index, dests=(DEST_A, DEST_B))
    await post(Ingest(index, outbox, clock=clock), 1, 2, 3, 4)

    sent: list[tuple[float, str]] = []
    other = 0
    while clock.now < start + 400:
        for item in await outbox.claim(10):
            if item.dest_chat_id == DEST_A:
                sent.append((clock.now - start, item.unit))
            else:
                other += 1
            await outbox.done(item, [])
        clock.now += 5
    assert sent == [(0, "m:1"), (60, "m:2"), (120, "m:3"), (180, "m:4")]
    assert other == 4  # Dest B has no interval: its four went one after another at once


async def test_an_edit_of_a_sent_copy_goes_at_once_in_quiet_hours_and_is_not_paced(
    database: str,
) -> None:
    await pacing.set_timezone("Europe/Moscow")
    await pacing.set_interval(DEST_A, 600)
    clock = Clock(at(22, 50))
    outbox = Outbox("w1", clock=clock)
    index = RuleIndex()
    await add_rule(index)
    ingest = Ingest(index, outbox, clock=clock)
    await post(ingest, 1)
    (first,) = await outbox.claim(10)
    await outbox.done(first, [])
    await pacing.set_quiet(DEST_A, Window(23 * 60, 7 * 60))
    clock.now = at(23, 30)
    await post(ingest, 2)  # waits for the morning
    await ingest.edit(channel_message(1, text="post 1, corrected", edit_date=int(clock.now)))

    claimed = await outbox.claim(10)
    assert [c.kind for c in claimed] == ["edit"]
    await outbox.done(claimed[0], [])
    clock.now = at(7, 0, day=3)
    assert await claim_units(outbox) == ["m:2"]


async def test_a_shorter_interval_counts_from_the_last_post(database: str) -> None:
    await pacing.set_interval(DEST_A, 1800)
    clock = Clock(at(12, 0))
    outbox = Outbox("w1", clock=clock)
    index = RuleIndex()
    await add_rule(index)
    await post(Ingest(index, outbox, clock=clock), 1, 2)
    (first,) = await outbox.claim(10)
    await outbox.done(first, [])

    await pacing.set_interval(DEST_A, 60)
    clock.now = at(12, 0) + 59
    assert await claim_units(outbox) == []
    clock.now = at(12, 1)
    assert await claim_units(outbox) == ["m:2"]
    assert (await pacing.pacing_of(DEST_A)).interval_s == 60


async def test_two_claimers_on_one_database_keep_the_interval(db: str) -> None:
    """Two workers (two dynos) claim at the same instants, on their own connections: the chat
    still gets one post per interval, in source order."""
    await pacing.set_interval(DEST_A, 30)
    start = at(9, 0)
    clock = Clock(start)
    claimers = [Outbox("dyno-1", clock=clock), Outbox("dyno-2", clock=clock)]
    index = RuleIndex()
    await add_rule(index)
    await post(Ingest(index, claimers[0], clock=clock), *range(1, 9))

    sent: list[tuple[float, str, str]] = []

    async def turn(outbox: Outbox) -> list[Claimed]:
        return await outbox.claim(5)

    while clock.now < start + 300:
        batches = await asyncio.gather(*(turn(o) for o in claimers for _ in range(3)))
        owners = [o for o in claimers for _ in range(3)]
        for outbox, items in zip(owners, batches, strict=True):
            for item in items:
                sent.append((clock.now - start, item.unit, outbox.worker_id))
                await outbox.done(item, [])
        clock.now += 2.5
    assert [unit for _, unit, _ in sent] == [f"m:{n}" for n in range(1, 9)]
    times = [when for when, _, _ in sent]
    assert all(b - a >= 30 for a, b in itertools.pairwise(times))
    assert times[-1] <= 7 * 30 + 2.5  # and no slower than the interval asks


async def test_settings_are_read_back_as_the_owner_set_them(database: str) -> None:
    assert await pacing.pacing_of(SRC) == pacing.Pacing(SRC)
    await pacing.set_quiet(DEST_A, Window(23 * 60, 7 * 60))
    await pacing.set_interval(DEST_A, 300)
    await pacing.set_quiet(DEST_B, Window(60, 120))
    await pacing.set_quiet(DEST_B, None)

    shown = await pacing.all_pacing()
    assert shown[DEST_A] == pacing.Pacing(DEST_A, Window(23 * 60, 7 * 60), 300)
    assert shown[DEST_B] == pacing.Pacing(DEST_B)
    with pytest.raises(ValueError):
        await pacing.set_timezone("Mars/Olympus")
    assert await pacing.timezone() == "UTC"
