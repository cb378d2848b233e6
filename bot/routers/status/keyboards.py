"""Callback data and keyboard of the /status message."""

from __future__ import annotations

import enum
from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.runtime.i18n import _


class StatusAction(str, enum.Enum):
    REFRESH = "r"
    RETRY = "rt"  # a dead delivery: send it again
    DROP = "dr"  # a dead delivery: give it up


class StatusCb(CallbackData, prefix="stat"):
    action: StatusAction
    delivery_id: int = 0


def status_keyboard(dead_ids: Sequence[int]) -> InlineKeyboardMarkup:
    """Retry and Drop for each listed dead delivery, then Refresh."""
    rows = [
        [
            InlineKeyboardButton(
                text=_("🔁 Retry #{id}").format(id=delivery_id),
                callback_data=StatusCb(action=StatusAction.RETRY, delivery_id=delivery_id).pack(),
            ),
            InlineKeyboardButton(
                text=_("🗑 Drop #{id}").format(id=delivery_id),
                callback_data=StatusCb(action=StatusAction.DROP, delivery_id=delivery_id).pack(),
            ),
        ]
        for delivery_id in dead_ids
    ]
    rows.append(
        [
            InlineKeyboardButton(
                text=_("🔄 Refresh"), callback_data=StatusCb(action=StatusAction.REFRESH).pack()
            )
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)
