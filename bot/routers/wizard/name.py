"""Wizard step 7: the rule's name, typed or the suggested "source → destination"."""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from bot.forwarding.rules.spec import ChatRef
from bot.routers.wizard.nav import (
    NewRule,
    advance,
    button,
    nav_row,
    on_button,
    screen,
    step_router,
)
from bot.runtime.i18n import _

MAX_NAME = 64


def suggested_name(data: dict[str, Any]) -> str:
    def first(key: str) -> str:
        refs = data.get(key) or []
        return ChatRef.model_validate(refs[0]).label() if refs else "?"

    return f"{first('sources')} → {first('destinations')}"[:MAX_NAME]


@screen(NewRule.name)
def name_screen(data: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    suggestion = data.get("name") or suggested_name(data)
    text = _(
        "<b>Name the rule</b>\nSend a short name (up to {limit} characters), or use “{name}”."
    ).format(limit=MAX_NAME, name=escape(suggestion))
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [button(_("Use “{name}”").format(name=suggestion[:40]), "name", "")],
            nav_row(next_label=None),
        ]
    )
    return text, markup


async def name_suggested(query: CallbackQuery, state: FSMContext, message: Message) -> None:
    data = await state.get_data()
    await state.update_data(name=data.get("name") or suggested_name(data))
    await message.edit_reply_markup(reply_markup=None)
    await advance(NewRule.name, message, state)


async def name_typed(message: Message, state: FSMContext) -> None:
    name = " ".join((message.text or "").split())
    if not name or len(name) > MAX_NAME:
        await message.answer(
            _("❌ The name must be 1 to {limit} characters. Send another.").format(limit=MAX_NAME)
        )
        return
    await state.update_data(name=name)
    await advance(NewRule.name, message, state)


async def name_not_text(message: Message) -> None:
    await message.answer(_("Send the name as text, or use the suggested one."))


def make_router() -> Router:
    router = step_router(__name__)
    on_button(router, name_suggested, NewRule.name, "name")
    router.message.register(name_typed, NewRule.name, F.text)
    router.message.register(name_not_text, NewRule.name)
    return router
