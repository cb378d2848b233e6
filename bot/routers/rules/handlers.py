"""/rules: the owner's and admins' list of rules, each rule's card and what its buttons do.

Everything happens in one message edited in place: the list, a card, the delete question, the
edit menu, the test prompt. A button of a rule that is gone (deleted meanwhile, or a forged id)
says "That rule no longer exists." and shows the list again; nothing changes. Errors of the rules
service are shown to the user as they are.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, Filter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer
from tortoise.expressions import Q
from tortoise.functions import Count

from bot.forwarding.delivery.outbox import DEAD, HELD, IN_FLIGHT, PENDING, REVIEW, SENT
from bot.forwarding.rules.index import RuleView
from bot.forwarding.rules.service import RuleError, RulesService
from bot.routers.rules import keyboards as kb
from bot.routers.rules import texts as rulecard
from bot.routers.rules.keyboards import NewRule, RuleAction, RuleCb, RuleSection, RulesPage
from bot.routers.wizard import SECTIONS, start_edit
from bot.runtime.logging import get_logger
from models import Delivery, Rule

if TYPE_CHECKING:
    from bot.services import Services

log = get_logger(__name__)


DAY_S = 24 * 3600
MAX_RULE_ID = 2**31 - 1  # rules.id is a Postgres integer: a forged larger id can't exist
LAST_POST_SCAN = 20
_UNEDITABLE = ("message can't be edited", "message to edit not found")


class RuleTest(StatesGroup):
    text = State()


@dataclass(frozen=True, slots=True)
class Loaded:
    rule: RuleView
    paused_reason: str | None


# -- data -----------------------------------------------------------------------------------


async def load(rule_id: int) -> Loaded | None:
    if not 0 < rule_id <= MAX_RULE_ID:
        return None
    row = await Rule.get_or_none(id=rule_id)
    if row is None:
        return None
    return Loaded(RuleView.from_row(row), row.paused_reason)


class ExistingRule(Filter):
    """Passes a rule button only while its rule exists, handing the handler ``loaded``; a button
    of a rule that is gone falls through to ``rule_gone``."""

    async def __call__(
        self, query: CallbackQuery, callback_data: RuleCb | RuleSection
    ) -> bool | dict[str, Any]:
        loaded = await load(callback_data.rule_id)
        return {"loaded": loaded} if loaded is not None else False


async def delivery_counts(rule_id: int) -> rulecard.Counts:
    since = time.time() - DAY_S
    rows = (
        await Delivery.filter(rule_id=rule_id)
        .filter(Q(status__in=(PENDING, IN_FLIGHT, HELD, REVIEW)) | Q(finished_at__gte=since))
        .annotate(n=Count("id"))
        .group_by("status")
        .values("status", "n")
    )
    by_status = {row["status"]: int(row["n"]) for row in rows}
    return rulecard.Counts(
        sent_24h=by_status.get(SENT, 0),
        pending=by_status.get(PENDING, 0) + by_status.get(IN_FLIGHT, 0),
        held=by_status.get(HELD, 0),
        review=by_status.get(REVIEW, 0),
        failed_24h=by_status.get(DEAD, 0),
    )


async def last_post_text(rule_id: int) -> str | None:
    """The text of the most recent post (or edit) that reached the rule's outbox."""
    payloads = (
        await Delivery.filter(rule_id=rule_id)
        .order_by("-id")
        .limit(LAST_POST_SCAN)
        .values_list("payload", flat=True)
    )
    for payload in payloads:
        text = payload.get("text") if isinstance(payload, dict) else None
        if isinstance(text, str) and text.strip():
            return text
    return None


async def run_test(
    rule: RuleView, text: str, html: str, services: Services | None
) -> rulecard.SampleResult:
    """What the rule would make of a sample post (``text``, and ``html`` with its formatting):
    the pipeline's preview, or the filters' verdict where there is no pipeline."""
    preview = rulecard.pipeline_function("preview")
    if preview is None:
        return rulecard.filters_only(rule, text)
    return rulecard.outcome_of_preview(await preview(rule, html, services))


# -- screens --------------------------------------------------------------------------------


async def show(query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None) -> None:
    """Put a screen in place of the pressed message (a new message if it can't be edited)."""
    message = query.message
    if isinstance(message, Message):
        try:
            await message.edit_text(text, reply_markup=markup)
            return
        except TelegramBadRequest as error:
            if "message is not modified" in error.message:
                return
            if not any(reason in error.message for reason in _UNEDITABLE):
                raise
    if query.bot is not None:
        await query.bot.send_message(query.from_user.id, text, reply_markup=markup)


async def list_screen(rules: RulesService, page: int) -> tuple[str, InlineKeyboardMarkup, int]:
    """The list at ``page`` (clamped to the pages that exist) and the page actually shown."""
    shown = rulecard.paginate(await rules.all(), page)
    markup = kb.rules_list(
        shown.items, shown.number, has_previous=shown.has_previous, has_next=shown.has_next
    )
    return rulecard.list_text(shown), markup, shown.number


