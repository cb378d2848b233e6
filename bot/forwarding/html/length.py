"""What Telegram counts of HTML: its visible text, that text's length, the HTML cut to a limit."""

from __future__ import annotations

from bot.forwarding.html.parse import parse
from bot.forwarding.html.split import split_html
from bot.forwarding.html.text import ELLIPSIS, utf16_len
from bot.forwarding.html.tokens import visible_text


def html_to_text(html: str) -> str:
    """The text Telegram would show for ``html``."""
    return visible_text(parse(html))


def visible_length(html: str) -> int:
    """The length Telegram counts for ``html``, in UTF-16 code units."""
    return utf16_len(html_to_text(html))


def fit(html: str, limit: int) -> tuple[str, bool]:
    """``html`` cut to at most ``limit`` visible UTF-16 units, at the best boundary, with "…".

    Returns ``(html, was_cut)``; an ``html`` that fits comes back unchanged.
    """
    if visible_length(html) <= limit:
        return html, False
    room = limit - utf16_len(ELLIPSIS)
    if room < 1:
        return ELLIPSIS if limit >= 1 else "", True
    part = split_html(html, room)[0]
    if visible_length(part) > room:  # not even one character fits (an emoji in a tiny room)
        return ELLIPSIS, True
    return part + ELLIPSIS, True
