"""Wizard steps 1 and 2: the source chats and the destination chats, picked with Telegram's chat
pickers, a forwarded post, an @username, an id or a t.me link (see ``chats``)."""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Any

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    ChatAdministratorRights,
    KeyboardButton,
    KeyboardButtonRequestChat,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)

from bot.forwarding.rules.chats import check_destination, check_source
from bot.routers.wizard import account
from bot.routers.wizard.account import ACCOUNT_CHATS
from bot.routers.wizard.chatlist import add_chat, chats_list, so_far
from bot.routers.wizard.chats import ChatInputError, chat_from_message
from bot.routers.wizard.nav import (
    BACK,
    CANCEL,
    DONE,
    NewRule,
    advance,
    go_back,
    screen,
    step_router,
)
from bot.runtime.i18n import _, __, in_every_language

if TYPE_CHECKING:
    from bot.services import Services

PICK_CHANNEL, PICK_GROUP = __("📢 Pick a channel"), __("👥 Pick a group")


def _no_rights(**granted: bool) -> ChatAdministratorRights:
    """Administrator rights with every required right off except those ``granted``."""
    required = {
        name: False
        for name, info in ChatAdministratorRights.model_fields.items()
        if info.is_required()
    }
    return ChatAdministratorRights(**{**required, **granted})


def _chat_request(request_id: int, **which: Any) -> KeyboardButtonRequestChat:
    """Telegram's chat picker for the chats ``which`` describes, asking for title and username."""
    return KeyboardButtonRequestChat(
        request_id=request_id, request_title=True, request_username=True, **which
    )


def chat_picker(for_sources: bool, account: bool = False) -> ReplyKeyboardMarkup:
    """Reply keyboard with Telegram's own chat pickers (the bot's rights asked for up front);
    with ``account``, the user account's chats too (``account.py``)."""
    channel_rights = _no_rights() if for_sources else _no_rights(can_post_messages=True)
    channel = _chat_request(
        1 if for_sources else 3, chat_is_channel=True, bot_administrator_rights=channel_rights
    )
    group = _chat_request(2 if for_sources else 4, chat_is_channel=False, bot_is_member=True)
    return ReplyKeyboardMarkup(
        keyboard=[
            [
                KeyboardButton(text=str(PICK_CHANNEL), request_chat=channel),
                KeyboardButton(text=str(PICK_GROUP), request_chat=group),
            ],
            *([[KeyboardButton(text=str(ACCOUNT_CHATS))]] if account else []),
            [KeyboardButton(text=str(DONE))],
            [KeyboardButton(text=str(BACK)), KeyboardButton(text=str(CANCEL))],
        ],
        resize_keyboard=True,
        is_persistent=True,
    )


@screen(NewRule.sources)
def sources_screen(data: dict[str, Any]) -> tuple[str, ReplyKeyboardMarkup]:
    text = (
        _(
            "<b>New rule · 1/6 · Sources</b>\n"
            "Which chats should I watch? Pick a channel or group with the buttons, forward me a "
            "post from it, or send its @username, id or t.me link (a topic link picks the topic)."
        )
        + "\n\n"
        + so_far("sources", data["sources"])
        + "\n\n"
        + _("Press {done} when the list is complete.").format(done=escape(str(DONE)))
    )
    return text, chat_picker(True, account=bool(data.get("account")))


@screen(NewRule.destinations)
def destinations_screen(data: dict[str, Any]) -> tuple[str, ReplyKeyboardMarkup]:
    text = (
        _(
            "<b>New rule · 2/6 · Destinations</b>\n"
            "Where should the posts go? Same ways as for sources; I need the right to post there."
        )
        + "\n\n"
        + so_far("destinations", data["destinations"])
        + "\n\n"
        + _("Press {done} when the list is complete.").format(done=escape(str(DONE)))
    )
    return text, chat_picker(False)


async def _list_of(state: FSMContext) -> tuple[bool, str]:
    """(whether the step is the sources, the data key of its list)."""
    as_source = await state.get_state() == NewRule.sources.state
    return as_source, "sources" if as_source else "destinations"


async def chats_back(message: Message, state: FSMContext) -> None:
    await go_back(message, state)


async def chats_done(message: Message, state: FSMContext) -> None:
    as_source, key = await _list_of(state)
    if not (await state.get_data())[key]:
        none = escape(chats_list([]))
        if as_source:
            await message.answer(_("Add at least one source first. {none}").format(none=none))
        else:
            await message.answer(_("Add at least one destination first. {none}").format(none=none))
        return
    done = _("Sources set ✓") if as_source else _("Destinations set ✓")
    await message.answer(done, reply_markup=ReplyKeyboardRemove())
    await advance(NewRule.sources if as_source else NewRule.destinations, message, state)


async def chat_given(
    message: Message, state: FSMContext, bot: Bot, services: Services | None = None
) -> None:
    """Anything else sent in these steps: read as a chat, or explained (a source the bot can't
    read may be read through the user account: ``account.offer``)."""
    as_source, _key = await _list_of(state)
    try:
        ref = await chat_from_message(bot, message)
    except ChatInputError as error:
        if not (as_source and await account.offer(message, state, services, str(error))):
            await message.answer(escape(str(error)))
        return
    problem = await (check_source if as_source else check_destination)(bot, ref)
    if problem:
        if not (as_source and await account.offer(message, state, services, problem)):
            await message.answer(f"❌ {escape(problem)}")
        return
    await add_chat(message, state, as_source, ref)


def make_router() -> Router:
    router = step_router(__name__)
    for step in (NewRule.sources, NewRule.destinations):
        router.message.register(chats_back, step, F.text.in_(in_every_language(BACK)))
        router.message.register(chats_done, step, F.text.in_(in_every_language(DONE)))
        router.message.register(chat_given, step)
    return router