async def show_list(
    query: CallbackQuery, rules: RulesService, page: int, answer: CallbackAnswer
) -> None:
    text, markup, shown = await list_screen(rules, page)
    if shown != page and answer.text is None:
        answer.text = "That page no longer exists: here is the nearest one."
    await show(query, text, markup)


async def show_card(query: CallbackQuery, loaded: Loaded, page: int) -> None:
    rule = loaded.rule
    text = rulecard.render_card(
        rule, paused_reason=loaded.paused_reason, counts=await delivery_counts(rule.id)
    )
    await show(query, text, kb.rule_card(rule, page))


async def gone(
    query: CallbackQuery, rules: RulesService, page: int, answer: CallbackAnswer
) -> None:
    """A button of a rule that does not exist: say so and show the list as it is now."""
    answer.text = rulecard.NOT_FOUND
    await show_list(query, rules, page, answer)


async def refresh_card(
    query: CallbackQuery, rules: RulesService, rule_id: int, page: int, answer: CallbackAnswer
) -> None:
    """The card as the rule is now (after a change), or the list if it went in the meantime."""
    loaded = await load(rule_id)
    if loaded is None:
        await gone(query, rules, page, answer)
        return
    await show_card(query, loaded, page)


async def refuse(query: CallbackQuery, error: RuleError, answer: CallbackAnswer) -> None:
    """The rules service said no: its words to the user, as an alert or a message if long."""
    words = str(error)
    if len(words) <= 200:
        answer.text, answer.show_alert = words, True
        return
    answer.text = "Not saved."
    if query.bot is not None:
        await query.bot.send_message(query.from_user.id, rulecard.error_text(error))


async def leave_test(state: FSMContext) -> None:
    if await state.get_state() == RuleTest.text.state:
        await state.clear()


# -- the list -------------------------------------------------------------------------------


async def rules_command(message: Message, state: FSMContext, rules: RulesService) -> None:
    await leave_test(state)
    text, markup, _ = await list_screen(rules, 0)
    await message.answer(text, reply_markup=markup)


async def list_page(
    query: CallbackQuery,
    callback_data: RulesPage,
    state: FSMContext,
    rules: RulesService,
    callback_answer: CallbackAnswer,
) -> None:
    await leave_test(state)
    await show_list(query, rules, callback_data.page, callback_answer)


