"""A Bot API message read as plain data: the ``Post`` filters and steps look at, and the
``Payload`` a delivery keeps to send it (text, entities, album item, buttons, link preview)."""

from __future__ import annotations

from aiogram.types import Message

from bot.forwarding.delivery.markup import kept_keyboard, link_preview_of
from bot.forwarding.delivery.payload import AlbumItem, Payload
from bot.forwarding.post import MEDIA_KINDS, Post

_MEDIA_FIELDS = tuple(kind for kind in MEDIA_KINDS if kind not in ("text", "other"))


def media_kinds(message: Message) -> frozenset[str]:
    kinds = {kind for kind in _MEDIA_FIELDS if getattr(message, kind, None)}
    if message.animation:
        kinds.discard("document")  # Telegram sends an animation as a document too
    if not kinds:
        kinds.add("text" if message.text else "other")
    return frozenset(kinds)


def media_ids(message: Message) -> tuple[str, ...]:
    found = []
    for kind in _MEDIA_FIELDS:
        media = getattr(message, kind, None)
        if isinstance(media, list):  # photo sizes: the largest identifies the photo
            media = media[-1] if media else None
        unique = getattr(media, "file_unique_id", None)
        if unique:
            found.append(str(unique))
    return tuple(found)


def post_of(message: Message) -> Post:
    chat = message.chat
    return Post(
        chat_id=chat.id,
        message_ids=(message.message_id,),
        text=message.text or message.caption or "",
        media_kinds=media_kinds(message),
        thread_id=message.message_thread_id if message.is_topic_message else None,
        sender_id=message.from_user.id if message.from_user and not message.sender_chat else None,
        is_forwarded=message.forward_origin is not None,
        media_group_id=message.media_group_id,
        media_ids=media_ids(message),
        reply_to_message_id=(
            message.reply_to_message.message_id if message.reply_to_message else None
        ),
        chat_title=chat.title or "",
        chat_username=chat.username,
    )


_ALBUM_KINDS = ("photo", "video", "document", "audio")


def album_item(message: Message) -> AlbumItem | None:
    for kind in _ALBUM_KINDS:
        media = getattr(message, kind, None)
        if isinstance(media, list):
            media = media[-1] if media else None
        if media is not None:
            return AlbumItem(message_id=message.message_id, kind=kind, file_id=media.file_id)
    return None


def payload_of(message: Message, post: Post) -> Payload:
    entities = message.entities if message.text is not None else message.caption_entities
    item = album_item(message) if post.media_group_id else None
    return Payload(
        items=(item,) if item else (),
        text=post.text,
        entities=tuple(entities or ()),
        has_media="text" not in post.media_kinds,
        media_kinds=tuple(sorted(post.media_kinds)),
        reply_to=post.reply_to_message_id,
        chat_title=post.chat_title,
        chat_username=post.chat_username,
        date=int(message.date.timestamp()),
        keyboard=kept_keyboard(message.reply_markup),
        link_preview=link_preview_of(message),
    )
