"""The Telegram calls for one delivery: copy or forward a post or an album, follow an edit.

Unchanged posts go by copyMessage / copyMessages (an album is one copyMessages call, so it stays
an album in order) or by forwardMessage(s) in forward mode. A reply in the source becomes a reply
to the copy of its parent when the parent went to the same destination. Returns the links from
source messages to the messages sent, for edits and replies to follow later.

The source's buttons that work anywhere and its link-preview choice go with the copy
(``markup.py``); a split post carries the buttons on its last message.

A post split in several messages is sent piece by piece, each piece recorded on the delivery as
it goes: a retry after a failure part way resumes at the first piece not sent, and its links
include the pieces sent before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    InlineKeyboardMarkup,
    InputMediaAudio,
    InputMediaDocument,
    InputMediaPhoto,
    InputMediaVideo,
    ReplyParameters,
)

from bot.forwarding.delivery.markup import preview_options, reply_markup
from bot.forwarding.delivery.outbox import Claimed, Link
from bot.forwarding.html import CAPTION_LIMIT, TEXT_LIMIT, split_html
from bot.forwarding.rules.index import RuleView
from models import MessageLink

_INPUT_MEDIA: dict[str, Any] = {
    "photo": InputMediaPhoto,
    "video": InputMediaVideo,
    "document": InputMediaDocument,
    "audio": InputMediaAudio,
}


class Progress(Protocol):
    """Where the pieces of a split post are recorded as they go (the outbox, through the worker)."""

    async def part_sent(self, item: Claimed, piece: int, links: Sequence[Link]) -> Claimed: ...


class SkipDelivery(Exception):
    """Nothing to send for good reason (an edit of a post that was never delivered, …)."""


async def find_links(item: Claimed, source_message_id: int) -> list[MessageLink]:
    return await MessageLink.filter(
        rule_id=item.rule_id,
        source_chat_id=item.source_chat_id,
        source_message_id=source_message_id,
        dest_chat_id=item.dest_chat_id,
        dest_thread_id=item.dest_thread_id or 0,
    ).order_by("part")


async def _reply_parameters(item: Claimed) -> ReplyParameters | None:
    parent = item.payload.reply_to
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


def _origin(item: Claimed) -> tuple[int, list[int]]:
    """The chat and messages the bot copies from: the source's, or for a post read through the
    user account its copy in the relay channel (the links stay keyed by the source ids)."""
    relayed = item.payload.relayed
    if relayed is None:
        return item.source_chat_id, list(item.source_message_ids)
    return relayed.chat_id, relayed.relay_ids(item.source_message_ids)


def _pieces(html: str, has_media: bool) -> list[str]:
    """The messages ``html`` goes out as, the same on every attempt (a pure function of it):
    for a media, its caption then the follow-up texts; for a text, its parts."""
    if not has_media:
        return split_html(html, TEXT_LIMIT)
    parts = split_html(html, CAPTION_LIMIT) if html.strip() else [""]
    follow_ups = split_html("\n\n".join(parts[1:]), TEXT_LIMIT) if len(parts) > 1 else []
    return [parts[0], *follow_ups]


class Sender:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def send(
        self, item: Claimed, rule: RuleView, progress: Progress | None = None
    ) -> list[Link]:
        """Send ``item``; the pieces of a split post are recorded through ``progress``."""
        if item.kind == "edit":
            return await self._edit(item, rule, progress)
        if item.kind == "delete":
            return await self._delete(item)
        if item.kind == "digest":  # a summary of many posts: always a new text
            return await self._send_transformed(item, item.payload.transformed_html or "", progress)
        if rule.mode == "forward":
            return await self._forward(item)
        html = item.payload.transformed_html
        if html is not None:
            return await self._send_transformed(item, html, progress)
        return await self._copy(item)

    async def _copy(self, item: Claimed) -> list[Link]:
        return await self._unchanged(item, forward=False)

    async def _forward(self, item: Claimed) -> list[Link]:
        return await self._unchanged(item, forward=True)

    async def _unchanged(self, item: Claimed, *, forward: bool) -> list[Link]:
        """The post as it is: copied (looks like our own) or forwarded ("Forwarded from").
        A post read through the user account is always copied: forwarding the relay's copy
        would show the relay channel as its origin, not the source."""
        ids = item.source_message_ids
        from_chat, origin_ids = _origin(item)
        forward = forward and item.payload.relayed is None
        common: dict[str, Any] = {
            "chat_id": item.dest_chat_id,
            "from_chat_id": from_chat,
            "message_thread_id": item.dest_thread_id,
        }
        if len(ids) > 1:  # an album: one call, so it stays one album in order
            many = self.bot.forward_messages if forward else self.bot.copy_messages
            sent = await many(message_ids=origin_ids, **common)
            return [Link(src, dst.message_id) for src, dst in zip(ids, sent, strict=False)]
        if forward:
            message = await self.bot.forward_message(message_id=origin_ids[0], **common)
            return [Link(ids[0], message.message_id)]
        copied = await self.bot.copy_message(
            message_id=origin_ids[0],
            reply_parameters=await _reply_parameters(item),
            reply_markup=reply_markup(item.payload.keyboard),
            **common,
        )
        return [Link(ids[0], copied.message_id)]

    async def _send_transformed(
        self, item: Claimed, html: str, progress: Progress | None = None
    ) -> list[Link]:
        """The pipeline's HTML: a new text, or the new caption of a copied media or album.

        A caption over 1024 characters goes as a caption plus follow-up messages; a text over
        4096 is split at paragraph or sentence boundaries. Each piece of a split post is recorded
        through ``progress`` as it goes, so a retry sends only the pieces still missing.
        """
        pieces = list(item.payload.pieces) or _pieces(html, item.payload.has_media)
        if not pieces:
            raise SkipDelivery("nothing left to send after the transform steps")
        source = item.source_message_ids[0]
        sent = item.payload.sent
        done = {part.piece for part in sent}
        links = [Link(p.source_message_id, p.dest_message_id, p.part) for p in sent]
        reply = await _reply_parameters(item) if not links else None
        for piece, text in enumerate(pieces):
            if piece in done:
                continue
            markup = reply_markup(item.payload.keyboard) if piece == len(pieces) - 1 else None
            if piece == 0 and item.payload.has_media:
                new = await self._media_with_caption(item, text, reply, markup)
            else:
                message = await self.bot.send_message(
                    chat_id=item.dest_chat_id,
                    text=text,
                    parse_mode="HTML",
                    message_thread_id=item.dest_thread_id,
                    reply_parameters=reply if not links else None,
                    link_preview_options=preview_options(item.payload.link_preview, text),
                    reply_markup=markup,
                )
                new = [Link(source, message.message_id, part=len(links))]
            links += new
            if progress is not None and len(pieces) > 1:
                item = await progress.part_sent(item, piece, new)
        return links

    async def _media_with_caption(
        self,
        item: Claimed,
        caption: str,
        reply: ReplyParameters | None,
        markup: InlineKeyboardMarkup | None,
    ) -> list[Link]:
        """A new caption on the copy of a media, or on an album rebuilt (an album has no
        keyboard in the Bot API, so ``markup`` goes only on a single media)."""
        items = item.payload.items
        if len(item.source_message_ids) > 1 and len(items) == len(item.source_message_ids):
            media = [
                _INPUT_MEDIA[entry.kind](
                    media=entry.file_id,
                    caption=caption if n == 0 else None,
                    parse_mode="HTML" if n == 0 else None,
                )
                for n, entry in enumerate(items)
            ]
            sent = await self.bot.send_media_group(
                chat_id=item.dest_chat_id,
                media=media,
                message_thread_id=item.dest_thread_id,
                reply_parameters=reply,
            )
            ids = [entry.message_id for entry in items]
            return [Link(src, dst.message_id) for src, dst in zip(ids, sent, strict=False)]
        from_chat, origin_ids = _origin(item)
        copied = await self.bot.copy_message(
            chat_id=item.dest_chat_id,
            from_chat_id=from_chat,
            message_id=origin_ids[0],
            message_thread_id=item.dest_thread_id,
            caption=caption,
            parse_mode="HTML",
            reply_parameters=reply,
            reply_markup=markup,
        )
        return [Link(item.source_message_ids[0], copied.message_id)]

    async def _edit(
        self, item: Claimed, rule: RuleView, progress: Progress | None = None
    ) -> list[Link]:
        source = item.source_message_ids[0]
        payload = item.payload
        html = payload.transformed_html
        if rule.edit_policy == "repost":
            if rule.mode == "forward":
                await self._forward(item)
            elif html is not None:
                await self._send_transformed(item, html, progress)
            else:
                await self._copy(item)
            return []  # the first copy stays the one replies and edits refer to
        links = await find_links(item, source)
        if not links:
            raise SkipDelivery("the original post was not delivered here")
        if html is not None:
            limit = CAPTION_LIMIT if payload.has_media else TEXT_LIMIT
            text, entities, mode = (split_html(html, limit) or [""])[0], None, "HTML"
        else:
            text, entities, mode = payload.text, payload.message_entities, None
        where = {"chat_id": item.dest_chat_id, "message_id": links[0].dest_message_id}
        markup = reply_markup(payload.keyboard) if len(links) == 1 else None
        try:
            if payload.has_media:
                await self.bot.edit_message_caption(
                    **where,
                    caption=text,
                    caption_entities=entities,
                    parse_mode=mode,
                    reply_markup=markup,
                )
            else:
                await self.bot.edit_message_text(
                    **where,
                    text=text,
                    entities=entities,
                    parse_mode=mode,
                    link_preview_options=preview_options(
                        payload.link_preview, text, entities or ()
                    ),
                    reply_markup=markup,
                )
        except TelegramBadRequest as error:
            if "message is not modified" not in error.message:
                raise
        return []

    async def _delete(self, item: Claimed) -> list[Link]:
        """The source message was deleted (seen by the user account) and the rule syncs
        deletions: the messages sent for it here go too, in one call."""
        ids = [
            link.dest_message_id
            for source in item.source_message_ids
            for link in await find_links(item, source)
        ]
        if not ids:
            raise SkipDelivery("deleted in the source before it was delivered here")
        for start in range(0, len(ids), 100):  # deleteMessages takes up to 100
            await self.bot.delete_messages(
                chat_id=item.dest_chat_id, message_ids=ids[start : start + 100]
            )
        return []
