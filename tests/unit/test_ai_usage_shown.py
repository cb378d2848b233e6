"""The AI model choice and the Groq tokens as the owner reads them: compact figures on the rule
card and in /status, the model buttons, which models Groq lists count as chat models."""

from __future__ import annotations

import pytest

from bot.forwarding.steps.ai.listing import chat_models, find_model, is_chat_model, model_key
from bot.forwarding.steps.ai.usage import Spent, Tokens, compact
from bot.routers.rules import keyboards as kb
from bot.routers.rules import texts
from bot.routers.rules.card import Counts, render_card
from bot.routers.rules.keyboards import RuleModelCb
from bot.routers.status.figures import AiFigures, TokenItem, render_status
from tests.unit.test_rule_card import buttons, rule
from tests.unit.test_status_keyboards import report

TRANSLATE = ({"type": "translate", "language": "es"},)


@pytest.mark.parametrize(
    ("number", "shown"),
    [
        (0, "0"),
        (999, "999"),
        (1_000, "1k"),
        (1_049, "1k"),
        (1_060, "1.1k"),
        (12_345, "12.3k"),
        (99_949, "99.9k"),
        (99_950, "100k"),
        (123_456, "123k"),
        (999_499, "999k"),
        (999_500, "1M"),
        (45_600_000, "45.6M"),
        (3_000_000_000, "3G"),
    ],
)
def test_token_counts_are_shown_compact(number: int, shown: str) -> None:
    assert compact(number) == shown


def test_the_card_of_an_ai_rule_shows_its_tokens_today_and_this_month() -> None:
    spent = Spent(today=Tokens(900, 334, 3), month=Tokens(10_000, 2_345, 40))
    text = render_card(rule(steps=TRANSLATE), counts=Counts(ai_tokens=spent))
    assert "AI tokens: today 1.2k · this month 12.3k" in text
    assert "AI model: the default" in text


def test_the_card_names_the_rules_own_model_escaped() -> None:
    text = render_card(rule(steps=TRANSLATE, ai_model="a<b>"))
    assert "AI model: <code>a&lt;b&gt;</code>" in text
    assert "AI tokens: today 0 · this month 0" in text


def test_a_rule_without_ai_steps_says_nothing_of_models_or_tokens_unless_it_used_some() -> None:
    text = render_card(rule())
    assert "AI model" not in text and "AI tokens" not in text
    earlier = Spent(month=Tokens(1_500, 500, 2))  # it had an AI step earlier this month
    assert "AI tokens: today 0 · this month 2k" in render_card(
        rule(), counts=Counts(ai_tokens=earlier)
    )


def test_status_shows_the_tokens_of_all_rules_and_those_that_used_most() -> None:
    top = (
        TokenItem(3, "news <b>", Spent(month=Tokens(30_000, 100, 9))),
        TokenItem(9, "", Spent(month=Tokens(900, 50, 1))),
    )
    total = Spent(today=Tokens(1_000, 200, 2), month=Tokens(30_900, 150, 10))
    ai = AiFigures(calls=10, failures=0, cache_hits=4, down=False)

    text = render_status(report(ai=ai, ai_tokens=total, ai_top=top))

    assert "AI tokens: today 1.2k · this month 31.1k" in text
    assert "most this month: #3 news &lt;b&gt; 30.1k, #9 950" in text


def test_status_without_ai_and_without_tokens_has_no_token_line() -> None:
    assert "AI tokens" not in render_status(report())
    ai = AiFigures(calls=0, failures=0, cache_hits=0, down=False)
    assert "AI tokens: today 0 · this month 0" in render_status(report(ai=ai))


def test_only_chat_models_are_offered() -> None:
    assert is_chat_model("openai/gpt-oss-20b") and is_chat_model("groq/compound")
    for model in (
        "whisper-large-v3-turbo",
        "playai-tts-arabic",
        "canopylabs/orpheus-v1-english",
        "meta-llama/llama-guard-4-12b",
        "meta-llama/llama-prompt-guard-2-86m",
        "openai/gpt-oss-safeguard-20b",
        "nomic-embed-text",
    ):
        assert not is_chat_model(model), model
    assert not is_chat_model("openai/gpt-oss-120b", active=False)


def test_the_listed_chat_models_are_sorted_and_each_once() -> None:
    class Card:
        def __init__(self, id: str, **extra: object) -> None:
            self.id = id
            self.__dict__.update(extra)

    cards = [Card("qwen/qwen3-32b"), Card("whisper-large-v3"), Card("b"), Card("b"), Card("a")]
    cards.append(Card("old", active=False))
    assert chat_models(cards) == ("a", "b", "qwen/qwen3-32b")


def test_the_model_buttons_fit_64_bytes_mark_the_current_one_and_parse_back() -> None:
    long_id = "some-provider/" + "x" * 120
    models = ("openai/gpt-oss-20b", long_id)
    current = rule(id=2**31 - 1, steps=TRANSLATE, ai_model=long_id)

    pressed = buttons(kb.model_choices(current, models, "openai/gpt-oss-20b", 10**6))

    assert [text for text, _ in pressed] == [
        "Default (openai/gpt-oss-20b)",
        "openai/gpt-oss-20b",
        "✓ " + long_id,
        "« Back to rule",
    ]
    for _, data in pressed:
        assert 0 < len(data.encode()) <= 64, data
    default, listed, chosen = (RuleModelCb.unpack(data) for _, data in pressed[:3])
    assert default.key == "" and default.page == 10**6
    assert find_model(models, listed.key) == "openai/gpt-oss-20b"
    assert find_model(models, chosen.key) == long_id
    assert find_model(models, model_key("not listed")) is None


def test_the_card_of_an_ai_rule_has_a_model_button() -> None:
    assert "🤖 Model" in dict(buttons(kb.rule_card(rule(steps=TRANSLATE))))
    assert "🤖 Model" not in dict(buttons(kb.rule_card(rule())))


def test_the_model_screen_says_what_the_rule_uses_now() -> None:
    default = texts.model_screen(rule(steps=TRANSLATE), ("m",), "openai/gpt-oss-20b")
    assert "AI model: the default, <code>openai/gpt-oss-20b</code> (GROQ_MODEL)" in default
    gone = texts.model_screen(rule(steps=TRANSLATE, ai_model="<old>"), ("m",), "d")
    assert "AI model: <code>&lt;old&gt;</code>" in gone
    assert "Groq no longer lists this model" in gone
