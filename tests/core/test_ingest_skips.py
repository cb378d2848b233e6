"""Ingest refuses what cannot go out: a service message or content the Bot API will not copy is
recorded as a skipped delivery with its reason, never one that would die; a replay adds nothing."""

from __future__ import annotations

from bot.forwarding.delivery.outbox import Outbox
from bot.forwarding.intake.ingest import Ingest
from bot.forwarding.rules.index import RuleIndex, RuleView
from models import Delivery
from models.forwarding import PENDING, SKIPPED
from tests.core.conftest import DEST_A, DEST_B, add_rule, channel_message

GIVEAWAY = {"chats": [], "winners_selection_date": 0, "winner_count": 1}


async def test_a_pin_is_recorded_as_skipped_once_per_destination_and_reported_once(
    db: str, outbox: Outbox
) -> None:
    index = RuleIndex()
    rule = await add_rule(index, dests=(DEST_A, DEST_B))
    reported: list[tuple[int, str]] = []

    async def on_skip(view: RuleView, reason: str) -> None:
        reported.append((view.id, reason))

    ingest = Ingest(index, outbox, on_skip=on_skip)
    pin = channel_message(
        7, pinned_message={"message_id": 3, "date": 0, "chat": {"id": 1, "type": "channel"}}
    )

    assert await ingest.post(pin) == 0
    assert await ingest.post(pin) == 0  # the same update again

    rows = await Delivery.all().values_list("dest_chat_id", "status", "last_error", "finished_at")
    assert sorted(row[:3] for row in rows) == sorted(
        (dest, SKIPPED, "service message: pinned message") for dest in (DEST_A, DEST_B)
    )
    assert all(row[3] is not None for row in rows)
    assert reported == [(rule.id, "service message: pinned message")]
    assert ingest.stats.skipped == 1 and ingest.stats.enqueued == 0


async def test_a_giveaway_is_forwarded_by_a_forward_rule_and_skipped_by_a_copy_rule(
    db: str, outbox: Outbox
) -> None:
    index = RuleIndex()
    copying = await add_rule(index, dests=(DEST_A,), name="copy")
    forwarding = await add_rule(index, dests=(DEST_B,), name="forward", mode="forward")

    assert await Ingest(index, outbox).post(channel_message(8, giveaway=GIVEAWAY)) == 1

    rows = await Delivery.all().values_list("rule_id", "status", "last_error")
    assert sorted(rows) == sorted(
        [(copying.id, SKIPPED, "cannot be copied: giveaway"), (forwarding.id, PENDING, None)]
    )


async def test_a_service_message_a_rules_filters_reject_is_not_counted_as_skipped(
    db: str, outbox: Outbox
) -> None:
    index = RuleIndex()
    await add_rule(index, filters={"include_keywords": ["rates"]})
    ingest = Ingest(index, outbox)

    assert await ingest.post(channel_message(9, new_chat_title="Renamed")) == 0

    assert not await Delivery.exists()
    assert ingest.stats.filtered == 1 and ingest.stats.skipped == 0
