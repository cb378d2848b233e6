"""The /rules list: the command, its pages, "New rule", and the answer to a button of a rule that
is gone or of an older version of this menu."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.forwarding.rules.service import RulesService
from bot.routers.rules import texts
from bot.routers.rules.keyboards import RuleCb, RuleSection, RulesPage
from bot.routers.rules.screens import list_screen, show_list
from bot.routers.rules.testing import leave_test


async def rules_command(message: Message, state: FSMContext, rules: RulesService) -> None:
    await leave_test(state)
    text, markup, _page = await list_screen(rules, 0)
    await message.answer(text, reply_markup=markup)


async def to_list(
    query: CallbackQuery,
    callback_data: RulesPage | RuleCb | RuleSection,
    state: FSMContext,
    rules: RulesService,
    callback_answer: CallbackAnswer,
) -> None:
    """A page of the list; from a button of a rule that no longer exists (deleted, or an id that
    never was), with a word about that."""
    await leave_test(state)
    if not isinstance(callback_data, RulesPage):
        callback_answer.text = str(texts.NOT_FOUND)
    await show_list(query, rules, callback_data.page, callback_answer)


async def new_rule(query: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    callback_answer.text, callback_answer.show_alert = str(texts.NEW_RULE_HINT), True


async def outdated(query: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    """A button of this menu whose data no longer parses (an older version, or forged)."""
    callback_answer.text = str(texts.OUTDATED)
