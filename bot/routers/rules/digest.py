"""A rule's digest: instead of each post, one AI summary of the period's posts with their links.

The card's 🗞 button shows the plan now and the next publication time, and offers: off, every
1, 3, 6 or 12 hours (aligned on midnight in the owner's time zone), or daily at a time the owner
types as HH:MM. A time that does not read as one is refused with a hint and the screen stays.
Turning the digest off sends the next posts one by one; what was already collected still goes
out as a digest when its period ends.
"""

from __future__ import annotations

from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.forwarding.digest.plans import EVERY_HOURS, PLANS, Plan, hhmm
from bot.forwarding.rules.index import RuleView
from bot.forwarding.rules.service import RulesService
from bot.routers.rules import keyboards as kb
from bot.routers.rules import texts
from bot.routers.rules.card import render_card
from bot.routers.rules.digest_texts import next_label, plan_label
from bot.routers.rules.keyboards import RuleAction, RuleCb, RuleDigestCb
from bot.routers.rules.queries import Loaded, delivery_counts, load
from bot.routers.rules.screens import refresh_card
from bot.routers.ui import edit_or_send
from bot.runtime.i18n import _

DAILY = -1  # RuleDigestCb.every: ask for the time of day


class RuleDigest(StatesGroup):
    daily = State()


def hint() -> str:
    return _("Send the time of day as HH:MM (for example 08:30), or press a button.")


def screen_text(rule: RuleView, asking: bool = False) -> str:
    plan = PLANS.get(rule.id)
    lines = [
        _("<b>{name}</b> · rule #{id}").format(name=texts.esc(rule.name), id=rule.id),
        _("🗞 Digest: {plan}").format(plan=plan_label(plan)),
    ]
    if plan is not None:
        lines.append(_("Next digest: {next}").format(next=next_label(plan)))
    lines += [
        "",
        _(
            "In digest mode the rule's posts (after its filters) are collected, and at the end "
            "of each period one AI summary goes to the destinations, with a link to every post."
        ),
    ]
    if asking:
        lines += [
            "",
            _("At what time each day (your time zone, {zone})? Send HH:MM.").format(
                zone=str(PLANS.zone)
            ),
        ]
    return "\n".join(lines)


def choices(rule: RuleView, page: int = 0) -> InlineKeyboardMarkup:
    """Off, the usual periods, daily at a time; ✓ on the rule's own; back to the card."""
    plan = PLANS.get(rule.id)

    def choice(text: str, every: int, chosen: bool) -> InlineKeyboardButton:
        data = RuleDigestCb(rule_id=rule.id, every=every, page=page)
        return InlineKeyboardButton(text=("✓ " if chosen else "") + text, callback_data=data.pack())

    every = [
        choice(_("Every {hours} h").format(hours=hours), hours, plan == Plan(every_hours=hours))
        for hours in EVERY_HOURS
    ]
    daily = plan is not None and plan.daily_at is not None
    back = RuleCb(action=RuleAction.OPEN, rule_id=rule.id, page=page)
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [choice(_("Off"), 0, plan is None)],
            every,
            [choice(_("Daily at a time…"), DAILY, daily)],
            [InlineKeyboardButton(text=_("« Back to rule"), callback_data=back.pack())],
        ]
    )


async def leave_digest(state: FSMContext) -> None:
    if await state.get_state() == RuleDigest.daily.state:
        await state.clear()


async def digest_screen(
    query: CallbackQuery, callback_data: RuleCb, state: FSMContext, loaded: Loaded
) -> None:
    await leave_digest(state)
    await edit_or_send(query, screen_text(loaded.rule), choices(loaded.rule, callback_data.page))


async def choose_digest(
    query: CallbackQuery,
    callback_data: RuleDigestCb,
    state: FSMContext,
    rules: RulesService,
    callback_answer: CallbackAnswer,
    loaded: Loaded,
) -> None:
    """Off or every N hours: saved, then the card. Daily: ask for the time."""
    rule = loaded.rule
    if callback_data.every == DAILY:
        await state.set_state(RuleDigest.daily)
        await state.set_data({"rule_id": rule.id, "page": callback_data.page})
        await edit_or_send(query, screen_text(rule, asking=True), choices(rule, callback_data.page))
        return
    if callback_data.every not in (0, *EVERY_HOURS):
        callback_answer.text = _("That choice is out of date.")
        return
    plan = Plan(every_hours=callback_data.every) if callback_data.every else None
    await PLANS.set(rule.id, plan)
    await leave_digest(state)
    callback_answer.text = _("Digest: {plan}.").format(plan=plan_label(plan))
    await refresh_card(query, rules, rule.id, callback_data.page, callback_answer)


async def daily_typed(message: Message, state: FSMContext) -> None:
    at = hhmm(message.text or "")
    if at is None:
        await message.answer(hint())
        return
    data: dict[str, Any] = await state.get_data()
    await state.clear()
    rule_id = int(data.get("rule_id", 0))
    loaded = await load(rule_id)
    if loaded is None:
        await message.answer(texts.NOT_FOUND)
        return
    await PLANS.set(rule_id, Plan(daily_at=at))
    card = render_card(
        loaded.rule, paused_reason=loaded.paused_reason, counts=await delivery_counts(rule_id)
    )
    await message.answer(card, reply_markup=kb.rule_card(loaded.rule, int(data.get("page", 0))))


async def daily_not_text(message: Message) -> None:
    await message.answer(hint())
