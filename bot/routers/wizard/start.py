"""/newrule, and what works on every step: Cancel, Back, and a button of a step that is over.

/cancel itself is the common router's (it works from anywhere).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.callback_answer import CallbackAnswer

from bot.routers.wizard.account import account_configured
from bot.routers.wizard.nav import (
    CANCEL,
    OVER,
    NewRule,
    WizardCb,
    fresh,
    go_back,
    show,
    step_router,
)
from bot.runtime.i18n import _, __, in_every_language

if TYPE_CHECKING:
    from bot.services import Services

CANCELLED = __("Cancelled. Nothing was saved.")


async def new_rule(message: Message, state: FSMContext, services: Services | None = None) -> None:
    await state.clear()
    await state.set_data(fresh(account=account_configured(services)))
    await show(NewRule.sources, message, state)


async def cancel_button(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    assert isinstance(query.message, Message)
    await query.message.answer(str(CANCELLED), reply_markup=ReplyKeyboardRemove())


async def cancel_text(message: Message, state: FSMContext) -> None:
    if await state.get_state() is None:
        await message.answer(_("Nothing to cancel."), reply_markup=ReplyKeyboardRemove())
        return
    await state.clear()
    await message.answer(str(CANCELLED), reply_markup=ReplyKeyboardRemove())


async def back_button(
    query: CallbackQuery, callback_answer: CallbackAnswer, state: FSMContext, message: Message
) -> None:
    if await state.get_state() is None:
        callback_answer.text = str(OVER)
        return
    await go_back(message, state)


async def stale_button(
    query: CallbackQuery, callback_answer: CallbackAnswer, state: FSMContext
) -> None:
    """A button of a step that is over (an old message, or a wizard that ended)."""
    if await state.get_state() is None:
        callback_answer.text = str(OVER)
    else:
        callback_answer.text = _("That button belongs to another step: use the latest message.")


def make_router() -> Router:
    """/newrule, Cancel and Back: consulted before the steps."""
    router = step_router(__name__)
    router.message.register(new_rule, Command("newrule"))
    router.message.register(cancel_text, F.text.in_(in_every_language(CANCEL)))
    router.callback_query.register(cancel_button, WizardCb.filter(F.action == "cancel"))
    router.callback_query.register(
        back_button, WizardCb.filter(F.action == "back"), F.message.as_("message")
    )
    return router


def make_stale_router() -> Router:
    """Any wizard button no step took: consulted after the steps."""
    router = Router(name=f"{__name__}.stale")
    router.callback_query.register(stale_button, WizardCb.filter())
    return router
