"""Writing deliveries fast: one multi-row INSERT … ON CONFLICT DO NOTHING per polling batch.

The poller opens a ``Batch`` around each getUpdates batch; ingest adds rows to it instead of
writing each post on its own, and the batch is written in one statement before the poller
confirms the batch to Telegram. Rows keep their order, so ids (and thus per-destination order)
follow the order posts arrived in. Outside a batch (tests, the album path) rows are written at
once. A replayed row hits the unique key and is skipped by the database.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import Any, NamedTuple

from tortoise import connections

from bot.runtime.db import is_postgres

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
_JSON = {"source_message_ids", "payload"}
_ROWS_PER_STATEMENT = 80  # SQLite allows 999 parameters per statement


class NewDelivery(NamedTuple):
    rule_id: int
    dest_chat_id: int
    dest_thread_id: int
    source_chat_id: int
    unit: str
    source_message_ids: list[int]
    kind: str
    payload: dict[str, Any]
    content_hash: str | None
    due_at: float
    created_at: float


class Batch:
    """Rows waiting for the end of a polling batch, and the content already seen in it."""

    def __init__(self) -> None:
        self.rows: list[NewDelivery] = []
        self.fingerprints: set[tuple[int, str]] = set()
        self.after_flush: set[Callable[[], None]] = set()  # e.g. waking the workers

    async def flush(self) -> int:
        rows, self.rows = self.rows, []
        await insert(rows)
        if rows:
            for callback in self.after_flush:
                callback()
        return len(rows)


current_batch: ContextVar[Batch | None] = ContextVar("ingest_batch", default=None)


@asynccontextmanager
async def batch() -> AsyncIterator[Batch]:
    """A unit of work: rows added inside are written when it ends without error."""
    opened = Batch()
    token = current_batch.set(opened)
    try:
        yield opened
        await opened.flush()
    finally:
        current_batch.reset(token)


async def insert(rows: Sequence[NewDelivery]) -> None:
    if not rows:
        return
    conn = connections.get("default")
    if is_postgres():
        await conn.execute_query(_UNNEST, _columns(rows))
        return
    for start in range(0, len(rows), _ROWS_PER_STATEMENT):
        sql, params = _statement(rows[start : start + _ROWS_PER_STATEMENT])
        await conn.execute_query(sql, params)


# Postgres: one statement whatever the number of rows (prepared once, one array per column);
# WITH ORDINALITY keeps the rows, and so their ids, in arrival order.
_UNNEST = """
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
    values = []
    for column, value in zip(COLUMNS, row, strict=True):
        if column == "payload":
            value = payloads.setdefault(id(value), json.dumps(value, ensure_ascii=False))
        elif column in _JSON:
            value = json.dumps(value)
        values.append(value)
    return values


def _columns(rows: Sequence[NewDelivery]) -> list[list[Any]]:
    payloads: dict[int, str] = {}
    return [list(column) for column in zip(*(_values(row, payloads) for row in rows), strict=True)]


def _statement(rows: Sequence[NewDelivery]) -> tuple[str, list[Any]]:
    """SQLite: a multi-row VALUES insert."""
    payloads: dict[int, str] = {}
    params = [value for row in rows for value in _values(row, payloads)]
    marks = ", ".join("?" * len(COLUMNS))
    groups = ", ".join(f"({marks}, 'pending', 0)" for _ in rows)
    sql = (
        f"INSERT INTO deliveries ({', '.join(COLUMNS)}, status, attempts) VALUES {groups} "
        "ON CONFLICT (rule_id, dest_chat_id, dest_thread_id, source_chat_id, unit) DO NOTHING"
    )
    return sql, params
