"""Fitting text to Telegram's length limits: 4096 for a message, 1024 for a caption.

Telegram counts both limits, and entity offsets and lengths, in UTF-16 code units: an emoji outside
the Basic Multilingual Plane counts 2. A long text is cut where a reader would: at a paragraph
break, else a line break, else after a sentence, else at a space; only as a last resort inside a
word, and then between graphemes (never inside a surrogate pair, an emoji sequence or before a
combining mark). The whitespace at a cut is dropped. A cut is looked for in the second half of the
allowed window first, so parts are not made needlessly short, and outside code blocks (``pre`` /
``code``) when one fits elsewhere.

Entities (``MessageEntity``) and HTML tags follow the text: an entity or a tag that spans a cut
becomes one in each part, with offsets rebased to its part.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser

import regex
from aiogram.types import MessageEntity

from bot.forwarding.html.text import utf16_len

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024

_PARAGRAPH, _LINE, _SENTENCE, _SPACE, _EDGE = range(5)

# Whitespace a cut may replace; no-break spaces are meant to hold words together.
_BREAKABLE_WS = re.compile(r"[^\S\u00a0\u2007\u202f]+")
_SENTENCE_END = frozenset(".!?…。！？‼⁇⁈⁉؟।")
_SENTENCE_CLOSERS = frozenset("\"'»”’)]}›」』")
_CJK_STOP = re.compile(r"[。！？]")  # a sentence ends there even without a following space
_GRAPHEME = regex.compile(r"\X", regex.DOTALL)
_PROTECTED_ENTITIES = frozenset({"pre", "code", "custom_emoji"})
_PROTECTED_TAGS = frozenset({"pre", "code", "tg-emoji"})


def _utf16_offsets(text: str) -> Sequence[int]:
    """``offs[i]`` is the UTF-16 offset of code point ``i``; ``offs[len(text)]`` the total."""
    if utf16_len(text) == len(text):
        return range(len(text) + 1)
    offs = [0] * (len(text) + 1)
    total = 0
    for i, ch in enumerate(text):
        total += 2 if ord(ch) > 0xFFFF else 1
        offs[i + 1] = total
    return offs


@dataclass(frozen=True, slots=True)
class _Cut:
    level: int
    end: int  # the part ends here (exclusive)
    resume: int  # the next part starts here; text[end:resume] is whitespace that is dropped


def _skip_ws(text: str, pos: int) -> int:
    m = _BREAKABLE_WS.match(text, pos)
    return m.end() if m else pos


def _ends_sentence(text: str, pos: int, start: int) -> bool:
    """Whether the text before ``pos`` ends a sentence (closing quotes and brackets allowed)."""
    i = pos - 1
    while i > start and text[i] in _SENTENCE_CLOSERS and pos - i <= 3:
        i -= 1
    return i >= start and text[i] in _SENTENCE_END


def _candidates(
    text: str, start: int, end_max: int, protected: list[tuple[int, int]]
) -> list[_Cut]:
    """Every cut that leaves ``text[start:end]`` within the window and not blank."""
    cuts: list[_Cut] = []
    first = (
        start + len(text[start:end_max]) - len(text[start:end_max].lstrip())
    )  # a part is not blank
    for m in _BREAKABLE_WS.finditer(text, first + 1, end_max + 1):
        end = m.start()
        resume = _skip_ws(text, end)
        newlines = text.count("\n", end, resume)
        if newlines >= 2:
            level = _PARAGRAPH
        elif newlines == 1:
            level = _LINE
        elif _ends_sentence(text, end, start):
            level = _SENTENCE
        else:
            level = _SPACE
        cuts.append(_Cut(level, end, resume))
    for m in _CJK_STOP.finditer(text, first, end_max):
        if m.end() < len(text) and not text[m.end()].isspace():
            cuts.append(_Cut(_SENTENCE, m.end(), m.end()))
    for low, high in protected:
        for edge in (low, high):
            if first < edge <= end_max:
                cuts.append(_Cut(_EDGE, edge, _skip_ws(text, edge)))
    cuts.sort(key=lambda cut: cut.end)
    return cuts


def _splits_protected(cut: _Cut, protected: list[tuple[int, int]]) -> bool:
    return any(low < cut.end and cut.resume < high for low, high in protected)


def _hard_cut(text: str, start: int, end_max: int) -> int:
    """The last grapheme boundary in ``(start, end_max]``, else ``end_max``."""
    pos = max(start, end_max - 64)
    best = start
    for m in _GRAPHEME.finditer(text, pos, len(text)):
        if m.end() > end_max:
            break
        best = m.end()
    return best if best > start else end_max


def _choose_cut(
    text: str, offs: Sequence[int], start: int, limit: int, protected: list[tuple[int, int]]
) -> _Cut:
    """Where the part that starts at ``start`` (and does not fit) ends."""
    end_max = bisect.bisect_right(offs, offs[start] + limit) - 1
    if end_max <= start:  # not even one character fits (limit 1 and an astral character)
        return _Cut(_EDGE, start + 1, start + 1)
    cuts = _candidates(text, start, end_max, protected)
    late = offs[start] + limit // 2
    for avoid_code in (True, False):
        for min_units in (late, 0):
            for level in (_PARAGRAPH, _LINE, _SENTENCE, _SPACE, _EDGE):
                for cut in reversed(cuts):
                    if offs[cut.end] < min_units:
                        break
                    if cut.level != level:
                        continue
                    if avoid_code and _splits_protected(cut, protected):
                        continue
                    return cut
    end = _hard_cut(text, start, end_max)
    return _Cut(_EDGE, end, _skip_ws(text, end))


def _plan(
    text: str, offs: Sequence[int], limit: int, protected: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Code point ranges ``[a, b)`` of the parts, each at most ``limit`` UTF-16 units."""
    if limit < 1:
        raise ValueError("limit must be positive")
    n = len(text)
    ranges: list[tuple[int, int]] = []
    start = 0
    while True:
        if offs[n] - offs[start] <= limit:
            ranges.append((start, n))
            break
        cut = _choose_cut(text, offs, start, limit, protected)
        ranges.append((start, cut.end))
        start = cut.resume
        if start >= n:
            break
    # A window of nothing but whitespace (a text opening with a long blank run) is no message.
    return [(a, b) for a, b in ranges if not text[a:b].isspace()] or ranges[:1]


