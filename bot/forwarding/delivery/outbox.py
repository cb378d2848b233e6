"""The outbox: deliveries claimed by workers, in source order per destination chat.

A delivery is claimable when it is the oldest unfinished one of its destination chat, pending and
due, and its chat is not held by its quiet hours or its interval between posts (``pacing.py``;
an edit of a copy already sent is never held). On Postgres a worker claims with ``FOR UPDATE
SKIP LOCKED`` so any number of workers on any number of dynos share the work without a
coordinator; on SQLite (one process) a lock does the same. A claim is a lease of ``LEASE_S``
seconds, renewed while the work runs (``lease.py``): if its worker dies, the lease runs out and
the next reap makes the delivery pending again; at a clean stop a worker hands its claims back.

Finished rows stay (status ``sent``/``skipped``/``dead``) for a week: the unique key on them is
what turns a replayed update into a no-op.

The outbox is the one writer of deliveries: new rows (a digest's too: its unit names the period,
so a period published again after a crash is left alone), album items joining their album, a
source edit that reaches a post before it left, claims and their outcomes, review, held rules,
and the owner's retry or drop of a dead delivery all go through its methods. A review decision
and a retry or drop are conditional on the status they leave, so each happens once however many
people press at the same time.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Callable, Collection, Sequence

from tortoise import connections
from tortoise.exceptions import IntegrityError
from tortoise.queryset import QuerySet
from tortoise.transactions import in_transaction

from bot.forwarding.delivery import pacing
from bot.forwarding.delivery import rows as sql
from bot.forwarding.delivery.claimed import Claimed, ClaimLost, Link, claimed_from_row, stored_ids
from bot.forwarding.delivery.payload import Payload
from bot.forwarding.delivery.rows import NewDelivery
from bot.runtime.db import is_postgres
from bot.runtime.logging import get_logger
from models import Delivery, MessageLink, ReviewDecision
from models.forwarding import DEAD, HELD, IN_FLIGHT, PENDING, REVIEW, SENT, SKIPPED

log = get_logger(__name__)

KEEP_FINISHED_S = 7 * 24 * 3600
LEASE_S = 12.0  # how long a dead worker's claim blocks its chat; see lease.py
ALBUM_JOIN_TRIES = 3  # a sibling may create the album's row between our read and our write


class Outbox:
    def __init__(
        self, worker_id: str, lease_s: float = LEASE_S, clock: Callable[[], float] = time.time
    ) -> None:
        self.worker_id = worker_id
        self.lease_s = lease_s
        self.clock = clock
        self._sqlite_lock = asyncio.Lock()

    # -- new deliveries ----------------------------------------------------------------------

    async def add(self, rows: Sequence[NewDelivery]) -> None:
        """Write new deliveries in arrival order; a row already there (a replay) is left alone."""
        if not rows:
            return
        conn = connections.get("default")
        if is_postgres():
            await conn.execute_query(sql.INSERT_PG, sql.insert_pg_columns(rows))
            return
        for start in range(0, len(rows), sql.ROWS_PER_STATEMENT):
            statement, params = sql.insert_sqlite(rows[start : start + sql.ROWS_PER_STATEMENT])
            await conn.execute_query(statement, params)

    async def add_skipped(self, rows: Sequence[NewDelivery], reason: str) -> int:
        """Record posts that are not sent (ingest found them undeliverable) as finished, skipped
        deliveries with ``reason``; how many are new (a replayed one is left alone)."""
        added = 0
        for row in rows:
            skipped = _new_row(row)
            skipped.status, skipped.last_error = SKIPPED, reason[:1000]
            skipped.finished_at = row.created_at
            try:
                await skipped.save()
            except IntegrityError:
                continue
            added += 1
        return added

    async def join_album(self, row: NewDelivery, message_id: int, wait_s: float) -> int:
        """Add an album item to its album's delivery (``row.unit`` names the album); 1 when a new
        delivery was written. The album waits ``wait_s`` more for further items. An item that
        comes after its album left goes on its own rather than being lost."""
        for _ in range(ALBUM_JOIN_TRIES):
            try:
                return await self._join_album(row, message_id, wait_s)
            except IntegrityError:
                continue
        return 0

    async def _join_album(self, row: NewDelivery, message_id: int, wait_s: float) -> int:
        async with in_transaction() as conn:
            existing = (
                await Delivery.filter(
                    rule_id=row.rule_id,
                    dest_chat_id=row.dest_chat_id,
                    dest_thread_id=row.dest_thread_id,
                    source_chat_id=row.source_chat_id,
                    unit=row.unit,
                )
                .select_for_update()
                .using_db(conn)
                .first()
            )
            if existing is None:
                await _new_row(row._replace(kind="album")).save(using_db=conn)
                return 1
            ids = list(existing.source_message_ids)
            if message_id in ids:
                return 0  # a replay
            if existing.status not in (PENDING, REVIEW):
                late = row._replace(unit=f"{row.unit}:{message_id}")
                await _new_row(late).save(using_db=conn)
                return 1
            existing.source_message_ids = sorted([*ids, message_id])
            existing.payload = Payload.load(existing.payload).joined(row.payload).dump()
            existing.due_at = max(existing.due_at, self.clock() + wait_s)
            await existing.save(
                using_db=conn, update_fields=["source_message_ids", "payload", "due_at"]
            )
            return 0

    async def update_pending(
        self, rule_id: int, source_chat_id: int, unit: str, payload: Payload
    ) -> set[tuple[int, int]]:
        """The source post was edited before it went out: its deliveries that still wait (pending,
        nothing of them sent yet) carry ``payload`` instead. The destinations (chat, thread)
        whose delivery now sends the edited post; the others need an edit of their own."""
        updated: set[tuple[int, int]] = set()
        async with in_transaction() as conn:
            waiting = (
                await Delivery.filter(
                    rule_id=rule_id, source_chat_id=source_chat_id, unit=unit, status=PENDING
                )
                .select_for_update()
                .using_db(conn)
            )
            for row in waiting:
                if Payload.load(row.payload).sent:
                    continue  # partly sent: the copy exists, an edit follows it
                changed = await (
                    Delivery.filter(id=row.id, status=PENDING)
                    .using_db(conn)
                    .update(payload=payload.dump())
                )
                if changed:
                    updated.add((row.dest_chat_id, row.dest_thread_id))
        return updated

    async def cancel_unsent(
        self,
        rule_ids: Collection[int],
        source_chat_id: int,
        message_ids: Collection[int],
        reason: str,
    ) -> int:
        """The source messages were deleted: their deliveries of ``rule_ids`` that did not go out
        yet (pending, delayed, in review or held; not one being sent now) are skipped with
        ``reason``; how many."""
        wanted = set(message_ids)
        waiting = await Delivery.filter(
            rule_id__in=list(rule_ids),
            source_chat_id=source_chat_id,
            status__in=(PENDING, REVIEW, HELD),
        ).values("id", "source_message_ids", "kind")
        ids = [
            row["id"]
            for row in waiting
            if row["kind"] != "delete" and wanted & set(stored_ids(row["source_message_ids"]))
        ]
        if not ids:
            return 0
        return await Delivery.filter(id__in=ids, status__in=(PENDING, REVIEW, HELD)).update(
            status=SKIPPED, finished_at=self.clock(), last_error=reason[:1000]
        )

    # -- claims and their outcomes -----------------------------------------------------------

    async def claim(self, limit: int, exclude_chats: Collection[int] = ()) -> list[Claimed]:
        now = self.clock()
        lease = now + self.lease_s
        conn = connections.get("default")
        if is_postgres():
            rows = await conn.execute_query_dict(
                sql.CLAIM_PG, [self.worker_id, lease, now, list(exclude_chats), limit]
            )
        else:
            async with self._sqlite_lock:
                held = await pacing.held_chats(now)
                params = [self.worker_id, lease, now, *exclude_chats, *held, now, *held, limit]
                statement = sql.claim_sqlite(len(exclude_chats), len(held))
                rows = await conn.execute_query_dict(statement, params)
        return sorted((claimed_from_row(r) for r in rows), key=lambda c: c.id)

    async def renew(self, ids: Collection[int]) -> int:
        """Extend the leases of these claims, those this worker still holds; how many it holds."""
        return await Delivery.filter(
            id__in=list(ids), status=IN_FLIGHT, claimed_by=self.worker_id
        ).update(lease_until=self.clock() + self.lease_s)

    async def part_sent(self, item: Claimed, piece: int, links: Sequence[Link]) -> Claimed:
        """One piece of a split post went out: recorded on the delivery, with the HTML it was cut
        from, so that a retry sends only the pieces still missing, cut the same way. The item as
        it is now; ClaimLost when this worker no longer holds the claim."""
        sent = [(link.source_message_id, link.dest_message_id, link.part) for link in links]
        payload = item.payload.with_sent(piece, sent)
        if not await self._mine(item).update(payload=payload.dump()):
            raise ClaimLost(f"delivery {item.id} is no longer claimed by {self.worker_id}")
        return dataclasses.replace(item, payload=payload)

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
            await self._finish(Delivery.filter(id=item.id), SENT, None)  # sent is sent
            if item.kind not in ("edit", "delete"):
                await pacing.mark_sent(item.dest_chat_id, now)  # the interval counts from here

    async def skip(self, item: Claimed, reason: str) -> None:
        await self._finish(self._mine(item), SKIPPED, reason)

    async def dead(self, item: Claimed, error: str) -> None:
        await self._finish(self._mine(item), DEAD, error)

    async def retry(self, item: Claimed, error: str, delay: float) -> None:
        """A transient failure: try again after ``delay``; the attempt counts."""
        await self._requeue(item, delay, error, attempts=item.attempts)

    async def postpone(self, item: Claimed, delay: float, reason: str) -> None:
        """Not a failure (a flood wait, a held AI step): wait, and the attempt does not count."""
        await self._requeue(item, delay, reason, attempts=max(0, item.attempts - 1))

    async def to_review(self, item: Claimed) -> None:
        """Wait for a reviewer, with the payload as the steps left it."""
        await self._mine(item).update(
            status=REVIEW, payload=item.payload.dump(), lease_until=None, claimed_by=None
        )

    async def hold(self, item: Claimed) -> None:
        """Its rule is paused: wait in ``held`` until the rule resumes."""
        await self._mine(item).update(status=HELD, lease_until=None, claimed_by=None)

    async def release_mine(self) -> int:
        """At a clean stop: hand back every claim this worker holds, untouched."""
        return await Delivery.filter(status=IN_FLIGHT, claimed_by=self.worker_id).update(
            status=PENDING, lease_until=None, claimed_by=None
        )

    async def reap(self) -> int:
        """Claims whose lease ran out (their worker died) go back to pending; how many.

        On Postgres a server restart renews every lease: for ``lease_s`` after the server came up
        nothing is reaped, so a live worker whose renewals failed during the outage gets the time
        to renew them, or to record the send it made, before anyone else may claim it again.
        """
        now = self.clock()
        if is_postgres():
            db = connections.get("default")
            reaped, _ = await db.execute_query(sql.REAP_PG, [now, self.lease_s])
            return reaped
        return await Delivery.filter(status=IN_FLIGHT, lease_until__lt=now).update(
            status=PENDING, lease_until=None, claimed_by=None
        )

    async def purge(self) -> int:
        """Sent and skipped deliveries older than ``KEEP_FINISHED_S`` are dropped; how many."""
        return await Delivery.filter(
            status__in=(SENT, SKIPPED), finished_at__lt=self.clock() - KEEP_FINISHED_S
        ).delete()

    # -- what people decide ------------------------------------------------------------------

    async def resume_rule(self, rule_id: int) -> int:
        """Its rule resumed: what waited in ``held`` goes out now, in order."""
        return await Delivery.filter(rule_id=rule_id, status=HELD).update(
            status=PENDING, due_at=self.clock()
        )

    async def decide_review(
        self, delivery_id: int, user_id: int, action: str, html: str | None = None
    ) -> bool:
        """A reviewer's ``approve``, ``edit`` (publish ``html`` instead) or ``skip``, applied and
        recorded once; False when the delivery no longer waits for a decision."""
        async with in_transaction():
            row = await Delivery.get_or_none(id=delivery_id, status=REVIEW)
            if row is None:
                return False
            waiting = Delivery.filter(id=delivery_id, status=REVIEW)
            if action == "skip":
                changed = await waiting.update(
                    status=SKIPPED, finished_at=self.clock(), last_error="skipped in review"
                )
            else:
                payload = Payload.load(row.payload).approve(html)
                changed = await waiting.update(
                    status=PENDING, payload=payload.dump(), due_at=self.clock()
                )
            if not changed:
                return False
            await ReviewDecision.create(
                delivery_id=delivery_id,
                rule_id=row.rule_id,
                user_id=user_id,
                action=action,
                text=html,
            )
        log.info("review_decided", delivery_id=delivery_id, action=action, reviewer=user_id)
        return True

    async def retry_dead(self, delivery_id: int) -> bool:
        """Send a dead delivery again from scratch; False when it is no longer dead."""
        return bool(
            await Delivery.filter(id=delivery_id, status=DEAD).update(
                status=PENDING,
                attempts=0,
                due_at=self.clock(),
                finished_at=None,
                lease_until=None,
                claimed_by=None,
            )
        )

    async def drop_dead(self, delivery_id: int) -> bool:
        """Give up on a dead delivery for good; False when it is no longer dead."""
        return bool(
            await Delivery.filter(id=delivery_id, status=DEAD).update(
                status=SKIPPED, finished_at=self.clock()
            )
        )

    # -- reading -----------------------------------------------------------------------------

    async def depth(self) -> dict[str, int]:
        conn = connections.get("default")
        rows = await conn.execute_query_dict(
            "SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status"
        )
        return {row["status"]: int(row["n"]) for row in rows}

    def _mine(self, item: Claimed) -> QuerySet[Delivery]:
        """The claimed delivery, as long as this worker still holds the claim."""
        return Delivery.filter(id=item.id, status=IN_FLIGHT, claimed_by=self.worker_id)

    async def _requeue(self, item: Claimed, delay: float, reason: str, attempts: int) -> None:
        await self._mine(item).update(
            status=PENDING,
            due_at=self.clock() + delay,
            lease_until=None,
            claimed_by=None,
            attempts=attempts,
            last_error=reason[:1000],
        )

    async def _finish(self, rows: QuerySet[Delivery], status: str, error: str | None) -> None:
        await rows.update(
            status=status,
            finished_at=self.clock(),
            lease_until=None,
            last_error=error[:1000] if error else None,
        )


def _new_row(row: NewDelivery) -> Delivery:
    return Delivery(**{**row._asdict(), "payload": row.payload.dump()}, status=PENDING)
