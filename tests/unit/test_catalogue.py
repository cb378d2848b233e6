"""The step catalogue: every kind registered once, with a label, a description, what the wizard
asks, and settings that survive being stored and loaded."""

from __future__ import annotations

import pytest

from bot.forwarding.steps.base import StepModel
from bot.forwarding.steps.catalogue import (
    AI_STEP_TYPES,
    BY_TYPE,
    KINDS,
    describe_steps,
    label,
    load_steps,
    parse_step,
    parse_steps,
    uses_ai,
)


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.type_name())
def test_every_kind_has_a_label_a_description_and_round_trips(kind: type[StepModel]) -> None:
    assert kind.label and kind.icon and kind.button().endswith(str(kind.label))
    assert label(kind.type_name()) == kind.label
    stored = parse_step({"type": kind.type_name(), **kind.example})
    assert stored["type"] == kind.type_name()
    (loaded,) = load_steps([stored])
    assert isinstance(loaded, kind)
    assert loaded.model_dump(mode="json") == stored
    assert parse_step(stored) == stored
    (line,) = describe_steps([stored])
    assert line and line == loaded.describe()


@pytest.mark.parametrize("kind", KINDS, ids=lambda kind: kind.type_name())
def test_what_the_wizard_asks_is_declared_as_plain_data(kind: type[StepModel]) -> None:
    ask = kind.ask
    if ask.field is None:
        assert not (ask.prompt or ask.choices)
        return
    assert ask.field in kind.model_fields
    if ask.from_rule:
        assert ask.unset
    else:
        assert ask.prompt
    if ask.choices:
        assert ask.question
        for choice in ask.choices:
            assert parse_step({"type": kind.type_name(), ask.field: str(choice)})


def test_kinds_are_registered_once_by_type() -> None:
    assert len(BY_TYPE) == len(KINDS)
    assert {"rewrite", "summarize", "translate", "custom", "ai_filter"} == AI_STEP_TYPES
    assert uses_ai([{"type": "remove_links"}, {"type": "translate", "language": "es"}])
    assert not uses_ai([{"type": "remove_links"}])


def test_a_stored_step_that_is_unknown_or_invalid_is_described_never_raised() -> None:
    lines = describe_steps(
        [
            {"type": "clean_links"},
            {"type": "translate"},
            {"type": "summarize", "max_chars": 5},
            {},
            {"type": "remove_links"},
        ]
    )
    assert lines == [
        "Unknown step “clean_links”",
        "Translate (invalid settings)",
        "Summarize (invalid settings)",
        "Unknown step",
        "Remove links",
    ]
    assert label("clean_links") == "Clean links"


def test_an_invalid_step_is_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="4000"):
        parse_step({"type": "summarize", "max_chars": 99999})
    with pytest.raises(ValueError, match="exponential"):
        parse_step({"type": "regex_replace", "pattern": "(a+)+$"})
    with pytest.raises(ValueError):
        parse_step({"type": "nothing"})


def test_an_unknown_or_untyped_step_is_refused_by_name() -> None:
    for raw, message in (
        ({"type": "nothing"}, "Unknown step type “nothing”."),
        ({}, "The step has no type."),
    ):
        with pytest.raises(ValueError) as refused:
            parse_step(raw)
        assert str(refused.value) == message


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        (
            [{"type": "remove_links"}, {"type": "regex_replace", "pattern": "(a+)+$"}],
            "Step 2 (Regex replace): This regex can take exponential time",
        ),
        (
            [{"type": "custom", "prompt": "x" * 100_000}],
            "Step 1 (Custom prompt): prompt: The prompt is too long (100000 characters; "
            "at most 2000)",
        ),
        ([{"type": "header", "template": "x" * 1001}], "Step 1 (Header): The template is too long"),
        (
            [{"type": "remove_links"}, {"type": "footer", "template": "y" * 5000}],
            "Step 2 (Footer): The template is too long (5000 characters; at most 1000)",
        ),
        (
            [{"type": "regex_replace", "pattern": "a", "replacement": "b" * 1001}],
            "Step 1 (Regex replace): The replacement is too long (1001 characters; at most 1000)",
        ),
        ([{"type": "remove_links"}, {"type": "clean_links"}], "Step 2: Unknown step type"),
    ],
)
def test_a_rules_steps_are_refused_naming_the_step(
    steps: list[dict[str, object]], message: str
) -> None:
    with pytest.raises(ValueError) as refused:
        parse_steps(steps)
    assert str(refused.value).startswith(message)


def test_valid_steps_come_back_in_their_stored_form() -> None:
    stored = [parse_step({"type": kind.type_name(), **kind.example}) for kind in KINDS]
    assert parse_steps(stored) == stored
    assert parse_steps([{"type": "translate", "language": "es"}]) == [
        {"type": "translate", "language": "Spanish"}
    ]


def test_a_stored_step_over_a_new_limit_still_loads() -> None:
    stored = {
        "type": "regex_replace",
        "pattern": "a",
        "replacement": "b" * 1001,
        "ignore_case": True,
    }
    (loaded,) = load_steps([stored])
    assert loaded.model_dump(mode="json") == stored
    with pytest.raises(ValueError, match="too long"):
        parse_step(stored)