def _slice_entities(entities: list[MessageEntity], low: int, high: int) -> list[MessageEntity]:
    """The entities' pieces within UTF-16 ``[low, high)``, rebased to ``low``."""
    sliced: list[MessageEntity] = []
    for entity in entities:
        begin = max(entity.offset, low)
        end = min(entity.offset + entity.length, high)
        if end > begin:
            sliced.append(entity.model_copy(update={"offset": begin - low, "length": end - begin}))
    return sliced


def _protected_ranges(entities: list[MessageEntity], offs: Sequence[int]) -> list[tuple[int, int]]:
    return [
        (
            bisect.bisect_left(offs, entity.offset),
            bisect.bisect_left(offs, entity.offset + entity.length),
        )
        for entity in entities
        if entity.type in _PROTECTED_ENTITIES
    ]


def split_text(
    text: str, entities: list[MessageEntity] | None, limit: int = TEXT_LIMIT
) -> list[tuple[str, list[MessageEntity]]]:
    """Cut a text with its entities into parts of at most ``limit`` UTF-16 units each.

    A text that fits comes back as one part, unchanged.
    """
    ents = list(entities or [])
    if utf16_len(text) <= limit:
        return [(text, ents)]
    offs = _utf16_offsets(text)
    ranges = _plan(text, offs, limit, _protected_ranges(ents, offs))
    return [(text[a:b], _slice_entities(ents, offs[a], offs[b])) for a, b in ranges]


def split_caption(
    caption: str,
    entities: list[MessageEntity] | None,
    limit: int = CAPTION_LIMIT,
    *,
    text_limit: int = TEXT_LIMIT,
) -> tuple[tuple[str, list[MessageEntity]], list[tuple[str, list[MessageEntity]]]]:
    """A caption that fits ``limit``, and the rest as follow-up texts of at most ``text_limit``."""
    ents = list(entities or [])
    if utf16_len(caption) <= limit:
        return (caption, ents), []
    offs = _utf16_offsets(caption)
    cut = _choose_cut(caption, offs, 0, limit, _protected_ranges(ents, offs))
    first = (caption[: cut.end], _slice_entities(ents, 0, offs[cut.end]))
    rest = caption[cut.resume :]
    if not rest:
        return first, []
    rest_entities = _slice_entities(ents, offs[cut.resume], offs[len(caption)])
    return first, split_text(rest, rest_entities, text_limit)


