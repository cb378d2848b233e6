"""/start, /help and /cancel: for the owner and admins, in private chats."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import Message, ReplyKeyboardRemove

from bot.runtime.access import Access, Role
from bot.runtime.commands import help_text, publish_commands
from bot.runtime.i18n import _


async def cancel(message: Message, state: FSMContext) -> None:
    if await state.get_state() is None:
        await message.answer(_("Nothing to cancel."), reply_markup=ReplyKeyboardRemove())
        return
    await state.clear()
    await message.answer(_("Cancelled. Nothing was saved."), reply_markup=ReplyKeyboardRemove())


async def start(message: Message, role: Role, access: Access) -> None:
    await message.answer(help_text(role))
    if role is Role.OWNER:  # the owner's chat now exists: make sure menus are in place
        await publish_commands(message.bot, access.owner_id, await access.admin_ids())  # type: ignore[arg-type]


async def help_command(message: Message, role: Role) -> None:
    await message.answer(help_text(role))


def make_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    router.message.register(cancel, Command("cancel"))
    router.message.register(start, CommandStart())
    router.message.register(help_command, Command("help"))
    return router
