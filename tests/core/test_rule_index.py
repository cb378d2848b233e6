"""The rule index: the active rules of a post by its chat and topic, with no database."""

from __future__ import annotations

from typing import Any

from bot.forwarding.rules.index import RuleIndex, RuleView
from tests.core.conftest import DEST_A, SRC

OTHER = -1001000000777


def view(rule_id: int, *sources: dict[str, Any], active: bool = True) -> RuleView:
    return RuleView.from_row(
        {
            "id": rule_id,
            "name": f"rule {rule_id}",
            "active": active,
            "mode": "copy",
            "sources": list(sources),
            "destinations": [{"chat_id": DEST_A}],
            "filters": {},
            "steps": [],
            "edit_policy": "edit",
            "review": False,
            "ai_failure": "hold",
            "ai_model": None,
            "allow_new_links": False,
            "delay_minutes": 0,
        }
    )


def ids(rules: tuple[RuleView, ...]) -> list[int]:
    return [rule.id for rule in rules]


def test_a_post_matches_the_rules_of_its_chat_only() -> None:
    index = RuleIndex()
    index.build([view(1, {"chat_id": SRC}), view(2, {"chat_id": OTHER}), view(3, {"chat_id": SRC})])

    assert ids(index.match(SRC, None)) == [1, 3]
    assert ids(index.match(OTHER, None)) == [2]
    assert index.match(-100123, None) == ()
    assert index.is_source(SRC) and not index.is_source(-100123)


def test_a_topic_post_matches_whole_chat_rules_and_that_topics_rules() -> None:
    index = RuleIndex()
    index.build(
        [
            view(1, {"chat_id": SRC}),
            view(2, {"chat_id": SRC, "thread_id": 7}),
            view(3, {"chat_id": SRC, "thread_id": 9}),
        ]
    )

    assert ids(index.match(SRC, 7)) == [1, 2]
    assert ids(index.match(SRC, 9)) == [1, 3]
    assert ids(index.match(SRC, 11)) == [1]
    assert ids(index.match(SRC, None)) == [1]  # a post outside topics: whole-chat rules only


def test_a_paused_rule_matches_nothing_but_is_still_known() -> None:
    index = RuleIndex()
    index.build([view(1, {"chat_id": SRC}, active=False)])

    assert index.match(SRC, None) == ()
    paused = index.get(1)
    assert paused is not None and not paused.active
    assert len(index) == 1
