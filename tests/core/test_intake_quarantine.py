"""Setting an update aside: its raw JSON (made storable) and the reason are kept once."""

from __future__ import annotations

import json

from aiogram.types import Update

from bot.forwarding.intake.ingest import IngestError
from bot.forwarding.intake.quarantine import Quarantine, reason_of
from models import QuarantinedUpdate


def _update(update_id: int, text: str) -> Update:
    return Update.model_validate(
        {
            "update_id": update_id,
            "channel_post": {
                "message_id": 3,
                "date": 1_700_000_000,
                "chat": {"id": -100123, "type": "channel", "title": "Source"},
                "text": text,
            },
        }
    )


def test_the_reason_names_the_error_and_its_cause() -> None:
    try:
        try:
            raise ValueError("value too long")
        except ValueError as cause:
            raise IngestError("post -100123/3 not stored") from cause
    except IngestError as error:
        reason = reason_of(error)
    assert reason == "IngestError: post -100123/3 not stored (ValueError: value too long)"


async def test_an_update_is_kept_raw_and_storable_once(db: str) -> None:
    quarantine = Quarantine(alerts=None)
    update = _update(41, "bad\x00text \udc80")
    assert await quarantine.put(update, "IngestError: no\x00t stored")
    assert await quarantine.put(update, "again")  # a repeat keeps the first record
    (kept,) = await QuarantinedUpdate.all()
    assert kept.update_id == 41 and kept.reason == "IngestError: no\ufffdt stored"
    raw = json.loads(kept.raw_json)
    assert raw["channel_post"]["text"] == "bad\ufffdtext \ufffd"
    assert raw["update_id"] == 41
