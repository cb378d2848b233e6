"""A rule's delay on its own: what RuleSpec accepts, how the card says it, what the owner may type,
and its keyboard."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from bot.forwarding.rules.index import RuleView
from bot.forwarding.rules.spec import ChatRef, RuleSpec
from bot.routers.rules import keyboards as kb
from bot.routers.rules.card import render_card
from bot.routers.rules.delay import parse_minutes
from bot.routers.rules.keyboards import RuleDelayCb
from bot.routers.rules.texts import delay_label


def spec(**extra: Any) -> RuleSpec:
    return RuleSpec.model_validate(
        {"name": "news", "sources": [{"chat_id": -1}], "destinations": [{"chat_id": -2}], **extra}
    )


def rule(**extra: Any) -> RuleView:
    values: dict[str, Any] = {
        "id": 7,
        "name": "news",
        "active": True,
        "mode": "copy",
        "sources": (ChatRef(chat_id=-1),),
        "destinations": (ChatRef(chat_id=-2),),
        "filters": spec().filters,
        "steps": (),
        "edit_policy": "edit",
        "review": False,
        "ai_failure": "hold",
        "ai_model": None,
        **extra,
    }
    return RuleView(**values)


def test_a_rule_has_no_delay_unless_it_says_so() -> None:
    assert spec().delay_minutes == 0
    assert spec(delay_minutes=1440).delay_minutes == 1440


@pytest.mark.parametrize("wrong", [-1, 1441, "15", 2.5, True, None])
def test_a_delay_out_of_bounds_or_not_a_whole_number_is_refused(wrong: object) -> None:
    with pytest.raises(ValidationError):
        spec(delay_minutes=wrong)


@pytest.mark.parametrize(
    ("minutes", "said"),
    [(0, "none"), (5, "5 min"), (60, "1 h"), (90, "1 h 30 min"), (1440, "24 h")],
)
def test_the_card_says_the_delay_in_minutes_and_hours(minutes: int, said: str) -> None:
    assert delay_label(minutes) == said
    assert f"Delay: {said}" in render_card(rule(delay_minutes=minutes))


@pytest.mark.parametrize(
    ("typed", "minutes"),
    [("15", 15), (" 0 ", 0), ("30 min", 30), ("1440", 1440), ("1441", None), ("-5", None),
     ("soon", None), ("2.5", None), ("", None)],
)  # fmt: skip
def test_what_the_owner_may_type_as_a_delay(typed: str, minutes: int | None) -> None:
    assert parse_minutes(typed) == minutes


def test_the_delay_keyboard_marks_the_current_choice_and_fits_64_bytes() -> None:
    markup = kb.delay_choices(rule(id=2**31 - 1, delay_minutes=30), 10**6)
    pressed = [b for row in markup.inline_keyboard for b in row]
    assert [b.text for b in pressed] == [
        "None", "5 min", "15 min", "✓ 30 min", "1 h", "3 h", "« Back to rule",
    ]  # fmt: skip
    for button in pressed[:-1]:
        assert button.callback_data is not None and len(button.callback_data.encode()) <= 64
        assert RuleDelayCb.unpack(button.callback_data).rule_id == 2**31 - 1
