"""The backfill runner on its own: small fakes of the account and the relay, the real Bot against
the Telegram stand-in for its progress message, real Postgres for the job."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import pytest
from aiogram import Bot

from bot.userbot.backfill import Backfills
from bot.userbot.backfill_plan import Amount
from bot.userbot.interface import Account, AccountMessage, FloodWait
from models.backfill import CANCELLED, DONE, RUNNING, BackfillJob
from sandbox.telegram.standin import TelegramStandIn
from tests.conftest import wait_until
from tests.core.conftest import OWNER, SRC

NOW = 1_764_000_000.0


class FakeAccount:
    """A source with ``count`` posts (ids 1..count, one a minute); every ``flood_every``-th
    copy asks for a FloodWait of ``flood_s`` first."""

    def __init__(self, count: int) -> None:
        self.history_calls = 0
        self.posts = [
            AccountMessage(chat_id=SRC, message_id=n, date=NOW + 60 * n)
            for n in range(1, count + 1)
        ]

    async def history(
        self, chat_id: int, *, before_id: int = 0, limit: int = 100
    ) -> list[AccountMessage]:
        self.history_calls += 1
        below = [m for m in reversed(self.posts) if not before_id or m.message_id < before_id]
        return below[:limit]


class FakeRelay:
    """Records what it relayed; refuses a post it already relayed, as the real one does."""

    def __init__(self, flood_at: Sequence[int] = (), flood_s: float = 0.0) -> None:
        self.relayed: list[tuple[int, ...]] = []
        self.offered: list[tuple[int, ...]] = []
        self.flood_at = set(flood_at)
        self.flood_s = flood_s
        self.gate: asyncio.Event | None = None  # when set, each relay waits for it

    async def relay(self, account: Account, messages: Sequence[AccountMessage]) -> bool:
        ids = tuple(m.message_id for m in messages)
        if self.gate is not None:
            await self.gate.wait()
        if ids[0] in self.flood_at:
            self.flood_at.discard(ids[0])
            raise FloodWait(self.flood_s)
        self.offered.append(ids)
        if ids in self.relayed:
            return False
        self.relayed.append(ids)
        return True


@pytest.fixture(autouse=True)
def owner_chat(tg: TelegramStandIn) -> None:
    """The owner has talked to the bot, so it may send them the progress message."""
    tg.user_sends(OWNER, "/rules")


class Runner:
    """The account runner as the backfill sees it: the connected account, or None."""

    def __init__(self, account: FakeAccount | None) -> None:
        self.account: Any = account


async def start(backfills: Backfills, amount: Amount) -> BackfillJob:
    return await backfills.begin(
        rule_id=1,
        source_chat_id=SRC,
        source_title="Source",
        amount=amount,
        chat_id=OWNER,
        user_id=OWNER,
    )


async def finished(job_id: int, status: str = DONE) -> BackfillJob:
    async def ended() -> BackfillJob | None:
        job = await BackfillJob.get(id=job_id)
        return job if job.status == status else None

    return await wait_until(ended, timeout=20)


async def test_the_last_n_posts_are_relayed_oldest_first_and_the_message_ends_done(
    db: str, tg: TelegramStandIn, bot: Bot
) -> None:
    relay = FakeRelay()
    backfills = Backfills(bot, Runner(FakeAccount(250)), relay, pause_s=0, edit_every_s=0)
    job = await start(backfills, Amount(limit=120))
    done = await finished(job.id)
    assert relay.relayed == [(n,) for n in range(131, 251)]
    assert (done.done, done.total, done.cursor, done.skipped) == (120, 120, 250, 0)
    (progress,) = tg.bot_messages(OWNER)
    assert progress["message_id"] == done.progress_message_id
    assert "✅ Done: 120 of 120 posts" in progress["text"]
    assert "reply_markup" not in progress  # no Cancel once it ended


async def test_a_flood_wait_is_obeyed_and_counted(db: str, tg: TelegramStandIn, bot: Bot) -> None:
    relay = FakeRelay(flood_at=(3, 7), flood_s=0.3)
    backfills = Backfills(bot, Runner(FakeAccount(10)), relay, pause_s=0, edit_every_s=0)
    loop = asyncio.get_running_loop()
    began = loop.time()
    job = await start(backfills, Amount(limit=10))
    done = await finished(job.id)
    assert loop.time() - began >= 0.6
    assert (done.flood_waits, done.flood_seconds) == (2, 0.6)
    assert relay.relayed == [(n,) for n in range(1, 11)]
    assert "Flood waits obeyed: 2" in tg.bot_messages(OWNER)[0]["text"]


async def test_cancel_ends_a_flood_wait_at_once_and_says_what_was_done(
    db: str, tg: TelegramStandIn, bot: Bot
) -> None:
    relay = FakeRelay(flood_at=(4,), flood_s=600)
    backfills = Backfills(bot, Runner(FakeAccount(10)), relay, pause_s=0, edit_every_s=0)
    job = await start(backfills, Amount(limit=10))
    await wait_until(lambda: BackfillJob.filter(id=job.id, flood_waits=1).exists())
    assert await backfills.cancel(job.id) is not None
    await wait_until(lambda: not backfills.is_running(job.id), timeout=5)
    cancelled = await BackfillJob.get(id=job.id)
    assert (cancelled.status, cancelled.done) == (CANCELLED, 3)
    text = tg.bot_messages(OWNER)[0]["text"]
    assert "Cancelled: 3 of 10 posts done" in text
    assert await backfills.cancel(job.id) is None  # a second press changes nothing


async def test_a_stopped_job_resumes_after_its_cursor_with_nothing_doubled(
    db: str, tg: TelegramStandIn, bot: Bot
) -> None:
    relay = FakeRelay()
    relay.gate = asyncio.Event()
    account = FakeAccount(30)
    first = Backfills(bot, Runner(account), relay, pause_s=0, edit_every_s=0)
    job = await start(first, Amount(limit=30))
    await wait_until(lambda: BackfillJob.filter(id=job.id, planned=True).exists())
    relay.gate.set()
    await wait_until(lambda: BackfillJob.filter(id=job.id, done__gte=10).exists())
    await first.stop()
    stopped = await BackfillJob.get(id=job.id)
    assert stopped.status == RUNNING and stopped.done < 30

    # As after a crash right after a copy: the cursor is one post behind the relay.
    await BackfillJob.filter(id=job.id).update(cursor=stopped.cursor - 1, done=stopped.done - 1)
    history_calls = account.history_calls
    second = Backfills(bot, Runner(account), relay, pause_s=0, edit_every_s=0)
    await second.resume()
    done = await finished(job.id)
    assert relay.relayed == [(n,) for n in range(1, 31)]
    assert (done.done, done.skipped) == (30, 1)  # the one relayed before the "crash"
    assert account.history_calls == history_calls  # the saved plan, not the history again


async def test_no_account_no_run_and_the_job_waits(db: str, tg: TelegramStandIn, bot: Bot) -> None:
    runner = Runner(None)
    relay = FakeRelay()
    backfills = Backfills(bot, runner, relay, pause_s=0, edit_every_s=0)
    job = await start(backfills, Amount(limit=5))
    await wait_until(lambda: not backfills.is_running(job.id), timeout=5)
    assert (await BackfillJob.get(id=job.id)).status == RUNNING
    runner.account = FakeAccount(5)
    await backfills.resume()
    await finished(job.id)
    assert relay.relayed == [(n,) for n in range(1, 6)]
