"""Untrusted markup made into balanced tokens of allowed tags (misnested ones reopened)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.forwarding.html.lexer import (
    LINE_TAGS,
    PARAGRAPH_TAGS,
    Raw,
    clean_text,
    lex,
    strip_reasoning,
)
from bot.forwarding.html.tokens import Close, Open, Token, tidy

MAX_DEPTH = 100  # source tags nested deeper than this: the input is hopeless, keep its text only


_GROUP = {"strong": "b", "em": "i", "ins": "u", "strike": "s", "del": "s"}
_ALLOWED = frozenset(
    {"b", "i", "u", "s", "tg-spoiler", "code", "pre", "a", "blockquote", "tg-emoji"}
)
_SAFE_HREF = re.compile(r"(?:https?://[^\s/?#]+|tg://[A-Za-z])\S*", re.IGNORECASE)
_LANGUAGE = re.compile(r"language-\S{1,64}")
_EMOJI_ID = re.compile(r"[0-9]{1,24}")
CODE_TAGS = frozenset({"code", "pre"})


class _Hopeless(Exception):
    pass


@dataclass(slots=True)
class _Frame:
    group: str  # what a closing tag must name to close it
    raw: Raw
    tag: Open | None  # what was written for it; None: unwrapped (its text is kept)


def _safe_href(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value if _SAFE_HREF.fullmatch(value) else None


def _canonical(raw: Raw, stack: list[_Frame]) -> Open | None:
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
    if any(tag.name in CODE_TAGS for tag in tags) and not (name == "code" and inside_pre):
        return None  # Telegram allows no formatting inside code
    if name == "a":
        href = _safe_href(attrs.get("href"))
        return Open("a", (("href", href),)) if href else None
    if name == "tg-emoji":
        emoji_id = (attrs.get("emoji-id") or "").strip()
        valid = _EMOJI_ID.fullmatch(emoji_id) and int(emoji_id)
        return Open("tg-emoji", (("emoji-id", emoji_id),)) if valid else None
    if name == "code" and inside_pre:  # only to name the block's language
        language = (attrs.get("class") or "").strip()
        return Open("code", (("class", language),)) if _LANGUAGE.fullmatch(language) else None
    if name == "blockquote" and "expandable" in attrs:
        return Open("blockquote", (("expandable", None),))
    return Open(name)


class _Builder:
    """Balanced, allowed tokens from lexed markup (misnested tags closed and reopened)."""

    def __init__(self) -> None:
        self.out: list[Token] = []
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

    def open(self, raw: Raw) -> None:
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
                self.out.append(Close(frame.tag.name))
        del self.stack[depth:]
        for frame in above:  # misnested: <b><i>x</b>y</i> -> <b><i>x</i></b><i>y</i>
            self.open(frame.raw)

    def feed(self, raw: Raw) -> None:
        if raw.kind == "text":
            self.text(clean_text(raw.text))
        elif raw.name == "br":
            self.text("\n")
        elif raw.name in PARAGRAPH_TAGS:
            self.brk(2)
        elif raw.name in LINE_TAGS or raw.name == "li":
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

    def finish(self) -> list[Token]:
        for frame in reversed(self.stack):
            if frame.tag is not None:
                self.out.append(Close(frame.tag.name))
        self.stack.clear()
        return tidy(self.out)


def parse(html: str, *, model_output: bool = False) -> list[Token]:
    html = html.replace("\r\n", "\n").replace("\r", "\n")
    builder = _Builder()
    for raw in lex(strip_reasoning(html) if model_output else html):
        builder.feed(raw)
    return builder.finish()
