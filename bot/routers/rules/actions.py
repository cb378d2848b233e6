"""What the buttons of a rule's card do: open it, its switches (pause or resume, review on or off),
the edit menu and its sections (back into the wizard), delete after a question.

Each handler gets the rule its button names as ``loaded`` (see ``router.ExistingRule``). Errors
of the rules service are shown to the user as they are.
"""

from __future__ import annotations

from collections.abc import Awaitable

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer

from bot.forwarding.rules.index import RuleView
from bot.forwarding.rules.service import RuleError, RulesService
from bot.routers.rules import texts
from bot.routers.rules.keyboards import RuleAction, RuleCb, RuleSection
from bot.routers.rules.queries import Loaded
from bot.routers.rules.screens import gone, refresh_card, refuse, show_card, show_list, show_screen
from bot.routers.rules.testing import leave_test
from bot.routers.wizard import SECTIONS, start_edit


async def open_card(
    query: CallbackQuery, callback_data: RuleCb, state: FSMContext, loaded: Loaded
) -> None:
    await leave_test(state)
    await show_card(query, loaded, callback_data.page)


async def rule_screen(query: CallbackQuery, callback_data: RuleCb, loaded: Loaded) -> None:
    """The edit menu or the delete question."""
    await show_screen(query, callback_data, loaded.rule)


def _pause_or_resume(
    rules: RulesService, rule: RuleView, action: RuleAction
) -> tuple[str, Awaitable[object] | None]:
    active = action is RuleAction.RESUME
    if rule.active == active:
        return ("Already active." if active else "Already paused."), None
    return ("Resumed." if active else "Paused."), rules.set_active(rule.id, active)


def _review(
    rules: RulesService, rule: RuleView, action: RuleAction
) -> tuple[str, Awaitable[object] | None]:
    review = action is RuleAction.REVIEW_ON
    notice = "Review is on: you approve each post." if review else "Review is off."
    return notice, rules.update(rule.id, {"review": review}) if rule.review != review else None


# A switch of the card: what its button says once pressed, and the change it makes (if any).
SWITCHES = {
    RuleAction.PAUSE: _pause_or_resume,
    RuleAction.RESUME: _pause_or_resume,
    RuleAction.REVIEW_ON: _review,
    RuleAction.REVIEW_OFF: _review,
}


async def switch(
    query: CallbackQuery,
    callback_data: RuleCb,
    rules: RulesService,
    callback_answer: CallbackAnswer,
    loaded: Loaded,
) -> None:
    """Pause/Resume, Review on/off: make the change, then show the card as the rule is now."""
    notice, change = SWITCHES[callback_data.action](rules, loaded.rule, callback_data.action)
    if change is not None:
        try:
            await change
        except RuleError as error:
            await refuse(query, error, callback_answer)
            return
    callback_answer.text = notice
    await refresh_card(query, rules, callback_data.rule_id, callback_data.page, callback_answer)


async def edit_section(
    query: CallbackQuery,
    callback_data: RuleSection,
    state: FSMContext,
    callback_answer: CallbackAnswer,
    loaded: Loaded,
) -> None:
    if callback_data.section not in SECTIONS:
        callback_answer.text = texts.OUTDATED
        return
    await leave_test(state)
    await start_edit(query, state, loaded.rule, callback_data.section)


async def delete_rule(
    query: CallbackQuery,
    callback_data: RuleCb,
    rules: RulesService,
    callback_answer: CallbackAnswer,
    loaded: Loaded,
) -> None:
    try:
        await rules.delete(loaded.rule.id)
    except RuleError:  # deleted by someone else in the meantime
        await gone(query, rules, callback_data.page, callback_answer)
        return
    callback_answer.text = texts.clip(f"Rule “{loaded.rule.name}” deleted.", 200)
    await show_list(query, rules, callback_data.page, callback_answer)
