"""The digest's messages: the summary with our links, then every post's link, fitted to Telegram.

Decisions:

* The links are ours, never the model's: each ``[n]`` of the summary becomes a link to post n
  (outside code), and the link of every post the summary did not link follows it, by source
  ("📎 Source: 4 · 7 · 9"), so no post of the period is left without its link whatever the model
  wrote.
* A message is at most 4096 characters of visible text (``TEXT_LIMIT``, UTF-16 units) and holds
  at most ``ENTITY_BUDGET`` formatting entities: Telegram formats only the first 100 entities of
  a message and shows the rest as plain text, so 500 links in one message would lose 400 of them.
  The raw HTML of a message stays under ``RAW_LIMIT`` (Telegram also refuses a message whose
  entities are too long in all). The messages are cut here, between lines, and sent as they are
  (``Payload.pieces``); the sender's splitter has nothing left to do.
* Without the AI (the rule's policy "original"): :func:`plain_list`, the first line of each post
  with its link, fitted the same way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape

from bot.forwarding.digest.summarise import Item
from bot.forwarding.html import TEXT_LIMIT, clip, split_html, visible_length

ENTITY_BUDGET = 90  # of Telegram's 100 formatted entities per message, with room
RAW_LIMIT = 8000  # characters of HTML per message
SUMMARY_PIECE = 3500  # a summary longer than this continues in the next message
LINKS_PER_LINE = 30
FIRST_LINE_CHARS = 120  # a post's first line in the plain list

_REF = re.compile(r"\[(\d{1,5})\]")
_CODE = re.compile(r"(<(code|pre)\b.*?</\2>)", re.DOTALL | re.IGNORECASE)
_OPENING_TAG = re.compile(r"<[a-zA-Z]")
_HREF = re.compile(r'<a href="([^"]*)"')


def entity_count(html: str) -> int:
    """The entities Telegram makes of ``html``: one per opening tag."""
    return len(_OPENING_TAG.findall(html))


def _text(text: str) -> str:
    return escape(text, quote=False)


def _anchor(item: Item, text: str) -> str:
    return f'<a href="{escape(item.link)}">{text}</a>' if item.link else text


def link_references(html: str, items: Sequence[Item], budget: int = ENTITY_BUDGET) -> str:
    """Each ``[n]`` of the summary (outside code) made a link to post n, at most ``budget`` of
    them (the others stay plain: the posts' list links every post anyway)."""
    left = budget

    def linked(found: re.Match[str]) -> str:
        nonlocal left
        number = int(found.group(1))
        if not 1 <= number <= len(items) or left <= 0 or not items[number - 1].link:
            return found.group(0)
        left -= 1
        return _anchor(items[number - 1], found.group(0))

    # split() keeps the code blocks (n % 3 == 1) and their tag names (n % 3 == 2, dropped)
    out = []
    for n, piece in enumerate(_CODE.split(html)):
        if n % 3 == 0:
            out.append(_REF.sub(linked, piece))
        elif n % 3 == 1:
            out.append(piece)
    return "".join(out)


def pack(segments: Sequence[str], limit: int = TEXT_LIMIT) -> list[str]:
    """Lines into messages, in order: a message takes the next line while it stays within
    ``limit`` visible characters, ``ENTITY_BUDGET`` entities and ``RAW_LIMIT`` characters of
    HTML. A line fits a message alone (the callers make them so)."""
    messages: list[str] = []
    lines: list[str] = []
    size = entities = raw = 0
    for segment in segments:
        length, count = visible_length(segment), entity_count(segment)
        joined = 1 if lines else 0
        full = (
            size + joined + length > limit
            or entities + count > ENTITY_BUDGET
            or raw + joined + len(segment) > RAW_LIMIT
        )
        if lines and full:
            messages.append("\n".join(lines).strip())
            lines, size, entities, raw, joined = [], 0, 0, 0, 0
        lines.append(segment)
        size, entities, raw = size + joined + length, entities + count, raw + joined + len(segment)
    if lines:
        messages.append("\n".join(lines).strip())
    return [message for message in messages if message]


def sources_lines(items: Sequence[Item]) -> list[str]:
    """Every post's link, by source: "📎 Source: 1 · 2 · 3", ``LINKS_PER_LINE`` a line."""
    by_source: dict[str, list[Item]] = {}
    for item in items:
        by_source.setdefault(item.source, []).append(item)
    lines = []
    for source, found in by_source.items():
        for start in range(0, len(found), LINKS_PER_LINE):
            run = found[start : start + LINKS_PER_LINE]
            links = " · ".join(_anchor(item, str(item.number)) for item in run)
            lines.append(f"📎 {_text(clip(source, 100))}: {links}")
    return lines


def render(header: str, summary_html: str, items: Sequence[Item]) -> list[str]:
    """The digest's messages: the header, the summary with its references linked, every post's
    link."""
    pieces = split_html(summary_html.strip(), SUMMARY_PIECE) if summary_html.strip() else []
    summary = [
        link_references(piece, items, ENTITY_BUDGET - entity_count(piece) - 2) for piece in pieces
    ]
    cited = {link for piece in summary for link in _HREF.findall(piece)}
    rest = [item for item in items if not item.link or escape(item.link) not in cited]
    return pack([header, "", *summary, "", *sources_lines(rest)])


def first_line(item: Item) -> str:
    for line in item.text.splitlines():
        if line.strip():
            return clip(" ".join(line.split()), FIRST_LINE_CHARS)
    return item.media or item.source


def plain_list(header: str, items: Sequence[Item]) -> list[str]:
    """The digest without the AI: each post's first line, linked to the post."""
    lines = [f"• {_anchor(item, _text(first_line(item)))}" for item in items]
    return pack([header, "", *lines])
