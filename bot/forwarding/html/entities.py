"""A message's text and entities (UTF-16 offsets) as Telegram HTML."""

from __future__ import annotations

from datetime import datetime
from html import escape

from aiogram.enums import MessageEntityType
from aiogram.types import MessageEntity
from aiogram.utils.text_decorations import HtmlDecoration

from bot.forwarding.html.text import utf16_len

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
