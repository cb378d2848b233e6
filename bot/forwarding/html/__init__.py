"""Telegram HTML: made from message entities, made safe from untrusted text, fitted to a length.

The transform pipeline works on the HTML subset ``parse_mode=HTML`` accepts. :func:`to_html` turns a
message's text and entities into it; :func:`sanitize_html` turns anything (a model's answer, an
owner's template) into it. Text steps edit the *visible* text through :func:`edit_text`,
:func:`unwrap_links` and :func:`remove_links`, which leave tags and attribute values alone and keep
the markup balanced. :func:`split_html`, :func:`split_text` and :func:`fit` fit a text to
Telegram's limits, counted in UTF-16 units (:func:`utf16_len`). Every function here is pure and
never raises on bad markup.
"""

from bot.forwarding.html.edits import edit_text
from bot.forwarding.html.entities import to_html
from bot.forwarding.html.length import fit, html_to_text, visible_length
from bot.forwarding.html.links import link_key, links_of, remove_links, unwrap_links
from bot.forwarding.html.sanitize import sanitize_html
from bot.forwarding.html.split import (
    CAPTION_LIMIT,
    TEXT_LIMIT,
    split_caption,
    split_html,
    split_text,
)
from bot.forwarding.html.text import clip, clip_escaped, utf16_len

__all__ = [
    "CAPTION_LIMIT",
    "TEXT_LIMIT",
    "clip",
    "clip_escaped",
    "edit_text",
    "fit",
    "html_to_text",
    "link_key",
    "links_of",
    "remove_links",
    "sanitize_html",
    "split_caption",
    "split_html",
    "split_text",
    "to_html",
    "unwrap_links",
    "utf16_len",
    "visible_length",
]
