"""When and how often a new rule's posts go, inside the wizard's existing screens (so its walk
does not change): the near-duplicates window from the filters screen (📰), the delay from the
confirmation (⏱). Each opens a small screen with the value now, presets, a typed value, and ⬅ Back
to the screen it came from; a choice goes back there too, the new value shown on its button.
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import InlineKeyboardMarkup, Message
from pydantic import ValidationError

from bot.forwarding.delivery.pacing import duration_label
from bot.forwarding.rules.filters import MAX_DEDUP_WINDOW_MINUTES, FilterSpec, validation_message
from bot.forwarding.rules.spec import MAX_DELAY_MINUTES
from bot.routers.wizard.nav import (
    BACK,
    CANCEL,
    NewRule,
    Press,
    button,
    on_press,
    redraw,
    screen,
    show,
    step_router,
)
from bot.runtime.i18n import _

NEAR_CHOICES = (0, 30, 60, 360, 1440)  # minutes; 0: off
DELAY_CHOICES = (0, 5, 15, 30, 60, 180)  # minutes; 0: none


def minutes_label(minutes: int | None) -> str:
    return duration_label((minutes or 0) * 60)


def near_label(filters: dict[str, Any]) -> str:
    """The filters screen's button: "📰 Same story elsewhere: 1 h"."""
    minutes = filters.get("near_duplicates_minutes")
    shown = minutes_label(minutes) if minutes else _("off")
    return _("📰 Same story elsewhere: {window}").format(window=shown)


def delay_button_label(data: dict[str, Any]) -> str:
    """The confirmation's button: "⏱ Delay: 15 min"."""
    return _("⏱ Delay: {delay}").format(delay=minutes_label(data.get("delay_minutes", 0)))


def delay_summary(data: dict[str, Any]) -> str:
    """The confirmation summary's line."""
    return _("<b>Delay</b>: {delay}").format(delay=minutes_label(data.get("delay_minutes", 0)))


def _choices(
    action: str, choices: tuple[int, ...], current: int, zero: str
) -> InlineKeyboardMarkup:
    """The presets (``zero`` names 0), ✓ on the value now; Back and Cancel."""
    buttons = [
        button(
            ("✓ " if minutes == current else "") + (minutes_label(minutes) if minutes else zero),
            action,
            minutes,
        )
        for minutes in choices
    ]
    return InlineKeyboardMarkup(
        inline_keyboard=[
            buttons[:3],
            buttons[3:],
            [button(BACK, "back"), button(CANCEL, "cancel")],
        ]
    )


@screen(NewRule.near)
def near_screen(data: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    current = int(data["filters"].get("near_duplicates_minutes") or 0)
    shown = minutes_label(current) if current else _("off")
    text = _(
        "<b>📰 The same story from other sources</b>\nNow: {window}\n\n"
        "A post that tells the same story as one a destination had within this window, from any "
        "source (reworded, other hashtags, links or footer), is skipped. Choose a window, or send "
        "it in minutes (up to {max}). Look-alikes a little too different to tell can be left to "
        "the AI (one Groq call per pair; when the AI is down they go)."
    ).format(window=shown, max=MAX_DEDUP_WINDOW_MINUTES)
    markup = _choices("near", NEAR_CHOICES, current, _("Off"))
    ai = _("on") if data["filters"].get("near_duplicates_ai") else _("off")
    toggle = button(_("🤖 Borderline look-alikes to the AI: {state}").format(state=ai), "nearai")
    markup.inline_keyboard.insert(2, [toggle])
    return text, markup


@screen(NewRule.delay)
def delay_screen(data: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    current = int(data.get("delay_minutes") or 0)
    text = _(
        "<b>⏱ Delay</b>\nNow: {delay}\n\n"
        "Posts go out this long after the source posted them; an edit made meanwhile is sent in "
        "their place. Choose one, or send a number of minutes (up to {max})."
    ).format(delay=minutes_label(current), max=MAX_DELAY_MINUTES)
    return text, _choices("delay", DELAY_CHOICES, current, _("None"))


def parse_minutes(text: str, most: int) -> int:
    """Whole minutes from 0 to ``most``; ValueError says what to send instead."""
    words = text.strip().lower().removesuffix("min").strip()
    if not words.isdigit() or int(words) > most:
        raise ValueError(
            _("Send a whole number of minutes from 0 to {max}, or press a button.").format(max=most)
        )
    return int(words)


async def _set_near(state: FSMContext, minutes: int) -> str | None:
    """Store the window in the filters; the reason when the filters would be invalid."""
    data = await state.get_data()
    filters = {**data["filters"], "near_duplicates_minutes": minutes or None}
    filters = {k: v for k, v in filters.items() if v not in (None, [], False)}
    try:
        spec = FilterSpec.model_validate(filters)
    except ValidationError as error:
        return validation_message(error)
    await state.update_data(filters=spec.model_dump(mode="json", exclude_defaults=True))
    return None


async def open_near(press: Press) -> None:
    await press.redraw(NewRule.near)


async def open_delay(press: Press) -> None:
    await press.redraw(NewRule.delay)


async def choose_near(press: Press) -> None:
    problem = await _set_near(press.state, int(press.value or 0))
    if problem:
        press.refuse(problem)
        return
    await redraw(NewRule.filters, press.message, press.state)


async def toggle_near_ai(press: Press) -> None:
    """A pair a little too different for the fingerprints alone goes to the AI (samestory.py)."""
    filters = (await press.state.get_data())["filters"]
    changes = {**filters, "near_duplicates_ai": not filters.get("near_duplicates_ai", False)}
    changes = {k: v for k, v in changes.items() if v not in (None, [], False)}
    try:
        spec = FilterSpec.model_validate(changes)
    except ValidationError as error:
        press.refuse(validation_message(error))
        return
    await press.state.update_data(filters=spec.model_dump(mode="json", exclude_defaults=True))
    await press.redraw(NewRule.near)


async def choose_delay(press: Press) -> None:
    minutes = int(press.value or 0)
    if not 0 <= minutes <= MAX_DELAY_MINUTES:
        press.refuse(_("That delay is not available."))
        return
    await press.state.update_data(delay_minutes=minutes)
    await redraw(NewRule.confirm, press.message, press.state)


async def near_typed(message: Message, state: FSMContext) -> None:
    try:
        problem = await _set_near(
            state, parse_minutes(message.text or "", MAX_DEDUP_WINDOW_MINUTES)
        )
    except ValueError as error:
        problem = str(error)
    if problem:
        await message.answer("❌ " + problem)
        return
    await show(NewRule.filters, message, state)


async def delay_typed(message: Message, state: FSMContext) -> None:
    try:
        minutes = parse_minutes(message.text or "", MAX_DELAY_MINUTES)
    except ValueError as error:
        await message.answer("❌ " + str(error))
        return
    await state.update_data(delay_minutes=minutes)
    await show(NewRule.confirm, message, state)


async def not_text(message: Message) -> None:
    await message.answer(_("Send a number of minutes, or press a button."))


def make_router() -> Router:
    router = step_router(__name__)
    on_press(router, open_near, NewRule.filters, "nearmenu")
    on_press(router, open_delay, NewRule.confirm, "delaymenu")
    on_press(router, choose_near, NewRule.near, "near")
    on_press(router, toggle_near_ai, NewRule.near, "nearai")
    on_press(router, choose_delay, NewRule.delay, "delay")
    router.message.register(near_typed, NewRule.near, F.text)
    router.message.register(delay_typed, NewRule.delay, F.text)
    router.message.register(not_text, NewRule.near)
    router.message.register(not_text, NewRule.delay)
    return router
