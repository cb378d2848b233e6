"""A rule's delay: its posts go out this many minutes after the source posted them.

The card's ⏱ button shows the delay now and the usual choices; the owner may also type a number
of minutes while that screen is open. A value out of range, or text that is no number, is refused
with the bounds and the screen stays as it was.
"""

from __future__ import annotations

from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.forwarding.rules.index import RuleView
from bot.forwarding.rules.service import RuleError, RulesService
from bot.forwarding.rules.spec import MAX_DELAY_MINUTES
from bot.routers.rules import keyboards as kb
from bot.routers.rules import texts
from bot.routers.rules.card import render_card
from bot.routers.rules.keyboards import RuleCb, RuleDelayCb
from bot.routers.rules.queries import Loaded, delivery_counts, load
from bot.routers.rules.screens import refresh_card, refuse
from bot.routers.ui import edit_or_send
from bot.runtime.i18n import _, lazy_text

HINT = lazy_text(
    lambda: _(
        "Send a whole number of minutes from 0 to {max} (0: no delay), or press a button."
    ).format(max=MAX_DELAY_MINUTES)
)


class RuleDelay(StatesGroup):
    minutes = State()


def screen_text(rule: RuleView) -> str:
    return (
        _("<b>{name}</b> · rule #{id}").format(name=texts.esc(rule.name), id=rule.id)
        + "\n"
        + _("Delay: {delay}").format(delay=texts.delay_label(rule.delay_minutes))
        + "\n\n"
        + _(
            "Posts go out this long after the source posted them; an edit made meanwhile is "
            "sent in their place. Choose one, or send a number of minutes (up to {max})."
        ).format(max=MAX_DELAY_MINUTES)
    )


def parse_minutes(text: str) -> int | None:
    """The minutes typed, or None when they are not a whole number within the bounds."""
    words = text.strip().removesuffix("min").strip()
    if not words.isdigit():
        return None
    minutes = int(words)
    return minutes if minutes <= MAX_DELAY_MINUTES else None


async def leave_delay(state: FSMContext) -> None:
    if await state.get_state() == RuleDelay.minutes.state:
        await state.clear()


async def delay_screen(
    query: CallbackQuery, callback_data: RuleCb, state: FSMContext, loaded: Loaded
) -> None:
    await state.set_state(RuleDelay.minutes)
    await state.set_data({"rule_id": loaded.rule.id, "page": callback_data.page})
    await edit_or_send(
        query, screen_text(loaded.rule), kb.delay_choices(loaded.rule, callback_data.page)
    )


async def choose_delay(
    query: CallbackQuery,
    callback_data: RuleDelayCb,
    state: FSMContext,
    rules: RulesService,
    callback_answer: CallbackAnswer,
    loaded: Loaded,
) -> None:
    """Save the delay the button names, then show the card."""
    if callback_data.minutes != loaded.rule.delay_minutes:
        try:
            await rules.update(loaded.rule.id, {"delay_minutes": callback_data.minutes})
        except RuleError as error:
            await refuse(query, error, callback_answer)
            return
    await leave_delay(state)
    callback_answer.text = _("Delay: {delay}.").format(
        delay=texts.delay_label(callback_data.minutes)
    )
    await refresh_card(query, rules, loaded.rule.id, callback_data.page, callback_answer)


async def delay_typed(message: Message, state: FSMContext, rules: RulesService) -> None:
    minutes = parse_minutes(message.text or "")
    if minutes is None:
        await message.answer(str(HINT))
        return
    data: dict[str, Any] = await state.get_data()
    await state.clear()
    rule_id = int(data.get("rule_id", 0))
    try:
        await rules.update(rule_id, {"delay_minutes": minutes})
    except RuleError as error:
        await message.answer(texts.error_text(error))
        return
    loaded = await load(rule_id)
    if loaded is None:
        await message.answer(str(texts.NOT_FOUND))
        return
    card = render_card(
        loaded.rule, paused_reason=loaded.paused_reason, counts=await delivery_counts(rule_id)
    )
    await message.answer(card, reply_markup=kb.rule_card(loaded.rule, int(data.get("page", 0))))


async def delay_not_text(message: Message) -> None:
    await message.answer(str(HINT))