async def new_rule(query: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    callback_answer.text, callback_answer.show_alert = rulecard.NEW_RULE_HINT, True


# -- the card -------------------------------------------------------------------------------


async def open_card(
    query: CallbackQuery,
    callback_data: RuleCb,
    state: FSMContext,
    rules: RulesService,
    callback_answer: CallbackAnswer,
    loaded: Loaded,
) -> None:
    await leave_test(state)
    await show_card(query, loaded, callback_data.page)


async def pause_or_resume(
    query: CallbackQuery,
    callback_data: RuleCb,
    rules: RulesService,
    callback_answer: CallbackAnswer,
    loaded: Loaded,
) -> None:
    rule_id, page = callback_data.rule_id, callback_data.page
    active = callback_data.action is RuleAction.RESUME
    if loaded.rule.active == active:
        callback_answer.text = "Already active." if active else "Already paused."
    else:
        try:
            await rules.set_active(rule_id, active)
        except RuleError as error:
            await refuse(query, error, callback_answer)
            return
        callback_answer.text = "Resumed." if active else "Paused."
    await refresh_card(query, rules, rule_id, page, callback_answer)


async def toggle_review(
    query: CallbackQuery,
    callback_data: RuleCb,
    rules: RulesService,
    callback_answer: CallbackAnswer,
    loaded: Loaded,
) -> None:
    rule_id, page = callback_data.rule_id, callback_data.page
    review = callback_data.action is RuleAction.REVIEW_ON
    if loaded.rule.review != review:
        try:
            await rules.update(rule_id, {"review": review})
        except RuleError as error:
            await refuse(query, error, callback_answer)
            return
    callback_answer.text = "Review is on: you approve each post." if review else "Review is off."
    await refresh_card(query, rules, rule_id, page, callback_answer)


# -- edit -----------------------------------------------------------------------------------


async def edit_menu(
    query: CallbackQuery,
    callback_data: RuleCb,
    rules: RulesService,
    callback_answer: CallbackAnswer,
    loaded: Loaded,
) -> None:
    await show(
        query,
        rulecard.edit_menu_text(loaded.rule),
        kb.edit_sections(loaded.rule.id, callback_data.page),
    )


async def edit_section(
    query: CallbackQuery,
    callback_data: RuleSection,
    state: FSMContext,
    rules: RulesService,
    callback_answer: CallbackAnswer,
    loaded: Loaded,
) -> None:
    if callback_data.section not in SECTIONS:
        callback_answer.text = rulecard.OUTDATED
        return
    await leave_test(state)
    await start_edit(query, state, loaded.rule, callback_data.section)


# -- delete ---------------------------------------------------------------------------------


async def delete_question(
    query: CallbackQuery,
    callback_data: RuleCb,
    rules: RulesService,
    callback_answer: CallbackAnswer,
    loaded: Loaded,
) -> None:
    await show(
        query,
        rulecard.delete_question(loaded.rule),
        kb.delete_confirmation(loaded.rule.id, callback_data.page),
    )


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
    callback_answer.text = rulecard.clip(f"Rule “{loaded.rule.name}” deleted.", 200)
    await show_list(query, rules, callback_data.page, callback_answer)


# -- test -----------------------------------------------------------------------------------


async def test_start(
    query: CallbackQuery,
    callback_data: RuleCb,
    state: FSMContext,
    rules: RulesService,
    callback_answer: CallbackAnswer,
    loaded: Loaded,
) -> None:
    await state.set_state(RuleTest.text)
    await state.set_data({"rule_id": loaded.rule.id, "page": callback_data.page})
    await show(
        query,
        rulecard.sample_prompt(loaded.rule),
        kb.sample_prompt(loaded.rule.id, callback_data.page),
    )


async def test_last_post(
    query: CallbackQuery,
    callback_data: RuleCb,
    state: FSMContext,
    rules: RulesService,
    callback_answer: CallbackAnswer,
    loaded: Loaded,
    services: Services | None = None,
) -> None:
    text = await last_post_text(loaded.rule.id)
    if text is None:
        callback_answer.text, callback_answer.show_alert = rulecard.NO_LAST_POST, True
        return
    await leave_test(state)
    outcome = await run_test(loaded.rule, text, rulecard.esc(text), services)
    await show(
        query,
        rulecard.render_test_result(loaded.rule, outcome),
        kb.sample_result(loaded.rule.id, callback_data.page),
    )


async def test_sample(
    message: Message, state: FSMContext, services: Services | None = None
) -> None:
    data: dict[str, Any] = await state.get_data()
    await state.clear()
    loaded = await load(int(data.get("rule_id", 0)))
    if loaded is None:
        await message.answer(rulecard.NOT_FOUND)
        return
    text = message.text or message.caption or ""
    outcome = await run_test(loaded.rule, text, message.html_text, services)
    await message.answer(
        rulecard.render_test_result(loaded.rule, outcome),
        reply_markup=kb.sample_result(loaded.rule.id, int(data.get("page", 0))),
    )


async def test_sample_not_text(message: Message) -> None:
    await message.answer(rulecard.TEST_HINT)


# -- anything else ----------------------------------------------------------------------------


async def rule_gone(
    query: CallbackQuery,
    callback_data: RuleCb | RuleSection,
    state: FSMContext,
    rules: RulesService,
    callback_answer: CallbackAnswer,
) -> None:
    """A button of a rule that no longer exists (deleted, or an id that never was)."""
    await leave_test(state)
    await gone(query, rules, callback_data.page, callback_answer)


async def outdated(query: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    """A button of this menu whose data no longer parses (an older version, or forged)."""
    callback_answer.text = rulecard.OUTDATED


def make_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    router.message.register(rules_command, Command("rules"))
    router.callback_query.register(list_page, RulesPage.filter())
    router.callback_query.register(new_rule, NewRule.filter())
    router.callback_query.register(
        open_card, RuleCb.filter(F.action == RuleAction.OPEN), ExistingRule()
    )
    router.callback_query.register(
        pause_or_resume,
        RuleCb.filter(F.action.in_({RuleAction.PAUSE, RuleAction.RESUME})),
        ExistingRule(),
    )
    router.callback_query.register(
        toggle_review,
        RuleCb.filter(F.action.in_({RuleAction.REVIEW_ON, RuleAction.REVIEW_OFF})),
        ExistingRule(),
    )
    router.callback_query.register(
        edit_menu, RuleCb.filter(F.action == RuleAction.EDIT), ExistingRule()
    )
    router.callback_query.register(edit_section, RuleSection.filter(), ExistingRule())
    router.callback_query.register(
        delete_question, RuleCb.filter(F.action == RuleAction.DELETE), ExistingRule()
    )
    router.callback_query.register(
        delete_rule, RuleCb.filter(F.action == RuleAction.DELETE_YES), ExistingRule()
    )
    router.callback_query.register(
        test_start, RuleCb.filter(F.action == RuleAction.TEST), ExistingRule()
    )
    router.callback_query.register(
        test_last_post, RuleCb.filter(F.action == RuleAction.LAST_POST), ExistingRule()
    )
    router.message.register(
        test_sample, RuleTest.text, (F.text & ~F.text.startswith("/")) | F.caption
    )
    router.message.register(test_sample_not_text, RuleTest.text, ~F.text)
    router.callback_query.register(rule_gone, RuleSection.filter())
    router.callback_query.register(rule_gone, RuleCb.filter())
    router.callback_query.register(outdated, F.data.regexp(rf"^({'|'.join(kb.PREFIXES)})(:|$)"))
    return router
