"""The commands each role may use: shown by /start and /help, registered with setMyCommands."""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.runtime.access import Role
from bot.runtime.logging import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class CommandInfo:
    name: str
    description: str
    role: Role  # the least role that may use it


COMMANDS: list[CommandInfo] = [
    CommandInfo("start", "What this bot does and what you can use", Role.ADMIN),
    CommandInfo("help", "The commands you can use", Role.ADMIN),
    CommandInfo("cancel", "Leave the current wizard", Role.ADMIN),
    CommandInfo("newrule", "Create a forwarding rule", Role.ADMIN),
    CommandInfo("rules", "Your rules: pause, edit, test, delete", Role.ADMIN),
    CommandInfo("export", "Back up every rule as a file", Role.ADMIN),
    CommandInfo("import", "Restore rules from an /export file", Role.ADMIN),
    CommandInfo("status", "Health: workers, outbox, errors, AI", Role.ADMIN),
    CommandInfo("admins", "Name or remove admins", Role.OWNER),
]


def commands_for(role: Role) -> list[CommandInfo]:
    if role is Role.STRANGER:
        return []
    return [c for c in COMMANDS if role >= c.role]


def help_text(role: Role) -> str:
    lines = [f"/{c.name}: {c.description}" for c in commands_for(role)]
    who = "the owner" if role is Role.OWNER else "an admin"
    return (
        f"I forward posts from source chats to destination chats by rules. You are {who}.\n\n"
        + "\n".join(lines)
    )


async def publish_commands(bot: Bot, owner_id: int, admin_ids: list[int]) -> None:
    """Strangers see no command menu; the owner and each admin see theirs.

    A chat-scoped menu needs the user to have started the bot; until then Telegram answers
    "chat not found", which is logged and retried at their next /start.
    """
    await bot.delete_my_commands(scope=BotCommandScopeDefault())
    targets = [(owner_id, Role.OWNER), *((admin, Role.ADMIN) for admin in admin_ids)]
    for chat_id, role in targets:
        commands = [
            BotCommand(command=c.name, description=c.description) for c in commands_for(role)
        ]
        try:
            await bot.set_my_commands(commands, scope=BotCommandScopeChat(chat_id=chat_id))
        except TelegramAPIError as error:
            log.info("commands_not_published", target=chat_id, error=error.message)
