"""A rule's spec as every caller saves it: its steps are validated through the step catalogue."""

from __future__ import annotations

from typing import Any

import pytest

from bot.forwarding.rules.service import RuleError, parse_spec

RULE: dict[str, Any] = {
    "name": "news",
    "sources": [{"chat_id": -1001}],
    "destinations": [{"chat_id": -1002}],
}


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        (
            [
                {"type": "translate", "language": "es"},
                {"type": "regex_replace", "pattern": "(a+)+$"},
            ],
            "Step 2 (Regex replace): This regex can take exponential time on some posts "
            "(nested repetition like (a+)+). Simplify it.",
        ),
        (
            [{"type": "custom", "prompt": "Shine! " * 20_000}],
            "Step 1 (Custom prompt): prompt: The prompt is too long",
        ),
        ([{"type": "header", "template": "h" * 1001}], "Step 1 (Header): The template is too long"),
        ([{"type": "footer", "template": "f" * 1001}], "Step 1 (Footer): The template is too long"),
        ([{"type": "translate"}], "Step 1 (Translate): language: Field required"),
        ([{"type": "teleport"}], "Step 1: Unknown step type “teleport”."),
    ],
)
def test_a_rule_with_a_bad_step_is_refused_with_one_message_naming_it(
    steps: list[dict[str, Any]], message: str
) -> None:
    with pytest.raises(RuleError) as refused:
        parse_spec({**RULE, "steps": steps})
    assert str(refused.value).startswith(message)
    assert "\n" not in str(refused.value)


def test_a_valid_rule_keeps_its_steps_as_stored() -> None:
    steps = [
        {
            "type": "regex_replace",
            "pattern": r"\bBTC\b",
            "replacement": "Bitcoin",
            "ignore_case": True,
        },
        {"type": "custom", "prompt": "Three bullet points."},
        {"type": "footer", "template": "Source: {source_link}"},
    ]
    assert parse_spec({**RULE, "steps": steps}).steps == steps


def test_forward_mode_still_refuses_valid_steps() -> None:
    with pytest.raises(RuleError, match="Forward mode sends posts unchanged"):
        parse_spec(
            {
                **RULE,
                "mode": "forward",
                "edit_policy": "ignore",
                "steps": [{"type": "remove_links"}],
            }
        )
