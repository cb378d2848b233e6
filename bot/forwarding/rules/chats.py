"""Can the bot read a source chat and write to a destination? Checked before a rule is saved.

Each check answers ``None`` when all is well, or one sentence that says exactly what to fix.
"""

from __future__ import annotations

from aiogram import Bot
from aiogram.enums import ChatMemberStatus, ChatType
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ChatFullInfo, ChatMemberAdministrator, ChatMemberRestricted

from bot.forwarding.rules.spec import ChatRef
from bot.runtime.i18n import _


async def _chat(bot: Bot, chat_id: int) -> ChatFullInfo | str:
    try:
        return await bot.get_chat(chat_id)
    except TelegramAPIError:
        return _(
            "I can't find chat {chat}. Add me to it first (as an administrator for a "
            "channel), then try again."
        ).format(chat=chat_id)


def _name(chat: ChatFullInfo) -> str:
    return chat.title or chat.username or str(chat.id)


async def check_source(bot: Bot, ref: ChatRef) -> str | None:
    chat = await _chat(bot, ref.chat_id)
    if isinstance(chat, str):
        return chat
    if chat.type == ChatType.PRIVATE:
        return _("A private chat can't be a source: pick a channel or a group.")
    member = await bot.get_chat_member(chat.id, bot.id)
    if chat.type == ChatType.CHANNEL and member.status not in (
        ChatMemberStatus.ADMINISTRATOR,
        ChatMemberStatus.CREATOR,
    ):
        return _("Make me an administrator of the channel “{chat}” so I receive its posts.").format(
            chat=_name(chat)
        )
    if member.status in (ChatMemberStatus.LEFT, ChatMemberStatus.KICKED):
        return _("Add me to “{chat}” so I receive its messages.").format(chat=_name(chat))
    if ref.thread_id and not chat.is_forum:
        return _("“{chat}” has no topics: choose the whole chat.").format(chat=_name(chat))
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
            return _(
                "Make me an administrator of the channel “{chat}” with the right to post messages."
            ).format(chat=name)
        return None
    if member.status in (ChatMemberStatus.LEFT, ChatMemberStatus.KICKED):
        return _("Add me to “{chat}” so I can post there.").format(chat=name)
    if isinstance(member, ChatMemberRestricted) and not member.can_send_messages:
        return _("Allow me to send messages in “{chat}”.").format(chat=name)
    if (
        chat.permissions is not None
        and chat.permissions.can_send_messages is False
        and (member.status not in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.CREATOR))
    ):
        return _("Members can't send messages in “{chat}”: make me an administrator there.").format(
            chat=name
        )
    if ref.thread_id and not chat.is_forum:
        return _("“{chat}” has no topics: choose the whole chat.").format(chat=name)
    return None
