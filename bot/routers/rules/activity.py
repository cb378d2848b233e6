"""What each destination of a rule got in the last 24 hours, as the rule card shows it: sent,
waiting, skipped by kind of reason, dead, when the last post went, and a sparkline of the posts
sent hour by hour.

Pure functions of plain data; queries.py gathers the figures in one grouped query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.runtime.i18n import _, __, ngettext

HOURS = 24
BARS = "▁▂▃▄▅▆▇█"
IDLE_HOUR = " "  # an hour with nothing sent: blank, so that one post still shows as ▁
OTHER = "other"

# A skip reason's kind, by how its text starts (the first match wins: the AI filter is a step).
REASON_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("AI said no", ("filtered by a step: ai_filter:",)),
    ("filter", ("filtered by a step:",)),
    ("duplicate", ("near-duplicate", "duplicate")),
    ("cannot be forwarded", ("cannot be ", "service message:")),
    ("AI unavailable", ("AI unavailable:",)),
)


# Translators: kinds of reasons a post was skipped, in "3 skipped (filter 2, duplicate 1)".
KIND_NAMES = {
    "AI said no": __("AI said no"),
    "filter": __("filter"),
    "duplicate": __("duplicate"),
    "cannot be forwarded": __("cannot be forwarded"),
    "AI unavailable": __("AI unavailable"),
    OTHER: __("other"),
}


def reason_kind(reason: str) -> str:
    """The kind of a skip reason: "filter", "duplicate", "AI said no", … or "other"."""
    return next(
        (kind for kind, starts in REASON_KINDS if reason.startswith(starts)),
        OTHER,
    )


@dataclass(frozen=True, slots=True)
class DestFigures:
    """One destination's deliveries: ``per_hour`` holds the posts sent in each of the last 24
    clock hours, oldest first (the last one is the current hour)."""

    sent_24h: int = 0
    waiting: int = 0  # pending, being sent, in review or held
    dead_24h: int = 0
    skipped_24h: tuple[tuple[str, int], ...] = ()  # (kind, deliveries), most frequent first
    last_sent_ago: float | None = None  # seconds, when something was sent in 24 h
    per_hour: tuple[int, ...] = field(default=(0,) * HOURS)


def sparkline(per_hour: Sequence[int]) -> str:
    """One character per hour, its height in eighths of the busiest hour (▁ to █); an hour with
    nothing is a space. Empty when nothing was sent at all."""
    peak = max(per_hour, default=0)
    if peak <= 0:
        return ""
    return "".join(BARS[-(-n * len(BARS) // peak) - 1] if n > 0 else IDLE_HOUR for n in per_hour)


def ago(seconds: float) -> str:
    """A time in the past as a person says it: "just now", "3 min ago", "5 h ago"."""
    minutes = int(seconds // 60)
    if minutes < 1:
        return _("just now")
    if minutes < 60:
        return _("{minutes} min ago").format(minutes=minutes)
    return _("{hours} h ago").format(hours=minutes // 60)


def figures_line(figures: DestFigures) -> str:
    """The destination's figures on one line (plain text: nothing in it comes from a user)."""
    if figures == DestFigures():
        return _("nothing in 24 h")
    sent = figures.sent_24h
    parts = [ngettext("{count} sent", "{count} sent", sent).format(count=sent)]
    if figures.waiting:
        waiting = figures.waiting
        parts.append(ngettext("{count} waiting", "{count} waiting", waiting).format(count=waiting))
    if figures.skipped_24h:
        total = sum(n for _kind, n in figures.skipped_24h)
        kinds = ", ".join(f"{KIND_NAMES.get(kind, kind)} {n}" for kind, n in figures.skipped_24h)
        skipped = ngettext("{count} skipped ({kinds})", "{count} skipped ({kinds})", total)
        parts.append(skipped.format(count=total, kinds=kinds))
    if figures.dead_24h:
        dead = figures.dead_24h
        parts.append(ngettext("{count} dead", "{count} dead", dead).format(count=dead))
    if figures.last_sent_ago is not None:
        parts.append(_("last {when}").format(when=ago(figures.last_sent_ago)))
    return " · ".join(parts)


def destination_lines(figures: DestFigures) -> list[str]:
    """The one or two lines under a destination on the card: figures, then the hours."""
    lines = [f"  {figures_line(figures)}"]
    line = sparkline(figures.per_hour)
    if line:
        lines.append("  " + _("<code>{hours}</code> 24 h").format(hours=line))
    return lines
