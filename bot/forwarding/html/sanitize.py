"""Untrusted markup (a model's answer, an owner's template) made into Telegram HTML.

Allowed tags and attributes only (canonical names: ``b i u s code pre a tg-spoiler tg-emoji
blockquote``), balanced, escaped, links restricted to http / https / tg and, when asked, to the
links of the source post. Never raises on bad markup.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from html import escape

from bot.forwarding.html.edits import edit, merged
from bot.forwarding.html.lexer import clean_text, lex, strip_reasoning
from bot.forwarding.html.links import restrict_links
from bot.forwarding.html.parse import parse
from bot.forwarding.html.tokens import Token, serialize, visible_text

_FENCE = re.compile(r"^[ \t]*```[\w+#.-]*[ \t]*$", re.MULTILINE)


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


def _strip_fences(tokens: list[Token]) -> list[Token]:
    while spans := _fence_spans(visible_text(tokens)):
        tokens = edit(tokens, merged(spans))
    return tokens


def _fallback(html: str) -> str:
    """The visible text alone, escaped: for input nested too deep to make sense of."""
    try:
        text = "".join(
            "\n" if raw.name == "br" else raw.text
            for raw in lex(strip_reasoning(html))
            if raw.kind == "text" or raw.name == "br"
        )
    except Exception:  # our own slip: the raw text is still safe once escaped
        text = html
    return escape(clean_text(text).strip(), quote=False)


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
        tokens = parse(html, model_output=True)
        if allowed_links is not None:
            tokens = restrict_links(tokens, allowed_links)
        return serialize(_strip_fences(tokens))
    except Exception:  # hopeless nesting, or a slip of ours: a post is never lost to markup
        return _fallback(html)
