"""Each destination's figures on the rule card: the hourly sparkline, the kinds of skip reasons,
the relative times, and a card with fifty destinations that still fits one message."""

from __future__ import annotations

from bot.forwarding.rules.spec import ChatRef
from bot.routers.rules.activity import DestFigures, ago, figures_line, reason_kind, sparkline
from bot.routers.rules.card import Counts, render_card
from tests.unit.test_rule_card import rule, utf16


def hours(**at: int) -> tuple[int, ...]:
    """24 hourly counts, zero but for ``h<index>=count``."""
    counts = [0] * 24
    for name, count in at.items():
        counts[int(name[1:])] = count
    return tuple(counts)


# -- the sparkline ------------------------------------------------------------------------------


def test_a_day_with_nothing_sent_has_no_sparkline() -> None:
    assert sparkline(hours()) == ""
    assert sparkline(()) == ""


def test_a_steady_day_is_a_flat_line_of_full_bars() -> None:
    assert sparkline((3,) * 24) == "█" * 24


def test_idle_hours_are_blank_and_the_busiest_hour_is_full() -> None:
    line = sparkline(hours(h0=1, h12=8, h23=4))
    assert len(line) == 24
    assert line[0] == "▁" and line[12] == "█" and line[23] == "▄"
    assert line[1:12] == " " * 11 and line[13:23] == " " * 10


def test_bars_scale_in_eighths_of_the_peak_and_one_post_still_shows() -> None:
    assert sparkline(tuple(range(1, 9))) == "▁▂▃▄▅▆▇█"
    assert sparkline((1, 1000)) == "▁█"  # scaled to the peak, never rounded away
    assert sparkline((499, 500)) == "██"


# -- the figures --------------------------------------------------------------------------------


def test_skip_reasons_are_grouped_by_how_they_start() -> None:
    assert reason_kind("filtered by a step: ai_filter:ads") == "AI said no"
    assert reason_kind("filtered by a step: contains “sale”") == "filter"
    assert reason_kind("near-duplicate of -1001/5") == "duplicate"
    assert reason_kind("cannot be copied: protected content") == "cannot be forwarded"
    assert reason_kind("service message: pinned message") == "cannot be forwarded"
    assert reason_kind("AI unavailable: 503") == "AI unavailable"
    assert reason_kind("skipped in review") == "other"


def test_times_are_said_relative_to_now() -> None:
    assert ago(20) == "just now"
    assert ago(3 * 60 + 5) == "3 min ago"
    assert ago(5 * 3600 + 59 * 60) == "5 h ago"


def test_a_destination_line_names_only_what_happened() -> None:
    busy = DestFigures(
        sent_24h=12,
        waiting=3,
        dead_24h=1,
        skipped_24h=(("filter", 2), ("duplicate", 1)),
        last_sent_ago=180,
        per_hour=hours(h23=12),
    )
    assert figures_line(busy) == (
        "12 sent · 3 waiting · 3 skipped (filter 2, duplicate 1) · 1 dead · last 3 min ago"
    )
    assert figures_line(DestFigures(sent_24h=0, waiting=2)) == "0 sent · 2 waiting"
    assert figures_line(DestFigures()) == "nothing in 24 h"


# -- on the card --------------------------------------------------------------------------------


def test_the_card_shows_each_destination_with_its_figures_and_hours() -> None:
    card_rule = rule(
        destinations=(ChatRef(chat_id=-1002, title="Dest", thread_id=5), ChatRef(chat_id=-1003))
    )
    figures = DestFigures(sent_24h=2, last_sent_ago=60, per_hour=hours(h22=1, h23=1))
    text = render_card(card_rule, counts=Counts(destinations={(-1002, 5): figures}))
    lines = text.splitlines()
    first = lines.index("• Dest <code>-1002</code> · topic 5")
    assert lines[first + 1 : first + 3] == [
        "  2 sent · last 1 min ago",
        f"  <code>{' ' * 22}██</code> 24 h",
    ]
    second = lines.index("• <code>-1003</code>")
    assert lines[second + 1] == "  nothing in 24 h"
    assert lines[second + 2] == ""


def test_fifty_busy_destinations_with_long_titles_fit_one_message() -> None:
    dests = tuple(ChatRef(chat_id=-100_000_000_000 - n, title="&" * 256) for n in range(50))
    busiest = DestFigures(
        sent_24h=99_999,
        waiting=99_999,
        dead_24h=99_999,
        skipped_24h=tuple((kind, 99_999) for kind in ("AI said no", "filter", "duplicate")),
        last_sent_ago=86_000,
        per_hour=tuple(range(24)),
    )
    counts = Counts(destinations={(d.chat_id, 0): busiest for d in dests})

    text = render_card(rule(destinations=dests), counts=counts)

    assert utf16(text) <= 4096
    assert text.count("99999 sent") == 5
    assert "• and 45 more" in text
    assert "Deliveries:" in text  # the rule's totals are still there, after the destinations
    assert text.count("<code>") == text.count("</code>")
