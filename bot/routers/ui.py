"""Screen helpers shared by the owner-facing menus."""

from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.runtime.logging import get_logger

log = get_logger(__name__)


async def edit_or_send(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Put a screen in place of the pressed message; a new message if that one can't be edited
    (too old, deleted). An unchanged screen is left as it is."""
    message = query.message
    if isinstance(message, Message):
        try:
            await message.edit_text(text, reply_markup=markup)
            return
        except TelegramBadRequest as error:
            if "message is not modified" in error.message:
                return
            log.info("screen_not_edited", error=error.message)
    if query.bot is not None:
        chat_id = message.chat.id if message is not None else query.from_user.id
        await query.bot.send_message(chat_id, text, reply_markup=markup)
