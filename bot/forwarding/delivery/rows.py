"""The outbox's SQL: claiming the head of each destination chat, and multi-row inserts.

Only the ``Outbox`` runs these statements. A new delivery is a ``NewDelivery``; a post's
payload, shared by its rows, is serialised once per statement.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, NamedTuple

from bot.forwarding.delivery import pacing
from bot.forwarding.delivery.payload import Payload

COLUMNS = (
    "rule_id",
    "dest_chat_id",
    "dest_thread_id",
    "source_chat_id",
    "unit",
    "source_message_ids",
    "kind",
    "payload",
    "content_hash",
    "due_at",
    "created_at",
)
ROWS_PER_STATEMENT = 80  # SQLite allows 999 parameters per statement


class NewDelivery(NamedTuple):
    rule_id: int
    dest_chat_id: int
    dest_thread_id: int
    source_chat_id: int
    unit: str
    source_message_ids: list[int]
    kind: str
    payload: Payload
    content_hash: str | None
    due_at: float
    created_at: float


# A delivery is its chat's head when no earlier unfinished delivery exists for that chat. Written
# as NOT EXISTS (an index probe per candidate, on the partial indexes of migration 3) rather than
# a per-chat MIN(id): the plan stays cheap even when Postgres' row estimates are stale after a
# burst of new deliveries. An edit or a deletion of a copy already sent (``FOLLOW_UPS``) goes
# ahead of earlier posts that were never tried and only wait for their time: not due yet, or their
# chat held by its quiet hours or interval (``pacing.py``; ``held`` is the list of those chats).
FOLLOW_UPS = "('edit', 'delete')"


def _is_head(now: str, held: str | None) -> str:
    in_held = f" OR e.dest_chat_id IN ({held})" if held else ""
    return f"""NOT EXISTS (
        SELECT 1 FROM deliveries e
        WHERE e.dest_chat_id = d.dest_chat_id AND e.id < d.id
          AND e.status IN ('pending', 'in_flight')
          AND NOT (d.kind IN {FOLLOW_UPS} AND e.status = 'pending'
                   AND e.kind NOT IN {FOLLOW_UPS} AND e.attempts = 0 AND e.last_error IS NULL
                   AND (e.due_at > {now}{in_held})))"""


def _not_held(held: str | None) -> str:
    return f"AND (d.kind IN {FOLLOW_UPS} OR d.dest_chat_id NOT IN ({held}))" if held else ""


_HELD_PG = "SELECT chat_id FROM held"

CLAIM_PG = f"""
WITH {pacing.HELD_PG}
UPDATE deliveries SET status = 'in_flight', claimed_by = $1, lease_until = $2,
       attempts = attempts + 1
WHERE id IN (
    SELECT d.id FROM deliveries d
    WHERE d.status = 'pending' AND d.due_at <= $3
      AND NOT (d.dest_chat_id = ANY($4::bigint[]))
      {_not_held(_HELD_PG)}
      AND {_is_head("$3", _HELD_PG)}
    ORDER BY d.due_at, d.id
    LIMIT $5
    FOR UPDATE OF d SKIP LOCKED
)
RETURNING *
"""


def claim_sqlite(excluded: int, held: int = 0) -> str:
    """Parameters: worker, lease, now, the excluded chats, the held chats, now, the held chats
    again, limit."""
    marks = ", ".join("?" * excluded)
    not_in = f"AND d.dest_chat_id NOT IN ({marks})" if excluded else ""
    held_marks = ", ".join("?" * held) or None
    return f"""
UPDATE deliveries SET status = 'in_flight', claimed_by = ?, lease_until = ?,
       attempts = attempts + 1
WHERE id IN (
    SELECT d.id FROM deliveries d
    WHERE d.status = 'pending' AND d.due_at <= ? {not_in}
      {_not_held(held_marks)}
      AND {_is_head("?", held_marks)}
    ORDER BY d.due_at, d.id
    LIMIT ?
)
RETURNING *
"""


# Postgres: one statement whatever the number of rows (prepared once, one array per column);
# WITH ORDINALITY keeps the rows, and so their ids, in arrival order.
# Expired claims back to pending, except in the first lease after a server restart (outbox.reap).
REAP_PG = """
UPDATE deliveries SET status = 'pending', lease_until = NULL, claimed_by = NULL
WHERE status = 'in_flight' AND lease_until < $1
  AND EXTRACT(EPOCH FROM pg_postmaster_start_time()) + $2 < $1"""

INSERT_PG = """
INSERT INTO deliveries (rule_id, dest_chat_id, dest_thread_id, source_chat_id, unit,
                        source_message_ids, kind, payload, content_hash, due_at, created_at,
                        status, attempts)
SELECT r, dc, dt, sc, u, smi::jsonb, k, p::jsonb, h, da, ca, 'pending', 0
FROM unnest($1::int[], $2::bigint[], $3::bigint[], $4::bigint[], $5::text[], $6::text[],
            $7::text[], $8::text[], $9::text[], $10::float8[], $11::float8[])
     WITH ORDINALITY AS t(r, dc, dt, sc, u, smi, k, p, h, da, ca, n)
ORDER BY n
ON CONFLICT (rule_id, dest_chat_id, dest_thread_id, source_chat_id, unit) DO NOTHING
"""


def _values(row: NewDelivery, payloads: dict[int, str]) -> list[Any]:
    """A row's values as the database takes them; a post's payload, shared by its rows, is
    serialised once (``payloads`` remembers it by identity for the statement being built)."""
    values = list(row)
    values[COLUMNS.index("source_message_ids")] = json.dumps(row.source_message_ids)
    values[COLUMNS.index("payload")] = payloads.setdefault(id(row.payload), row.payload.to_json())
    return values


def insert_pg_columns(rows: Sequence[NewDelivery]) -> list[list[Any]]:
    """The parameters of ``INSERT_PG``: one list per column."""
    payloads: dict[int, str] = {}
    return [list(column) for column in zip(*(_values(row, payloads) for row in rows), strict=True)]


def insert_sqlite(rows: Sequence[NewDelivery]) -> tuple[str, list[Any]]:
    """SQLite: a multi-row VALUES insert (at most ``ROWS_PER_STATEMENT`` rows)."""
    payloads: dict[int, str] = {}
    params = [value for row in rows for value in _values(row, payloads)]
    marks = ", ".join("?" * len(COLUMNS))
    groups = ", ".join(f"({marks}, 'pending', 0)" for _ in rows)
    sql = (
        f"INSERT INTO deliveries ({', '.join(COLUMNS)}, status, attempts) VALUES {groups} "
        "ON CONFLICT (rule_id, dest_chat_id, dest_thread_id, source_chat_id, unit) DO NOTHING"
    )
    return sql, params
