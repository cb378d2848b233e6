"""The Bot API's HTML parse mode (the Markdown ones are in ``markdown.py``).

Each turns marked-up text into plain text plus MessageEntity dicts with UTF-16
offsets. HTML follows TDLib's ``parse_html`` (``td/telegram/MessageEntity.cpp``)
rule for rule, with its error wording; the Markdown parsers cover the
constructs bots use and TDLib's wording for the common mistakes.
"""

from __future__ import annotations

from typing import Any

Entity = dict[str, Any]

_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
_HTML_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


class TextError(ValueError):
    """The text can't be sent; ``str(error)`` is the Bot API description after ``Bad Request:``."""


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of Bot API offsets."""
    return len(text.encode("utf-16-le")) // 2


def sort_entities(entities: list[Entity]) -> list[Entity]:
    return sorted(entities, key=lambda e: (e["offset"], -e["length"]))


def byte_offset(text: str, index: int) -> int:
    return len(text[:index].encode("utf-8"))


def _decode_entity(text: str, pos: int) -> tuple[str, int] | None:
    """Decode the HTML character reference at ``text[pos] == '&'``: (char, next pos)."""
    end = pos + 1
    if text.startswith("#", end):
        end += 1
        hexadecimal = text.startswith("x", end)
        if hexadecimal:
            end += 1
        digits = "0123456789abcdefABCDEF" if hexadecimal else "0123456789"
        start = end
        while end < len(text) and text[end] in digits:
            end += 1
        if end == start or end - pos >= 10:
            return None
        code = int(text[start:end], 16 if hexadecimal else 10)
        if code == 0 or code >= 0x10FFFF:
            return None
        char = chr(code)
    else:
        while end < len(text) and text[end].isascii() and text[end].isalpha():
            end += 1
        named = _NAMED_ENTITIES.get(text[pos + 1 : end])
        if named is None:
            return None
        char = named
    if text.startswith(";", end):
        end += 1
    return char, end


def parse_html(source: str) -> tuple[str, list[Entity]]:
    """Parse Bot API HTML into plain text and entities (TDLib ``parse_html`` rules)."""
    out: list[str] = []
    offset = 0  # UTF-16 position in the output
    entities: list[Entity] = []
    # open tags: (tag name, argument, entity offset, output index at start)
    stack: list[tuple[str, str, int, int]] = []
    n = len(source)
    i = 0

    def error(reason: str) -> TextError:
        return TextError(f"can't parse entities: {reason}")

    while i < n:
        char = source[i]
        if char == "&":
            decoded = _decode_entity(source, i)
            if decoded is not None:
                out.append(decoded[0])
                offset += utf16_len(decoded[0])
                i = decoded[1]
                continue
        if char != "<":
            out.append(char)
            offset += utf16_len(char)
            i += 1
            continue

        begin = i
        i += 1
        if i < n and source[i] == "/":
            if not stack:
                raise error(f"Unexpected end tag at byte offset {byte_offset(source, begin)}")
            i += 1
            name_start = i
            while i < n and not source[i].isspace() and source[i] != ">":
                i += 1
            end_name = source[name_start:i].lower()
            while i < n and source[i].isspace():
                i += 1
            if i >= n or source[i] != ">":
                raise error(f"Unclosed end tag at byte offset {byte_offset(source, begin)}")
            i += 1
            tag, argument, start, start_index = stack.pop()
            if end_name and end_name != tag:
                raise error(
                    f"Unmatched end tag at byte offset {byte_offset(source, begin)}, "
                    f'expected "</{tag}>", found "</{end_name}>"'
                )
            if offset > start:
                _close_html_entity(entities, tag, argument, start, offset - start, out, start_index)
            continue

        name_start = i
        while i < n and not source[i].isspace() and source[i] != ">":
            i += 1
        if i >= n:
            raise error(f"Unclosed start tag at byte offset {byte_offset(source, begin)}")
        tag = source[name_start:i].lower()
        if tag not in _HTML_TAGS:
            raise error(
                f'Unsupported start tag "{tag}" at byte offset {byte_offset(source, begin)}'
            )
        argument = ""
        while True:
            while i < n and source[i].isspace():
                i += 1
            if i >= n:
                raise error(f"Unclosed start tag at byte offset {byte_offset(source, begin)}")
            if source[i] == ">":
                i += 1
                break
            attr_start = i
            while i < n and not source[i].isspace() and source[i] not in "=>":
                i += 1
            attribute = source[attr_start:i].lower()
            if not attribute:
                raise error(
                    f'Empty attribute name in the tag "{tag}" at byte offset '
                    f"{byte_offset(source, begin)}"
                )
            while i < n and source[i].isspace():
                i += 1
            if tag == "blockquote" and attribute == "expandable" and source[i : i + 1] != "=":
                argument = "expandable"
                continue
            if i >= n or source[i] != "=":
                raise error(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {byte_offset(source, begin)}'
                )
            i += 1
            while i < n and source[i].isspace():
                i += 1
            if i >= n:
                raise error(
                    f'Unclosed start tag "{tag}" at byte offset {byte_offset(source, begin)}'
                )
            if source[i] in "'\"":
                quote = source[i]
                i += 1
                value_chars: list[str] = []
                while i < n and source[i] != quote:
                    if source[i] == "&":
                        decoded = _decode_entity(source, i)
                        if decoded is not None:
                            value_chars.append(decoded[0])
                            i = decoded[1]
                            continue
                    value_chars.append(source[i])
                    i += 1
                if i < n:
                    i += 1
                value = "".join(value_chars)
            else:
                token_start = i
                while i < n and (source[i].isalnum() or source[i] in ".-"):
                    i += 1
                value = source[token_start:i].lower()
                if i < n and not source[i].isspace() and source[i] != ">":
                    raise error(
                        f"Unexpected end of name token at byte offset {byte_offset(source, token_start)}"
                    )
            if i >= n:
                raise error(f"Unclosed start tag at byte offset {byte_offset(source, begin)}")
            if tag == "a" and attribute == "href":
                argument = value
            elif tag == "code" and attribute == "class" and value.startswith("language-"):
                argument = value[len("language-") :]
            elif tag == "span" and attribute == "class" and value.startswith("tg-"):
                argument = value[len("tg-") :]
            elif tag == "tg-emoji" and attribute == "emoji-id":
                argument = value
        if tag == "span" and argument != "spoiler":
            raise error(
                f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(source, begin)}'
            )
        stack.append((tag, argument, offset, len(out)))

    if stack:
        raise error(f'Can\'t find end tag corresponding to start tag "{stack[-1][0]}"')
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)  # a language is kept only inside <pre>
    return "".join(out), sort_entities(entities)


def _close_html_entity(
    entities: list[Entity],
    tag: str,
    argument: str,
    offset: int,
    length: int,
    out: list[str],
    start_index: int,
) -> None:
    if tag in _HTML_TYPES:
        kind = _HTML_TYPES[tag]
        if tag == "blockquote" and argument == "expandable":
            kind = "expandable_blockquote"
        entities.append({"type": kind, "offset": offset, "length": length})
    elif tag == "tg-emoji":
        if not argument.isdigit() or int(argument) == 0:
            raise TextError("can't parse entities: Invalid custom emoji identifier specified")
        entities.append(
            {
                "type": "custom_emoji",
                "offset": offset,
                "length": length,
                "custom_emoji_id": argument,
            }
        )
    elif tag == "a":
        url = argument or "".join(out[start_index:])
        if url:
            entities.append({"type": "text_link", "offset": offset, "length": length, "url": url})
    elif tag == "pre":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last["type"] == "code"
            and (last["offset"], last["length"]) == (offset, length)
            and last.get("language")
        ):
            last["type"] = "pre"
        else:
            entities.append({"type": "pre", "offset": offset, "length": length})
    elif tag == "code":
        last = entities[-1] if entities else None
        if (
            last is not None
            and last["type"] == "pre"
            and (last["offset"], last["length"]) == (offset, length)
            and argument
        ):
            last["language"] = argument
        else:
            entity: Entity = {"type": "code", "offset": offset, "length": length}
            if argument:
                entity["language"] = argument
            entities.append(entity)
