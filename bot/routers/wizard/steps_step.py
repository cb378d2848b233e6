"""Wizard step 5 (transform steps from buttons: add, reorder, remove) and step 6 (try a sample)."""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.forwarding.steps.pipeline import parse_step, preview_steps
from bot.routers.wizard import render
from bot.routers.wizard.keyboards import (
    LANGUAGES,
    LENGTHS,
    TONES,
    WizardCb,
    choices_keyboard,
    input_keyboard,
    steps_keyboard,
)
from bot.routers.wizard.nav import MAX_STEPS, NOT_A_COMMAND, NewRule, advance, show

_NO_SETTINGS = {"remove_links", "remove_mentions", "remove_hashtags"}
_CHOICES: dict[str, tuple[str, tuple[Any, ...], str]] = {
    # step kind: (callback action, choices, what the prompt asks)
    "rewrite": ("tone", TONES, "Which tone for the rewrite?"),
    "summarize": ("sum", LENGTHS, "How long may the summary be (characters)?"),
    "translate": ("lang", LANGUAGES, "Translate into which language?"),
}
_CHOICE_FIELD = {
    "tone": ("rewrite", "tone"),
    "sum": ("summarize", "max_chars"),
    "lang": ("translate", "language"),
}


async def _refresh(message: Message, state: FSMContext, *, edit: bool) -> None:
    data = await state.get_data()
    forward = data["mode"] == "forward"
    text = render.steps_prompt(data["steps"], forward)
    markup = steps_keyboard(data["steps"], forward)
    if edit:
        await message.edit_text(text, reply_markup=markup)
    else:
        await state.set_state(NewRule.steps)
        await message.answer(text, reply_markup=markup)


async def _add(state: FSMContext, raw: dict[str, Any]) -> str | None:
    """Validate and append a step; the reason when it is refused (nothing added then)."""
    data = await state.get_data()
    if len(data["steps"]) >= MAX_STEPS:
        return f"A rule can have at most {MAX_STEPS} steps."
    try:
        step = parse_step(raw)
    except ValueError as error:
        return str(error)
    await state.update_data(steps=[*data["steps"], step])
    return None


async def steps_done(query: CallbackQuery, state: FSMContext, message: Message) -> None:
    await message.edit_reply_markup(reply_markup=None)
    await advance(NewRule.steps, message, state)


async def add_step(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    callback_data: WizardCb,
    state: FSMContext,
    message: Message,
) -> None:
    kind = callback_data.value
    if (await state.get_data())["mode"] == "forward":
        callback_answer.text, callback_answer.show_alert = (
            "Forward mode sends posts unchanged.",
            True,
        )
        return
    if kind in _NO_SETTINGS or kind == "filter":
        raw: dict[str, Any] = {"type": kind}
        if kind == "filter":  # the rule's filters once more, on the text the steps produced
            filters = (await state.get_data())["filters"]
            if not filters:
                callback_answer.text = (
                    "Set some filters in step 4 first: this step runs them again."
                )
                callback_answer.show_alert = True
                return
            raw["filters"] = filters
        problem = await _add(state, raw)
        if problem:
            callback_answer.text, callback_answer.show_alert = problem[:190], True
            return
        await _refresh(message, state, edit=True)
        return
    if kind in _CHOICES:
        action, values, question = _CHOICES[kind]
        await state.set_state(NewRule.step_choice)
        await message.edit_text(question, reply_markup=choices_keyboard(action, values))
        return
    if kind not in render.STEP_INPUT:
        callback_answer.text = "Unknown step."
        return
    await state.update_data(adding=kind)
    await state.set_state(NewRule.step_input)
    await message.answer(escape(render.STEP_INPUT[kind]), reply_markup=input_keyboard())


async def step_choice(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    callback_data: WizardCb,
    state: FSMContext,
    message: Message,
) -> None:
    kind, field = _CHOICE_FIELD[callback_data.action]
    if callback_data.value == "*":
        await state.update_data(adding=kind)
        await state.set_state(NewRule.step_input)
        await message.edit_text(escape(render.STEP_INPUT[kind]), reply_markup=input_keyboard())
        return
    value: Any = int(callback_data.value) if field == "max_chars" else callback_data.value
    problem = await _add(state, {"type": kind, field: value})
    if problem:
        callback_answer.text, callback_answer.show_alert = problem[:190], True
        return
    await state.set_state(NewRule.steps)
    await _refresh(message, state, edit=True)


