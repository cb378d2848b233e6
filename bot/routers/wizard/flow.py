"""/newrule: sources → destinations → copy or forward → filters → steps → try it → name → save.

Every state has a handler for what it expects and one for anything else (a hint, state
unchanged); Back and Cancel are on every step; /cancel (common router) works from anywhere.
"""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message, ReplyKeyboardRemove
from aiogram.utils.callback_answer import CallbackAnswer

from bot.forwarding.rules.chats import check_destination, check_source
from bot.forwarding.rules.service import RuleError, RulesService
from bot.forwarding.rules.spec import ChatRef
from bot.routers.wizard import render
from bot.routers.wizard.chats import ChatInputError, chat_from_message
from bot.routers.wizard.keyboards import (
    AI_FAILURES,
    BACK,
    CANCEL,
    DONE,
    EDIT_POLICIES,
    WizardCb,
    confirm_keyboard,
    next_in_cycle,
)
from bot.routers.wizard.nav import (
    MAX_CHATS,
    NOT_A_COMMAND,
    RULE_FIELDS,
    NewRule,
    advance,
    fresh,
    go_back,
    show,
)


async def new_rule(message: Message, state: FSMContext) -> None:
    await state.clear()
    await state.set_data(fresh())
    await show(NewRule.sources, message, state)


# -- cancel and back, from any wizard step ------------------------------------------------------


async def cancel_button(query: CallbackQuery, state: FSMContext) -> None:
    await state.clear()
    assert isinstance(query.message, Message)
    await query.message.answer("Cancelled. Nothing was saved.", reply_markup=ReplyKeyboardRemove())


async def cancel_text(message: Message, state: FSMContext) -> None:
    if await state.get_state() is None:
        await message.answer("Nothing to cancel.", reply_markup=ReplyKeyboardRemove())
        return
    await state.clear()
    await message.answer("Cancelled. Nothing was saved.", reply_markup=ReplyKeyboardRemove())


async def back_button(
    query: CallbackQuery, callback_answer: CallbackAnswer, state: FSMContext, message: Message
) -> None:
    if await state.get_state() is None:
        callback_answer.text = "This wizard is over. Send /newrule to start again."
        return
    await go_back(message, state)


# -- 1, 2: sources and destinations -------------------------------------------------------------


async def chats_back(message: Message, state: FSMContext) -> None:
    await go_back(message, state)


async def chats_done(message: Message, state: FSMContext) -> None:
    current = await state.get_state()
    key = "sources" if current == NewRule.sources.state else "destinations"
    data = await state.get_data()
    if not data[key]:
        what = "source" if key == "sources" else "destination"
        await message.answer(f"Add at least one {what} first. {escape(render.chats_list([]))}")
        return
    await message.answer(f"{key.capitalize()} set ✓", reply_markup=ReplyKeyboardRemove())
    await advance(NewRule.sources if key == "sources" else NewRule.destinations, message, state)


async def chat_given(message: Message, state: FSMContext, bot: Bot) -> None:
    as_source = await state.get_state() == NewRule.sources.state
    key = "sources" if as_source else "destinations"
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
        f"✓ Added {render.chat_label(ref.model_dump())}\n\n{key.capitalize()} so far:\n"
        f"{render.chats_list(refs)}\n\nAdd more, or press ✅ Done."
    )


# -- 3: copy or forward -------------------------------------------------------------------------


async def mode_chosen(
    query: CallbackQuery, callback_data: WizardCb, state: FSMContext, message: Message
) -> None:
    mode = "forward" if callback_data.value == "forward" else "copy"
    data = await state.get_data()
    changes: dict[str, Any] = {"mode": mode}
    notes = []
    if mode == "forward":
        if data["steps"]:
            changes["steps"] = []
            notes.append("transform steps removed (forwarded posts go unchanged)")
        if data["edit_policy"] == "edit":
            changes["edit_policy"] = "repost"
            notes.append("source edits will be posted again (a bot can't edit a forward)")
    await state.update_data(changes)
    suffix = f": {'; '.join(notes)}" if notes else ""
    await message.edit_text(f"Mode: <b>{mode}</b> ✓{escape(suffix)}")
    await advance(NewRule.mode, message, state)


# -- name, confirm, save ------------------------------------------------------------------------


async def name_suggested(query: CallbackQuery, state: FSMContext, message: Message) -> None:
    data = await state.get_data()
    await state.update_data(name=data.get("name") or render.suggested_name(data))
    await message.edit_reply_markup(reply_markup=None)
    await advance(NewRule.name, message, state)


