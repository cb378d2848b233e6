"""History backfill as durable work: plan a job, then relay its posts in source order.

Runs only where the user account runs (the leader): jobs start or resume when the account
starts (``Backfills.resume`` is its on-start callback) and stop when it stops, staying
``running`` in the database for the next start. Each job pages the source's history (newest
first) into a plan saved before the first copy, then hands the posts, oldest first, one post or
album at a time, to ``Relay.relay``, saving the cursor after each. A restart (SIGKILL included)
resumes after the cursor; a post relayed just before a crash is not copied twice because the
relay refuses a post it already relayed.

FloodWait is obeyed exactly (the seconds asked, counted on the job); a cancel or a stop ends
the wait at once. The copies enter the bot as posts of the relay channel and go through the same
outbox as live posts. Live posts are not starved: the job yields after each post, a live post
of the same source waiting on the relay's per-source lock (first come, first served) is copied
before the job's next one, and other sources' relays use the account meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, TypeVar

import structlog
from aiogram import Bot
from tortoise.exceptions import IntegrityError

from bot.runtime.db import unavailable
from bot.runtime.i18n import owner_locale
from bot.runtime.logging import get_logger
from bot.userbot.backfill_plan import Amount, last_id, plan, restored
from bot.userbot.backfill_progress import (
    EDIT_EVERY_S,
    Pace,
    ProgressMessage,
    cancel_keyboard,
    progress_text,
)
from bot.userbot.interface import (
    Account,
    AccountError,
    AccountMessage,
    ChatUnavailable,
    FloodWait,
    ProtectedContent,
    SessionRevoked,
)
from models.backfill import CANCELLED, DONE, FAILED, RUNNING, BackfillJob

log = get_logger(__name__)

T = TypeVar("T")

PAUSE_S = 0.0  # after each post the loop yields: live relays waiting for the account go first
RETRY_S = (1.0, 2.0, 4.0)  # an account error other than those below is tried again after
CHECK_ACCOUNT_S = 1.0
DATABASE_RETRY_S = 5.0  # how often a flood wait looks whether the account is still there


class AccountSource(Protocol):
    """What the backfill needs of the account runner: the connected account, or None."""

    @property
    def account(self) -> Account | None: ...


class Relay(Protocol):
    async def relay(self, account: Account, messages: Sequence[AccountMessage]) -> bool: ...


class AlreadyRunning(Exception):
    def __init__(self, job: BackfillJob) -> None:
        super().__init__(f"backfill #{job.id} is running for this source")
        self.job = job


class _Stopped(Exception):
    """The job was cancelled, or the account or the bot stopped."""


class Backfills:
    """The backfill jobs of this process: started from the rule card, resumed with the account."""

    def __init__(
        self,
        bot: Bot,
        accounts: AccountSource,
        relay: Relay,
        *,
        pause_s: float = PAUSE_S,
        edit_every_s: float = EDIT_EVERY_S,
    ) -> None:
        self.bot = bot
        self.accounts = accounts
        self.relay = relay
        self.pause_s = pause_s
        self.edit_every_s = edit_every_s
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._stops: dict[int, asyncio.Event] = {}
        self._closing = False

    # -- what the rule card and the account runner call ------------------------------------

    async def begin(
        self,
        *,
        rule_id: int,
        source_chat_id: int,
        source_title: str,
        amount: Amount,
        chat_id: int,
        user_id: int,
    ) -> BackfillJob:
        """A new job, its progress message sent to ``chat_id``, started at once.

        Raises AlreadyRunning when one runs for this rule and source."""
        running = await BackfillJob.get_or_none(
            rule_id=rule_id, source_chat_id=source_chat_id, status=RUNNING
        )
        if running is not None:
            raise AlreadyRunning(running)
        now = time.time()
        try:
            job = await BackfillJob.create(
                rule_id=rule_id,
                source_chat_id=source_chat_id,
                source_title=source_title[:256],
                mode=amount.mode,
                limit=amount.limit,
                since=amount.since,
                created_by=user_id,
                created_at=now,
                updated_at=now,
            )
        except IntegrityError:  # another start won the race (the partial unique index)
            raise AlreadyRunning(
                await BackfillJob.get(
                    rule_id=rule_id, source_chat_id=source_chat_id, status=RUNNING
                )
            ) from None
        try:
            sent = await self.bot.send_message(
                chat_id, progress_text(job, Pace(0, None)), reply_markup=cancel_keyboard(job.id)
            )
        except BaseException:  # no progress message, no job: the owner may simply try again
            await job.delete()
            raise
        job.progress_chat_id, job.progress_message_id = chat_id, sent.message_id
        await BackfillJob.filter(id=job.id).update(
            progress_chat_id=chat_id, progress_message_id=sent.message_id
        )
        log.info("backfill_created", job=job.id, rule_id=rule_id, mode=amount.mode)
        self.start(job.id)
        return job

    async def resume(self, *_: object) -> None:
        """Start every job left running (the account's on-start callback)."""
        self._closing = False
        for job in await BackfillJob.filter(status=RUNNING).order_by("id").only("id"):
            self.start(job.id)

    def start(self, job_id: int) -> None:
        if self._closing or job_id in self._tasks:
            return
        self._stops[job_id] = asyncio.Event()
        task = asyncio.create_task(self._run(job_id), name=f"backfill-{job_id}")
        self._tasks[job_id] = task
        task.add_done_callback(lambda _t: self._forget(job_id))

    def is_running(self, job_id: int) -> bool:
        return job_id in self._tasks

    async def cancel(self, job_id: int) -> BackfillJob | None:
        """Mark the job cancelled and end its run here (its message then says so); None if it
        was not running. A job whose run is elsewhere (or nowhere) stops at its next post."""
        changed = await BackfillJob.filter(id=job_id, status=RUNNING).update(
            status=CANCELLED, finished_at=time.time(), updated_at=time.time()
        )
        if not changed:
            return None
        stop = self._stops.get(job_id)
        if stop is not None:
            stop.set()
        log.info("backfill_cancelled", job=job_id)
        return await BackfillJob.get(id=job_id)

    async def stop(self, timeout: float = 5.0) -> None:
        """End every run (the jobs stay running in the database, to resume at the next start)."""
        self._closing = True
        for stop in self._stops.values():
            stop.set()
        tasks = list(self._tasks.values())
        if tasks:
            _done, pending = await asyncio.wait(tasks, timeout=timeout)
            for task in pending:
                task.cancel()

    def _forget(self, job_id: int) -> None:
        self._tasks.pop(job_id, None)
        self._stops.pop(job_id, None)

    # -- one job ---------------------------------------------------------------------------

    async def _run(self, job_id: int) -> None:
        # Not the log context of the update that started it (the task copied it): its own.
        structlog.contextvars.clear_contextvars()
        structlog.contextvars.bind_contextvars(backfill=job_id)
        stop = self._stops[job_id]
        while not stop.is_set():
            try:
                await self._run_once(job_id, stop)
                return
            except Exception as error:
                if not unavailable(error):
                    raise
                # The database is away: the job stays as saved; go on when it is back.
                log.warning("backfill_database_lost", job=job_id)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), DATABASE_RETRY_S)

    async def _run_once(self, job_id: int, stop: asyncio.Event) -> None:
        job = await BackfillJob.get_or_none(id=job_id)
        if job is None or job.status != RUNNING:
            return
        async with owner_locale(job.created_by or 0):
            run = _Run(self, job, stop)
            try:
                await run.go()
            except _Stopped:
                await run.stopped()
            except SessionRevoked:
                log.warning("backfill_account_lost", job=job_id)  # resumes with a new session
            except AccountError as error:
                await run.fail(str(error))
            except Exception as error:  # one job's bug must not stop the others
                if unavailable(error):
                    raise
                log.exception("backfill_crashed", job=job_id)
                await run.fail(f"unexpected error ({type(error).__name__})")


