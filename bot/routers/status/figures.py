"""/status figures: gathered from the running services and the outbox, rendered as one message.

``gather_status`` reads; ``render_status`` is a pure function of the gathered ``StatusReport``
(HTML, always under Telegram's 4096 characters). Retrying or dropping a dead delivery is the
outbox's (``Outbox.retry_dead`` / ``Outbox.drop_dead``).

The last errors come from the outbox rather than from the alerts: every dyno writes there, so the
leader that answers /status sees the errors of the whole cluster. So do the Groq tokens
(``ai_usage``, written by every dyno's deliveries).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from tortoise import connections
from tortoise.expressions import Q
from tortoise.functions import Count

from bot.forwarding.html import clip_escaped
from bot.forwarding.reasons import reason_text
from bot.forwarding.steps.ai import usage
from bot.forwarding.steps.ai.usage import Spent, compact
from bot.runtime.i18n import _, __
from models import Delivery, QuarantinedUpdate
from models.forwarding import DEAD, HELD, IN_FLIGHT, PENDING, REVIEW, SENT, SKIPPED

if TYPE_CHECKING:
    from bot.services import Services

HOUR = 3600.0
DAY = 24 * HOUR
SKIPPED_SHOWN = 5
DEAD_SHOWN = 10
ERRORS_SHOWN = 5
TOKEN_RULES_SHOWN = 3
PROCESSES_SHOWN = 5
DEPTH_STATES = (PENDING, IN_FLIGHT, REVIEW, HELD, DEAD)
MESSAGE_LIMIT = 4096

# Caps on the escaped length of each piece a user, a chat or Telegram wrote: with them the whole
# message stays under MESSAGE_LIMIT whatever the content.
ERROR_CAP = 100
NAME_CAP = 32
TITLE_CAP = 32
PROCESS_CAP = 48

_LAST_ERRORS_SQL = f"""
SELECT last_error, MAX(COALESCE(finished_at, due_at)) AS at FROM deliveries
WHERE last_error IS NOT NULL AND (status = '{DEAD}' OR (status IN ('{PENDING}', '{IN_FLIGHT}')
      AND attempts > 0))
