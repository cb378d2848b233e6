"""Wizard navigation: the states, what each step shows, and moving between steps.

State lives in the FSM storage (the database), so a half-done wizard survives a restart. The rule
card's "edit a section" enters the same steps with the rule's current values (``enter_edit``).
"""

from __future__ import annotations

from typing import Any

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove

from bot.forwarding.rules.index import RuleView
from bot.routers.wizard import render
from bot.routers.wizard.keyboards import (
    chat_picker,
    confirm_keyboard,
    filters_keyboard,
    mode_keyboard,
    name_keyboard,
    preview_keyboard,
    steps_keyboard,
)

# Another command typed in the middle of the wizard goes to its feature (/newrule restarts).
NOT_A_COMMAND = ~F.text.startswith("/") | F.text.startswith("/newrule")

MAX_CHATS = 50  # per list, as the rules service allows
MAX_STEPS = 20


class NewRule(StatesGroup):
    sources = State()
    destinations = State()
    mode = State()
    filters = State()
    filter_input = State()
    media = State()
    steps = State()
    step_choice = State()
    step_input = State()
    preview = State()
    name = State()
    confirm = State()


ORDER = [
    NewRule.sources,
    NewRule.destinations,
    NewRule.mode,
    NewRule.filters,
    NewRule.steps,
    NewRule.preview,
    NewRule.name,
    NewRule.confirm,
]
# Sub-steps go back to the menu they came from.
PARENT = {
    NewRule.filter_input.state: NewRule.filters,
    NewRule.media.state: NewRule.filters,
    NewRule.step_choice.state: NewRule.steps,
    NewRule.step_input.state: NewRule.steps,
}
SECTION_STATE = {
    "sources": NewRule.sources,
    "destinations": NewRule.destinations,
    "mode": NewRule.mode,
    "filters": NewRule.filters,
    "steps": NewRule.steps,
    "name": NewRule.name,
    "edits": NewRule.confirm,
    "ai_failure": NewRule.confirm,
}
SECTIONS = tuple(SECTION_STATE)  # what the rule card's Edit offers

RULE_FIELDS = (
    "name",
    "sources",
    "destinations",
    "mode",
    "filters",
    "steps",
    "edit_policy",
    "review",
    "ai_failure",
)


def fresh() -> dict[str, Any]:
    return {
        "sources": [],
        "destinations": [],
        "mode": "copy",
        "filters": {},
        "steps": [],
        "name": "",
        "edit_policy": "edit",
        "review": False,
        "ai_failure": "hold",
        "edit_rule_id": None,
        "edit_section": None,
    }


# -- entering steps ----------------------------------------------------------------------------


async def show(target: State, message: Message, state: FSMContext) -> None:
    """Set ``target`` and send its prompt with its keyboard."""
    await state.set_state(target)
    data = await state.get_data()
    editing = data.get("edit_rule_id") is not None
    if target == NewRule.sources:
        await message.answer(render.sources_prompt(data["sources"]), reply_markup=chat_picker(True))
    elif target == NewRule.destinations:
        await message.answer(
            render.destinations_prompt(data["destinations"]), reply_markup=chat_picker(False)
        )
    elif target == NewRule.mode:
        await message.answer(render.MODE_PROMPT, reply_markup=mode_keyboard())
    elif target == NewRule.filters:
        await message.answer(
            render.filters_prompt(data["filters"]), reply_markup=filters_keyboard(data["filters"])
        )
    elif target == NewRule.steps:
        forward = data["mode"] == "forward"
        await message.answer(
            render.steps_prompt(data["steps"], forward),
            reply_markup=steps_keyboard(data["steps"], forward),
        )
    elif target == NewRule.preview:
        await message.answer(render.PREVIEW_PROMPT, reply_markup=preview_keyboard())
    elif target == NewRule.name:
        suggestion = data.get("name") or render.suggested_name(data)
        await message.answer(render.name_prompt(suggestion), reply_markup=name_keyboard(suggestion))
    elif target == NewRule.confirm:
        await message.answer(
            render.summary(data, editing), reply_markup=confirm_keyboard(data, editing)
        )


async def advance(current: State, message: Message, state: FSMContext) -> None:
    """The next step; when editing one section of a rule, the confirmation."""
    data = await state.get_data()
    if data.get("edit_rule_id") is not None:
        await show(NewRule.confirm, message, state)
        return
    following = ORDER[ORDER.index(current) + 1]
    await show(following, message, state)


async def go_back(message: Message, state: FSMContext) -> None:
    current = await state.get_state()
    data = await state.get_data()
    if current in PARENT:
        await show(PARENT[current], message, state)
        return
    if data.get("edit_rule_id") is not None:
        await state.clear()
        await message.answer("Edit abandoned: nothing changed.", reply_markup=ReplyKeyboardRemove())
        return
    position = next((i for i, s in enumerate(ORDER) if s.state == current), 0)
    if position == 0:
        await message.answer("This is the first step. ✖ Cancel leaves the wizard.")
        return
    await show(ORDER[position - 1], message, state)


async def enter_edit(query: CallbackQuery, state: FSMContext, rule: RuleView, section: str) -> None:
    """The rule card's Edit: this section of the wizard with the rule's current values."""
    assert isinstance(query.message, Message)
    data = fresh()
    data.update(
        name=rule.name,
        sources=[s.model_dump() for s in rule.sources],
        destinations=[d.model_dump() for d in rule.destinations],
        mode=rule.mode,
        filters=rule.filters.model_dump(mode="json", exclude_defaults=True),
        steps=list(rule.steps),
        edit_policy=rule.edit_policy,
        review=rule.review,
        ai_failure=rule.ai_failure,
        edit_rule_id=rule.id,
        edit_section=section,
    )
    await state.set_data(data)
    await show(SECTION_STATE.get(section, NewRule.confirm), query.message, state)
