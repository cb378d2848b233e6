"""Callback data and keyboards of the /admins menu (owner only)."""

from __future__ import annotations

import enum
from collections.abc import Sequence

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    KeyboardButtonRequestUsers,
    ReplyKeyboardMarkup,
)

from bot.runtime.i18n import _, __

CHOOSE_USER_REQUEST_ID = 1  # the request_id of the "choose a user" button; users_shared echoes it
CHOOSE_USER = __("👤 Choose a user")
BUTTON_NAME_MAX = 24


class AdminAction(str, enum.Enum):
    LIST = "ls"  # show the list (also: "No" on a confirmation)
    ADD = "add"  # start adding an admin
    ASK = "ask"  # ask to confirm removing user_id
    REMOVE = "rm"  # confirmed: remove user_id


class AdminsCb(CallbackData, prefix="adm"):
    action: AdminAction
    user_id: int = 0


def _short(name: str, limit: int = BUTTON_NAME_MAX) -> str:
    name = " ".join(name.split())
    return name if len(name) <= limit else name[: limit - 1] + "…"


def display_name(user_id: int, name: str) -> str:
    """The name to show for an admin (plain text: escape it before putting it in HTML)."""
    return name.strip() or _("user {id}").format(id=user_id)


def admins_keyboard(admins: Sequence[tuple[int, str]]) -> InlineKeyboardMarkup:
    """One Remove button per admin ``(user_id, name)``, then Add admin."""
    rows = [
        [
            InlineKeyboardButton(
                text=_("Remove {name}").format(name=_short(display_name(user_id, name))),
                callback_data=AdminsCb(action=AdminAction.ASK, user_id=user_id).pack(),
            )
        ]
        for user_id, name in admins
    ]
    rows.append(
        [
            InlineKeyboardButton(
                text=_("➕ Add admin"), callback_data=AdminsCb(action=AdminAction.ADD).pack()
            )
        ]
    )
    return InlineKeyboardMarkup(inline_keyboard=rows)


def confirm_remove_keyboard(user_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=_("Yes, remove"),
                    callback_data=AdminsCb(action=AdminAction.REMOVE, user_id=user_id).pack(),
                ),
                InlineKeyboardButton(
                    text=_("No"), callback_data=AdminsCb(action=AdminAction.LIST).pack()
                ),
            ]
        ]
    )


def choose_user_keyboard() -> ReplyKeyboardMarkup:
    """A reply keyboard whose button opens Telegram's user picker (people only, one of them)."""
    button = KeyboardButton(
        text=str(CHOOSE_USER),
        request_users=KeyboardButtonRequestUsers(
            request_id=CHOOSE_USER_REQUEST_ID,
            user_is_bot=False,
            max_quantity=1,
            request_name=True,
            request_username=True,
        ),
    )
    return ReplyKeyboardMarkup(
        keyboard=[[button]],
        resize_keyboard=True,
        input_field_placeholder=_("A user id, a forwarded message, or the button"),
    )
