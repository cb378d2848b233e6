"""Can the bot read a source chat and write to a destination? Checked before a rule is saved.

Each check answers ``None`` when all is well, or one sentence that says exactly what to fix.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ChatFullInfo, ChatMemberAdministrator, ChatMemberRestricted

from bot.forwarding.rules.spec import ChatRef


async def _chat(bot: Bot, chat_id: int) -> ChatFullInfo | str:
    try:
        return await bot.get_chat(chat_id)
    except TelegramAPIError:
        return (
            f"I can't find chat {chat_id}. Add me to it first (as an administrator for a "
            "channel), then try again."
        )


def _name(chat: ChatFullInfo) -> str:
    return chat.title or chat.username or str(chat.id)


async def check_source(bot: Bot, ref: ChatRef) -> str | None:
    chat = await _chat(bot, ref.chat_id)
    if isinstance(chat, str):
        return chat
    if chat.type == ChatType.PRIVATE:
        return "A private chat can't be a source: pick a channel or a group."
    member = await bot.get_chat_member(chat.id, bot.id)
    if chat.type == ChatType.CHANNEL and member.status not in (
        ChatMemberStatus.ADMINISTRATOR,
        ChatMemberStatus.CREATOR,
    ):
        return f"Make me an administrator of the channel “{_name(chat)}” so I receive its posts."
    if member.status in (ChatMemberStatus.LEFT, ChatMemberStatus.KICKED):
        return f"Add me to “{_name(chat)}” so I receive its messages."
    if ref.thread_id and not chat.is_forum:
        return f"“{_name(chat)}” has no topics: choose the whole chat."
    return None


async def check_destination(bot: Bot, ref: ChatRef) -> str | None:
    chat = await _chat(bot, ref.chat_id)
    if isinstance(chat, str):
        return chat
    member = await bot.get_chat_member(chat.id, bot.id)
    name = _name(chat)
    if chat.type == ChatType.CHANNEL:
        if not (
            member.status == ChatMemberStatus.CREATOR
            or (isinstance(member, ChatMemberAdministrator) and member.can_post_messages)
        ):
            return (
                f"Make me an administrator of the channel “{name}” with the right to post messages."
            )
        return None
    if member.status in (ChatMemberStatus.LEFT, ChatMemberStatus.KICKED):
        return f"Add me to “{name}” so I can post there."
    if isinstance(member, ChatMemberRestricted) and not member.can_send_messages:
        return f"Allow me to send messages in “{name}”."
    if (
        chat.permissions is not None
        and chat.permissions.can_send_messages is False
        and (member.status not in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.CREATOR))
    ):
        return f"Members can't send messages in “{name}”: make me an administrator there."
    if ref.thread_id and not chat.is_forum:
        return f"“{name}” has no topics: choose the whole chat."
    return None
