"""Wizard step 4: filters, edited from an inline menu; typed values validated before they stay."""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from pydantic import ValidationError

from bot.forwarding.rules.filters import FilterSpec, validation_message
from bot.routers.wizard import render
from bot.routers.wizard.keyboards import (
    WizardCb,
    filters_keyboard,
    input_keyboard,
    media_keyboard,
    next_in_cycle,
)
from bot.routers.wizard.nav import NOT_A_COMMAND, NewRule, advance, show

DEDUP_CYCLE = (None, 60, 1440)
ORIGINS = ("any", "original", "forwarded")


async def _refresh_filters(message: Message, state: FSMContext) -> None:
    data = await state.get_data()
    await message.edit_text(
        render.filters_prompt(data["filters"]), reply_markup=filters_keyboard(data["filters"])
    )


async def _set_filters(state: FSMContext, changes: dict[str, Any]) -> str | None:
    """Validate and store; the reason when the filters would be invalid (nothing stored then)."""
    data = await state.get_data()
    merged = {**data["filters"], **changes}
    merged = {k: v for k, v in merged.items() if v not in (None, [], False)}
    try:
        spec = FilterSpec.model_validate(merged)
    except ValidationError as error:
        return validation_message(error)
    await state.update_data(filters=spec.model_dump(mode="json", exclude_defaults=True))
    return None


async def filters_done(query: CallbackQuery, state: FSMContext, message: Message) -> None:
    await message.edit_reply_markup(reply_markup=None)
    await advance(NewRule.filters, message, state)


async def filter_field(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    callback_data: WizardCb,
    state: FSMContext,
    message: Message,
) -> None:
    prompt = render.FILTER_INPUT.get(callback_data.value)
    if prompt is None:
        callback_answer.text = "Unknown filter."
        return
    await state.update_data(field=callback_data.value)
    await state.set_state(NewRule.filter_input)
    await message.answer(prompt, reply_markup=input_keyboard())


async def filter_value(message: Message, state: FSMContext) -> None:
    data = await state.get_data()
    field = data.get("field", "")
    text = (message.text or "").strip()
    try:
        changes = _parse_filter(field, text)
    except ValueError as error:
        await message.answer(f"❌ {escape(str(error))}")
        return
    problem = await _set_filters(state, changes)
    if problem:
        await message.answer(f"❌ {escape(problem)}")
        return
    await show(NewRule.filters, message, state)


def _parse_filter(field: str, text: str) -> dict[str, Any]:
    if field in ("include_keywords", "exclude_keywords"):
        words = [w.strip() for w in text.split(",") if w.strip()]
        if not words:
            raise ValueError("Send at least one word.")
        return {field: words}
    if field in ("include_regex", "exclude_regex"):
        return {field: [line.strip() for line in text.splitlines() if line.strip()]}
    if field == "length":
        low, sep, high = text.replace(" ", "").partition("-")
        if (
            not sep
            or not (low or high)
            or not (low.isdigit() or not low)
            or not (high.isdigit() or not high)
        ):
            raise ValueError("Send the length as min-max, for example 20-2000, 50- or -500.")
        return {"min_length": int(low) if low else None, "max_length": int(high) if high else None}
    if field == "senders":
        if text.strip() == "0":
            return {"senders": []}
        try:
            return {"senders": [int(part) for part in text.replace(" ", "").split(",") if part]}
        except ValueError:
            raise ValueError(
                "Send numeric user ids separated by commas, or 0 for anyone."
            ) from None
    raise ValueError("That filter is not available.")


async def filter_value_not_text(message: Message) -> None:
    await message.answer("Send the value as text, or press ⬅ Back.")


async def filter_toggle(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    callback_data: WizardCb,
    state: FSMContext,
    message: Message,
) -> None:
    filters = (await state.get_data())["filters"]
    if callback_data.action == "origin":
        changes: dict[str, Any] = {"origin": next_in_cycle(ORIGINS, filters.get("origin", "any"))}
    elif callback_data.action == "dedup":
        changes = {
            "dedup_window_minutes": next_in_cycle(DEDUP_CYCLE, filters.get("dedup_window_minutes"))
        }
    elif callback_data.action == "whole":
        changes = {"whole_word": not filters.get("whole_word", False)}
    else:
        await state.update_data(filters={})
        await _refresh_filters(message, state)
        return
    problem = await _set_filters(state, changes)
    if problem:
        callback_answer.text, callback_answer.show_alert = problem[:190], True
        return
    await _refresh_filters(message, state)


async def media_menu(query: CallbackQuery, state: FSMContext, message: Message) -> None:
    await state.set_state(NewRule.media)
    chosen = (await state.get_data())["filters"].get("media_types", [])
    await message.edit_text(
        "Which kinds of posts may go? None ticked means all.", reply_markup=media_keyboard(chosen)
    )


async def media_toggle(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    callback_data: WizardCb,
    state: FSMContext,
    message: Message,
) -> None:
    chosen = list((await state.get_data())["filters"].get("media_types", []))
    kind = callback_data.value
    chosen = [k for k in chosen if k != kind] if kind in chosen else [*chosen, kind]
    problem = await _set_filters(state, {"media_types": chosen})
    if problem:
        callback_answer.text, callback_answer.show_alert = problem[:190], True
        return
    await message.edit_reply_markup(reply_markup=media_keyboard(chosen))


async def media_done(query: CallbackQuery, state: FSMContext, message: Message) -> None:
    await state.set_state(NewRule.filters)
    await _refresh_filters(message, state)


def make_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private", NOT_A_COMMAND)
    router.callback_query.register(
        filters_done, NewRule.filters, WizardCb.filter(F.action == "next"), F.message.as_("message")
    )
    router.callback_query.register(
        filter_field, NewRule.filters, WizardCb.filter(F.action == "flt"), F.message.as_("message")
    )
    router.message.register(filter_value, NewRule.filter_input, F.text)
    router.message.register(filter_value_not_text, NewRule.filter_input)
    router.callback_query.register(
        filter_toggle,
        NewRule.filters,
        WizardCb.filter(F.action.in_({"origin", "dedup", "whole", "fclear"})),
        F.message.as_("message"),
    )
    router.callback_query.register(
        media_menu, NewRule.filters, WizardCb.filter(F.action == "media"), F.message.as_("message")
    )
    router.callback_query.register(
        media_toggle,
        NewRule.media,
        WizardCb.filter(F.action == "mtoggle"),
        F.message.as_("message"),
    )
    router.callback_query.register(
        media_done, NewRule.media, WizardCb.filter(F.action == "mdone"), F.message.as_("message")
    )
    return router
