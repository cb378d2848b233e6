"""The last wizard step: the summary, the rule's options (edits, AI down, review), and saving."""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram import Router
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message, ReplyKeyboardRemove

from bot.forwarding.digest.plans import PLANS
from bot.forwarding.rules.filters import FilterSpec, describe
from bot.forwarding.rules.service import RuleError, RulesService
from bot.forwarding.steps.catalogue import describe_steps
from bot.routers.labels import AI_FAILURES, EDIT_POLICIES
from bot.routers.wizard.chatlist import chats_list
from bot.routers.wizard.digest import digest_button_label, digest_summary, plan_of, shows_digest
from bot.routers.wizard.mode import MODE_NAMES
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
from bot.routers.wizard.timing import delay_button_label, delay_summary
from bot.runtime.i18n import _

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


def shows_sync(data: dict[str, Any]) -> bool:
    """Deletion sync needs the user account (it sees deletions; the bot does not)."""
    via_account = any(ref.get("via") == "account" for ref in data.get("sources") or [])
    return bool(data.get("account") or via_account or data.get("sync_deletions"))


def sync_label(data: dict[str, Any]) -> str:
    return _("on") if data.get("sync_deletions") else _("off")


def summary(data: dict[str, Any]) -> str:
    mode = "copy" if data.get("mode", "copy") == "copy" else "forward"
    steps = describe_steps(data.get("steps") or [])
    filters = describe(FilterSpec.from_stored(data.get("filters") or {}))
    name = escape(data.get("name") or suggested_name(data))
    title = _("<b>Edit rule: {name}</b>") if editing(data) else _("<b>Ready to save: {name}</b>")
    lines = [
        title.format(name=name),
        _("<b>From</b>") + f"\n{chats_list(data.get('sources') or [])}",
        _("<b>To</b>") + f"\n{chats_list(data.get('destinations') or [])}",
        _("<b>Mode</b>: {mode}").format(mode=MODE_NAMES[mode]),
        _("<b>Filters</b>") + "\n" + "\n".join(f"  • {escape(line)}" for line in filters),
        _("<b>Steps</b>")
        + "\n"
        + ("\n".join(f"  {n}. {escape(s)}" for n, s in enumerate(steps, 1)) or "  " + _("none")),
        _("<b>Edits</b>: {edits} · <b>AI down</b>: {ai} · <b>Review</b>: {review}").format(
            edits=EDIT_POLICIES[data.get("edit_policy", "edit")],
            ai=AI_FAILURES[data.get("ai_failure", "hold")],
            review=_("on") if data.get("review") else _("off"),
        ),
        delay_summary(data),
    ]
    if shows_digest(data):
        lines.append(digest_summary(data))
    if shows_sync(data):
        lines.append(
            _(
                "<b>Deletion sync</b>: {state} (a post deleted in the source is deleted here)"
            ).format(state=sync_label(data))
        )
    return "\n\n".join(lines)


def confirm_keyboard(data: dict[str, Any]) -> InlineKeyboardMarkup:
    edits = EDIT_POLICIES[data.get("edit_policy", "edit")]
    fail = AI_FAILURES[data.get("ai_failure", "hold")]
    review = _("on") if data.get("review") else _("off")
    save_label = _("💾 Save changes") if editing(data) else _("💾 Save rule")
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(_("✏️ Source edits: {edits}").format(edits=edits), "edits", "")],
            [button(_("🤖 If the AI is down: {fail}").format(fail=fail), "aifail", "")],
            [button(_("👀 Review before posting: {review}").format(review=review), "review", "")],
            [button(delay_button_label(data), "delaymenu", "")],
            *([[button(digest_button_label(data), "digestmenu")]] if shows_digest(data) else []),
            *(
                [[button(_("🗑 Sync deletions: {state}").format(state=sync_label(data)), "syncdel")]]
                if shows_sync(data)
                else []
            ),
            [button(save_label, "save", "")],
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
    elif callback_data.action == "syncdel":
        data["sync_deletions"] = not data.get("sync_deletions")
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
    if "delay_minutes" in data:  # absent in a wizard begun before the delay was asked for
        spec["delay_minutes"] = int(data["delay_minutes"])
    if "sync_deletions" in data:  # absent in a wizard begun before deletion sync existed
        spec["sync_deletions"] = bool(data["sync_deletions"])
    rule_id = data.get("edit_rule_id")
    try:
        if rule_id is None:
            rule = await rules.create(spec, created_by=query.from_user.id)
        else:
            rule = await rules.update(int(rule_id), spec)
    except RuleError as error:
        await message.answer(_("❌ Not saved:\n{problem}").format(problem=escape(str(error))))
        return
    plan = plan_of(data)
    if rule_id is None and plan is not None:
        await PLANS.set(rule.id, plan)
    await state.clear()
    await message.edit_reply_markup(reply_markup=None)
    done = (
        _("✅ Rule #{id} “{name}” updated. See it in /rules.")
        if rule_id is not None
        else _("✅ Rule #{id} “{name}” saved and active. See it in /rules.")
    )
    await message.answer(
        done.format(id=rule.id, name=escape(rule.name)), reply_markup=ReplyKeyboardRemove()
    )


def make_router() -> Router:
    router = step_router(__name__, buttons_only=(NewRule.confirm,))
    on_button(router, confirm_toggle, NewRule.confirm, "edits", "aifail", "review", "syncdel")
    on_button(router, save, NewRule.confirm, "save")
    return router
