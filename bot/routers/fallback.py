"""Last in line: anything the owner or an admin sends that no feature understood."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import Message

router = Router(name=__name__)


@router.message(F.chat.type == "private")
async def unknown(message: Message) -> None:
    await message.answer("I did not understand that. Send /help to see what I can do.")
