"""Digest mode from the wizard's confirmation (🗞): off, every 1, 3, 6 or 12 hours, or daily at a
typed HH:MM, the same plans as the rule card's 🗞 section (``routers/rules/digest.py``). The plan
is kept in the wizard's data and saved with a new rule; an existing rule's plan is changed on its
card, so the button is not shown when the wizard edits a section.
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import InlineKeyboardMarkup, Message

from bot.forwarding.digest.plans import EVERY_HOURS, Plan, hhmm
from bot.routers.rules.digest_texts import plan_label
from bot.routers.wizard.nav import (
    BACK,
    CANCEL,
    NewRule,
    Press,
    button,
    editing,
    on_press,
    redraw,
    screen,
    show,
    step_router,
)
from bot.runtime.i18n import _

DAILY = "daily"  # the button that asks for a time of day


def plan_of(data: dict[str, Any]) -> Plan | None:
    """The wizard's plan (None: off, or a value that no longer reads as a plan)."""
    stored = data.get("digest")
    if not isinstance(stored, dict):
        return None
    try:
        return Plan(every_hours=stored.get("every_hours"), daily_at=stored.get("daily_at"))
    except (TypeError, ValueError):
        return None


def shows_digest(data: dict[str, Any]) -> bool:
    return not editing(data)


def digest_button_label(data: dict[str, Any]) -> str:
    return _("🗞 Digest: {plan}").format(plan=plan_label(plan_of(data)))


def digest_summary(data: dict[str, Any]) -> str:
    return _("<b>Digest</b>: {plan}").format(plan=plan_label(plan_of(data)))


@screen(NewRule.digest)
def digest_screen(data: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    plan = plan_of(data)
    text = _(
        "<b>🗞 Digest</b>\nNow: {plan}\n\n"
        "In digest mode the rule's posts (after its filters) are collected, and at the end of "
        "each period one AI summary goes to the destinations, with a link to every post. "
        "Choose a period, or send a time of day as HH:MM for a daily digest."
    ).format(plan=plan_label(plan))
    every = plan.every_hours if plan is not None else None
    presets = [
        button(("✓ " if every == hours else "") + plan_label(Plan(every_hours=hours)), "dg", hours)
        for hours in EVERY_HOURS
    ]
    daily = plan.daily_at if plan is not None else None
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [button(("✓ " if plan is None else "") + _("Off (each post is sent)"), "dg", 0)],
            presets[:2],
            presets[2:],
            [button(("✓ " + plan_label(plan)) if daily else _("🕗 Daily at a time…"), "dg", DAILY)],
            [button(BACK, "back"), button(CANCEL, "cancel")],
        ]
    )
    return text, markup


async def open_digest(press: Press) -> None:
    await press.redraw(NewRule.digest)


async def choose_digest(press: Press) -> None:
    if press.value == DAILY:
        press.note(_("Send the time of day as HH:MM (for example 08:30)."))
        return
    hours = int(press.value) if press.value.isdigit() else -1
    if hours != 0 and hours not in EVERY_HOURS:
        press.refuse(_("That period is not available."))
        return
    await press.state.update_data(digest={"every_hours": hours} if hours else None)
    await redraw(NewRule.confirm, press.message, press.state)


async def daily_typed(message: Message, state: FSMContext) -> None:
    at = hhmm(message.text or "")
    if at is None:
        await message.answer(
            "❌ " + _("Send the time of day as HH:MM (for example 08:30), or press a button.")
        )
        return
    await state.update_data(digest={"daily_at": at})
    await show(NewRule.confirm, message, state)


async def not_text(message: Message) -> None:
    await message.answer(_("Send the time of day as HH:MM (for example 08:30), or press a button."))


def make_router() -> Router:
    router = step_router(__name__)
    on_press(router, open_digest, NewRule.confirm, "digestmenu")
    on_press(router, choose_digest, NewRule.digest, "dg")
    router.message.register(daily_typed, NewRule.digest, F.text)
    router.message.register(not_text, NewRule.digest)
    return router
