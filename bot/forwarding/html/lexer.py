"""A lenient lexer of untrusted markup: tags and text, where a ``<`` that starts no tag is text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape


def _names(words: str) -> frozenset[str]:
    return frozenset(words.split())


# Names read as tags; anything else in angle brackets (List<String>, <username>) is text.
_KNOWN_TAGS = _names(
    """a abbr address area article aside audio b base bdi bdo big blink blockquote body br button
    canvas caption center cite code col colgroup data datalist dd del details dfn dialog dir div dl
    dt em embed fieldset figcaption figure font footer form frame frameset h1 h2 h3 h4 h5 h6 head
    header hgroup hr html i iframe img input ins kbd label legend li link main mark marquee math
    menu meta meter nav nobr noembed noframes noscript object ol optgroup option output p param
    picture pre progress q rp rt ruby s samp script search section select slot small source span
    strike strong style sub summary sup svg table tbody td template textarea tfoot th thead time
    title tr track tt u ul var video wbr xmp tg-spoiler tg-emoji tg-time think thinking"""
)
# Dropped with everything inside them.
_DROP_CONTENT = _names(
    "script style think thinking template iframe object svg math noscript noembed noframes title head"
)
PARAGRAPH_TAGS = _names(
    """p div h1 h2 h3 h4 h5 h6 ul ol dl table hr section article header footer main nav aside
    figure details address center"""
)
LINE_TAGS = _names("tr dt dd summary")
_TAG_HEAD = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")
_ATTR_NAME = re.compile(r"[^\s\"'<>/=]+")
_UNQUOTED = re.compile(r"[\s<>]")  # ends an unquoted attribute value
_CHARREF = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_THINK_END = re.compile(r"</think\s*>", re.IGNORECASE)
_DECLARATION = re.compile(r"<(?:![A-Za-z\[]|\?[A-Za-z])")


@dataclass(frozen=True, slots=True)
class Raw:
    kind: str  # "text", "open", "close", "void" (self-closing)
    name: str = ""
    attrs: tuple[tuple[str, str | None], ...] = ()
    text: str = ""


def clean_text(text: str) -> str:
    """Character references decoded (only ``;``-terminated ones), control characters dropped."""
    if "&" in text:
        text = _CHARREF.sub(lambda m: unescape(m.group()), text)
    return _CONTROL.sub(lambda m: "\ufffd" if m.group() >= "\ud800" else "", text)


def strip_reasoning(source: str) -> str:
    """Reasoning whose opening tag was lost (``… </think> answer``) removed."""
    end = _THINK_END.search(source)
    if end and "<think" not in source[: end.start()].lower():
        return source[end.end() :]
    return source


def _skip_ws(s: str, i: int) -> int:
    while i < len(s) and s[i].isspace():
        i += 1
    return i


class _Lexer:
    """Tags and text of lenient HTML; a ``<`` that starts no tag is text."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.absent_after: dict[str, int] = {}  # a terminator found nowhere after this index

    def _find(self, needle: str, start: int) -> int:
        """``source.find`` that searches no stretch twice in vain (linear time on garbage)."""
        if start >= self.absent_after.get(needle, len(self.source) + 1):
            return -1
        found = self.source.find(needle, start)
        if found < 0:
            self.absent_after[needle] = start
        return found

    def _skip_markup(self, lt: int) -> int | None:
        """Where a comment, declaration or processing instruction at ``lt`` ends (None: text)."""
        if self.source.startswith("<!--", lt):
            close = self._find("-->", lt + 4)
            return None if close < 0 else close + 3
        if _DECLARATION.match(self.source, lt):
            close = self._find(">", lt)
            return None if close < 0 else close + 1
        return None

    def _parse_tag(self, start: int) -> tuple[int, Raw] | None:
        """The tag at ``source[start] == '<'``, or ``None`` when it is text."""
        s = self.source
        head = _TAG_HEAD.match(s, start)
        if head is None or head.group(2).lower() not in _KNOWN_TAGS:
            return None
        name, closing, i, n = head.group(2).lower(), bool(head.group(1)), head.end(), len(s)
        if i < n and not (s[i].isspace() or s[i] in "/>"):
            return None
        attrs: list[tuple[str, str | None]] = []
        while True:
            i = _skip_ws(s, i)
            if i >= n or s[i] == "<":
                return None
            if s[i] == ">":
                return i + 1, Raw("close" if closing else "open", name, tuple(attrs))
            if s.startswith("/>", i):
                return i + 2, Raw("close" if closing else "void", name, tuple(attrs))
            key = _ATTR_NAME.match(s, i)
            if key is None:
                i += 1  # a stray / " ' or =
                continue
            i = _skip_ws(s, key.end())
            value: str | None = None
            if i < n and s[i] == "=":
                i = _skip_ws(s, i + 1)
                if i < n and s[i] in "\"'":
                    close = self._find(s[i], i + 1)
                    if close < 0:
                        return None
                    value, i = s[i + 1 : close], close + 1
                else:
                    bare = _UNQUOTED.search(s, i)
                    value = s[i : bare.start()] if bare else s[i:]
                    i = bare.start() if bare else n
            attrs.append((key.group().lower(), None if value is None else clean_text(value)))

    def __iter__(self) -> Iterator[Raw]:
        source = self.source
        i = text_from = 0
        n = len(source)
        while (lt := source.find("<", i)) >= 0:
            skip_to = self._skip_markup(lt)
            parsed = None if skip_to is not None else self._parse_tag(lt)
            if parsed is not None:
                skip_to = parsed[0]
            if skip_to is None:
                i = lt + 1
                continue
            if lt > text_from:
                yield Raw("text", text=source[text_from:lt])
            if parsed is not None:
                raw = parsed[1]
                if raw.kind == "open" and raw.name in _DROP_CONTENT:
                    end = re.compile(rf"</{raw.name}\s*>", re.IGNORECASE).search(source, skip_to)
                    skip_to = n if end is None else end.end()
                elif raw.name not in _DROP_CONTENT:
                    yield raw
            i = text_from = skip_to
        if text_from < n:
            yield Raw("text", text=source[text_from:])


def lex(source: str) -> Iterator[Raw]:
    return iter(_Lexer(source))
