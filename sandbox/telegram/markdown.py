"""Parsers of the Bot API's Markdown parse modes (MarkdownV2 and legacy Markdown): marked-up text
to plain text plus MessageEntity dicts with UTF-16 offsets. They cover the constructs bots use and
TDLib's wording for the common mistakes."""

from __future__ import annotations

import re

from sandbox.telegram.markup import Entity, TextError, byte_offset, sort_entities, utf16_len

_MDV2_RESERVED = frozenset("_*[]()~`>#+-=|{}.!")


def parse_markdown_v2(source: str) -> tuple[str, list[Entity]]:
    """Parse MarkdownV2 into plain text and entities (the common constructs)."""
    out: list[str] = []
    offset = 0
    entities: list[Entity] = []
    # open entities: (marker, entity offset, byte offset of the marker, output index)
    stack: list[tuple[str, int, int, int]] = []
    n = len(source)
    i = 0
    quote_start: int | None = None

    def error(reason: str) -> TextError:
        return TextError(f"can't parse entities: {reason}")

    def emit(text: str) -> None:
        nonlocal offset
        out.append(text)
        offset += utf16_len(text)

    while i < n:
        char = source[i]
        at_line_start = i == 0 or source[i - 1] == "\n"
        if at_line_start and quote_start is not None and char != ">":
            _close_quote(entities, quote_start, offset, out)
            quote_start = None
        if char == "\\" and i + 1 < n and ord(source[i + 1]) < 127:
            emit(source[i + 1])
            i += 2
            continue
        if char == ">" and at_line_start:
            if quote_start is None:
                quote_start = offset
            i += 1
            continue
        if char == "`":
            begin = byte_offset(source, i)
            if source.startswith("```", i):
                end = source.find("```", i + 3)
                if end < 0:
                    raise error(f"Can't find end of Pre entity at byte offset {begin}")
                body = source[i + 3 : end]
                language = ""
                if "\n" in body:
                    first, rest = body.split("\n", 1)
                    if first and not first.isspace():
                        language, body = first.strip(), rest
                    else:
                        body = rest
                body = re.sub(r"\\([`\\])", r"\1", body)
                start = offset
                emit(body)
                entity: Entity = {"type": "pre", "offset": start, "length": offset - start}
                if language:
                    entity["language"] = language
                if body:
                    entities.append(entity)
                i = end + 3
                continue
            end = i + 1
            while end < n and source[end] != "`":
                end += 2 if source[end] == "\\" else 1
            if end >= n:
                raise error(f"Can't find end of Code entity at byte offset {begin}")
            body = re.sub(r"\\([`\\])", r"\1", source[i + 1 : end])
            start = offset
            emit(body)
            if body:
                entities.append({"type": "code", "offset": start, "length": offset - start})
            i = end + 1
            continue
        marker = None
        if source.startswith("__", i):
            marker = "__"
        elif source.startswith("||", i):
            marker = "||"
        elif char in "_*~":
            marker = char
        if marker is not None:
            if stack and stack[-1][0] == marker:
                _, start, _, _ = stack.pop()
                kind = {"__": "underline", "||": "spoiler", "_": "italic", "*": "bold"}.get(
                    marker, "strikethrough"
                )
                if offset > start:
                    entities.append({"type": kind, "offset": start, "length": offset - start})
            else:
                stack.append((marker, offset, byte_offset(source, i), len(out)))
            i += len(marker)
            continue
        if char == "[" or (char == "!" and source.startswith("![", i)):
            stack.append(("[" if char == "[" else "![", offset, byte_offset(source, i), len(out)))
            i += 1 if char == "[" else 2
            continue
        if char == "]" and stack and stack[-1][0] in ("[", "!["):
            kind_marker, start, _, start_index = stack.pop()
            i += 1
            url = ""
            if i < n and source[i] == "(":
                end = i + 1
                chars: list[str] = []
                while end < n and source[end] != ")":
                    if source[end] == "\\" and end + 1 < n:
                        end += 1
                    chars.append(source[end])
                    end += 1
                if end >= n:
                    raise error(f"Can't find end of a URL at byte offset {byte_offset(source, i)}")
                url = "".join(chars)
                i = end + 1
            else:
                url = "".join(out[start_index:])
            if offset > start:
                if kind_marker == "![":
                    emoji_id = url.rpartition("id=")[2]
                    entities.append(
                        {
                            "type": "custom_emoji",
                            "offset": start,
                            "length": offset - start,
                            "custom_emoji_id": emoji_id,
                        }
                    )
                elif url:
                    entities.append(
                        {"type": "text_link", "offset": start, "length": offset - start, "url": url}
                    )
            continue
        if char in _MDV2_RESERVED:
            raise error(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        emit(char)
        i += 1

    if quote_start is not None:
        _close_quote(entities, quote_start, offset, out)
    if stack:
        raise error(f"Can't find end of the entity starting at byte offset {stack[-1][2]}")
    return "".join(out), sort_entities(entities)


def _close_quote(entities: list[Entity], start: int, end: int, out: list[str]) -> None:
    text = "".join(out)
    if text.endswith("\n"):
        end -= 1
    if end > start:
        entities.append({"type": "blockquote", "offset": start, "length": end - start})


def parse_markdown(source: str) -> tuple[str, list[Entity]]:
    """Parse legacy Markdown: *bold*, _italic_, `code`, ```pre```, [text](url)."""
    out: list[str] = []
    offset = 0
    entities: list[Entity] = []
    n = len(source)
    i = 0
    while i < n:
        char = source[i]
        if char == "\\" and i + 1 < n and source[i + 1] in "_*`[":
            out.append(source[i + 1])
            offset += 1
            i += 2
            continue
        if char not in "_*`[":
            out.append(char)
            offset += utf16_len(char)
            i += 1
            continue
        begin = byte_offset(source, i)
        closing = {"[": "]", "`": "`"}.get(char, char)
        fence = source.startswith("```", i)
        start_body = i + (3 if fence else 1)
        end = source.find("```" if fence else closing, start_body)
        if end < 0:
            raise TextError(
                f"can't parse entities: Can't find end of the entity starting at byte offset {begin}"
            )
        body = source[start_body:end]
        after = end + (3 if fence else 1)
        entity: Entity | None = None
        length = utf16_len(body)
        if char == "[":
            url = ""
            if source.startswith("(", after):
                close = source.find(")", after)
                if close >= 0:
                    url = source[after + 1 : close]
                    after = close + 1
            if url:
                entity = {"type": "text_link", "offset": offset, "length": length, "url": url}
        elif fence:
            entity = {"type": "pre", "offset": offset, "length": length}
        else:
            kind = {"*": "bold", "_": "italic", "`": "code"}[char]
            entity = {"type": kind, "offset": offset, "length": length}
        out.append(body)
        if entity is not None and length:
            entities.append(entity)
        offset += length
        i = after
    return "".join(out), sort_entities(entities)
