"""The plain-text helpers of the HTML package: texts shortened with an ellipsis."""

from __future__ import annotations

from bot.forwarding.html import clip, clip_escaped


def test_clip_strips_and_cuts_with_an_ellipsis() -> None:
    assert clip("  short  ", 10) == "short"
    assert clip("one two three", 8) == "one two…"
    assert clip("abc", 0) == "…"


def test_clip_cuts_on_the_escaped_length_without_breaking_an_entity() -> None:
    assert clip_escaped("a  b\nc", 10) == "a b c"
    clipped = clip_escaped("&" * 50, 21)
    assert clipped == "&amp;" * 4 + "…"
    assert len(clipped) <= 21
