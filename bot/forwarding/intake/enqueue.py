"""Writing deliveries fast: one multi-row insert into the outbox per polling batch.

The poller opens a ``Batch`` around each getUpdates batch; ingest adds rows to it instead of
writing each post on its own, and the batch goes to the outbox in one statement before the poller
confirms the batch to Telegram. Rows keep their order, so ids (and thus per-destination order)
follow the order posts arrived in. Outside a batch (tests, the album path) rows are written at
once. A replayed row hits the unique key and is skipped by the database.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar

from bot.forwarding.delivery.outbox import Outbox
from bot.forwarding.delivery.rows import NewDelivery


class Batch:
    """Rows waiting for the end of a polling batch, and the content already seen in it."""

    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox
        self.rows: list[NewDelivery] = []
        self.fingerprints: set[tuple[int, str]] = set()
        self.after_flush: set[Callable[[], None]] = set()  # e.g. waking the workers

    async def flush(self) -> int:
        rows, self.rows = self.rows, []
        try:
            await self.outbox.add(rows)
        except BaseException:
            self.rows[:0] = rows  # not written: the batch fails as a whole, nothing is lost
            raise
        if rows:
            for callback in self.after_flush:
                callback()
        return len(rows)


current_batch: ContextVar[Batch | None] = ContextVar("ingest_batch", default=None)


@asynccontextmanager
async def batch(outbox: Outbox) -> AsyncIterator[Batch]:
    """A unit of work: rows added inside are written to ``outbox`` when it ends without error."""
    opened = Batch(outbox)
    token = current_batch.set(opened)
    try:
        yield opened
        await opened.flush()
    finally:
        current_batch.reset(token)
