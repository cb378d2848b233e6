"""Wizard steps 1 and 2: the source chats and the destination chats, picked with Telegram's chat
pickers, a forwarded post, an @username, an id or a t.me link (see ``chats``)."""

from __future__ import annotations

from html import escape
from typing import Any

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

MAX_CHATS = 50  # per list, as the rules service allows
PICK_CHANNEL, PICK_GROUP = "📢 Pick a channel", "👥 Pick a group"


def chat_label(ref: dict[str, Any]) -> str:
    chat = ChatRef.model_validate(ref)
    return f"{escape(chat.label())} <code>{chat.chat_id}</code>"


def chats_list(refs: list[dict[str, Any]]) -> str:
    if not refs:
        return "  (none yet)"
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


def chat_picker(for_sources: bool) -> ReplyKeyboardMarkup:
    """Reply keyboard with Telegram's own chat pickers (the bot's rights asked for up front)."""
    channel_rights = _no_rights() if for_sources else _no_rights(can_post_messages=True)
    channel = _chat_request(
        1 if for_sources else 3, chat_is_channel=True, bot_administrator_rights=channel_rights
    )
    group = _chat_request(2 if for_sources else 4, chat_is_channel=False, bot_is_member=True)
    return ReplyKeyboardMarkup(
        keyboard=[
            [
                KeyboardButton(text=PICK_CHANNEL, request_chat=channel),
                KeyboardButton(text=PICK_GROUP, request_chat=group),
            ],
            [KeyboardButton(text=DONE)],
            [KeyboardButton(text=BACK), KeyboardButton(text=CANCEL)],
        ],
        resize_keyboard=True,
        is_persistent=True,
    )


@screen(NewRule.sources)
def sources_screen(data: dict[str, Any]) -> tuple[str, ReplyKeyboardMarkup]:
    text = (
        "<b>New rule · 1/6 · Sources</b>\n"
        "Which chats should I watch? Pick a channel or group with the buttons, forward me a "
        "post from it, or send its @username, id or t.me link (a topic link picks the topic).\n\n"
        f"Sources so far:\n{chats_list(data['sources'])}\n\n"
        f"Press {escape(DONE)} when the list is complete."
    )
    return text, chat_picker(True)


@screen(NewRule.destinations)
def destinations_screen(data: dict[str, Any]) -> tuple[str, ReplyKeyboardMarkup]:
    text = (
        "<b>New rule · 2/6 · Destinations</b>\n"
        "Where should the posts go? Same ways as for sources; I need the right to post there.\n\n"
        f"Destinations so far:\n{chats_list(data['destinations'])}\n\n"
        "Press ✅ Done when the list is complete."
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
        what = "source" if as_source else "destination"
        await message.answer(f"Add at least one {what} first. {escape(chats_list([]))}")
        return
    await message.answer(f"{key.capitalize()} set ✓", reply_markup=ReplyKeyboardRemove())
    await advance(NewRule.sources if as_source else NewRule.destinations, message, state)


async def chat_given(message: Message, state: FSMContext, bot: Bot) -> None:
    """Anything else sent in these steps: read as a chat, or explained."""
    as_source, key = await _list_of(state)
    try:
        ref = await chat_from_message(bot, message)
    except ChatInputError as error:
        await message.answer(escape(str(error)))
        return
    problem = await (check_source if as_source else check_destination)(bot, ref)
    if problem:
        await message.answer(f"❌ {escape(problem)}")
        return
    data = await state.get_data()
    chosen = [ChatRef.model_validate(r) for r in data[key]]
    other = [ChatRef.model_validate(r) for r in data["destinations" if as_source else "sources"]]
    if any(c.key == ref.key for c in chosen):
        await message.answer(f"{escape(ref.label())} is already on the list.")
        return
    if any(c.chat_id == ref.chat_id and (not c.thread_id or c.key == ref.key) for c in other):
        await message.answer(
            f"{escape(ref.label())} is already a {'destination' if as_source else 'source'}: "
            "posts would loop."
        )
        return
    if len(chosen) >= MAX_CHATS:
        await message.answer(f"A rule can have at most {MAX_CHATS} {key}.")
        return
    refs = [*data[key], ref.model_dump()]
    await state.update_data({key: refs})
    await message.answer(
        f"✓ Added {chat_label(ref.model_dump())}\n\n{key.capitalize()} so far:\n"
        f"{chats_list(refs)}\n\nAdd more, or press ✅ Done."
    )


def make_router() -> Router:
    router = step_router(__name__)
    for step in (NewRule.sources, NewRule.destinations):
        router.message.register(chats_back, step, F.text == BACK)
        router.message.register(chats_done, step, F.text == DONE)
        router.message.register(chat_given, step)
    return router
