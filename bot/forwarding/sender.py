"""The Telegram calls for one delivery: copy or forward a post or an album, follow an edit.

Unchanged posts go by copyMessage / copyMessages (an album is one copyMessages call, so it stays
an album in order) or by forwardMessage(s) in forward mode. A reply in the source becomes a reply
to the copy of its parent when the parent went to the same destination. Returns the links from
source messages to the messages sent, for edits and replies to follow later.
"""

from __future__ import annotations

from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import MessageEntity, ReplyParameters

from bot.forwarding.index import RuleView
from bot.forwarding.outbox import Claimed, Link
from bot.forwarding.splitting import split_caption, split_text
from models import MessageLink


class SkipDelivery(Exception):
    """Nothing to send for good reason (an edit of a post that was never delivered, …)."""


def entities_of(raw: list[dict[str, Any]] | None) -> list[MessageEntity] | None:
    return [MessageEntity.model_validate(e) for e in raw] if raw else None


async def find_links(item: Claimed, source_message_id: int) -> list[MessageLink]:
    return await MessageLink.filter(
        rule_id=item.rule_id,
        source_chat_id=item.source_chat_id,
        source_message_id=source_message_id,
        dest_chat_id=item.dest_chat_id,
        dest_thread_id=item.dest_thread_id or 0,
    ).order_by("part")


async def _reply_parameters(item: Claimed) -> ReplyParameters | None:
    parent = item.payload.get("reply_to")
    if not parent:
        return None
    links = await MessageLink.filter(
        source_chat_id=item.source_chat_id,
        source_message_id=parent,
        dest_chat_id=item.dest_chat_id,
        dest_thread_id=item.dest_thread_id or 0,
    ).order_by("part", "id")
    if not links:
        return None
    return ReplyParameters(message_id=links[0].dest_message_id, allow_sending_without_reply=True)


class Sender:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(self, item: Claimed, rule: RuleView) -> list[Link]:
        if item.kind == "edit":
            return await self._edit(item, rule)
        if rule.mode == "forward":
            return await self._forward(item)
        text = item.payload.get("transformed")
        if text is not None:
            return await self._send_transformed(item, text)
        return await self._copy(item)

    async def _copy(self, item: Claimed) -> list[Link]:
        ids = item.source_message_ids
        if len(ids) > 1:
            sent = await self.bot.copy_messages(
                chat_id=item.dest_chat_id,
                from_chat_id=item.source_chat_id,
                message_ids=list(ids),
                message_thread_id=item.dest_thread_id,
            )
            return [Link(src, dst.message_id) for src, dst in zip(ids, sent, strict=False)]
        copied = await self.bot.copy_message(
            chat_id=item.dest_chat_id,
            from_chat_id=item.source_chat_id,
            message_id=ids[0],
            message_thread_id=item.dest_thread_id,
            reply_parameters=await _reply_parameters(item),
        )
        return [Link(ids[0], copied.message_id)]

    async def _forward(self, item: Claimed) -> list[Link]:
        ids = item.source_message_ids
        if len(ids) > 1:
            sent = await self.bot.forward_messages(
                chat_id=item.dest_chat_id,
                from_chat_id=item.source_chat_id,
                message_ids=list(ids),
                message_thread_id=item.dest_thread_id,
            )
            return [Link(src, dst.message_id) for src, dst in zip(ids, sent, strict=False)]
        message = await self.bot.forward_message(
            chat_id=item.dest_chat_id,
            from_chat_id=item.source_chat_id,
            message_id=ids[0],
            message_thread_id=item.dest_thread_id,
        )
        return [Link(ids[0], message.message_id)]

    async def _send_transformed(self, item: Claimed, transformed: dict[str, Any]) -> list[Link]:
        """Text from the transform pipeline: as a new text, or as the caption of a copied media."""
        source = item.source_message_ids[0]
        text: str = transformed["text"]
        entities = entities_of(transformed.get("entities"))
        reply = await _reply_parameters(item)
        links: list[Link] = []
        if item.payload.get("has_media"):
            (caption, caption_entities), rest = split_caption(text, entities)
            copied = await self.bot.copy_message(
                chat_id=item.dest_chat_id,
                from_chat_id=item.source_chat_id,
                message_id=source,
                message_thread_id=item.dest_thread_id,
                caption=caption,
                caption_entities=caption_entities,
                parse_mode=None,
                reply_parameters=reply,
            )
            links.append(Link(source, copied.message_id))
            parts = rest
        else:
            parts = split_text(text, entities)
        for part_text, part_entities in parts:
            message = await self.bot.send_message(
                chat_id=item.dest_chat_id,
                text=part_text,
                entities=part_entities,
                parse_mode=None,
                message_thread_id=item.dest_thread_id,
                reply_parameters=reply if not links else None,
            )
            links.append(Link(source, message.message_id, part=len(links)))
        return links

    async def _edit(self, item: Claimed, rule: RuleView) -> list[Link]:
        source = item.source_message_ids[0]
        if rule.edit_policy == "repost":
            if rule.mode == "forward":
                await self._forward(item)
            else:
                await self._copy(item)
            return []  # the first copy stays the one replies and edits refer to
        links = await find_links(item, source)
        if not links:
            raise SkipDelivery("the original post was not delivered here")
        text = item.payload.get("text", "")
        entities = entities_of(item.payload.get("entities"))
        first = links[0]
        try:
            if item.payload.get("has_media"):
                await self.bot.edit_message_caption(
                    chat_id=item.dest_chat_id,
                    message_id=first.dest_message_id,
                    caption=text,
                    caption_entities=entities,
                    parse_mode=None,
                )
            else:
                await self.bot.edit_message_text(
                    chat_id=item.dest_chat_id,
                    message_id=first.dest_message_id,
                    text=text,
                    entities=entities,
                    parse_mode=None,
                )
        except TelegramBadRequest as error:
            if "message is not modified" not in error.message:
                raise
        return []
