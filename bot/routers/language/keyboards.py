"""Callback data and keyboard of the /language screen."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.runtime.i18n import LANGUAGES


class LanguageCb(CallbackData, prefix="lng"):
    code: str


def language_keyboard(current: str) -> InlineKeyboardMarkup:
    """One button per language, each in its own name (readable whatever the current one is);
    the current one marked."""
    rows = [
        [
            InlineKeyboardButton(
                text=f"✅ {name}" if code == current else name,
                callback_data=LanguageCb(code=code).pack(),
            )
        ]
        for code, name in LANGUAGES.items()
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)
