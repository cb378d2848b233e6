"""The commands each role may use: shown by /start and /help, registered with setMyCommands."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.runtime.access import Role
from bot.runtime.i18n import DEFAULT_LANGUAGE, LANGUAGES, _, __, in_locale, saved_language
from bot.runtime.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class CommandInfo:
    name: str
    description: Any  # a lazy text (``__``): str() it where it is shown
    role: Role  # the least role that may use it


COMMANDS: list[CommandInfo] = [
    CommandInfo("start", __("What this bot does and what you can use"), Role.ADMIN),
    CommandInfo("help", __("The commands you can use"), Role.ADMIN),
    CommandInfo("cancel", __("Leave the current wizard"), Role.ADMIN),
    CommandInfo("newrule", __("Create a forwarding rule"), Role.ADMIN),
    CommandInfo("rules", __("Your rules: pause, edit, test, delete"), Role.ADMIN),
    CommandInfo("export", __("Back up every rule as a file"), Role.ADMIN),
    CommandInfo("import", __("Restore rules from an /export file"), Role.ADMIN),
    CommandInfo("status", __("Health: workers, outbox, errors, AI"), Role.ADMIN),
    CommandInfo("language", __("The language I speak to you in"), Role.ADMIN),
    CommandInfo("admins", __("Name or remove admins"), Role.OWNER),
]


def commands_for(role: Role) -> list[CommandInfo]:
    if role is Role.STRANGER:
        return []
    return [c for c in COMMANDS if role >= c.role]


def help_text(role: Role) -> str:
    lines = [f"/{c.name}: {c.description}" for c in commands_for(role)]
    if role is Role.OWNER:
        intro = _(
            "I forward posts from source chats to destination chats by rules. You are the owner."
        )
    else:
        intro = _(
            "I forward posts from source chats to destination chats by rules. You are an admin."
        )
    return intro + "\n\n" + "\n".join(lines)


async def publish_commands(bot: Bot, owner_id: int, admin_ids: list[int]) -> None:
    """Strangers see no command menu; the owner and each admin see theirs.

    A chat-scoped menu needs the user to have started the bot; until then Telegram answers
    "chat not found", which is logged and retried at their next /start.
    """
    await bot.delete_my_commands(scope=BotCommandScopeDefault())
    targets = [(owner_id, Role.OWNER), *((admin, Role.ADMIN) for admin in admin_ids)]
    for chat_id, role in targets:
        await publish_commands_for(bot, chat_id, role)


async def publish_commands_for(bot: Bot, chat_id: int, role: Role) -> None:
    """One person's menu, once per Telegram app language the bot speaks (``language_code``
    ru/es/fa, and English for every other app). After a /language choice every variant is in
    the chosen language, so the app's language cannot override the choice."""
    language, chosen = await saved_language(chat_id)
    scope = BotCommandScopeChat(chat_id=chat_id)
    for code in (None, *(code for code in LANGUAGES if code != DEFAULT_LANGUAGE)):
        with in_locale(language if chosen and language else code or DEFAULT_LANGUAGE):
            commands = [
                BotCommand(command=c.name, description=str(c.description))
                for c in commands_for(role)
            ]
        try:
            await bot.set_my_commands(commands, scope=scope, language_code=code)
        except TelegramAPIError as error:
            log.info("commands_not_published", target=chat_id, error=error.message)
            return


async def unpublish_commands_for(bot: Bot, chat_id: int) -> None:
    """Remove every language's variant of one person's menu (an admin who was removed)."""
    scope = BotCommandScopeChat(chat_id=chat_id)
    for code in (None, *(code for code in LANGUAGES if code != DEFAULT_LANGUAGE)):
        try:
            await bot.delete_my_commands(scope=scope, language_code=code)
        except TelegramAPIError as error:  # they never started the bot: no menu to reset
            log.info("commands_not_reset", target=chat_id, error=error.message)
            return
