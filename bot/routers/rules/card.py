"""A rule's card: its settings, its chats (each destination with its figures of the last 24 h),
its steps, what the outbox holds for it and the Groq tokens its AI steps used (HTML)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.forwarding.html import clip
from bot.forwarding.reasons import reason_text
from bot.forwarding.rules.filters import describe
from bot.forwarding.rules.index import RuleView
from bot.forwarding.rules.spec import ChatRef
from bot.forwarding.steps.ai.usage import Spent, compact
from bot.forwarding.steps.catalogue import describe_steps, uses_ai
from bot.routers.labels import AI_FAILURES, EDIT_POLICIES, MODES
from bot.routers.rules.activity import DestFigures, destination_lines
from bot.routers.rules.digest_texts import digest_line
from bot.routers.rules.texts import delay_label, esc, fit
from bot.runtime.i18n import _, ngettext

MAX_CHATS_SHOWN = 10
MAX_DESTINATIONS_SHOWN = 5  # each with two lines of figures
MAX_TITLE = 64
MAX_LINE = 300


@dataclass(frozen=True, slots=True)
class Counts:
    """What the outbox holds for a rule, and the Groq tokens its deliveries used."""

    sent_24h: int = 0
    pending: int = 0  # pending or being sent
    held: int = 0  # waiting for the rule to resume
    review: int = 0  # waiting for approval
    failed_24h: int = 0
    skipped_24h: tuple[tuple[str, int], ...] = ()  # (reason, posts), most frequent first
    ai_tokens: Spent = field(default_factory=Spent)  # Groq tokens today and this month (UTC)
    # by (chat id, topic id or 0); a destination missing here had nothing in 24 h
    destinations: Mapping[tuple[int, int], DestFigures] = field(default_factory=dict)


def chat_line(ref: ChatRef) -> str:
    title = clip(ref.title, MAX_TITLE)
    line = (
        f"• {esc(title)} <code>{ref.chat_id}</code>" if title else f"• <code>{ref.chat_id}</code>"
    )
    if ref.thread_id:
        line += " · " + _("topic {topic}").format(topic=ref.thread_id)
    if ref.via == "account":
        line += " · " + _("via your account")
    return line


def chat_lines(refs: Sequence[ChatRef]) -> list[str]:
    lines = [chat_line(ref) for ref in refs[:MAX_CHATS_SHOWN]]
    if len(refs) > MAX_CHATS_SHOWN:
        lines.append(_more(len(refs) - MAX_CHATS_SHOWN))
    return lines


def _more(count: int) -> str:
    return ngettext("• and {count} more", "• and {count} more", count).format(count=count)


def destination_section(
    refs: Sequence[ChatRef], figures: Mapping[tuple[int, int], DestFigures]
) -> list[str]:
    """The first destinations, each with its figures, then how many more there are."""
    lines: list[str] = []
    for ref in refs[:MAX_DESTINATIONS_SHOWN]:
        lines.append(chat_line(ref))
        lines += destination_lines(figures.get((ref.chat_id, ref.thread_id or 0), DestFigures()))
    if len(refs) > MAX_DESTINATIONS_SHOWN:
        lines.append(_more(len(refs) - MAX_DESTINATIONS_SHOWN))
    return lines


def render_card(
    rule: RuleView,
    *,
    paused_reason: str | None = None,
    counts: Counts | None = None,
    steps: Sequence[str] | None = None,
) -> str:
    """The rule card. ``steps`` are the step descriptions (plain text; described if omitted)."""
    counts = counts or Counts()
    if steps is None:
        steps = describe_steps(rule.steps)
    if rule.active:
        state = _("▶ active")
    elif paused_reason:
        state = _("⏸ paused: {reason}").format(
            reason=esc(clip(reason_text(paused_reason), MAX_LINE))
        )
    else:
        state = _("⏸ paused")
    lines = [
        _("<b>{name}</b> · rule #{id}").format(name=esc(rule.name), id=rule.id),
        _("State: {state}").format(state=state),
        "",
    ]
    lines += [_("<b>Sources</b>"), *chat_lines(rule.sources)]
    lines += [_("<b>Destinations</b> · last 24 h")]
    lines += [*destination_section(rule.destinations, counts.destinations), ""]
    lines.append(_("Mode: {mode}").format(mode=MODES.get(rule.mode, esc(rule.mode))))
    edits = EDIT_POLICIES.get(rule.edit_policy, esc(rule.edit_policy))
    lines.append(_("Edits: {edits}").format(edits=edits))
    lines.append(_("Delay: {delay}").format(delay=delay_label(rule.delay_minutes)))
    lines.append(digest_line(rule.id))
    failure = AI_FAILURES.get(rule.ai_failure, esc(rule.ai_failure))
    lines.append(_("If the AI fails: {failure}").format(failure=failure))
    with_ai = uses_ai(rule.steps)
    if rule.ai_model:
        lines.append(_("AI model: <code>{model}</code>").format(model=esc(rule.ai_model)))
    elif with_ai:
        lines.append(_("AI model: the default"))
    lines.append(_("Review: on (you approve each post)") if rule.review else _("Review: off"))
    if rule.sync_deletions or any(source.via == "account" for source in rule.sources):
        lines.append(
            _("Deletion sync: on (a post deleted in the source is deleted here)")
            if rule.sync_deletions
            else _("Deletion sync: off")
        )
    lines += ["", _("<b>Filters</b>")]
    lines += [f"• {esc(clip(line, MAX_LINE))}" for line in describe(rule.filters)]
    lines.append(_("<b>Steps</b>"))
    if steps:
        lines += [f"{n}. {esc(clip(line, MAX_LINE))}" for n, line in enumerate(steps, 1)]
    else:
        lines.append(_("• None: posts go as they are"))
    lines += ["", counts_line(counts), *skipped_lines(counts.skipped_24h)]
    if with_ai or counts.ai_tokens.month.calls:
        lines.append(tokens_line(counts.ai_tokens))
    return fit(lines)


def counts_line(counts: Counts) -> str:
    sent, pending = counts.sent_24h, counts.pending
    parts = [
        ngettext("{count} sent in 24 h", "{count} sent in 24 h", sent).format(count=sent),
        ngettext("{count} pending", "{count} pending", pending).format(count=pending),
    ]
    if held := counts.held:
        parts.append(ngettext("{count} held", "{count} held", held).format(count=held))
    if review := counts.review:
        parts.append(
            ngettext("{count} in review", "{count} in review", review).format(count=review)
        )
    if failed := counts.failed_24h:
        failed_text = ngettext("{count} failed in 24 h", "{count} failed in 24 h", failed)
        parts.append(failed_text.format(count=failed))
    return _("Deliveries: {parts}").format(parts=" · ".join(parts))


def skipped_lines(skipped: Sequence[tuple[str, int]]) -> list[str]:
    """The posts the rule did not deliver in 24 h, by reason (a service message, …)."""
    if not skipped:
        return []
    total = sum(number for _reason, number in skipped)
    lines = [_("Not forwarded in 24 h: {count}").format(count=total)]
    lines += [
        f"• {esc(clip(reason_text(reason), MAX_LINE))}: {number}" for reason, number in skipped
    ]
    return lines


def tokens_line(spent: Spent) -> str:
    """The card's token line, e.g. "AI tokens: today 1.2k · this month 45.6k" (prompt and
    answer tokens together)."""
    return _("AI tokens: today {today} · this month {month}").format(
        today=compact(spent.today.total), month=compact(spent.month.total)
    )
