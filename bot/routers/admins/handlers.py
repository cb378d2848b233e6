"""/admins: the owner names and removes admins. Admins and strangers cannot manage admins.

Adding takes one step (state ``AddAdmin.waiting``): the owner picks the person with Telegram's
user picker (``users_shared``), forwards a message from them, or types their numeric id. Every
change refreshes the command menus, so a new admin sees theirs and a removed one loses it.
"""

from __future__ import annotations

from dataclasses import dataclass

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command, MagicData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    MessageOriginHiddenUser,
    MessageOriginUser,
    ReplyKeyboardRemove,
)
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.text_decorations import html_decoration as html

from bot.routers.admins import keyboards as kb
from bot.routers.admins.keyboards import CHOOSE_USER, AdminAction, AdminsCb, display_name
from bot.routers.ui import edit_or_send
from bot.runtime.access import Access, Role
from bot.runtime.commands import publish_commands, unpublish_commands_for
from bot.runtime.i18n import _, __, lazy_text
from bot.runtime.logging import get_logger

log = get_logger(__name__)

OWNER_ONLY = __("Only the owner can manage admins.")
GONE = __("That admin is no longer on the list.")
OUT_OF_DATE = __("That button is out of date.")

# {button} is the label of the "choose a user" button, translated with the text.
ASK_FOR_ADMIN = lazy_text(
    lambda: _(
        "Who should become an admin? Press “{button}” below, forward me a message from them, "
        "or type their numeric Telegram user id.\n/cancel to stop."
    ).format(button=CHOOSE_USER)
)
HINT = lazy_text(
    lambda: _(
        "I need a person: press “{button}”, forward me a message from them, or type their "
        "numeric user id. /cancel to stop."
    ).format(button=CHOOSE_USER)
)
HIDDEN = lazy_text(
    lambda: _(
        "Their privacy settings hide who they are, so a forwarded message does not tell me "
        "their id. Press “{button}” instead, or type their numeric user id."
    ).format(button=CHOOSE_USER)
)
NOT_A_PERSON = lazy_text(
    lambda: _(
        "That was forwarded from a chat, not from a person. Press “{button}”, or forward a "
        "message the person wrote."
    ).format(button=CHOOSE_USER)
)
NOT_AN_ID = __("A user id is a positive number, like 123456789. Try again, or /cancel.")
YOURSELF = __("That is you: as the owner you already have every right. Choose someone else.")
A_BOT = __("That is a bot: only people can be admins. Choose a person.")

_IS_OWNER = MagicData(F.role == Role.OWNER)
_NOT_OWNER = MagicData(F.role != Role.OWNER)
_ADMIN_BUTTON = F.data.startswith(f"{AdminsCb.__prefix__}:")


class AddAdmin(StatesGroup):
    waiting = State()


@dataclass(frozen=True)
class Candidate:
    user_id: int
    name: str
    is_bot: bool = False


# -- rendering -----------------------------------------------------------------------------


async def _list_view(access: Access, notice: str = "") -> tuple[str, InlineKeyboardMarkup]:
    admins = [(a.user_id, a.name) for a in await access.list_admins()]
    lines = [f"{notice}\n"] if notice else []
    lines.append(_("<b>Admins</b>: they manage rules and see /status; only you manage admins."))
    if admins:
        lines += [
            f"• {html.quote(display_name(uid, name))} (<code>{uid}</code>)" for uid, name in admins
        ]
    else:
        lines.append(_("No admins yet."))
    return "\n".join(lines), kb.admins_keyboard(admins)


async def _show_list(query: CallbackQuery, access: Access, notice: str = "") -> None:
    text, markup = await _list_view(access, notice)
    await edit_or_send(query, text, markup)


async def _refresh_menus(bot: Bot, access: Access, removed: int | None = None) -> None:
    if removed is not None:
        await unpublish_commands_for(bot, removed)
    await publish_commands(bot, access.owner_id, await access.admin_ids())


# -- refusals: admins (strangers never get this far) ------------------------------------------


async def admins_refused(message: Message) -> None:
    await message.answer(str(OWNER_ONLY))


