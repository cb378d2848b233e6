"""What the /rules screens read from the database: a rule a button names, its outbox counts
(with the posts it skipped, by reason, the Groq tokens it used and each destination's figures),
its last post."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from tortoise.expressions import Q, RawSQL
from tortoise.functions import Count, Max

from bot.forwarding.delivery.payload import Payload
from bot.forwarding.rules.index import RuleView
from bot.forwarding.steps.ai.usage import rule_spent
from bot.routers.rules.activity import HOURS, REASON_KINDS, DestFigures, reason_kind
from bot.routers.rules.card import Counts
from bot.runtime.i18n import _
from models import Delivery, Rule
from models.forwarding import DEAD, HELD, IN_FLIGHT, PENDING, REVIEW, SENT, SKIPPED

DAY_S = 24 * 3600
MAX_RULE_ID = 2**31 - 1  # rules.id is a Postgres integer: a forged larger id can't exist
LAST_POST_SCAN = 20
SKIP_REASONS_SHOWN = 5
HOUR_S = 3600
WAITING = (PENDING, IN_FLIGHT, REVIEW, HELD)
# A skip reason cut to its longest known start: enough to tell its kind, few distinct values.
REASON_START = max(len(start) for _, starts in REASON_KINDS for start in starts)


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
        destinations=await destination_figures(rule_id, time.time()),
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
        posts[_reason_shown(row["last_error"])] += int(row["n"])
    if len(posts) <= SKIP_REASONS_SHOWN:
        return tuple(posts.most_common())
    shown = posts.most_common(SKIP_REASONS_SHOWN - 1)
    rest = sum(posts.values()) - sum(number for _reason, number in shown)
    return (*shown, (_("other reasons"), rest))  # the total stays the total


def _reason_shown(reason: str | None) -> str:
    """One line per kind of reason: "near-duplicate of <chat>/<message>" names its original,
    which would make every such post a reason of its own."""
    if not reason:
        return _("no reason recorded")
    return reason.split(" of ", 1)[0] if reason.startswith("near-duplicate of ") else reason


async def destination_figures(rule_id: int, now: float) -> dict[tuple[int, int], DestFigures]:
    """Each destination's figures, by (chat id, topic id): one query grouped by destination,
    status, clock hour and the start of the skip reason."""
    rows = (
        await Delivery.filter(rule_id=rule_id)
        .filter(Q(status__in=WAITING) | Q(finished_at__gte=now - DAY_S))
        .annotate(
            hour=RawSQL(f'CAST("finished_at" AS BIGINT) / {HOUR_S}'),
            reason=RawSQL(
                f"CASE WHEN \"status\" = '{SKIPPED}' "
                f'THEN SUBSTR("last_error", 1, {REASON_START}) END'
            ),
            n=Count("id"),
            last=Max("finished_at"),
        )
        .group_by("dest_chat_id", "dest_thread_id", "status", "hour", "reason")
        .values("dest_chat_id", "dest_thread_id", "status", "hour", "reason", "n", "last")
    )
    by_dest: defaultdict[tuple[int, int], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_dest[(int(row["dest_chat_id"]), int(row["dest_thread_id"]))].append(row)
    return {dest: _figures(dest_rows, now) for dest, dest_rows in by_dest.items()}


def _figures(rows: list[dict[str, Any]], now: float) -> DestFigures:
    """One destination's figures from its grouped rows; its hours are the last 24 clock hours."""
    per_hour = [0] * HOURS
    first_hour = int(now) // HOUR_S - HOURS + 1
    by_status: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    last_sent: float | None = None
    for row in rows:
        status, n = row["status"], int(row["n"])
        by_status[status] += n
        if status == SKIPPED:
            skipped[reason_kind(row["reason"] or "")] += n
        elif status == SENT:
            last_sent = max(last_sent or 0.0, float(row["last"]))
            if row["hour"] is not None and int(row["hour"]) >= first_hour:
                per_hour[min(int(row["hour"]) - first_hour, HOURS - 1)] += n
    return DestFigures(
        sent_24h=by_status[SENT],
        waiting=sum(by_status[status] for status in WAITING),
        dead_24h=by_status[DEAD],
        skipped_24h=tuple(sorted(skipped.items(), key=lambda kind: (-kind[1], kind[0]))),
        last_sent_ago=None if last_sent is None else max(0.0, now - last_sent),
        per_hour=tuple(per_hour),
    )


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