GROUP BY last_error ORDER BY at DESC LIMIT {ERRORS_SHOWN}
"""


@dataclass(frozen=True, slots=True)
class AiFigures:
    calls: int
    failures: int
    cache_hits: int
    down: bool


@dataclass(frozen=True, slots=True)
class DeadItem:
    id: int
    rule_id: int
    rule_name: str  # "" when the rule is not in this process's index
    dest_chat_id: int
    dest_title: str  # "" when unknown
    error: str


@dataclass(frozen=True, slots=True)
class SkippedItem:
    rule_id: int
    rule_name: str  # "" when the rule is not in this process's index
    reason: str
    posts: int


@dataclass(frozen=True, slots=True)
class TokenItem:
    rule_id: int
    rule_name: str  # "" when the rule is not in this process's index (deleted, for one)
    spent: Spent


@dataclass(frozen=True, slots=True)
class StatusReport:
    process: str
    leader: bool
    workers: int
    sent_here: int  # by this process's workers since it started
    failed_here: int
    other_processes: tuple[str, ...]  # other dynos that claimed deliveries in the last hour
    depth: dict[str, int]
    sent_last_hour: int
    errors: tuple[str, ...]  # newest first, distinct
    ai: AiFigures | None  # None: not configured
    dead: tuple[DeadItem, ...]  # newest first, at most DEAD_SHOWN
    dead_total: int
    quarantined: int = 0  # updates set aside by the poller
    skipped: tuple[SkippedItem, ...] = ()  # posts not forwarded in the last day, by rule and reason
    ai_tokens: Spent = field(default_factory=Spent)  # every rule's, today and this month (UTC)
    ai_top: tuple[TokenItem, ...] = ()  # the rules that used most this month


def ai_figures(ai: Any) -> AiFigures | None:
    """Figures of the Groq client if there is one and it has a key."""
    if ai is None or getattr(ai, "configured", True) is False:
        return None
    return AiFigures(
        calls=int(getattr(ai, "calls", 0)),
        failures=int(getattr(ai, "failures", 0)),
        cache_hits=int(getattr(ai, "cache_hits", 0)),
        down=bool(getattr(ai, "down", False)),
    )


async def gather_status(services: Services, *, now: float | None = None) -> StatusReport:
    now = services.outbox.clock() if now is None else now
    cluster, workers = services.cluster, services.workers
    depth = await services.outbox.depth()
    recent = Q(finished_at__gte=now - HOUR) | Q(lease_until__gte=now)
    claimers = (
        await Delivery.filter(recent, claimed_by__not_isnull=True)
        .exclude(claimed_by=cluster.name)
        .distinct()
        .values_list("claimed_by", flat=True)
    )
    sent_last_hour = await Delivery.filter(status=SENT, finished_at__gte=now - HOUR).count()
    rows = await connections.get("default").execute_query_dict(_LAST_ERRORS_SQL)
    dead_rows = (
        await Delivery.filter(status=DEAD)
        .order_by("-finished_at", "-id")
        .limit(DEAD_SHOWN)
        .values("id", "rule_id", "dest_chat_id", "last_error")
    )
    spent = await usage.summary(TOKEN_RULES_SHOWN)
    return StatusReport(
        process=cluster.name,
        leader=cluster.leader,
        workers=workers.concurrency,
        sent_here=workers.sent,
        failed_here=workers.failed,
        other_processes=tuple(sorted(str(c) for c in claimers)),
        depth={state: depth.get(state, 0) for state in DEPTH_STATES},
        sent_last_hour=sent_last_hour,
        errors=tuple(str(r["last_error"]) for r in rows),
        ai=ai_figures(getattr(services, "ai", None)),
        dead=tuple(_dead_item(services, row) for row in dead_rows),
        dead_total=depth.get(DEAD, 0),
        quarantined=await QuarantinedUpdate.all().count(),
        skipped=await _skipped(services, now - DAY),
        ai_tokens=spent.total,
        ai_top=tuple(_token_item(services, rule_id, tokens) for rule_id, tokens in spent.top),
    )


def _token_item(services: Services, rule_id: int, spent: Spent) -> TokenItem:
    rule = services.index.get(rule_id)
    return TokenItem(rule_id, rule.name if rule is not None else "", spent)


async def _skipped(services: Services, since: float) -> tuple[SkippedItem, ...]:
    """Posts skipped since ``since`` by rule and reason, each post once whatever its number of
    destinations; the most frequent first."""
    rows = (
        await Delivery.filter(status=SKIPPED, finished_at__gte=since)
        .annotate(n=Count("unit", distinct=True))
        .group_by("rule_id", "last_error", "source_chat_id")
        .values("rule_id", "last_error", "n")
    )
    posts: Counter[tuple[int, str]] = Counter()
    for row in rows:
        posts[(row["rule_id"], row["last_error"] or "no reason recorded")] += int(row["n"])
    items = []
    for (rule_id, reason), number in posts.most_common(SKIPPED_SHOWN):
        rule = services.index.get(rule_id)
        items.append(SkippedItem(rule_id, rule.name if rule is not None else "", reason, number))
    return tuple(items)


def _dead_item(services: Services, row: dict[str, Any]) -> DeadItem:
    rule = services.index.get(row["rule_id"])
    title = ""
    if rule is not None:
        title = next(
            (d.title or "" for d in rule.destinations if d.chat_id == row["dest_chat_id"]), ""
        )
    return DeadItem(
        id=row["id"],
        rule_id=row["rule_id"],
        rule_name=rule.name if rule is not None else "",
        dest_chat_id=row["dest_chat_id"],
        dest_title=title,
        error=row["last_error"] or "",
    )


# -- rendering ----------------------------------------------------------------------------------


_DEPTH_LABELS = {
    PENDING: __("pending {count}"),
    IN_FLIGHT: __("in flight {count}"),
    REVIEW: __("review {count}"),
    HELD: __("held {count}"),
    DEAD: __("dead {count}"),
}


def _depth_line(depth: dict[str, int]) -> str:
    return " · ".join(str(_DEPTH_LABELS[s]).format(count=depth.get(s, 0)) for s in DEPTH_STATES)


def _ai_line(ai: AiFigures | None) -> str:
    if ai is None:
        return _("AI: not configured")
    state = _("⚠️ down") if ai.down else _("up")
    return _(
        "AI (Groq): {state} · {calls} calls · {failures} failed · {cache_hits} from cache"
    ).format(state=state, calls=ai.calls, failures=ai.failures, cache_hits=ai.cache_hits)


def _tokens_line(total: Spent, top: tuple[TokenItem, ...]) -> str:
    line = _("AI tokens: today {today} · this month {month}").format(
        today=compact(total.today.total), month=compact(total.month.total)
    )
    if top:
        line += "\n   " + _("most this month: {rules}").format(
            rules=", ".join(_token_rule(item) for item in top)
        )
    return line


def _token_rule(item: TokenItem) -> str:
    rule = f"#{item.rule_id}"
    if item.rule_name:
        rule += f" {clip_escaped(item.rule_name, NAME_CAP)}"
    return f"{rule} {compact(item.spent.month.total)}"


def _rule(rule_id: int, name: str) -> str:
    rule = _("rule #{id}").format(id=rule_id)
    if name:
        rule += f" {clip_escaped(name, NAME_CAP)}"
    return rule


def _dead_line(item: DeadItem) -> str:
    rule = _rule(item.rule_id, item.rule_name)
    dest = f"<code>{item.dest_chat_id}</code>"
    if item.dest_title:
        dest = f"{clip_escaped(item.dest_title, TITLE_CAP)} ({dest})"
    error = clip_escaped(reason_text(item.error or "no reason recorded"), ERROR_CAP)
    return f"#{item.id} · {rule} → {dest}\n   {error}"


def _skipped_line(item: SkippedItem) -> str:
    rule = _rule(item.rule_id, item.rule_name)
    return f"• {rule}: {clip_escaped(reason_text(item.reason), ERROR_CAP)} × {item.posts}"


def render_status(report: StatusReport) -> str:
    """The /status message, HTML, shorter than Telegram's 4096 characters."""
    me = f"<code>{clip_escaped(report.process, PROCESS_CAP)}</code>"
    polling = (
        _("this process ({me})") if report.leader else _("another process (this is {me})")
    ).format(me=me)
    others = report.other_processes
    seen = ", ".join(
        f"<code>{clip_escaped(p, PROCESS_CAP)}</code>" for p in others[:PROCESSES_SHOWN]
    )
    if len(others) > PROCESSES_SHOWN:
        seen += _(" … and {count} more").format(count=len(others) - PROCESSES_SHOWN)
    lines = [
        _("<b>Status</b>"),
        _("Polling Telegram: {polling}").format(polling=polling),
        _("Workers here: {workers} (sent {sent}, failed {failed} since start)").format(
            workers=report.workers, sent=report.sent_here, failed=report.failed_here
        ),
        _("Other processes delivering in the last hour: {processes}").format(
            processes=seen or _("none")
        ),
        _("Outbox: {depth}").format(depth=_depth_line(report.depth)),
        _("Sent in the last hour: {count}").format(count=report.sent_last_hour),
        _ai_line(report.ai),
        *(
            [_tokens_line(report.ai_tokens, report.ai_top)]
            if report.ai is not None or report.ai_tokens.month.calls
            else []
        ),
        *(
            [
                _("Updates set aside (could not be handled): {count}").format(
                    count=report.quarantined
                )
            ]
            if report.quarantined
            else []
        ),
        "",
        _("<b>Last errors</b>"),
    ]
    lines += [f"• {clip_escaped(reason_text(e), ERROR_CAP)}" for e in report.errors] or [_("none")]
    if report.skipped:
        lines += [
            "",
            _("<b>Not forwarded in 24 h</b> (service messages, content that can't be copied)"),
        ]
        lines += [_skipped_line(item) for item in report.skipped]
    lines += ["", _("<b>Dead deliveries</b>: {count}").format(count=report.dead_total)]
    if report.dead:
        lines += [_dead_line(item) for item in report.dead]
        if report.dead_total > len(report.dead):
            lines.append(_("… and {count} more").format(count=report.dead_total - len(report.dead)))
        lines.append(_("Retry sends one again; Drop gives it up."))
    text = "\n".join(lines)
    if len(text) > MESSAGE_LIMIT:  # cannot happen with the caps above; never send an error
        text = text[: MESSAGE_LIMIT - 1] + "…"
    return text