async def back_to_steps(query: CallbackQuery, state: FSMContext, message: Message) -> None:
    await state.set_state(NewRule.steps)
    await _refresh(message, state, edit=True)


async def step_value(message: Message, state: FSMContext) -> None:
    kind = (await state.get_data()).get("adding", "")
    text = message.text or ""
    raw: dict[str, Any]
    if kind == "regex_replace":
        pattern, _, replacement = text.partition("\n")
        raw = {"type": kind, "pattern": pattern.strip(), "replacement": replacement.strip("\n")}
    elif kind == "summarize":
        if not text.strip().isdigit():
            await message.answer("❌ Send a number of characters, for example 400.")
            return
        raw = {"type": kind, "max_chars": int(text.strip())}
    else:
        field = {
            "rewrite": "tone",
            "translate": "language",
            "custom": "prompt",
            "ai_filter": "topic",
            "header": "template",
            "footer": "template",
        }.get(kind)
        if field is None:
            await message.answer("That step is not available. Press ⬅ Back.")
            return
        raw = {"type": kind, field: text if field in ("prompt", "template") else text.strip()}
    problem = await _add(state, raw)
    if problem:
        await message.answer(f"❌ {escape(problem)}")
        return
    await _refresh(message, state, edit=False)


async def step_value_not_text(message: Message) -> None:
    await message.answer("Send the setting as text, or press ⬅ Back.")


async def move_step(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    callback_data: WizardCb,
    state: FSMContext,
    message: Message,
) -> None:
    steps = list((await state.get_data())["steps"])
    if not callback_data.value.isdigit() or int(callback_data.value) >= len(steps):
        callback_answer.text = "That step is no longer there."
        await _refresh(message, state, edit=True)
        return
    index = int(callback_data.value)
    if callback_data.action == "del":
        steps.pop(index)
    else:
        other = index - 1 if callback_data.action == "up" else index + 1
        if not 0 <= other < len(steps):
            callback_answer.text = "It is already there."
            return
        steps[index], steps[other] = steps[other], steps[index]
    await state.update_data(steps=steps)
    await _refresh(message, state, edit=True)


# -- 6: try it --------------------------------------------------------------------------------


async def preview_done(query: CallbackQuery, state: FSMContext, message: Message) -> None:
    await message.edit_reply_markup(reply_markup=None)
    await advance(NewRule.preview, message, state)


async def preview_sample(message: Message, state: FSMContext, services: Any) -> None:
    data = await state.get_data()
    result = await preview_steps(data["filters"], data["steps"], message.html_text, services)
    await message.answer(result.render(), reply_markup=None)
    await show(NewRule.preview, message, state)


async def preview_not_text(message: Message) -> None:
    await message.answer("Send a sample post as text, or press Skip.")


def make_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private", NOT_A_COMMAND)
    router.callback_query.register(
        steps_done, NewRule.steps, WizardCb.filter(F.action == "next"), F.message.as_("message")
    )
    router.callback_query.register(
        add_step, NewRule.steps, WizardCb.filter(F.action == "add"), F.message.as_("message")
    )
    router.callback_query.register(
        step_choice,
        NewRule.step_choice,
        WizardCb.filter(F.action.in_(set(_CHOICE_FIELD))),
        F.message.as_("message"),
    )
    router.callback_query.register(
        back_to_steps,
        NewRule.step_choice,
        WizardCb.filter(F.action == "stepsmenu"),
        F.message.as_("message"),
    )
    router.message.register(step_value, NewRule.step_input, F.text)
    router.message.register(step_value_not_text, NewRule.step_input)
    router.callback_query.register(
        move_step,
        NewRule.steps,
        WizardCb.filter(F.action.in_({"up", "down", "del"})),
        F.message.as_("message"),
    )
    router.callback_query.register(
        preview_done, NewRule.preview, WizardCb.filter(F.action == "next"), F.message.as_("message")
    )
    router.message.register(preview_sample, NewRule.preview, F.text | F.caption)
    router.message.register(preview_not_text, NewRule.preview)
    return router
