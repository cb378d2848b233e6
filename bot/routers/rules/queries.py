"""What the /rules screens read from the database: a rule a button names, its outbox counts
(with the posts it skipped, by reason, and the Groq tokens it used), its last post."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

from tortoise.expressions import Q
from tortoise.functions import Count

from bot.forwarding.delivery.payload import Payload
from bot.forwarding.rules.index import RuleView
from bot.forwarding.steps.ai.usage import rule_spent
from bot.routers.rules.card import Counts
from models import Delivery, Rule
from models.forwarding import DEAD, HELD, IN_FLIGHT, PENDING, REVIEW, SENT, SKIPPED

DAY_S = 24 * 3600
MAX_RULE_ID = 2**31 - 1  # rules.id is a Postgres integer: a forged larger id can't exist
LAST_POST_SCAN = 20
SKIP_REASONS_SHOWN = 5


@dataclass(frozen=True, slots=True)
class Loaded:
    rule: RuleView
    paused_reason: str | None


async def load(rule_id: int) -> Loaded | None:
    """The rule with this id, or None if there is none (deleted, or an id that never was)."""
    if not 0 < rule_id <= MAX_RULE_ID:
        return None
    row = await Rule.get_or_none(id=rule_id)
    if row is None:
        return None
    return Loaded(RuleView.from_row(row), row.paused_reason)


async def delivery_counts(rule_id: int) -> Counts:
    since = time.time() - DAY_S
    rows = (
        await Delivery.filter(rule_id=rule_id)
        .filter(Q(status__in=(PENDING, IN_FLIGHT, HELD, REVIEW)) | Q(finished_at__gte=since))
        .annotate(n=Count("id"))
        .group_by("status")
        .values("status", "n")
    )
    by_status = {row["status"]: int(row["n"]) for row in rows}
    return Counts(
        skipped_24h=await skipped_counts(rule_id, since),
        sent_24h=by_status.get(SENT, 0),
        pending=by_status.get(PENDING, 0) + by_status.get(IN_FLIGHT, 0),
        held=by_status.get(HELD, 0),
        review=by_status.get(REVIEW, 0),
        failed_24h=by_status.get(DEAD, 0),
        ai_tokens=await rule_spent(rule_id),
    )


async def skipped_counts(rule_id: int, since: float) -> tuple[tuple[str, int], ...]:
    """The rule's posts skipped since ``since`` by reason, each post once however many
    destinations it had; the most frequent reasons first."""
    rows = (
        await Delivery.filter(rule_id=rule_id, status=SKIPPED, finished_at__gte=since)
        .annotate(n=Count("unit", distinct=True))
        .group_by("last_error", "source_chat_id")
        .values("last_error", "n")
    )
    posts: Counter[str] = Counter()
    for row in rows:
        posts[row["last_error"] or "no reason recorded"] += int(row["n"])
    return tuple(posts.most_common(SKIP_REASONS_SHOWN))


async def last_post_text(rule_id: int) -> str | None:
    """The text of the most recent post (or edit) that reached the rule's outbox."""
    payloads = (
        await Delivery.filter(rule_id=rule_id)
        .order_by("-id")
        .limit(LAST_POST_SCAN)
        .values_list("payload", flat=True)
    )
    for payload in payloads:
        text = Payload.load(payload).text
        if isinstance(text, str) and text.strip():
            return text
    return None