class _Run:
    """One run of one job in this process (from its start or resume to its end or stop)."""

    def __init__(self, owner: Backfills, job: BackfillJob, stop: asyncio.Event) -> None:
        self.owner = owner
        self.job = job
        self.stop = stop
        self.progress = ProgressMessage(owner.bot, job, owner.edit_every_s)
        self.began = time.monotonic()
        self.done_at_start = job.done

    def account(self) -> Account:
        account = self.owner.accounts.account
        if account is None or self.stop.is_set():
            raise _Stopped
        return account

    def pace(self) -> Pace:
        job = self.job
        if job.status == DONE and job.started_at and job.finished_at:
            return Pace.of(job.done, job.finished_at - job.started_at, 0)
        return Pace.of(
            job.done - self.done_at_start, time.monotonic() - self.began, job.total - job.done
        )

    async def go(self) -> None:
        job = self.job
        if not job.planned:
            await self.make_plan()
        if job.started_at is None:
            job.started_at = time.time()
            await BackfillJob.filter(id=job.id).update(started_at=job.started_at)
        self.began, self.done_at_start = time.monotonic(), job.done
        for unit in job.units:
            if last_id(unit) <= job.cursor:
                continue
            relayed = await self.obeying_flood(
                functools.partial(self.relay, restored(job.source_chat_id, unit))
            )
            job.cursor = last_id(unit)
            job.done += 1
            job.skipped += not relayed
            if not await self.save(cursor=job.cursor, done=job.done, skipped=job.skipped):
                raise _Stopped  # cancelled, perhaps from another process
            await self.progress.show(progress_text(job, self.pace()))
            await asyncio.sleep(self.owner.pause_s)
        job.status, job.finished_at = DONE, time.time()
        if await self.save(status=DONE, finished_at=job.finished_at):
            log.info("backfill_done", job=job.id, done=job.done, flood_waits=job.flood_waits)
            await self.progress.show(progress_text(job, self.pace()), final=True)
        else:
            await self.stopped()

    async def make_plan(self) -> None:
        job = self.job

        async def fetch(before_id: int) -> Sequence[AccountMessage]:
            return await self.obeying_flood(
                lambda: self.account().history(job.source_chat_id, before_id=before_id)
            )

        async def found(count: int) -> None:
            await self.progress.show(progress_text(job, self.pace(), found=count))

        units = await plan(fetch, Amount(job.limit, job.since), found=found)
        job.units, job.total, job.planned = units, len(units), True
        if not await self.save(units=units, total=job.total, planned=True):
            raise _Stopped
        log.info("backfill_planned", job=job.id, total=job.total)

    async def relay(self, messages: Sequence[AccountMessage]) -> bool:
        try:
            return await self.owner.relay.relay(self.account(), messages)
        except ProtectedContent:
            return False

    async def obeying_flood(self, call: Callable[[], Awaitable[T]]) -> T:
        """``call()``, again after each FloodWait, having waited exactly the seconds asked.

        Another account error is tried again after 1, 2 and 4 s (a network blip; or the
        account going away, which then ends the run) before it fails the job; a chat the
        account cannot read fails it at once."""
        troubles = 0
        while True:
            try:
                return await call()
            except (ChatUnavailable, SessionRevoked, ProtectedContent):
                raise
            except FloodWait as wait:
                job = self.job
                job.flood_waits += 1
                job.flood_seconds += wait.seconds
                log.info("backfill_flood_wait", job=job.id, seconds=wait.seconds)
                if not await self.save(
                    flood_waits=job.flood_waits, flood_seconds=job.flood_seconds
                ):
                    raise _Stopped from None
                if job.planned:
                    text = progress_text(job, self.pace(), waiting_s=wait.seconds)
                    await self.progress.show(text)
                await self.wait(wait.seconds)
            except AccountError as error:
                if troubles == len(RETRY_S):
                    raise
                log.info("backfill_account_error", job=self.job.id, error=str(error))
                await self.wait(RETRY_S[troubles])
                troubles += 1

    async def wait(self, seconds: float) -> None:
        """Sleep ``seconds``; a stop, a cancel or the account going away ends it (_Stopped)."""
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self.stop.wait(), min(left, CHECK_ACCOUNT_S))
            self.account()  # raises _Stopped when the wait should end

    async def save(self, **fields: object) -> bool:
        """Write ``fields`` while the job still runs; False when it was cancelled meanwhile."""
        fields["updated_at"] = time.time()
        return bool(await BackfillJob.filter(id=self.job.id, status=RUNNING).update(**fields))

    async def stopped(self) -> None:
        """Cancelled: the message says so with what was done. Otherwise (the account or the
        bot stopping) the job stays running, to resume at the next start."""
        fresh = await BackfillJob.get_or_none(id=self.job.id)
        if fresh is None or fresh.status != CANCELLED:
            log.info("backfill_paused", job=self.job.id, done=self.job.done)
            return
        job = self.job
        job.status, job.finished_at = CANCELLED, fresh.finished_at
        await self.progress.show(progress_text(job, self.pace()), final=True)

    async def fail(self, reason: str) -> None:
        job = self.job
        job.status, job.error, job.finished_at = FAILED, reason[:500], time.time()
        if await self.save(status=FAILED, error=job.error, finished_at=job.finished_at):
            log.warning("backfill_failed", job=job.id, reason=job.error)
            await self.progress.show(progress_text(job, self.pace()), final=True)
