"""Wizard step 5: the transform steps, added from the catalogue's buttons, reordered, removed.

Adding a step asks what its kind declares (``bot.forwarding.steps.catalogue``): nothing, a choice
of buttons (with "type another"), a typed value, or the rule's own filters.
"""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.forwarding.steps.base import StepModel
from bot.forwarding.steps.catalogue import BY_TYPE, KINDS, describe_steps, parse_step
from bot.routers.wizard.nav import (
    BACK,
    NewRule,
    Press,
    button,
    input_keyboard,
    nav_row,
    on_continue,
    on_press,
    screen,
    step_router,
    take_typed,
)
from bot.runtime.i18n import _

MAX_STEPS = 20
TYPE_ANOTHER = "*"


def steps_keyboard(steps: list[dict[str, Any]], forward_mode: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for index in range(len(steps)):
        builder.row(
            button(f"{index + 1}. ↑", "up", index),
            button("↓", "down", index),
            button(_("✖ remove"), "del", index),
        )
    if not forward_mode:
        adders = InlineKeyboardBuilder()
        for kind in KINDS:
            adders.add(button(kind.button(), "add", kind.type_name()))
        adders.adjust(3)
        builder.attach(adders)
    builder.row(*nav_row())
    return builder.as_markup()


def choices_keyboard(kind: type[StepModel]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for value in kind.ask.choices:
        builder.add(button(str(value), "pick", value))
    builder.adjust(3)
    builder.row(button(_("✏️ Type another"), "pick", TYPE_ANOTHER))
    builder.row(button(BACK, "stepsmenu", ""))
    return builder.as_markup()


@screen(NewRule.steps)
def steps_screen(data: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    forward = data["mode"] == "forward"
    steps = data["steps"]
    head = _("<b>New rule · 5/6 · Transform steps</b>") + "\n"
    if forward:
        text = head + _("Forward mode sends posts unchanged, so there are no steps. Continue.")
    elif not steps:
        listing = "  " + _("(none: posts go as they are)")
        text = head + _("Steps run in order on every post:\n{steps}").format(steps=listing)
    else:
        listing = "\n".join(
            f"  {n}. {escape(line)}" for n, line in enumerate(describe_steps(steps), 1)
        )
        text = head + _("Steps run in order on every post:\n{steps}").format(steps=listing)
    if not forward:
        text += "\n\n" + _("Add a step, reorder or remove.")
    return text, steps_keyboard(steps, forward)


async def _add(state: FSMContext, raw: dict[str, Any]) -> str | None:
    """Validate and append a step; the reason when it is refused (nothing added then)."""
    data = await state.get_data()
    if len(data["steps"]) >= MAX_STEPS:
        return _("A rule can have at most {count} steps.").format(count=MAX_STEPS)
    try:
        step = parse_step(raw)
    except ValueError as error:
        return str(error)
    await state.update_data(steps=[*data["steps"], step])
    return None


async def _adding(state: FSMContext) -> type[StepModel] | None:
    """The kind whose settings the wizard is asking for."""
    return BY_TYPE.get((await state.get_data()).get("adding", ""))


async def add_step(press: Press) -> None:
    data = await press.state.get_data()
    kind = BY_TYPE.get(press.value)
    if data["mode"] == "forward":
        press.refuse(_("Forward mode sends posts unchanged."))
        return
    if kind is None:
        press.note(_("Unknown step."))
        return
    ask = kind.ask
    if ask.field is None or ask.from_rule:
        raw: dict[str, Any] = {"type": kind.type_name()}
        if ask.field is not None:
            if not data.get(ask.field):
                press.refuse(str(ask.unset))
                return
            raw[ask.field] = data[ask.field]
        problem = await _add(press.state, raw)
        if problem:
            press.refuse(problem)
            return
        await press.redraw(NewRule.steps)
        return
    await press.state.update_data(adding=kind.type_name())
    if ask.choices:
        await press.state.set_state(NewRule.step_choice)
        await press.message.edit_text(str(ask.question), reply_markup=choices_keyboard(kind))
        return
    await press.state.set_state(NewRule.step_input)
    await press.message.answer(escape(str(ask.prompt)), reply_markup=input_keyboard())


async def step_choice(press: Press) -> None:
    kind = await _adding(press.state)
    if kind is None or kind.ask.field is None:
        press.note(_("Unknown step."))
        return
    if press.value == TYPE_ANOTHER:
        await press.state.set_state(NewRule.step_input)
        await press.message.edit_text(escape(str(kind.ask.prompt)), reply_markup=input_keyboard())
        return
    problem = await _add(press.state, {"type": kind.type_name(), kind.ask.field: press.value})
    if problem:
        press.refuse(problem)
        return
    await press.redraw(NewRule.steps)


async def back_to_steps(press: Press) -> None:
    await press.redraw(NewRule.steps)


async def step_value(message: Message, state: FSMContext) -> None:
    kind = await _adding(state)
    if kind is None or kind.ask.field is None:
        await message.answer(_("That step is not available. Press ⬅ Back."))
        return
    kind_type, ask = kind.type_name(), kind.ask

    async def take(text: str) -> str | None:
        return await _add(state, {"type": kind_type, **ask.settings(text)})

    await take_typed(message, state, NewRule.steps, take)


async def step_value_not_text(message: Message) -> None:
    await message.answer(_("Send the setting as text, or press ⬅ Back."))


async def move_step(press: Press) -> None:
    steps = list((await press.state.get_data())["steps"])
    if not press.value.isdigit() or int(press.value) >= len(steps):
        press.note(_("That step is no longer there."))
        await press.redraw(NewRule.steps)
        return
    index = int(press.value)
    if press.action == "del":
        steps.pop(index)
    else:
        other = index - 1 if press.action == "up" else index + 1
        if not 0 <= other < len(steps):
            press.note(_("It is already there."))
            return
        steps[index], steps[other] = steps[other], steps[index]
    await press.state.update_data(steps=steps)
    await press.redraw(NewRule.steps)


def make_router() -> Router:
    router = step_router(__name__, buttons_only=(NewRule.steps, NewRule.step_choice))
    on_continue(router, NewRule.steps)
    on_press(router, add_step, NewRule.steps, "add")
    on_press(router, move_step, NewRule.steps, "up", "down", "del")
    on_press(router, step_choice, NewRule.step_choice, "pick")
    on_press(router, back_to_steps, NewRule.step_choice, "stepsmenu")
    router.message.register(step_value, NewRule.step_input, F.text)
    router.message.register(step_value_not_text, NewRule.step_input)
    return router
