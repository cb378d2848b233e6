"""A rule's Test: the owner sends a sample post (or takes the rule's last post) and sees what the
rule would publish. Nothing is forwarded."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.forwarding.rules.index import RuleView
from bot.forwarding.steps.pipeline import preview
from bot.routers.rules import keyboards as kb
from bot.routers.rules import texts
from bot.routers.rules.keyboards import RuleCb
from bot.routers.rules.queries import Loaded, last_post_text, load
from bot.routers.rules.sample import SampleResult, outcome_of_preview, render_test_result
from bot.routers.rules.screens import show_screen
from bot.routers.ui import edit_or_send

if TYPE_CHECKING:
    from bot.services import Services


class RuleTest(StatesGroup):
    text = State()


async def leave_test(state: FSMContext) -> None:
    if await state.get_state() == RuleTest.text.state:
        await state.clear()


async def run_test(rule: RuleView, html: str, services: Services | None) -> SampleResult:
    """What the rule would make of a sample post (``html``, Telegram HTML)."""
    return outcome_of_preview(await preview(rule, html, services))


async def test_start(
    query: CallbackQuery, callback_data: RuleCb, state: FSMContext, loaded: Loaded
) -> None:
    await state.set_state(RuleTest.text)
    await state.set_data({"rule_id": loaded.rule.id, "page": callback_data.page})
    await show_screen(query, callback_data, loaded.rule)


async def test_last_post(
    query: CallbackQuery,
    callback_data: RuleCb,
    state: FSMContext,
    callback_answer: CallbackAnswer,
    loaded: Loaded,
    services: Services | None = None,
) -> None:
    rule = loaded.rule
    text = await last_post_text(rule.id)
    if text is None:
        callback_answer.text, callback_answer.show_alert = str(texts.NO_LAST_POST), True
        return
    await leave_test(state)
    outcome = await run_test(rule, texts.esc(text), services)
    await edit_or_send(
        query, render_test_result(rule, outcome), kb.sample_result(rule.id, callback_data.page)
    )


async def test_sample(
    message: Message, state: FSMContext, services: Services | None = None
) -> None:
    data: dict[str, Any] = await state.get_data()
    await state.clear()
    loaded = await load(int(data.get("rule_id", 0)))
    if loaded is None:
        await message.answer(str(texts.NOT_FOUND))
        return
    outcome = await run_test(loaded.rule, message.html_text, services)
    await message.answer(
        render_test_result(loaded.rule, outcome),
        reply_markup=kb.sample_result(loaded.rule.id, int(data.get("page", 0))),
    )


async def test_sample_not_text(message: Message) -> None:
    await message.answer(str(texts.TEST_HINT))
