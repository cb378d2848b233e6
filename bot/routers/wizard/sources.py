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
from bot.forwarding.rules.spec import ChatRef
from bot.routers.wizard import account
from bot.routers.wizard.account import ACCOUNT_CHATS
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

MAX_CHATS = 50  # per list, as the rules service allows
PICK_CHANNEL, PICK_GROUP = __("📢 Pick a channel"), __("👥 Pick a group")


def chat_label(ref: dict[str, Any]) -> str:
    chat = ChatRef.model_validate(ref)
    via = " · " + _("via your account") if chat.via == "account" else ""
    return f"{escape(chat.label())} <code>{chat.chat_id}</code>{via}"


def chats_list(refs: list[dict[str, Any]]) -> str:
    if not refs:
        return "  " + _("(none yet)")
    return "\n".join(f"  • {chat_label(ref)}" for ref in refs)


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
        + _so_far("sources", data["sources"])
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
        + _so_far("destinations", data["destinations"])
        + "\n\n"
        + _("Press {done} when the list is complete.").format(done=escape(str(DONE)))
    )
    return text, chat_picker(False)


def _so_far(key: str, refs: list[dict[str, Any]]) -> str:
    if key == "sources":
        return _("Sources so far:\n{chats}").format(chats=chats_list(refs))
    return _("Destinations so far:\n{chats}").format(chats=chats_list(refs))


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


async def add_chat(message: Message, state: FSMContext, as_source: bool, ref: ChatRef) -> None:
    """Put ``ref`` on the sources (or destinations) list, unless it is there already, would
    make a loop, or the list is full; say which."""
    key = "sources" if as_source else "destinations"
    data = await state.get_data()
    chosen = [ChatRef.model_validate(r) for r in data[key]]
    other = [ChatRef.model_validate(r) for r in data["destinations" if as_source else "sources"]]
    if any(c.key == ref.key for c in chosen):
        await message.answer(_("{chat} is already on the list.").format(chat=escape(ref.label())))
        return
    if any(c.chat_id == ref.chat_id and (not c.thread_id or c.key == ref.key) for c in other):
        loop = (
            _("{chat} is already a destination: posts would loop.")
            if as_source
            else _("{chat} is already a source: posts would loop.")
        )
        await message.answer(loop.format(chat=escape(ref.label())))
        return
    if len(chosen) >= MAX_CHATS:
        limit = (
            _("A rule can have at most {count} sources.")
            if as_source
            else _("A rule can have at most {count} destinations.")
        )
        await message.answer(limit.format(count=MAX_CHATS))
        return
    refs = [*data[key], ref.model_dump()]
    await state.update_data({key: refs})
    await message.answer(
        _("✓ Added {chat}").format(chat=chat_label(ref.model_dump()))
        + "\n\n"
        + _so_far(key, refs)
        + "\n\n"
        + _("Add more, or press {done}.").format(done=escape(str(DONE)))
    )


def make_router() -> Router:
    router = step_router(__name__)
    for step in (NewRule.sources, NewRule.destinations):
        router.message.register(chats_back, step, F.text.in_(in_every_language(BACK)))
        router.message.register(chats_done, step, F.text.in_(in_every_language(DONE)))
        router.message.register(chat_given, step)
    return router
