"""Skipped posts as the owner reads them: on the rule card and in /status, by reason, escaped."""

from __future__ import annotations

from bot.routers.rules.card import Counts, render_card
from bot.routers.status.figures import SkippedItem, render_status
from tests.unit.test_rule_card import rule
from tests.unit.test_status_keyboards import report


def test_the_card_lists_what_the_rule_skipped_by_reason() -> None:
    counts = Counts(
        sent_24h=4,
        skipped_24h=(("service message: pinned message", 2), ("cannot be copied: <giveaway>", 1)),
    )

    text = render_card(rule(), counts=counts)

    assert "Not forwarded in 24 h: 3" in text
    assert "• service message: pinned message: 2" in text
    assert "• cannot be copied: &lt;giveaway&gt;: 1" in text


def test_a_card_with_nothing_skipped_says_nothing_about_it() -> None:
    assert "Not forwarded" not in render_card(rule(), counts=Counts(sent_24h=1))


def test_status_lists_skips_by_rule_and_reason() -> None:
    skipped = (
        SkippedItem(3, "news <b>", "service message: chat title changed", 2),
        SkippedItem(9, "", "cannot be copied: protected content", 1),
    )

    text = render_status(report(skipped=skipped))

    assert "<b>Not forwarded in 24 h</b>" in text
    assert "• rule #3 news &lt;b&gt;: service message: chat title changed × 2" in text
    assert "• rule #9: cannot be copied: protected content × 1" in text
    assert "Not forwarded" not in render_status(report())
