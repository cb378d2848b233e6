"""The rules service on the real Postgres: a rule with a bad step is refused naming the step and
nothing is saved; a rule stored before the check still loads and can be repaired."""

from __future__ import annotations

import pytest
from aiogram import Bot

from bot.forwarding.delivery.outbox import Outbox
from bot.forwarding.rules.index import RuleIndex
from bot.forwarding.rules.service import RuleError, RulesService
from bot.forwarding.steps.catalogue import describe_steps
from models import Rule
from tests.core.conftest import DEST_A, SRC, add_rule

RULE = {"name": "news", "sources": [{"chat_id": SRC}], "destinations": [{"chat_id": DEST_A}]}


async def test_a_rule_with_a_catastrophic_regex_step_is_not_saved(
    db: str, bot: Bot, outbox: Outbox
) -> None:
    rules = RulesService(bot, RuleIndex(), outbox)
    steps = [{"type": "remove_links"}, {"type": "regex_replace", "pattern": "(a+)+$"}]
    with pytest.raises(RuleError, match=r"^Step 2 \(Regex replace\): This regex can take"):
        await rules.create({**RULE, "steps": steps})
    assert await Rule.all().count() == 0


async def test_a_valid_rule_is_saved_with_its_steps_unchanged(
    db: str, bot: Bot, outbox: Outbox
) -> None:
    rules = RulesService(bot, RuleIndex(), outbox)
    steps = [
        {"type": "regex_replace", "pattern": "BTC", "replacement": "Bitcoin", "ignore_case": True},
        {"type": "header", "template": "From {source_name_link}"},
    ]
    view = await rules.create({**RULE, "steps": steps})
    assert (await Rule.get(id=view.id)).steps == steps
    assert list(view.steps) == steps


async def test_a_rule_stored_with_an_oversized_prompt_loads_and_is_repaired(
    db: str, bot: Bot, outbox: Outbox
) -> None:
    index = RuleIndex()
    rules = RulesService(bot, index, outbox)
    old = await add_rule(index, steps=[{"type": "custom", "prompt": "x" * 100_000}])
    view = await rules.get(old.id)
    assert index.get(old.id) is not None
    assert describe_steps(view.steps) == ["Custom prompt (invalid settings)"]
    with pytest.raises(RuleError, match=r"^Step 1 \(Custom prompt\): prompt: The prompt is too"):
        await rules.update(old.id, {"review": True})
    assert not (await Rule.get(id=old.id)).review
    fixed = await rules.update(old.id, {"steps": [{"type": "custom", "prompt": "Be brief."}]})
    assert list(fixed.steps) == [{"type": "custom", "prompt": "Be brief."}]
