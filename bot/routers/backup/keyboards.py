"""Callback data and keyboards of /import: Import and Cancel, tied to the screen they are on.

Each import screen gets a fresh ``nonce`` kept in the FSM data; a button whose nonce is not the
current one (an older preview, a finished import, a forged press) changes nothing.
"""

from __future__ import annotations

import enum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.runtime.i18n import _

PREFIX = "bkp"


class ImportAction(str, enum.Enum):
    IMPORT = "go"
    CANCEL = "no"


class ImportCb(CallbackData, prefix=PREFIX):
    action: ImportAction
    nonce: str


def _button(text: str, action: ImportAction, nonce: str) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=ImportCb(action=action, nonce=nonce).pack()
    )


def cancel_keyboard(nonce: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[_button(_("✖ Cancel"), ImportAction.CANCEL, nonce)]]
    )


def confirm_keyboard(nonce: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button(_("✅ Import"), ImportAction.IMPORT, nonce),
                _button(_("✖ Cancel"), ImportAction.CANCEL, nonce),
            ]
        ]
    )
