"""Long polling that never confirms an update before it has been handled.

aiogram's own polling confirms an update (by asking for the next offset) while its handler may
still be running, so a crash at the wrong moment loses it. Here a batch from getUpdates is fed to
the Dispatcher first (updates of one chat in order, different chats concurrently) and only then is
the offset moved on. A crash means a replay, which the outbox's unique key makes harmless. The
deliveries of a batch are written in one statement at its end (``enqueue.batch``).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramConflictError, TelegramNetworkError, TelegramServerError
from aiogram.types import Update

from bot.forwarding.delivery.outbox import Outbox
from bot.forwarding.intake import enqueue
from bot.runtime.logging import get_logger

log = get_logger(__name__)


def _chat_of(update: Update) -> object:
    event = update.event
    chat = getattr(event, "chat", None) or getattr(getattr(event, "message", None), "chat", None)
    return chat.id if chat is not None else ("update", update.update_id)


class Poller:
    def __init__(self, bot: Bot, dp: Dispatcher, outbox: Outbox, timeout: int = 10) -> None:
        self.bot = bot
        self.dp = dp
        self.outbox = outbox
        self.timeout = timeout
        self.offset: int | None = None
        self.handled = 0

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
                await self._pause(stop, delay)
                delay = min(delay * 2, 30.0)
                continue
            except (TelegramNetworkError, TelegramServerError) as error:
                log.warning("polling_failed", error=str(error), retry_in=delay)
                await self._pause(stop, delay)
                delay = min(delay * 2, 30.0)
                continue
            if updates and not await self._handle(updates):
                # A post could not be stored: keep the offset, fetch the batch again.
                log.warning("batch_retry", retry_in=delay)
                await self._pause(stop, delay)
                delay = min(delay * 2, 30.0)
                continue
            delay = 1.0
            if updates:
                self.offset = updates[-1].update_id + 1
        await self._confirm()

    async def _handle(self, updates: Sequence[Update]) -> bool:
        """Feed a batch as one unit of work: its deliveries are written in one statement."""
        try:
            async with enqueue.batch(self.outbox):
                return await self.feed(updates)
        except Exception:
            log.exception("batch_not_stored")
            return False

    async def feed(self, updates: Sequence[Update]) -> bool:
        """Handle a batch; False when some update must be fetched again."""
        by_chat: dict[object, list[Update]] = {}
        for update in updates:
            by_chat.setdefault(_chat_of(update), []).append(update)
        results = await asyncio.gather(*(self._feed_in_order(b) for b in by_chat.values()))
        self.handled += len(updates)
        return all(results)

    async def _feed_in_order(self, updates: list[Update]) -> bool:
        for update in updates:
            try:
                await self.dp.feed_update(self.bot, update)
            except Exception:
                # Only failures to store a post get here (the error router handles the rest and
                # has already alerted): stop this chat's batch so its order is kept on the retry.
                log.exception("update_failed", update_id=update.update_id)
                return False
        return True

    async def _confirm(self) -> None:
        """Tell Telegram what was handled, so a restart does not replay it."""
        if self.offset is None:
            return
        with contextlib.suppress(Exception):
            await self.bot.get_updates(offset=self.offset, limit=1, timeout=0)

    @staticmethod
    async def _pause(stop: asyncio.Event, seconds: float) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)
