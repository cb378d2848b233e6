"""Wizard step 6: try the rule on sample posts (the pipeline's preview), as often as wanted."""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import InlineKeyboardMarkup, Message

from bot.forwarding.steps.pipeline import preview_steps
from bot.routers.wizard.nav import (
    NewRule,
    nav_row,
    on_continue,
    screen,
    show,
    step_router,
)
from bot.runtime.i18n import _, __

PREVIEW_PROMPT = __(
    "<b>New rule · 6/6 · Try it</b>\n"
    "Send a sample post (text) and I will show what this rule would publish. Send as many as "
    "you like, then continue."
)


@screen(NewRule.preview)
def preview_screen(data: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    markup = InlineKeyboardMarkup(inline_keyboard=[nav_row(next_label=_("Skip ➡"))])
    return str(PREVIEW_PROMPT), markup


async def preview_sample(message: Message, state: FSMContext, services: Any) -> None:
    data = await state.get_data()
    result = await preview_steps(data["filters"], data["steps"], message.html_text, services)
    await message.answer(result.render(), reply_markup=None)
    await show(NewRule.preview, message, state)


async def preview_not_text(message: Message) -> None:
    await message.answer(_("Send a sample post as text, or press Skip."))


def make_router() -> Router:
    router = step_router(__name__)
    on_continue(router, NewRule.preview)
    router.message.register(preview_sample, NewRule.preview, F.text | F.caption)
    router.message.register(preview_not_text, NewRule.preview)
    return router
