"""The card's "Not forwarded in 24 h": one line per kind of reason, and a total that counts
every skipped post, however many reasons there were."""

from __future__ import annotations

import time

from bot.forwarding.delivery.outbox import Outbox
from bot.forwarding.delivery.payload import Payload
from bot.forwarding.delivery.rows import NewDelivery
from bot.forwarding.rules.index import RuleIndex
from bot.routers.rules.card import skipped_lines
from bot.routers.rules.queries import SKIP_REASONS_SHOWN, skipped_counts
from tests.core.conftest import DEST_A, SRC, add_rule


def skipped_post(rule_id: int, message_id: int) -> NewDelivery:
    now = time.time()
    return NewDelivery(
        rule_id, DEST_A, 0, SRC, f"m:{message_id}", [message_id], "post",
        Payload.load({}), None, now, now,
    )  # fmt: skip


async def test_near_duplicates_share_a_line_and_the_total_counts_every_reason(
    db: str, outbox: Outbox
) -> None:
    rule = await add_rule(RuleIndex())
    reasons = [f"near-duplicate of {SRC}/{n}" for n in range(3)]
    kinds = [f"service message: kind {n}" for n in range(SKIP_REASONS_SHOWN + 2)]
    reasons += kinds
    for message_id, reason in enumerate(reasons, start=100):
        await outbox.add_skipped([skipped_post(rule.id, message_id)], reason)

    counts = dict(await skipped_counts(rule.id, time.time() - 3600))

    assert counts["near-duplicate"] == 3
    shown_kinds = SKIP_REASONS_SHOWN - 2  # beside near-duplicates and "other reasons"
    assert len(counts) == SKIP_REASONS_SHOWN
    assert counts["other reasons"] == len(kinds) - shown_kinds
    assert skipped_lines(tuple(counts.items()))[0] == f"Not forwarded in 24 h: {len(reasons)}"
