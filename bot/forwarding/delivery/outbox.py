"""The outbox: deliveries claimed by workers, in source order per destination chat.

A delivery is claimable when it is the oldest unfinished one of its destination chat, pending and
due. On Postgres a worker claims with ``FOR UPDATE SKIP LOCKED`` so any number of workers on any
number of dynos share the work without a coordinator; on SQLite (one process) a lock does the
same. A claim is a lease: if a worker dies, the lease runs out and the delivery becomes pending
again; at a clean stop a worker hands its claims back at once.

Finished rows stay (status ``sent``/``skipped``/``dead``) for a week: the unique key on them is
what turns a replayed update into a no-op.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

from tortoise import connections
from tortoise.transactions import in_transaction

from bot.runtime.db import is_postgres
from models import Delivery, MessageLink

PENDING, IN_FLIGHT, SENT, DEAD, SKIPPED, REVIEW, HELD = (
    "pending",
    "in_flight",
    "sent",
    "dead",
    "skipped",
    "review",
    "held",  # its rule is paused; goes back to pending when the rule resumes
)
UNFINISHED = (PENDING, IN_FLIGHT)
KEEP_FINISHED_S = 7 * 24 * 3600


@dataclass(frozen=True, slots=True)
class Claimed:
    id: int
    rule_id: int
    dest_chat_id: int
    dest_thread_id: int | None
    source_chat_id: int
    source_message_ids: tuple[int, ...]
    unit: str
    kind: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True, slots=True)
class Link:
    source_message_id: int
    dest_message_id: int
    part: int = 0


def _claimed(row: dict[str, Any]) -> Claimed:
    import json

    def js(value: Any) -> Any:
        return json.loads(value) if isinstance(value, str) else value

    return Claimed(
        id=row["id"],
        rule_id=row["rule_id"],
        dest_chat_id=row["dest_chat_id"],
        dest_thread_id=row["dest_thread_id"] or None,
        source_chat_id=row["source_chat_id"],
        source_message_ids=tuple(js(row["source_message_ids"])),
        unit=row["unit"],
        kind=row["kind"],
        payload=js(row["payload"]),
        attempts=row["attempts"],
    )


# A delivery is its chat's head when no earlier unfinished delivery exists for that chat. Written
# as NOT EXISTS (an index probe per candidate, on the partial indexes of migration 3) rather than
# a per-chat MIN(id): the plan stays cheap even when Postgres' row estimates are stale after a
# burst of new deliveries.
_IS_HEAD = """NOT EXISTS (
        SELECT 1 FROM deliveries e
        WHERE e.dest_chat_id = d.dest_chat_id AND e.id < d.id
          AND e.status IN ('pending', 'in_flight'))"""

_CLAIM_PG = f"""
UPDATE deliveries SET status = 'in_flight', claimed_by = $1, lease_until = $2,
       attempts = attempts + 1
WHERE id IN (
    SELECT d.id FROM deliveries d
    WHERE d.status = 'pending' AND d.due_at <= $3
      AND NOT (d.dest_chat_id = ANY($4::bigint[]))
      AND {_IS_HEAD}
    ORDER BY d.due_at, d.id
    LIMIT $5
    FOR UPDATE SKIP LOCKED
)
RETURNING *
"""


def _claim_sqlite(excluded: int) -> str:
    marks = ", ".join("?" * excluded)
    not_in = f"AND d.dest_chat_id NOT IN ({marks})" if excluded else ""
    return f"""
UPDATE deliveries SET status = 'in_flight', claimed_by = ?, lease_until = ?,
       attempts = attempts + 1
WHERE id IN (
    SELECT d.id FROM deliveries d
    WHERE d.status = 'pending' AND d.due_at <= ? {not_in}
      AND {_IS_HEAD}
    ORDER BY d.due_at, d.id
    LIMIT ?
)
RETURNING *
"""


class Outbox:
    def __init__(
        self, worker_id: str, lease_s: float = 120.0, clock: Callable[[], float] = time.time
    ) -> None:
        self.worker_id = worker_id
        self.lease_s = lease_s
        self.clock = clock
        self._sqlite_lock = asyncio.Lock()

    async def claim(self, limit: int, exclude_chats: Collection[int] = ()) -> list[Claimed]:
        now = self.clock()
        lease = now + self.lease_s
        conn = connections.get("default")
        if is_postgres():
            rows = await conn.execute_query_dict(
                _CLAIM_PG, [self.worker_id, lease, now, list(exclude_chats), limit]
            )
        else:
            async with self._sqlite_lock:
                params = [self.worker_id, lease, now, *exclude_chats, limit]
                rows = await conn.execute_query_dict(_claim_sqlite(len(exclude_chats)), params)
        return sorted((_claimed(r) for r in rows), key=lambda c: c.id)

    async def done(self, item: Claimed, links: Sequence[Link]) -> None:
        now = self.clock()
        async with in_transaction():
            if links:
                await MessageLink.bulk_create(
                    [
                        MessageLink(
                            rule_id=item.rule_id,
                            source_chat_id=item.source_chat_id,
                            source_message_id=link.source_message_id,
                            dest_chat_id=item.dest_chat_id,
                            dest_thread_id=item.dest_thread_id or 0,
                            dest_message_id=link.dest_message_id,
                            part=link.part,
                            created_at=now,
                        )
                        for link in links
                    ],
                    ignore_conflicts=True,
                )
            await self._finish(item.id, SENT, None)

    async def skip(self, item: Claimed, reason: str) -> None:
        await self._finish(item.id, SKIPPED, reason)

    async def dead(self, item: Claimed, error: str) -> None:
        await self._finish(item.id, DEAD, error)

    async def retry(self, item: Claimed, error: str, delay: float) -> None:
        """A transient failure: try again after ``delay``; the attempt counts."""
        await Delivery.filter(id=item.id, claimed_by=self.worker_id).update(
            status=PENDING,
            due_at=self.clock() + delay,
            lease_until=None,
            claimed_by=None,
            last_error=error[:1000],
        )

    async def postpone(self, item: Claimed, delay: float, reason: str) -> None:
        """Not a failure (a flood wait, a held AI step): wait, and the attempt does not count."""
        await Delivery.filter(id=item.id, claimed_by=self.worker_id).update(
            status=PENDING,
            due_at=self.clock() + delay,
            lease_until=None,
            claimed_by=None,
            attempts=max(0, item.attempts - 1),
            last_error=reason[:1000],
        )

    async def release_mine(self) -> int:
        """At a clean stop: hand back every claim this worker holds, untouched."""
        return await Delivery.filter(status=IN_FLIGHT, claimed_by=self.worker_id).update(
            status=PENDING, lease_until=None, claimed_by=None
        )

    async def reap(self) -> int:
        """Claims of workers that died go back to pending; old finished rows are dropped."""
        now = self.clock()
        expired = await Delivery.filter(status=IN_FLIGHT, lease_until__lt=now).update(
            status=PENDING, lease_until=None, claimed_by=None
        )
        await Delivery.filter(
            status__in=(SENT, SKIPPED), finished_at__lt=now - KEEP_FINISHED_S
        ).delete()
        return expired

    async def depth(self) -> dict[str, int]:
        conn = connections.get("default")
        rows = await conn.execute_query_dict(
            "SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status"
        )
        return {row["status"]: int(row["n"]) for row in rows}

    async def _finish(self, delivery_id: int, status: str, error: str | None) -> None:
        await Delivery.filter(id=delivery_id).update(
            status=status,
            finished_at=self.clock(),
            lease_until=None,
            last_error=error[:1000] if error else None,
        )