# --- HTML ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Token:
    pos: int  # visible offset (code points) where the token sits
    kind: str  # "text", "open", "close", "void"
    tag: str = ""
    attrs: str = ""  # serialised attributes of an opening tag, with a leading space each
    text: str = ""


class _Tokenizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tokens: list[_Token] = []
        self.visible: list[str] = []
        self.pos = 0

    @staticmethod
    def _attrs(attrs: list[tuple[str, str | None]]) -> str:
        return "".join(
            f" {name}" if value is None else f' {name}="{escape(value, quote=True)}"'
            for name, value in attrs
        )

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tokens.append(_Token(self.pos, "open", tag, self._attrs(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tokens.append(_Token(self.pos, "void", tag, self._attrs(attrs)))

    def handle_endtag(self, tag: str) -> None:
        self.tokens.append(_Token(self.pos, "close", tag))

    def handle_data(self, data: str) -> None:
        if data:
            self.tokens.append(_Token(self.pos, "text", text=data))
            self.visible.append(data)
            self.pos += len(data)


def _tokenize(html: str) -> tuple[list[_Token], str]:
    parser = _Tokenizer()
    parser.feed(html)
    parser.close()
    return parser.tokens, "".join(parser.visible)


def _html_protected(tokens: list[_Token]) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    open_at: dict[str, list[int]] = {}
    for token in tokens:
        if token.tag not in _PROTECTED_TAGS:
            continue
        if token.kind == "open":
            open_at.setdefault(token.tag, []).append(token.pos)
        elif token.kind == "close" and open_at.get(token.tag):
            ranges.append((open_at[token.tag].pop(), token.pos))
    return ranges


def _close(stack: list[tuple[str, str]], tag: str, out: list[str] | None) -> None:
    """Close ``tag`` and whatever is open inside it; a stray closing tag is dropped."""
    for depth in range(len(stack) - 1, -1, -1):
        if stack[depth][0] == tag:
            while len(stack) > depth:
                name, _ = stack.pop()
                if out is not None:
                    out.append(f"</{name}>")
            return


def _render(tokens: list[_Token], ranges: list[tuple[int, int]]) -> list[str]:
    """The well-formed HTML of each visible range ``[low, high)``, in one pass over the tokens.

    Tags open at a part's start are reopened there; all open tags are closed at its end.
    """
    parts: list[str] = []
    stack: list[tuple[str, str]] = []  # (tag, attributes) open at the current token
    index = 0
    for low, high in ranges:
        out: list[str] = []
        started = False
        while index < len(tokens):
            token = tokens[index]
            if token.pos >= high:
                break
            if token.kind == "text":
                end = token.pos + len(token.text)
                if end > low:
                    if not started:
                        started = True
                        out.extend(f"<{tag}{attrs}>" for tag, attrs in stack)
                    chunk = token.text[max(low - token.pos, 0) : high - token.pos]
                    out.append(escape(chunk, quote=False))
                    if end > high:
                        break  # the rest of this text belongs to the next part
                index += 1
                continue
            emit = started and token.pos >= low
            if token.kind == "open":
                if emit:
                    out.append(f"<{token.tag}{token.attrs}>")
                stack.append((token.tag, token.attrs))
            elif token.kind == "close":
                _close(stack, token.tag, out if emit else None)
            elif emit:
                out.append(f"<{token.tag}{token.attrs}/>")
            index += 1
        if not started:
            out.extend(f"<{tag}{attrs}>" for tag, attrs in stack)
        out.extend(f"</{tag}>" for tag, _ in reversed(stack))
        parts.append("".join(out))
    return parts


def split_html(html: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Cut Telegram-HTML so each part's visible text is at most ``limit`` UTF-16 units.

    Each part is well-formed: tags open at a cut are closed at the end of the part and reopened,
    with their attributes, at the start of the next. Text is re-escaped (``&``, ``<``, ``>``).
    An HTML whose visible text fits comes back unchanged.
    """
    tokens, visible = _tokenize(html)
    if utf16_len(visible) <= limit:
        return [html]
    offs = _utf16_offsets(visible)
    ranges = _plan(visible, offs, limit, _html_protected(tokens))
    return _render(tokens, ranges)
