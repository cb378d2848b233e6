"""Telegram's flood limits for all the bot's processes together, kept in Postgres.

Telegram counts per bot, not per dyno: 30 messages a second overall, about one a second in a chat,
20 a minute in a group or channel. Every process's limiter therefore reserves its sends in the
database, and the same windows as the local limiter (``ratelimit.py``) are counted there:

* ``flood_sends`` holds each grant (chat, time, messages) for the longest window, a minute: the
  overall window and a group's window are sums over it;
* ``flood_chats`` holds, per chat, the time before which it takes nothing: one interval after a
  send, the end of a full group minute, or the ``retry_after`` of a 429 any process saw.

One reservation is one statement, ``SELECT * FROM flood_acquire(…)`` (a PL/pgSQL function of
migration 5): under a transaction-scoped advisory lock, so that the cluster's grants are made one
at a time on the database's single clock, it checks the three windows, records the grant when all
allow it (and deletes rows that fell out of every window), and answers the wait otherwise, with
the chats cooling right now. One round trip per send, the lock held for well under a millisecond;
a sliding window of rows rather than a token bucket because a bucket's burst would break
Telegram's windows, and a function rather than a client-side transaction because the lock, the
reads and the writes must follow one another (one statement runs on one snapshot) and a
transaction would cost four round trips.

The cooling chats come back with every reservation and feed :meth:`cooling`, so the outbox's claim
skips chats that another process has just used. Within a process, one worker at a time asks the
database (the others queue on a lock in arrival order, as with the local limiter); a worker whose
own chat must wait sleeps without holding that lock. :meth:`penalize` holds the chat here at once
and records the hold for the others in the background.

When the database can't be reached the limiter falls back to this process's own windows (logged
once, by ``SharedLink``) and tries the database again a few seconds later.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import NamedTuple

from tortoise import connections

from bot.forwarding.delivery.ratelimit import RateLimiter
from bot.runtime.shared import SharedLink

RESERVE = "SELECT * FROM flood_acquire($1, $2, $3, $4, $5, $6, $7)"
HOLD = (
    "INSERT INTO flood_chats AS f (chat_id, free_at) "
    "VALUES ($1, extract(epoch FROM clock_timestamp()) + $2) "
    "ON CONFLICT (chat_id) DO UPDATE SET free_at = greatest(f.free_at, EXCLUDED.free_at)"
)


class Reservation(NamedTuple):
    wait_s: float  # 0: granted
    chat_wait_s: float  # the part of the wait owed to the chat itself


@dataclass
class ClusterRateLimiter(RateLimiter):
    link: SharedLink = field(default_factory=lambda: SharedLink("flood_limits"))
    _holds: set[asyncio.Task[object]] = field(default_factory=set)

    def penalize(self, chat_id: int, retry_after: float) -> None:
        super().penalize(chat_id, retry_after)
        task = asyncio.get_running_loop().create_task(
            self.link.run(lambda: _execute(HOLD, [chat_id, float(retry_after)]))
        )
        self._holds.add(task)
        task.add_done_callback(self._holds.discard)

    async def acquire(self, chat_id: int, count: int = 1) -> None:
        count = max(1, min(count, self.limits.global_per_window))
        while True:
            async with self._lock:
                reservation = await self._reserve_in_turn(chat_id, count)
                if reservation is None:
                    break
                if reservation.wait_s <= 0:
                    self._record(chat_id, count, self.clock())
                    return
            self.waited_s += reservation.chat_wait_s
            await asyncio.sleep(reservation.chat_wait_s)
        await super().acquire(chat_id, count)

    async def _reserve_in_turn(self, chat_id: int, count: int) -> Reservation | None:
        """A grant, a wait owed to the chat, or None (the database is unreachable); waits for
        the overall window are slept here, holding this process's turn."""
        while True:
            reservation = await self.link.run(lambda: self._reserve(chat_id, count))
            if reservation is None or reservation.wait_s <= 0 or reservation.chat_wait_s > 0:
                return reservation
            self.waited_s += reservation.wait_s
            await asyncio.sleep(reservation.wait_s)

    async def _reserve(self, chat_id: int, count: int) -> Reservation:
        limits = self.limits
        _, rows = await connections.get("default").execute_query(
            RESERVE,
            [
                chat_id,
                count,
                limits.per_chat_interval,
                limits.group_per_window,
                limits.group_window,
                limits.global_per_window,
                limits.global_window,
            ],
        )
        row = rows[0]
        now = self.clock()
        for chat, seconds in zip(row["cooling_chats"], row["cooling_s"], strict=True):
            self._chat_next[chat] = max(self._chat_next.get(chat, 0.0), now + seconds)
        return Reservation(row["wait_s"], row["chat_wait_s"])


async def _execute(statement: str, values: list[object]) -> bool:
    await connections.get("default").execute_query(statement, values)
    return True
