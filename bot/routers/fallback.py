"""Last in line: anything the owner or an admin sends that no feature understood."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import Message

from bot.runtime.i18n import _


async def unknown(message: Message) -> None:
    await message.answer(_("I did not understand that. Send /help to see what I can do."))


def make_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.register(unknown, F.chat.type == "private")
    return router
