"""Turning what the owner sends into a chat: a picked chat, a forwarded post, @username, an id or
a t.me link (a link to a forum topic picks that topic)."""

from __future__ import annotations

import re

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message, MessageOriginChannel, MessageOriginChat

from bot.forwarding.rules.spec import ChatRef
from bot.runtime.i18n import _, __

_LINK = re.compile(
    r"^(?:https?://)?(?:t\.me|telegram\.me)/(?:(c)/(\d+)|([A-Za-z][A-Za-z0-9_]{3,31}))(?:/(\d+))?(?:/(\d+))?/?$"
)
_USERNAME = re.compile(r"^@([A-Za-z][A-Za-z0-9_]{3,31})$")
_ID = re.compile(r"^-?\d{5,20}$")

HOW = __(
    "Pick the chat with the buttons below, forward me a post from it, or send its "
    "@username, its id or a t.me link."
)


class ChatInputError(ValueError):
    """What the owner sent does not name a chat; ``str()`` says what to do instead."""


async def chat_from_message(bot: Bot, message: Message) -> ChatRef:
    if message.chat_shared is not None:
        shared = message.chat_shared
        return ChatRef(chat_id=shared.chat_id, title=shared.title or shared.username or "")
    origin = message.forward_origin
    if isinstance(origin, MessageOriginChannel):
        return ChatRef(chat_id=origin.chat.id, title=origin.chat.title or "")
    if isinstance(origin, MessageOriginChat):
        return ChatRef(chat_id=origin.sender_chat.id, title=origin.sender_chat.title or "")
    if origin is not None:
        raise ChatInputError(
            _(
                "That post was forwarded from a person, not a chat. Forward a post from the "
                "channel or group itself, or pick it with the buttons."
            )
        )
    text = (message.text or "").strip()
    if not text:
        raise ChatInputError(str(HOW))
    return await _chat_from_text(bot, text)


async def _chat_from_text(bot: Bot, text: str) -> ChatRef:
    thread: int | None = None
    if match := _LINK.match(text):
        private, internal, username, first, _second = match.groups()
        target: int | str = int(f"-100{internal}") if private else f"@{username}"
        thread = int(first) if first else None
    elif match := _USERNAME.match(text):
        target = text
    elif _ID.match(text):
        target = int(text)
    else:
        raise ChatInputError(
            _("I can't read “{text}” as a chat. {how}").format(text=text[:60], how=HOW)
        )
    try:
        chat = await bot.get_chat(target)
    except TelegramAPIError:
        raise ChatInputError(
            _(
                "I can't see {chat}. Add me to that chat first (as an administrator for a "
                "channel), then send it again."
            ).format(chat=text[:60])
        ) from None
    if not chat.is_forum:
        thread = None  # a link to a message, not to a topic
    return ChatRef(chat_id=chat.id, thread_id=thread, title=chat.title or chat.username or "")