async def admins_button_refused(query: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    callback_answer.text = str(OWNER_ONLY)
    log.info("admins_button_refused")


# -- the list and removal ----------------------------------------------------------------------


async def admins_menu(message: Message, access: Access) -> None:
    text, markup = await _list_view(access)
    await message.answer(text, reply_markup=markup)


async def show_list(query: CallbackQuery, access: Access) -> None:
    await _show_list(query, access)


async def ask_remove(
    query: CallbackQuery,
    callback_data: AdminsCb,
    access: Access,
    callback_answer: CallbackAnswer,
) -> None:
    admin = await access.get_admin(callback_data.user_id)
    if admin is None:
        callback_answer.text = str(GONE)
        await _show_list(query, access)
        return
    name = html.quote(display_name(admin.user_id, admin.name))
    text = _(
        "Remove {name}?\nThey (<code>{id}</code>) will no longer manage rules or see /status."
    ).format(name=name, id=admin.user_id)
    await edit_or_send(query, text, kb.confirm_remove_keyboard(admin.user_id))


async def remove(
    query: CallbackQuery,
    callback_data: AdminsCb,
    access: Access,
    bot: Bot,
    callback_answer: CallbackAnswer,
) -> None:
    admin = await access.get_admin(callback_data.user_id)
    if admin is None or not await access.remove_admin(callback_data.user_id):
        callback_answer.text = str(GONE)
        await _show_list(query, access)
        return
    shown = display_name(admin.user_id, admin.name)
    log.info("admin_removed", admin_id=admin.user_id)
    await _refresh_menus(bot, access, removed=admin.user_id)
    callback_answer.text = _("{name} is no longer an admin.").format(name=shown)
    await _show_list(
        query, access, _("{name} is no longer an admin.").format(name=html.quote(shown))
    )


# -- adding ------------------------------------------------------------------------------------


async def start_add(query: CallbackQuery, state: FSMContext, bot: Bot) -> None:
    await state.set_state(AddAdmin.waiting)
    await bot.send_message(
        query.from_user.id, str(ASK_FOR_ADMIN), reply_markup=kb.choose_user_keyboard()
    )


async def unknown_button(query: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    callback_answer.text = str(OUT_OF_DATE)


async def add_shared(message: Message, state: FSMContext, access: Access, bot: Bot) -> None:
    shared = message.users_shared
    assert shared is not None
    if shared.request_id != kb.CHOOSE_USER_REQUEST_ID or not shared.users:
        await message.answer(str(HINT))
        return
    user = shared.users[0]
    name = " ".join(p for p in (user.first_name, user.last_name) if p) or (
        f"@{user.username}" if user.username else ""
    )
    await _add(message, state, access, bot, Candidate(user.user_id, name))


async def add_forwarded(message: Message, state: FSMContext, access: Access, bot: Bot) -> None:
    origin = message.forward_origin
    if isinstance(origin, MessageOriginHiddenUser):
        await message.answer(str(HIDDEN))
        return
    if not isinstance(origin, MessageOriginUser):
        await message.answer(str(NOT_A_PERSON))
        return
    user = origin.sender_user
    await _add(message, state, access, bot, Candidate(user.id, user.full_name, user.is_bot))


async def add_typed(message: Message, state: FSMContext, access: Access, bot: Bot) -> None:
    user_id = int((message.text or "").strip())
    if user_id <= 0 or user_id >= 2**63:
        await message.answer(str(NOT_AN_ID))
        return
    name = ""
    try:
        chat = await bot.get_chat(user_id)
    except TelegramAPIError:
        chat = None  # they never wrote to the bot: their name is unknown until they do
    if chat is not None:
        if chat.type != "private":
            await message.answer(str(NOT_AN_ID))
            return
        name = " ".join(p for p in (chat.first_name, chat.last_name) if p)
    await _add(message, state, access, bot, Candidate(user_id, name))


async def add_fallback(message: Message) -> None:
    await message.answer(str(HINT))


async def _add(
    message: Message, state: FSMContext, access: Access, bot: Bot, who: Candidate
) -> None:
    if who.user_id == access.owner_id:
        await message.answer(str(YOURSELF))
        return
    if who.is_bot or who.user_id == bot.id:
        await message.answer(str(A_BOT))
        return
    existing = await access.get_admin(who.user_id)
    added = None if existing else await access.add_admin(who.user_id, who.name, access.owner_id)
    if added is None:  # already an admin (also when another update just added them)
        shown = display_name(who.user_id, existing.name if existing else who.name)
        await message.answer(
            _("{name} is already an admin. Choose someone else.").format(name=html.quote(shown))
        )
        return
    await state.clear()
    log.info("admin_added", admin_id=added.user_id)
    await _refresh_menus(bot, access)
    shown = html.quote(display_name(added.user_id, added.name))
    text = _(
        "{name} (<code>{id}</code>) is now an admin: they can manage rules and use /status."
    ).format(name=shown, id=added.user_id)
    if not added.name:
        text += "\n" + _(
            "I do not know their name yet: ask them to send me /start to see their menu."
        )
    text += "\n" + _("/admins shows them all.")
    await message.answer(text, reply_markup=ReplyKeyboardRemove())


def make_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    router.message.register(admins_refused, Command("admins"), _NOT_OWNER)
    router.callback_query.register(admins_button_refused, _ADMIN_BUTTON, _NOT_OWNER)
    router.message.register(admins_menu, Command("admins"), _IS_OWNER)
    router.callback_query.register(
        show_list, AdminsCb.filter(F.action == AdminAction.LIST), _IS_OWNER
    )
    router.callback_query.register(
        ask_remove, AdminsCb.filter(F.action == AdminAction.ASK), _IS_OWNER
    )
    router.callback_query.register(
        remove, AdminsCb.filter(F.action == AdminAction.REMOVE), _IS_OWNER
    )
    router.callback_query.register(
        start_add, AdminsCb.filter(F.action == AdminAction.ADD), _IS_OWNER
    )
    router.callback_query.register(unknown_button, _ADMIN_BUTTON, _IS_OWNER)
    router.message.register(add_shared, AddAdmin.waiting, _IS_OWNER, F.users_shared)
    router.message.register(add_forwarded, AddAdmin.waiting, _IS_OWNER, F.forward_origin)
    router.message.register(
        add_typed, AddAdmin.waiting, _IS_OWNER, F.text.regexp(r"^\s*[-+]?\d{1,20}\s*$")
    )
    router.message.register(add_fallback, AddAdmin.waiting, _IS_OWNER)
    return router
