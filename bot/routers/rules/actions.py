"""What the buttons of a rule's card do: open it, its switches (pause or resume, review on or off),
the edit menu and its sections (back into the wizard), the AI model, delete after a question.

The AI model is chosen among the chat models Groq lists now (``AiClient.chat_models``); a button
naming a model that is not in that list (forged, or from a list that changed) changes nothing.

Each handler gets the rule its button names as ``loaded`` (see ``router.ExistingRule``). Errors
of the rules service are shown to the user as they are.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery
from aiogram.utils.callback_answer import CallbackAnswer

from bot.forwarding.rules.index import RuleView
from bot.forwarding.rules.service import RuleError, RulesService
from bot.forwarding.steps.ai.errors import AiUnavailable
from bot.forwarding.steps.ai.listing import find_model
from bot.routers.rules import keyboards as kb
from bot.routers.rules import texts
from bot.routers.rules.backfill import leave_backfill
from bot.routers.rules.delay import leave_delay
from bot.routers.rules.digest import leave_digest
from bot.routers.rules.keyboards import RuleAction, RuleCb, RuleModelCb, RuleSection
from bot.routers.rules.pacing import leave_pacing
from bot.routers.rules.queries import Loaded
from bot.routers.rules.screens import gone, refresh_card, refuse, show_card, show_list, show_screen
from bot.routers.rules.testing import leave_test
from bot.routers.ui import edit_or_send
from bot.routers.wizard import SECTIONS, start_edit
from bot.routers.wizard.account import account_configured
from bot.runtime.i18n import _

if TYPE_CHECKING:
    from bot.services import Services


async def open_card(
    query: CallbackQuery, callback_data: RuleCb, state: FSMContext, loaded: Loaded
) -> None:
    await leave_test(state)
    await leave_delay(state)
    await leave_pacing(state)
    await leave_backfill(state)
    await leave_digest(state)
    await show_card(query, loaded, callback_data.page)


async def rule_screen(query: CallbackQuery, callback_data: RuleCb, loaded: Loaded) -> None:
    """The edit menu or the delete question."""
    await show_screen(query, callback_data, loaded.rule)


def _pause_or_resume(
    rules: RulesService, rule: RuleView, action: RuleAction
) -> tuple[str, Awaitable[object] | None]:
    active = action is RuleAction.RESUME
    if rule.active == active:
        return (_("Already active.") if active else _("Already paused.")), None
    return (_("Resumed.") if active else _("Paused.")), rules.set_active(rule.id, active)


def _review(
    rules: RulesService, rule: RuleView, action: RuleAction
) -> tuple[str, Awaitable[object] | None]:
    review = action is RuleAction.REVIEW_ON
    notice = _("Review is on: you approve each post.") if review else _("Review is off.")
    return notice, rules.update(rule.id, {"review": review}) if rule.review != review else None


def _sync_deletions(
    rules: RulesService, rule: RuleView, action: RuleAction
) -> tuple[str, Awaitable[object] | None]:
    sync = action is RuleAction.SYNC_ON
    notice = (
        _("Deletion sync is on: a post deleted in the source is deleted here too.")
        if sync
        else _("Deletion sync is off: copies stay when the source deletes a post.")
    )
    changed = rule.sync_deletions != sync
    return notice, rules.update(rule.id, {"sync_deletions": sync}) if changed else None


# A switch of the card: what its button says once pressed, and the change it makes (if any).
SWITCHES = {
    RuleAction.SYNC_ON: _sync_deletions,
    RuleAction.SYNC_OFF: _sync_deletions,
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
    services: Services | None = None,
) -> None:
    if callback_data.section not in SECTIONS:
        callback_answer.text = str(texts.OUTDATED)
        return
    await leave_test(state)
    account = account_configured(services)
    await start_edit(query, state, loaded.rule, callback_data.section, account)


async def _listed_models(services: Services, answer: CallbackAnswer) -> tuple[str, ...] | None:
    """Groq's chat models now; None (and why, as an alert) when Groq can't say."""
    try:
        return await services.ai.chat_models()
    except AiUnavailable as error:
        answer.text, answer.show_alert = texts.models_unavailable(error.reason), True
        return None


async def model_screen(
    query: CallbackQuery,
    callback_data: RuleCb,
    services: Services,
    callback_answer: CallbackAnswer,
    loaded: Loaded,
) -> None:
    """The models the rule may use: the default first, the rule's own marked."""
    models = await _listed_models(services, callback_answer)
    if models is None:
        return
    default = services.ai.default_model
    text = texts.model_screen(loaded.rule, models, default)
    await edit_or_send(
        query, text, kb.model_choices(loaded.rule, models, default, callback_data.page)
    )


async def choose_model(
    query: CallbackQuery,
    callback_data: RuleModelCb,
    services: Services,
    rules: RulesService,
    callback_answer: CallbackAnswer,
    loaded: Loaded,
) -> None:
    """Save the model the button names if Groq lists it, then show the card."""
    model: str | None = None
    if callback_data.key:
        models = await _listed_models(services, callback_answer)
        if models is None:
            return
        model = find_model(models, callback_data.key)
        if model is None:
            callback_answer.text, callback_answer.show_alert = str(texts.UNKNOWN_MODEL), True
            return
    if model != loaded.rule.ai_model:
        try:
            await rules.update(loaded.rule.id, {"ai_model": model})
        except RuleError as error:
            await refuse(query, error, callback_answer)
            return
    callback_answer.text = texts.model_chosen(model, services.ai.default_model)
    await refresh_card(query, rules, loaded.rule.id, callback_data.page, callback_answer)


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
    deleted = _("Rule “{name}” deleted.").format(name=loaded.rule.name)
    callback_answer.text = texts.clip(deleted, 200)
    await show_list(query, rules, callback_data.page, callback_answer)
