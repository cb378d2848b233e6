"""Plain-text helpers: the length Telegram counts, and texts shortened with an ellipsis."""

from __future__ import annotations

from aiogram.utils.text_decorations import html_decoration

ELLIPSIS = "…"


def utf16_len(text: str) -> int:
    """Length as Telegram counts it: UTF-16 code units."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def clip(text: str, limit: int) -> str:
    """``text`` shortened to at most ``limit`` characters, with an ellipsis when cut."""
    text = text.strip()
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def clip_escaped(text: str, cap: int) -> str:
    """``text`` escaped for HTML, on one line, cut so that the escaped form fits in ``cap``."""
    text = " ".join(text.split())
    escaped = html_decoration.quote(text)
    if len(escaped) <= cap:
        return escaped
    text = text[: cap - 1]  # escaping never shortens
    while text and len(html_decoration.quote(text)) > cap - 1:
        text = text[:-1]
    return html_decoration.quote(text) + ELLIPSIS
