"""A rule's card: its settings, its chats (each destination with its figures of the last 24 h),
its steps, what the outbox holds for it and the Groq tokens its AI steps used (HTML)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from bot.forwarding.html import clip
from bot.forwarding.rules.filters import describe
from bot.forwarding.rules.index import RuleView
from bot.forwarding.rules.spec import ChatRef
from bot.forwarding.steps.ai.usage import Spent, compact
from bot.forwarding.steps.catalogue import describe_steps, uses_ai
from bot.routers.labels import AI_FAILURES, EDIT_POLICIES, MODES
from bot.routers.rules.activity import DestFigures, destination_lines
from bot.routers.rules.texts import delay_label, esc, fit

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
        line += f" · topic {ref.thread_id}"
    return line


def chat_lines(refs: Sequence[ChatRef]) -> list[str]:
    lines = [chat_line(ref) for ref in refs[:MAX_CHATS_SHOWN]]
    if len(refs) > MAX_CHATS_SHOWN:
        lines.append(f"• and {len(refs) - MAX_CHATS_SHOWN} more")
    return lines


def destination_section(
    refs: Sequence[ChatRef], figures: Mapping[tuple[int, int], DestFigures]
) -> list[str]:
    """The first destinations, each with its figures, then how many more there are."""
    lines: list[str] = []
    for ref in refs[:MAX_DESTINATIONS_SHOWN]:
        lines.append(chat_line(ref))
        lines += destination_lines(figures.get((ref.chat_id, ref.thread_id or 0), DestFigures()))
    if len(refs) > MAX_DESTINATIONS_SHOWN:
        lines.append(f"• and {len(refs) - MAX_DESTINATIONS_SHOWN} more")
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
        state = "▶ active"
    else:
        state = "⏸ paused" + (f": {esc(clip(paused_reason, MAX_LINE))}" if paused_reason else "")
    lines = [f"<b>{esc(rule.name)}</b> · rule #{rule.id}", f"State: {state}", ""]
    lines += ["<b>Sources</b>", *chat_lines(rule.sources)]
    lines += ["<b>Destinations</b> · last 24 h"]
    lines += [*destination_section(rule.destinations, counts.destinations), ""]
    lines.append(f"Mode: {MODES.get(rule.mode, esc(rule.mode))}")
    lines.append(f"Edits: {EDIT_POLICIES.get(rule.edit_policy, esc(rule.edit_policy))}")
    lines.append(f"Delay: {delay_label(rule.delay_minutes)}")
    lines.append(f"If the AI fails: {AI_FAILURES.get(rule.ai_failure, esc(rule.ai_failure))}")
    with_ai = uses_ai(rule.steps)
    if rule.ai_model:
        lines.append(f"AI model: <code>{esc(rule.ai_model)}</code>")
    elif with_ai:
        lines.append("AI model: the default")
    lines.append("Review: " + ("on (you approve each post)" if rule.review else "off"))
    lines += ["", "<b>Filters</b>"]
    lines += [f"• {esc(clip(line, MAX_LINE))}" for line in describe(rule.filters)]
    lines.append("<b>Steps</b>")
    if steps:
        lines += [f"{n}. {esc(clip(line, MAX_LINE))}" for n, line in enumerate(steps, 1)]
    else:
        lines.append("• None: posts go as they are")
    lines += ["", counts_line(counts), *skipped_lines(counts.skipped_24h)]
    if with_ai or counts.ai_tokens.month.calls:
        lines.append(tokens_line(counts.ai_tokens))
    return fit(lines)


def counts_line(counts: Counts) -> str:
    parts = [f"{counts.sent_24h} sent in 24 h", f"{counts.pending} pending"]
    when_any = (
        (counts.held, "held"),
        (counts.review, "in review"),
        (counts.failed_24h, "failed in 24 h"),
    )
    parts += [f"{number} {what}" for number, what in when_any if number]
    return "Deliveries: " + " · ".join(parts)


def skipped_lines(skipped: Sequence[tuple[str, int]]) -> list[str]:
    """The posts the rule did not deliver in 24 h, by reason (a service message, …)."""
    if not skipped:
        return []
    total = sum(number for _, number in skipped)
    lines = [f"Not forwarded in 24 h: {total}"]
    lines += [f"• {esc(clip(reason, MAX_LINE))}: {number}" for reason, number in skipped]
    return lines


def tokens_line(spent: Spent) -> str:
    """The card's token line, e.g. "AI tokens: today 1.2k · this month 45.6k" (prompt and
    answer tokens together)."""
    return (
        f"AI tokens: today {compact(spent.today.total)} · this month {compact(spent.month.total)}"
    )
