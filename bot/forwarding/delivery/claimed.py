"""A delivery as a worker holds it (``Claimed``), where its copies went (``Link``), and the
error of a claim that was lost; read from the outbox's rows."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from bot.forwarding.delivery.payload import Payload


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
    payload: Payload
    attempts: int


@dataclass(frozen=True, slots=True)
class Link:
    source_message_id: int
    dest_message_id: int
    part: int = 0


class ClaimLost(Exception):
    """This worker no longer holds the claim: another may be sending the delivery now."""


def stored_ids(stored: Any) -> list[int]:
    return list(json.loads(stored) if isinstance(stored, str) else stored or ())


def claimed_from_row(row: dict[str, Any]) -> Claimed:
    return Claimed(
        id=row["id"],
        rule_id=row["rule_id"],
        dest_chat_id=row["dest_chat_id"],
        dest_thread_id=row["dest_thread_id"] or None,
        source_chat_id=row["source_chat_id"],
        source_message_ids=tuple(stored_ids(row["source_message_ids"])),
        unit=row["unit"],
        kind=row["kind"],
        payload=Payload.load(row["payload"]),
        attempts=row["attempts"],
    )
