"""Telegram HTML: made from message entities, made safe from untrusted text, fitted to a length.

The transform pipeline works on the HTML subset ``parse_mode=HTML`` accepts. :func:`to_html` turns a
message's text and entities into it; :func:`sanitize_html` turns anything (a model's answer, an
owner's template) into it: allowed tags and attributes only (canonical names: ``b i u s code pre a
tg-spoiler tg-emoji blockquote``), balanced, escaped, links restricted to http / https / tg and,
when asked, to the links of the source post. Every function here is pure and never raises on bad
markup.

Text steps edit the *visible* text through :func:`edit_text`, :func:`unwrap_links` and
:func:`remove_links`, which leave tags and attribute values alone and keep the markup balanced.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from html import escape, unescape
from typing import TypeAlias

from aiogram.enums import MessageEntityType
from aiogram.types import MessageEntity
from aiogram.utils.text_decorations import HtmlDecoration

from bot.forwarding.html.splitting import split_html, utf16_len

ELLIPSIS = "…"
MAX_DEPTH = 100  # source tags nested deeper than this: the input is hopeless, keep its text only

# --- entities to HTML ----------------------------------------------------------------------------

_FORMATTING = frozenset(
    {
        MessageEntityType.BOLD,
        MessageEntityType.ITALIC,
        MessageEntityType.UNDERLINE,
        MessageEntityType.STRIKETHROUGH,
        MessageEntityType.SPOILER,
        MessageEntityType.CODE,
        MessageEntityType.PRE,
        MessageEntityType.BLOCKQUOTE,
        MessageEntityType.EXPANDABLE_BLOCKQUOTE,
        MessageEntityType.TEXT_LINK,
        MessageEntityType.TEXT_MENTION,
        MessageEntityType.CUSTOM_EMOJI,
    }
)


class _Decoration(HtmlDecoration):
    """aiogram's HTML decoration with its slips fixed.

    aiogram writes ``<code language="...">`` (Telegram reads ``class="language-..."``), puts URLs
    in ``href`` unescaped, fails on a text mention without its user, escapes the already rendered
    inside of an entity type it does not know, and writes ``<tg-time>``, which the HTML subset here
    does not include (the date's text is kept).
    """

    def apply_entity(self, entity: MessageEntity, text: str) -> str:
        if entity.type not in _FORMATTING:
            return text
        if entity.type == MessageEntityType.TEXT_MENTION and entity.user is None:
            return text
        if entity.type == MessageEntityType.TEXT_LINK and not entity.url:
            return text
        if entity.type == MessageEntityType.CUSTOM_EMOJI and not entity.custom_emoji_id:
            return text
        return super().apply_entity(entity, text)

    def link(self, value: str, link: str) -> str:
        return f'<a href="{escape(link)}">{value}</a>'

    def pre_language(self, value: str, language: str) -> str:
        return f'<pre><code class="language-{escape(language)}">{value}</code></pre>'

    def custom_emoji(self, value: str, custom_emoji_id: str) -> str:
        return f'<tg-emoji emoji-id="{escape(custom_emoji_id)}">{value}</tg-emoji>'

    def date_time(
        self, value: str, unix_time: int | datetime, date_time_format: str | None = None
    ) -> str:
        return value


_DECORATION = _Decoration()


def _nested(entities: list[MessageEntity], total: int) -> list[MessageEntity]:
    """Entities clipped to the text, sorted outer first, overlaps split so that they nest.

    aiogram's ``unparse`` sorts by offset only and assumes proper nesting: an inner entity listed
    before its outer one at the same offset, or two overlapping entities, repeat text.
    """
    pending = []
    for order, entity in enumerate(entities):
        start = max(entity.offset, 0)
        end = min(entity.offset + entity.length, total)
        if end > start and entity.type in _FORMATTING:
            pending.append((start, -end, order, entity))
    result: list[MessageEntity] = []
    ends: list[int] = []  # ends of the entities open at the current start, innermost last
    while pending:
        pending.sort(reverse=True)
        start, neg_end, order, entity = pending.pop()
        end = -neg_end
        while ends and ends[-1] <= start:
            ends.pop()
        if ends and end > ends[-1]:  # overlaps the enclosing entity: split at its end
            pending += [(start, -ends[-1], order, entity), (ends[-1], neg_end, order, entity)]
            continue
        result.append(entity.model_copy(update={"offset": start, "length": end - start}))
        ends.append(end)
    return result


def to_html(text: str, entities: list[MessageEntity] | None) -> str:
    """A message's text and entities (UTF-16 offsets) as Telegram HTML.

    Entities Telegram detects by itself (mentions, hashtags, URLs …) stay plain text.
    """
    if not text:
        return ""
    return _DECORATION.unparse(text, _nested(list(entities or []), utf16_len(text)))


# --- tokens --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Open:
    name: str
    attrs: tuple[tuple[str, str | None], ...] = ()

    def get(self, key: str) -> str | None:
        return next((value for name, value in self.attrs if name == key), None)


@dataclass(frozen=True, slots=True)
class _Close:
    name: str


_Token: TypeAlias = "str | _Open | _Close"  # a str is decoded visible text


def _serialize(tokens: Iterable[_Token]) -> str:
    out: list[str] = []
    for token in tokens:
        if isinstance(token, str):
            out.append(escape(token, quote=False))
        elif isinstance(token, _Open):
            attrs = "".join(
                f" {key}" if value is None else f' {key}="{escape(value)}"'
                for key, value in token.attrs
            )
            out.append(f"<{token.name}{attrs}>")
        else:
            out.append(f"</{token.name}>")
    return "".join(out)


def _visible(tokens: Iterable[_Token]) -> str:
    return "".join(token for token in tokens if isinstance(token, str))


# --- lexing untrusted markup ---------------------------------------------------------------------


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
_PARAGRAPH_TAGS = _names(
    """p div h1 h2 h3 h4 h5 h6 ul ol dl table hr section article header footer main nav aside
    figure details address center"""
)
_LINE_TAGS = _names("tr dt dd summary")
_TAG_HEAD = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")
_ATTR_NAME = re.compile(r"[^\s\"'<>/=]+")
_UNQUOTED = re.compile(r"[\s<>]")  # ends an unquoted attribute value
_CHARREF = re.compile(r"&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_FENCE = re.compile(r"^[ \t]*```[\w+#.-]*[ \t]*$", re.MULTILINE)
_THINK_END = re.compile(r"</think\s*>", re.IGNORECASE)
_DECLARATION = re.compile(r"<(?:![A-Za-z\[]|\?[A-Za-z])")


@dataclass(frozen=True, slots=True)
class _Raw:
    kind: str  # "text", "open", "close", "void" (self-closing)
    name: str = ""
    attrs: tuple[tuple[str, str | None], ...] = ()
    text: str = ""


def _clean_text(text: str) -> str:
    """Character references decoded (only ``;``-terminated ones), control characters dropped."""
    if "&" in text:
        text = _CHARREF.sub(lambda m: unescape(m.group()), text)
    return _CONTROL.sub(lambda m: "\ufffd" if m.group() >= "\ud800" else "", text)


def _fence_spans(text: str) -> list[tuple[int, int]]:
    """A ``` line opening and one closing the whole text, or a lone one at either end."""
    fences = list(_FENCE.finditer(text))
    if not fences:
        return []
    first, last = fences[0], fences[-1]
    opens = not text[: first.start()].strip()
    closes = not text[last.end() :].strip()
    if opens and closes and first is not last:
        return [first.span(), last.span()]
    if len(fences) == 1 and (opens or closes):
        return [first.span()]
    return []


def _strip_fences(tokens: list[_Token]) -> list[_Token]:
    while spans := _fence_spans(_visible(tokens)):
        tokens = _edit(tokens, _merged(spans))
    return tokens


def _strip_reasoning(source: str) -> str:
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

    def _parse_tag(self, start: int) -> tuple[int, _Raw] | None:
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
                return i + 1, _Raw("close" if closing else "open", name, tuple(attrs))
            if s.startswith("/>", i):
                return i + 2, _Raw("close" if closing else "void", name, tuple(attrs))
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
            attrs.append((key.group().lower(), None if value is None else _clean_text(value)))

    def __iter__(self) -> Iterator[_Raw]:
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
                yield _Raw("text", text=source[text_from:lt])
            if parsed is not None:
                raw = parsed[1]
                if raw.kind == "open" and raw.name in _DROP_CONTENT:
                    end = re.compile(rf"</{raw.name}\s*>", re.IGNORECASE).search(source, skip_to)
                    skip_to = n if end is None else end.end()
                elif raw.name not in _DROP_CONTENT:
                    yield raw
            i = text_from = skip_to
        if text_from < n:
            yield _Raw("text", text=source[text_from:])


def _lex(source: str) -> Iterator[_Raw]:
    return iter(_Lexer(source))


# --- building clean tokens -----------------------------------------------------------------------

_GROUP = {"strong": "b", "em": "i", "ins": "u", "strike": "s", "del": "s"}
_ALLOWED = frozenset(
    {"b", "i", "u", "s", "tg-spoiler", "code", "pre", "a", "blockquote", "tg-emoji"}
)
_SAFE_HREF = re.compile(r"(?:https?://[^\s/?#]+|tg://[A-Za-z])\S*", re.IGNORECASE)
_LANGUAGE = re.compile(r"language-\S{1,64}")
_EMOJI_ID = re.compile(r"[0-9]{1,24}")
_CODE = frozenset({"code", "pre"})


class _Hopeless(Exception):
    pass


@dataclass(slots=True)
class _Frame:
    group: str  # what a closing tag must name to close it
    raw: _Raw
    tag: _Open | None  # what was written for it; None: unwrapped (its text is kept)


def _safe_href(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value if _SAFE_HREF.fullmatch(value) else None


def _canonical(raw: _Raw, stack: list[_Frame]) -> _Open | None:
    """The allowed tag ``raw`` becomes at this place, or ``None`` to keep only its text."""
    attrs = dict(raw.attrs)
    name = _GROUP.get(raw.name, raw.name)
    if name == "span":
        name = "tg-spoiler" if (attrs.get("class") or "").strip() == "tg-spoiler" else ""
    if name not in _ALLOWED:
        return None
    tags = [frame.tag for frame in stack if frame.tag is not None]
    if any(tag.name == name for tag in tags):
        return None  # no b inside b, a inside a, blockquote inside blockquote
    inside_pre = bool(tags) and tags[-1].name == "pre"
    if any(tag.name in _CODE for tag in tags) and not (name == "code" and inside_pre):
        return None  # Telegram allows no formatting inside code
    if name == "a":
        href = _safe_href(attrs.get("href"))
        return _Open("a", (("href", href),)) if href else None
    if name == "tg-emoji":
        emoji_id = (attrs.get("emoji-id") or "").strip()
        valid = _EMOJI_ID.fullmatch(emoji_id) and int(emoji_id)
        return _Open("tg-emoji", (("emoji-id", emoji_id),)) if valid else None
    if name == "code" and inside_pre:  # only to name the block's language
        language = (attrs.get("class") or "").strip()
        return _Open("code", (("class", language),)) if _LANGUAGE.fullmatch(language) else None
    if name == "blockquote" and "expandable" in attrs:
        return _Open("blockquote", (("expandable", None),))
    return _Open(name)


class _Builder:
    """Balanced, allowed tokens from lexed markup (misnested tags closed and reopened)."""

    def __init__(self) -> None:
        self.out: list[_Token] = []
        self.texts: list[int] = []  # indices of the texts in out
        self.stack: list[_Frame] = []
        self.strip_next = False  # whitespace after a block break is layout, not text

    def emit(self, text: str) -> None:
        self.texts.append(len(self.out))
        self.out.append(text)

    def text(self, text: str) -> None:
        if self.strip_next:
            text = text.lstrip()
            self.strip_next = not text
        if text:
            self.emit(text)

    def brk(self, newlines: int) -> None:
        """A block boundary: at least ``newlines`` newlines, nothing at the start."""
        existing = 0
        while True:
            if not self.texts:
                self.strip_next = True
                return
            last = self.texts[-1]
            text = self.out[last]
            assert isinstance(text, str)
            kept = text.rstrip()
            existing = max(existing, text[len(kept) :].count("\n"))
            if kept:
                self.out[last] = kept
                break
            del self.out[last]  # only tags follow it: no other index moves
            self.texts.pop()
        self.emit("\n" * min(2, max(newlines, existing)))
        self.strip_next = True

    def open(self, raw: _Raw) -> None:
        if len(self.stack) >= MAX_DEPTH:
            raise _Hopeless
        group = "span" if raw.name == "span" else _GROUP.get(raw.name, raw.name)
        tag = _canonical(raw, self.stack)
        self.stack.append(_Frame(group, raw, tag))
        if tag is not None:
            self.out.append(tag)

    def close(self, name: str) -> None:
        group = "span" if name == "span" else _GROUP.get(name, name)
        depth = next(
            (d for d in range(len(self.stack) - 1, -1, -1) if self.stack[d].group == group), None
        )
        if depth is None:
            return  # a closing tag that closes nothing
        above = self.stack[depth + 1 :]
        for frame in reversed(self.stack[depth:]):
            if frame.tag is not None:
                self.out.append(_Close(frame.tag.name))
        del self.stack[depth:]
        for frame in above:  # misnested: <b><i>x</b>y</i> -> <b><i>x</i></b><i>y</i>
            self.open(frame.raw)

    def feed(self, raw: _Raw) -> None:
        if raw.kind == "text":
            self.text(_clean_text(raw.text))
        elif raw.name == "br":
            self.text("\n")
        elif raw.name in _PARAGRAPH_TAGS:
            self.brk(2)
        elif raw.name in _LINE_TAGS or raw.name == "li":
            if raw.kind != "close":
                self.brk(1)
                if raw.name == "li":
                    self.emit("• ")
        elif raw.kind == "open" and (
            raw.name in _ALLOWED or raw.name in _GROUP or raw.name == "span"
        ):
            self.open(raw)
        elif raw.kind == "close":
            self.close(raw.name)

    def finish(self) -> list[_Token]:
        for frame in reversed(self.stack):
            if frame.tag is not None:
                self.out.append(_Close(frame.tag.name))
        self.stack.clear()
        return _tidy_tokens(self.out)


def _tidy_tokens(tokens: list[_Token]) -> list[_Token]:
    """Adjacent texts merged, elements without text dropped, the ends stripped of whitespace."""
    while True:
        out: list[_Token] = []
        for token in tokens:
            if isinstance(token, str):
                if not token:
                    continue
                if out and isinstance(out[-1], str):
                    out[-1] += token
                    continue
            elif isinstance(token, _Close) and out and isinstance(out[-1], _Open):
                out.pop()  # an empty element
                continue
            out.append(token)
        for step in (1, -1):
            for j in [j for j, token in enumerate(out) if isinstance(token, str)][::step]:
                text = out[j]
                assert isinstance(text, str)
                out[j] = text.lstrip() if step == 1 else text.rstrip()
                if out[j]:
                    break
        if all(out):  # stripping emptied nothing: done
            return out
        tokens = out


def _parse(html: str, *, model_output: bool = False) -> list[_Token]:
    html = html.replace("\r\n", "\n").replace("\r", "\n")
    builder = _Builder()
    for raw in _lex(_strip_reasoning(html) if model_output else html):
        builder.feed(raw)
    return builder.finish()


def _fallback(html: str) -> str:
    """The visible text alone, escaped: for input nested too deep to make sense of."""
    try:
        text = "".join(
            "\n" if raw.name == "br" else raw.text
            for raw in _lex(_strip_reasoning(html))
            if raw.kind == "text" or raw.name == "br"
        )
    except Exception:  # our own slip: the raw text is still safe once escaped
        text = html
    return escape(_clean_text(text).strip(), quote=False)


# --- links ---------------------------------------------------------------------------------------

_URL = re.compile(
    r"(?<![\w@/.-])((?:https?|tg)://|www\.|(?:t|telegram)\.me/|telegram\.dog/)[^\s<>\"'«»]+",
    re.IGNORECASE,
)
_URL_TRAILING = ".,;:!?'\"»)]}…"
_CLOSING_PUNCTUATION = frozenset(".,;:!?)]}…»")


def _bare_urls(text: str) -> Iterator[tuple[int, int]]:
    """Spans of URLs written in plain text, trailing punctuation left out (balanced ')' kept)."""
    for m in _URL.finditer(text):
        start, end = m.span()
        while end > start and text[end - 1] in _URL_TRAILING:
            if text[end - 1] == ")" and text.count("(", start, end) >= text.count(")", start, end):
                break
            end -= 1
        if end > m.end(1):
            yield start, end


_LINK_PREFIX = re.compile(r"^(?:https?://)?(?:www\.)?", re.IGNORECASE)


def link_key(url: str) -> str:
    """What makes two spellings of a link the same link (scheme http/https, www, trailing /)."""
    host, sep, path = _LINK_PREFIX.sub("", url.strip(), count=1).partition("/")
    host = host.lower()
    if host in ("telegram.me", "telegram.dog"):
        host = "t.me"
    return f"{host}{sep}{path}".rstrip("/")


def links_of(html: str) -> set[str]:
    """Every link of a text: each ``href`` and each URL written out (for ``allowed_links``)."""
    tokens = _parse(html)
    text = _visible(tokens)
    links = {href for token in tokens if isinstance(token, _Open) and (href := token.get("href"))}
    return links | {text[a:b] for a, b in _bare_urls(text)}


# --- editing the visible text --------------------------------------------------------------------

_Span: TypeAlias = "tuple[int, int, str]"


def _replace(tokens: list[_Token], spans: list[_Span]) -> tuple[list[_Token], list[int]]:
    """Replace visible ``[start, end)`` ranges, sorted and disjoint; tags stay where they are.

    A replacement goes into the text where its range starts. Returns the new tokens and the
    positions (in the new text) where something was removed without replacement.
    """
    out: list[_Token] = []
    seams: list[int] = []
    pos = new_pos = k = 0
    for token in tokens:
        if not isinstance(token, str):
            out.append(token)
            continue
        end = pos + len(token)
        pieces: list[str] = []
        cursor = pos
        while k < len(spans) and spans[k][0] < end:
            start, stop, repl = spans[k]
            if start >= cursor:
                pieces += [token[cursor - pos : start - pos], repl]
                new_pos += start - cursor + len(repl)
                if not repl:
                    seams.append(new_pos)
                cursor = start
            cursor = max(cursor, min(stop, end))
            if stop > end:
                break
            k += 1
        pieces.append(token[cursor - pos :])
        new_pos += end - cursor
        out.append("".join(pieces))
        pos = end
    for start, _, repl in spans[k:]:  # insertions at the very end
        if start >= pos:
            out.append(repl)
            if not repl:
                seams.append(new_pos)
            new_pos += len(repl)
    return out, seams


def _disjoint(spans: Iterable[_Span]) -> list[_Span]:
    result: list[_Span] = []
    for start, end, repl in sorted(spans, key=lambda span: (span[0], span[1])):
        if result and start < result[-1][1]:
            continue  # overlaps one already taken
        if end > start or repl:
            result.append((start, end, repl))
    return result


def _merged(spans: Iterable[tuple[int, int]]) -> list[_Span]:
    result: list[list[int]] = []
    for start, end in sorted(spans):
        if result and start <= result[-1][1]:
            result[-1][1] = max(result[-1][1], end)
        elif end > start:
            result.append([start, end])
    return [(start, end, "") for start, end in result]


def _runs(text: str, chars: str) -> tuple[list[int], list[int]]:
    """``left[i]``: where the run of ``chars`` that ends at ``i`` starts; ``right[i]``: where the
    run that starts at ``i`` ends."""
    n = len(text)
    left = list(range(n + 1))
    right = list(range(n + 1))
    for i in range(1, n + 1):
        if text[i - 1] in chars:
            left[i] = left[i - 1]
    for i in range(n - 1, -1, -1):
        if text[i] in chars:
            right[i] = right[i + 1]
    return left, right


def _cleanup_spans(text: str, seams: Iterable[int]) -> Iterator[tuple[int, int]]:
    """Whitespace a removal left behind: a doubled space, a space at a line's edge, an empty line."""
    n = len(text)
    space_left, space_right = _runs(text, " \t")
    newline_left, newline_right = _runs(text, "\n")
    for p in sorted(set(seams)):
        a, b = space_left[p], space_right[p]
        line_start = a == 0 or text[a - 1] == "\n"
        line_end = b == n or text[b] == "\n"
        if line_start and line_end:
            before, after = a - newline_left[a], newline_right[b] - b
            if before == a:  # nothing above: drop the blank lines below too
                yield 0, b + after
            elif b + after == n:
                yield a - before, n
            else:
                yield a, b + min(before, after)
        elif line_start:
            yield p, b
        elif line_end or (a < p == b and text[p] in _CLOSING_PUNCTUATION):
            yield a, p  # "see URL." -> "see."
        elif a < p < b:
            yield p, b


def _code_ranges(tokens: list[_Token]) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    pos = depth = 0
    for token in tokens:
        if isinstance(token, str):
            if depth:
                ranges.append((pos, pos + len(token)))
            pos += len(token)
        elif token.name in _CODE:
            depth += 1 if isinstance(token, _Open) else -1
    return ranges


def _edit(tokens: list[_Token], spans: Iterable[_Span]) -> list[_Token]:
    tokens, seams = _replace(tokens, _disjoint(spans))
    if seams:
        tokens, _ = _replace(tokens, _merged(_cleanup_spans(_visible(tokens), seams)))
    return _tidy_tokens(tokens)


def edit_text(
    html: str,
    find: Callable[[str], Iterable[tuple[int, int, str]]],
    *,
    skip_code: bool = False,
) -> str:
    """Replace parts of the visible text of ``html``; tags and attributes are never touched.

    ``find`` gets the visible text (entities decoded) and yields ``(start, end, replacement)``
    in code points; the replacement is plain text (it is escaped) and lands in the element where
    its range starts; a range may cross tags. Overlapping ranges: the first wins. Where text is
    removed (empty replacement), the whitespace left behind is tidied: no doubled space, no space
    at a line's edge, no empty line. With ``skip_code``, ranges touching ``code`` / ``pre`` are
    ignored. Exceptions of ``find`` propagate.
    """
    tokens = _parse(html)
    text = _visible(tokens)
    spans = [(a, b, _clean_text(repl)) for a, b, repl in find(text) if 0 <= a <= b <= len(text)]
    if skip_code:
        code = _code_ranges(tokens)
        spans = [s for s in spans if not any(s[0] < hi and lo < s[1] for lo, hi in code)]
    return _serialize(_edit(tokens, spans)) if spans else html


def _unwrap(
    tokens: list[_Token], should_unwrap: Callable[[str], bool], drop_url_text: bool
) -> tuple[list[_Token], list[tuple[int, int]]]:
    """Links unwrapped, and the visible ranges of those whose text is their own URL."""
    out: list[_Token] = []
    drop: list[tuple[int, int]] = []
    pos = 0
    href: str | None = None  # of the <a> being unwrapped
    inside: list[str] = []  # its text
    for token in tokens:
        if isinstance(token, str):
            pos += len(token)
            inside.append(token)
        elif token.name == "a" and isinstance(token, _Open):
            if should_unwrap(token.get("href") or ""):
                href, inside = token.get("href") or "", []
                continue
        elif token.name == "a" and href is not None:
            text = "".join(inside)
            if drop_url_text and link_key(text) == link_key(href):
                drop.append((pos - len(text), pos))
            href = None
            continue
        out.append(token)
    return out, drop


def unwrap_links(html: str, should_unwrap: Callable[[str], bool]) -> str:
    """``<a>`` tags whose href satisfies ``should_unwrap`` removed; their text is kept."""
    tokens, _ = _unwrap(_parse(html), should_unwrap, drop_url_text=False)
    return _serialize(_tidy_tokens(tokens))


def _restrict_links(tokens: list[_Token], allowed: Collection[str]) -> list[_Token]:
    keys = {link_key(url) for url in allowed}

    def foreign(url: str) -> bool:
        return link_key(url) not in keys

    tokens, drop = _unwrap(tokens, foreign, drop_url_text=True)
    text = _visible(tokens)
    drop += [(a, b) for a, b in _bare_urls(text) if foreign(text[a:b])]
    return _edit(tokens, _merged(drop)) if drop else tokens


def remove_links(html: str, *, keep: Collection[str] | None = None) -> str:
    """Every link gone but those in ``keep``: ``<a>`` unwrapped (its text dropped when it is the
    URL itself), URLs written out (http, https, tg, www., t.me) removed, whitespace tidied."""
    return _serialize(_restrict_links(_parse(html), keep or ()))


# --- public entry points -------------------------------------------------------------------------


def sanitize_html(html: str, *, allowed_links: Collection[str] | None = None) -> str:
    """Untrusted markup made into Telegram HTML that Telegram accepts. Never raises.

    Allowed tags and attributes only (others dropped, their text kept; ``script``, ``style`` and
    ``think`` dropped with their content), tags balanced (misnested ones closed and reopened,
    stray closers dropped), ``<br>`` as a newline, ``<p>`` and other blocks as paragraph breaks,
    character references decoded and the text re-escaped, hrefs limited to http, https and tg.
    With ``allowed_links``, links not in it are removed (see :func:`remove_links`); ``None``
    allows any. A ``` fence around the whole answer is removed. Input nested too deep for sense
    comes back as its escaped text.
    """
    try:
        tokens = _parse(html, model_output=True)
        if allowed_links is not None:
            tokens = _restrict_links(tokens, allowed_links)
        return _serialize(_strip_fences(tokens))
    except Exception:  # _Hopeless, or a slip of ours: a post is never lost to markup
        return _fallback(html)


def html_to_text(html: str) -> str:
    """The text Telegram would show for ``html``."""
    return _visible(_parse(html))


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
