"""Text formatting for the Telegram stand-in: parse modes, entities, lengths.

Mirrors what the real Bot API does to a message text or caption before it is
stored: parse HTML, MarkdownV2 or Markdown into plain text plus entities (HTML
after TDLib's ``parse_html``, with the same error wording), trim surrounding
whitespace, and detect the entities Telegram finds by itself (bot commands,
mentions, hashtags, URLs). Offsets and lengths are in UTF-16 code units, as in
the Bot API; so are the 4096 / 1024 length limits checked by the stand-in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sandbox.telegram.markdown import parse_markdown, parse_markdown_v2
from sandbox.telegram.markup import Entity, TextError, parse_html, sort_entities, utf16_len

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024

# Entity types Telegram detects in the text by itself; it ignores them when given.
AUTO_TYPES = frozenset(
    {"mention", "hashtag", "cashtag", "bot_command", "url", "email", "phone_number"}
)
_DETECT = re.compile(
    r"(?P<url>\bhttps?://[^\s<>\"]+[^\s<>\"'.,;:!?)\]])"
    r"|(?P<bot_command>(?<![\w/])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z][A-Za-z0-9_]{3,31})?)"
    r"|(?P<mention>(?<![\w@])@[A-Za-z][A-Za-z0-9_]{3,31}\b)"
    r"|(?P<hashtag>(?<![\w#])#\w*[^\W\d]\w*)"
)


@dataclass(frozen=True)
class FormattedText:
    text: str
    entities: list[Entity]


def format_text(
    text: str,
    parse_mode: str | None = None,
    entities: list[Entity] | None = None,
    *,
    detect: bool = True,
) -> FormattedText:
    """Parse ``text`` the way the Bot API does and return the stored form.

    Explicit ``entities`` are used only when no ``parse_mode`` is given, as on the
    real server. Raises :class:`TextError` for an unknown parse mode or markup
    that does not parse.
    """
    mode = (parse_mode or "").lower()
    if text and mode not in ("", "none"):
        if mode == "html":
            text, found = parse_html(text)
        elif mode == "markdownv2":
            text, found = parse_markdown_v2(text)
        elif mode == "markdown":
            text, found = parse_markdown(text)
        else:
            raise TextError("unsupported parse_mode")
    else:
        found = [dict(e) for e in entities or [] if e.get("type") not in AUTO_TYPES]
    text, found = _trim(text, found)
    if detect:
        found = found + detect_entities(text, found)
    return FormattedText(text, sort_entities(found))


def detect_entities(text: str, existing: list[Entity] | None = None) -> list[Entity]:
    """Entities Telegram finds by itself: URLs, bot commands, mentions, hashtags."""
    blocked = [
        (e["offset"], e["offset"] + e["length"])
        for e in existing or []
        if e["type"] in {"code", "pre", "text_link", "text_mention", "custom_emoji"}
    ]
    found: list[Entity] = []
    for match in _DETECT.finditer(text):
        kind = match.lastgroup
        if kind is None:
            continue
        offset = utf16_len(text[: match.start()])
        length = utf16_len(match.group())
        if any(start < offset + length and offset < end for start, end in blocked):
            continue
        found.append({"type": kind, "offset": offset, "length": length})
    return found


def _trim(text: str, entities: list[Entity]) -> tuple[str, list[Entity]]:
    stripped = text.strip()
    if stripped == text:
        return text, entities
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    size = utf16_len(stripped)
    kept: list[Entity] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, size)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    return stripped, kept
