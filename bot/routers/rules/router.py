"""The /rules router: which handler answers which command, button and message.

Everything happens in one message edited in place: the list, a card, the delete question, the
edit menu, the test prompt. A button of a rule that is gone (deleted meanwhile, or a forged id)
says "That rule no longer exists." and shows the list again; nothing changes.
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import Command, Filter, StateFilter
from aiogram.types import CallbackQuery

from bot.routers.rules import actions, backfill, delay, digest, menu, pacing, testing
from bot.routers.rules.backfill import BackfillCountCb, BackfillSourceCb, RuleBackfill
from bot.routers.rules.delay import RuleDelay
from bot.routers.rules.digest import RuleDigest
from bot.routers.rules.keyboards import (
    PREFIXES,
    NewRuleCb,
    RuleAction,
    RuleCb,
    RuleDelayCb,
    RuleDigestCb,
    RuleModelCb,
    RuleSection,
    RulesPage,
)
from bot.routers.rules.pacing import PacingCb, RulePacing
from bot.routers.rules.queries import load
from bot.routers.rules.testing import RuleTest
from bot.userbot.backfill_progress import BackfillCancelCb


class ExistingRule(Filter):
    """Passes a rule button only while its rule exists, handing the handler ``loaded``; a button
    of a rule that is gone falls through to ``menu.to_list``."""

    async def __call__(
        self,
        query: CallbackQuery,
        callback_data: RuleCb
        | RuleSection
        | RuleModelCb
        | RuleDelayCb
        | BackfillSourceCb
        | BackfillCountCb
        | PacingCb
        | RuleDigestCb,
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
    button(backfill.backfill_start, *_on_rule(RuleAction.BACKFILL))
    button(backfill.choose_source, BackfillSourceCb.filter(), ExistingRule())
    button(backfill.choose_count, BackfillCountCb.filter(), ExistingRule())
    button(backfill.cancel, BackfillCancelCb.filter())
    router.message.register(
        backfill.amount_typed, RuleBackfill.amount, F.text & ~F.text.startswith("/")
    )
    router.message.register(backfill.amount_not_text, RuleBackfill.amount, ~F.text)
    button(pacing.pacing_start, *_on_rule(RuleAction.PACING))
    button(pacing.pressed, PacingCb.filter(), ExistingRule())
    typing_pacing = (RulePacing.window, RulePacing.interval, RulePacing.timezone)
    router.message.register(
        pacing.typed, StateFilter(*typing_pacing), F.text & ~F.text.startswith("/")
    )
    router.message.register(pacing.not_text, StateFilter(*typing_pacing), ~F.text)
    button(digest.digest_screen, *_on_rule(RuleAction.DIGEST))
    button(digest.choose_digest, RuleDigestCb.filter(), ExistingRule())
    router.message.register(digest.daily_typed, RuleDigest.daily, F.text & ~F.text.startswith("/"))
    router.message.register(digest.daily_not_text, RuleDigest.daily, ~F.text)
    button(menu.to_list, RuleSection.filter())  # a rule that is gone: see ExistingRule
    button(menu.to_list, RuleModelCb.filter())
    button(menu.to_list, RuleDelayCb.filter())
    button(menu.to_list, BackfillSourceCb.filter())
    button(menu.to_list, BackfillCountCb.filter())
    button(menu.to_list, PacingCb.filter())
    button(menu.to_list, RuleDigestCb.filter())
    button(menu.to_list, RuleCb.filter())
    button(menu.outdated, F.data.regexp(rf"^({'|'.join(PREFIXES)})(:|$)"))
    return router