async def name_typed(message: Message, state: FSMContext) -> None:
    name = " ".join((message.text or "").split())
    if not name or len(name) > 64:
        await message.answer("❌ The name must be 1 to 64 characters. Send another.")
        return
    await state.update_data(name=name)
    await advance(NewRule.name, message, state)


async def name_not_text(message: Message) -> None:
    await message.answer("Send the name as text, or use the suggested one.")


async def confirm_toggle(
    query: CallbackQuery, callback_data: WizardCb, state: FSMContext, message: Message
) -> None:
    data = await state.get_data()
    if callback_data.action == "edits":
        options = {
            k: v
            for k, v in EDIT_POLICIES.items()
            if not (data["mode"] == "forward" and k == "edit")
        }
        data["edit_policy"] = next_in_cycle(options, data["edit_policy"])
    elif callback_data.action == "aifail":
        data["ai_failure"] = next_in_cycle(AI_FAILURES, data["ai_failure"])
    else:
        data["review"] = not data.get("review")
    await state.set_data(data)
    editing = data.get("edit_rule_id") is not None
    await message.edit_text(
        render.summary(data, editing), reply_markup=confirm_keyboard(data, editing)
    )


async def save(
    query: CallbackQuery, state: FSMContext, message: Message, rules: RulesService
) -> None:
    data = await state.get_data()
    spec = {field: data[field] for field in RULE_FIELDS}
    spec["name"] = spec["name"] or render.suggested_name(data)
    rule_id = data.get("edit_rule_id")
    try:
        if rule_id is None:
            rule = await rules.create(spec, created_by=query.from_user.id)
        else:
            rule = await rules.update(int(rule_id), spec)
    except RuleError as error:
        await message.answer(f"❌ Not saved:\n{escape(str(error))}")
        return
    await state.clear()
    await message.edit_reply_markup(reply_markup=None)
    verb = "updated" if rule_id is not None else "saved and active"
    await message.answer(
        f"✅ Rule #{rule.id} “{escape(rule.name)}” {verb}. See it in /rules.",
        reply_markup=ReplyKeyboardRemove(),
    )


async def buttons_expected(message: Message) -> None:
    """A message where the step is answered with its buttons: a hint, the step stays."""
    await message.answer("Use the buttons of the last message, or ✖ Cancel (/cancel).")


async def stale_button(
    query: CallbackQuery, callback_answer: CallbackAnswer, state: FSMContext, message: Message
) -> None:
    """A button of a step that is over (an old message, or a wizard that ended)."""
    if await state.get_state() is None:
        callback_answer.text = "This wizard is over. Send /newrule to start again."
    else:
        callback_answer.text = "That button belongs to another step: use the latest message."


def make_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private", NOT_A_COMMAND)
    router.message.register(new_rule, Command("newrule"))
    router.callback_query.register(cancel_button, WizardCb.filter(F.action == "cancel"))
    router.message.register(cancel_text, F.text == CANCEL)
    router.callback_query.register(
        back_button, WizardCb.filter(F.action == "back"), F.message.as_("message")
    )
    router.message.register(chats_back, NewRule.destinations, F.text == BACK)
    router.message.register(chats_back, NewRule.sources, F.text == BACK)
    router.message.register(chats_done, NewRule.destinations, F.text == DONE)
    router.message.register(chats_done, NewRule.sources, F.text == DONE)
    router.message.register(chat_given, NewRule.destinations)
    router.message.register(chat_given, NewRule.sources)
    router.callback_query.register(
        mode_chosen, NewRule.mode, WizardCb.filter(F.action == "mode"), F.message.as_("message")
    )
    router.callback_query.register(
        name_suggested, NewRule.name, WizardCb.filter(F.action == "name"), F.message.as_("message")
    )
    router.message.register(name_typed, NewRule.name, F.text)
    router.message.register(name_not_text, NewRule.name)
    router.callback_query.register(
        confirm_toggle,
        NewRule.confirm,
        WizardCb.filter(F.action.in_({"edits", "aifail", "review"})),
        F.message.as_("message"),
    )
    router.callback_query.register(
        save, NewRule.confirm, WizardCb.filter(F.action == "save"), F.message.as_("message")
    )
    router.message.register(buttons_expected, NewRule.confirm)
    router.message.register(buttons_expected, NewRule.step_choice)
    router.message.register(buttons_expected, NewRule.steps)
    router.message.register(buttons_expected, NewRule.media)
    router.message.register(buttons_expected, NewRule.filters)
    router.message.register(buttons_expected, NewRule.mode)
    router.callback_query.register(stale_button, WizardCb.filter(), F.message.as_("message"))
    return router
