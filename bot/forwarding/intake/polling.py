"""Long polling that never confirms an update before it has been handled, nor stalls on one.

aiogram's own polling confirms an update (by asking for the next offset) while its handler may
still be running, so a crash at the wrong moment loses it. Here a batch from getUpdates is fed to
the Dispatcher first (updates of one chat in order, different chats concurrently) and only then is
the offset moved on. A crash means a replay, which the outbox's unique key makes harmless. The
deliveries of a batch are written in one statement at its end (``enqueue.batch``).

No update holds up the others: its strings are made storable first (``storable``), an update of
a type aiogram does not know is skipped, and one that still fails after ``MAX_TRIES`` polling
rounds is set aside (``quarantine``). When the batch's statement fails, its updates are tried
one at a time so the one to blame is found. The offset then moves up to the first update that
still waits for a retry; the updates after it that were handled are not handled again.

A failure because the database can't be reached is nobody's fault: it counts against no update
(an outage must not send good updates to quarantine), and the batch is fetched again after at
most ``DB_RETRY_MAX_S``, so polling resumes within seconds of the database's return.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramConflictError, TelegramNetworkError, TelegramServerError
from aiogram.types import Update
from aiogram.types.update import UpdateTypeLookupError

from bot.forwarding.delivery.outbox import Outbox
from bot.forwarding.intake import enqueue
from bot.forwarding.intake.quarantine import Quarantine, reason_of
from bot.forwarding.intake.storable import storable_update
from bot.runtime.alerts import Alerts
from bot.runtime.db import log_unavailable, unavailable
from bot.runtime.logging import get_logger

log = get_logger(__name__)

MAX_TRIES = 3  # polling rounds an update may fail before it is set aside
RETRY_MAX_S = 30.0  # Telegram unreachable: back off up to this
DB_RETRY_MAX_S = 4.0  # a batch that could not be stored: fetched again after at most this


def _is_known(update: Update) -> bool:
    try:
        update.event_type  # noqa: B018 - raises for an update type aiogram does not know
    except UpdateTypeLookupError:
        return False
    return True


def _chat_of(update: Update) -> object:
    event = update.event
    chat = getattr(event, "chat", None) or getattr(getattr(event, "message", None), "chat", None)
    return chat.id if chat is not None else ("update", update.update_id)


class Poller:
    def __init__(
        self,
        bot: Bot,
        dp: Dispatcher,
        outbox: Outbox,
        alerts: Alerts | None = None,
        timeout: int = 10,
        max_tries: int = MAX_TRIES,
    ) -> None:
        self.bot = bot
        self.dp = dp
        self.outbox = outbox
        self.quarantine = Quarantine(alerts)
        self.timeout = timeout
        self.max_tries = max_tries
        self.offset: int | None = None
        self.handled = 0
        self.skipped = 0  # updates of a type aiogram does not know
        self._tries: dict[int, int] = {}  # update id -> polling rounds it failed
        self._done: set[int] = set()  # handled (and stored) ids above the offset
        self._counted: set[int] = set()  # ids whose failure this round was counted
        self._db_down = False  # this round failed because the database can't be reached

    async def run(self, stop: asyncio.Event) -> None:
        # Callback queries always: an old button pressed after a deploy still gets its answer.
        allowed = sorted({*self.dp.resolve_used_update_types(), "callback_query"})
        delay = 1.0
        while not stop.is_set():
            fetch = asyncio.create_task(
                self.bot.get_updates(
                    offset=self.offset, timeout=self.timeout, allowed_updates=allowed
                )
            )
            stopped = asyncio.create_task(stop.wait())
            await asyncio.wait({fetch, stopped}, return_when=asyncio.FIRST_COMPLETED)
            stopped.cancel()
            if not fetch.done():
                fetch.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await fetch
                break
            try:
                updates = fetch.result()
            except TelegramConflictError:
                log.warning("polling_conflict", hint="another process polls this bot")
                delay = await self._back_off(stop, delay)
                continue
            except (TelegramNetworkError, TelegramServerError) as error:
                log.warning("polling_failed", error=str(error), retry_in=delay)
                delay = await self._back_off(stop, delay)
                continue
            if updates and not await self._handle(updates):
                # An update could not be handled yet: fetch it (and what follows) again.
                log.warning("batch_retry", retry_in=delay)
                delay = min(await self._back_off(stop, delay), DB_RETRY_MAX_S)
                continue
            delay = 1.0
        await self._confirm()

    async def _handle(self, updates: Sequence[Update]) -> bool:
        """One polling round over a batch; False when some update must be fetched again."""
        self._counted = set()
        todo = []
        for update in updates:
            if update.update_id in self._done:
                continue
            if _is_known(update):
                todo.append(storable_update(update, self.bot))
            else:
                log.info("update_skipped", update_id=update.update_id, reason="unknown type")
                self.skipped += 1
                self._done.add(update.update_id)
        self._db_down = False
        if todo and not await self._in_one_batch(todo) and not self._db_down:
            await self._one_by_one(todo)
        waiting = [u.update_id for u in updates if u.update_id not in self._done]
        self.offset = waiting[0] if waiting else updates[-1].update_id + 1
        self._done = {i for i in self._done if i >= self.offset}
        self._tries = {i: n for i, n in self._tries.items() if i >= self.offset}
        return not waiting

    async def _in_one_batch(self, updates: Sequence[Update]) -> bool:
        """Feed the updates as one unit of work: their deliveries are written in one statement."""
        handled: list[int] = []
        try:
            async with enqueue.batch(self.outbox):
                await self._feed_chats(updates, handled)
        except Exception as error:
            if unavailable(error):
                log_unavailable("batch_waits_for_database", error, updates=len(updates))
                self._db_down = True
            else:
                log.exception("batch_not_stored")
            return False
        self._done.update(handled)
        return True

    async def _one_by_one(self, updates: Sequence[Update]) -> None:
        """After a failed batch statement: each update in its own, in order per chat."""
        blocked: set[object] = set()
        for update in updates:
            chat = _chat_of(update)
            if self._db_down:
                break  # the rest waits for the database, uncounted
            if chat in blocked:
                continue
            handled: list[int] = []
            try:
                async with enqueue.batch(self.outbox):
                    await self._feed_chats([update], handled)
            except Exception as error:
                handled = [update.update_id] if await self._set_aside(update, error) else []
            if handled:
                self._done.update(handled)
            else:
                blocked.add(chat)

    async def feed(self, updates: Sequence[Update]) -> bool:
        """Handle updates (outside a batch too); False when some update must be fetched again."""
        handled: list[int] = []
        await self._feed_chats(updates, handled)
        return len(handled) == len(updates)

    async def _feed_chats(self, updates: Sequence[Update], handled: list[int]) -> None:
        by_chat: dict[object, list[Update]] = {}
        for update in updates:
            by_chat.setdefault(_chat_of(update), []).append(update)
        await asyncio.gather(*(self._feed_in_order(b, handled) for b in by_chat.values()))
        self.handled += len(updates)

    async def _feed_in_order(self, updates: list[Update], handled: list[int]) -> None:
        """Stop at the first update that fails (its chat's order is kept on the retry), unless it
        is set aside."""
        for update in updates:
            try:
                await self.dp.feed_update(self.bot, update)
            except Exception as error:
                # Only failures to store a post get here (the error router handles the rest).
                if not await self._set_aside(update, error):
                    return
            handled.append(update.update_id)

    async def _set_aside(self, update: Update, error: Exception) -> bool:
        """Count a failed round of the update; True once it is quarantined."""
        update_id = update.update_id
        if unavailable(error):
            log_unavailable("update_waits_for_database", error, update_id=update_id)
            self._db_down = True
            return False
        if update_id not in self._counted:
            self._counted.add(update_id)
            self._tries[update_id] = self._tries.get(update_id, 0) + 1
        tries = self._tries[update_id]
        log.warning("update_failed", update_id=update_id, tries=tries, exc_info=error)
        if tries < self.max_tries:
            return False
        return await self.quarantine.put(update, reason_of(error))

    async def _confirm(self) -> None:
        """Tell Telegram what was handled, so a restart does not replay it."""
        if self.offset is None:
            return
        with contextlib.suppress(Exception):
            await self.bot.get_updates(offset=self.offset, limit=1, timeout=0)

    @staticmethod
    async def _back_off(stop: asyncio.Event, delay: float) -> float:
        """Wait ``delay`` (or until stopped); the next, doubled delay, at most 30 s."""
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        return min(delay * 2, RETRY_MAX_S)
