"""The /rules router: which handler answers which command, button and message.

Everything happens in one message edited in place: the list, a card, the delete question, the
edit menu, the test prompt. A button of a rule that is gone (deleted meanwhile, or a forged id)
says "That rule no longer exists." and shows the list again; nothing changes.
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, Filter
from aiogram.types import CallbackQuery

from bot.routers.rules import actions, delay, menu, testing
from bot.routers.rules.delay import RuleDelay
from bot.routers.rules.keyboards import (
    PREFIXES,
    NewRuleCb,
    RuleAction,
    RuleCb,
    RuleDelayCb,
    RuleModelCb,
    RuleSection,
    RulesPage,
)
from bot.routers.rules.queries import load
from bot.routers.rules.testing import RuleTest


class ExistingRule(Filter):
    """Passes a rule button only while its rule exists, handing the handler ``loaded``; a button
    of a rule that is gone falls through to ``menu.to_list``."""

    async def __call__(
        self,
        query: CallbackQuery,
        callback_data: RuleCb | RuleSection | RuleModelCb | RuleDelayCb,
    ) -> bool | dict[str, Any]:
        loaded = await load(callback_data.rule_id)
        return {"loaded": loaded} if loaded is not None else False


def _on_rule(*actions: RuleAction) -> tuple[Any, ExistingRule]:
    """The filters of a card button with one of ``actions`` whose rule exists."""
    return RuleCb.filter(F.action.in_(set(actions))), ExistingRule()


def make_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    router.message.register(menu.rules_command, Command("rules"))
    button = router.callback_query.register
    button(menu.to_list, RulesPage.filter())
    button(menu.new_rule, NewRuleCb.filter())
    button(actions.open_card, *_on_rule(RuleAction.OPEN))
    button(actions.switch, *_on_rule(*actions.SWITCHES))
    button(actions.rule_screen, *_on_rule(RuleAction.EDIT, RuleAction.DELETE))
    button(actions.edit_section, RuleSection.filter(), ExistingRule())
    button(actions.delete_rule, *_on_rule(RuleAction.DELETE_YES))
    button(actions.model_screen, *_on_rule(RuleAction.MODEL))
    button(actions.choose_model, RuleModelCb.filter(), ExistingRule())
    button(testing.test_start, *_on_rule(RuleAction.TEST))
    button(testing.test_last_post, *_on_rule(RuleAction.LAST_POST))
    router.message.register(
        testing.test_sample, RuleTest.text, (F.text & ~F.text.startswith("/")) | F.caption
    )
    router.message.register(testing.test_sample_not_text, RuleTest.text, ~F.text)
    button(delay.delay_screen, *_on_rule(RuleAction.DELAY))
    button(delay.choose_delay, RuleDelayCb.filter(), ExistingRule())
    router.message.register(delay.delay_typed, RuleDelay.minutes, F.text & ~F.text.startswith("/"))
    router.message.register(delay.delay_not_text, RuleDelay.minutes, ~F.text)
    button(menu.to_list, RuleSection.filter())  # a rule that is gone: see ExistingRule
    button(menu.to_list, RuleModelCb.filter())
    button(menu.to_list, RuleDelayCb.filter())
    button(menu.to_list, RuleCb.filter())
    button(menu.outdated, F.data.regexp(rf"^({'|'.join(PREFIXES)})(:|$)"))
    return router
