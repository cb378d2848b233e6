"""The last wizard step: the summary, the rule's options (edits, AI down, review), and saving."""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, ReplyKeyboardRemove

from bot.forwarding.rules.filters import FilterSpec, describe
from bot.forwarding.rules.service import RuleError, RulesService
from bot.forwarding.steps.catalogue import describe_steps
from bot.routers.labels import AI_FAILURES, EDIT_POLICIES
from bot.routers.wizard.name import suggested_name
from bot.routers.wizard.nav import (
    NewRule,
    WizardCb,
    button,
    editing,
    nav_row,
    next_in_cycle,
    on_button,
    redraw,
    screen,
    step_router,
)
from bot.routers.wizard.sources import chats_list

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


def summary(data: dict[str, Any]) -> str:
    mode = "copy" if data.get("mode", "copy") == "copy" else "forward"
    steps = describe_steps(data.get("steps") or [])
    filters = describe(FilterSpec.from_stored(data.get("filters") or {}))
    title = "Edit rule" if editing(data) else "Ready to save"
    lines = [
        f"<b>{title}: {escape(data.get('name') or suggested_name(data))}</b>",
        f"<b>From</b>\n{chats_list(data.get('sources') or [])}",
        f"<b>To</b>\n{chats_list(data.get('destinations') or [])}",
        f"<b>Mode</b>: {mode}",
        "<b>Filters</b>\n" + "\n".join(f"  • {escape(line)}" for line in filters),
        "<b>Steps</b>\n"
        + ("\n".join(f"  {n}. {escape(s)}" for n, s in enumerate(steps, 1)) or "  none"),
        f"<b>Edits</b>: {EDIT_POLICIES[data.get('edit_policy', 'edit')]}"
        f" · <b>AI down</b>: {AI_FAILURES[data.get('ai_failure', 'hold')]}"
        f" · <b>Review</b>: {'on' if data.get('review') else 'off'}",
    ]
    return "\n\n".join(lines)


def confirm_keyboard(data: dict[str, Any]) -> InlineKeyboardMarkup:
    edits = EDIT_POLICIES[data.get("edit_policy", "edit")]
    fail = AI_FAILURES[data.get("ai_failure", "hold")]
    review = "on" if data.get("review") else "off"
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(f"✏️ Source edits: {edits}", "edits", "")],
            [button(f"🤖 If the AI is down: {fail}", "aifail", "")],
            [button(f"👀 Review before posting: {review}", "review", "")],
            [button("💾 Save changes" if editing(data) else "💾 Save rule", "save", "")],
            nav_row(back=not editing(data), next_label=None),
        ]
    )


@screen(NewRule.confirm)
def confirm_screen(data: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    return summary(data), confirm_keyboard(data)


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
    await redraw(NewRule.confirm, message, state)


async def save(
    query: CallbackQuery, state: FSMContext, message: Message, rules: RulesService
) -> None:
    data = await state.get_data()
    spec = {field: data[field] for field in RULE_FIELDS}
    spec["name"] = spec["name"] or suggested_name(data)
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


def make_router() -> Router:
    router = step_router(__name__, buttons_only=(NewRule.confirm,))
    on_button(router, confirm_toggle, NewRule.confirm, "edits", "aifail", "review")
    on_button(router, save, NewRule.confirm, "save")
    return router
