"""Links of Telegram HTML: found (``href`` and URLs written out), compared, unwrapped, removed."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterator

from bot.forwarding.html.edits import edit, merged
from bot.forwarding.html.parse import parse
from bot.forwarding.html.tokens import Open, Token, serialize, tidy, visible_text

_URL = re.compile(
    r"(?<![\w@/.-])((?:https?|tg)://|www\.|(?:t|telegram)\.me/|telegram\.dog/)[^\s<>\"'«»]+",
    re.IGNORECASE,
)
_URL_TRAILING = ".,;:!?'\"»)]}…"


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
    tokens = parse(html)
    text = visible_text(tokens)
    links = {href for token in tokens if isinstance(token, Open) and (href := token.get("href"))}
    return links | {text[a:b] for a, b in _bare_urls(text)}


def _unwrap(
    tokens: list[Token], should_unwrap: Callable[[str], bool], drop_url_text: bool
) -> tuple[list[Token], list[tuple[int, int]]]:
    """Links unwrapped, and the visible ranges of those whose text is their own URL."""
    out: list[Token] = []
    drop: list[tuple[int, int]] = []
    pos = 0
    href: str | None = None  # of the <a> being unwrapped
    inside: list[str] = []  # its text
    for token in tokens:
        if isinstance(token, str):
            pos += len(token)
            inside.append(token)
        elif token.name == "a" and isinstance(token, Open):
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
    tokens, _ = _unwrap(parse(html), should_unwrap, drop_url_text=False)
    return serialize(tidy(tokens))


def restrict_links(tokens: list[Token], allowed: Collection[str]) -> list[Token]:
    """``tokens`` with every link not in ``allowed`` removed, as :func:`remove_links` does."""
    keys = {link_key(url) for url in allowed}

    def foreign(url: str) -> bool:
        return link_key(url) not in keys

    tokens, drop = _unwrap(tokens, foreign, drop_url_text=True)
    text = visible_text(tokens)
    drop += [(a, b) for a, b in _bare_urls(text) if foreign(text[a:b])]
    return edit(tokens, merged(drop)) if drop else tokens


def remove_links(html: str, *, keep: Collection[str] | None = None) -> str:
    """Every link gone but those in ``keep``: ``<a>`` unwrapped (its text dropped when it is the
    URL itself), URLs written out (http, https, tg, www., t.me) removed, whitespace tidied."""
    return serialize(restrict_links(parse(html), keep or ()))
