"""The /rules menu's texts and keyboards, as pure functions: what the owner reads and can press."""

from __future__ import annotations

import contextlib
from typing import Any

import pytest
from aiogram.types import InlineKeyboardMarkup

from bot.forwarding.rules.filters import FilterSpec
from bot.forwarding.rules.index import RuleView
from bot.forwarding.rules.spec import ChatRef
from bot.forwarding.steps.catalogue import describe_steps
from bot.forwarding.steps.pipeline import Preview
from bot.routers.rules import card as rulecard
from bot.routers.rules import keyboards as kb
from bot.routers.rules import sample, texts
from bot.routers.rules.card import Counts
from bot.routers.rules.keyboards import NewRuleCb, RuleAction, RuleCb, RuleSection, RulesPage
from bot.routers.rules.sample import SampleResult
from bot.routers.rules.testing import run_test

EVIL = "<b>x</b> & <i>"


def rule(**fields: Any) -> RuleView:
    values: dict[str, Any] = {
        "id": 7,
        "name": "news",
        "active": True,
        "mode": "copy",
        "sources": (ChatRef(chat_id=-1001, title="Source"),),
        "destinations": (ChatRef(chat_id=-1002, title="Dest", thread_id=5),),
        "filters": FilterSpec(),
        "steps": (),
        "edit_policy": "edit",
        "review": False,
        "ai_failure": "hold",
        "ai_model": None,
    }
    values.update(fields)
    return RuleView(**values)


def buttons(markup: InlineKeyboardMarkup) -> list[tuple[str, str]]:
    return [(b.text, b.callback_data or "") for row in markup.inline_keyboard for b in row]


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def assert_shows(text: str, *fragments: str) -> None:
    missing = [fragment for fragment in fragments if fragment not in text]
    assert not missing, f"{missing} not in {text!r}"


# -- the card -----------------------------------------------------------------------------------


def test_the_card_shows_every_setting_of_the_rule() -> None:
    card = rulecard.render_card(
        rule(
            review=True,
            filters=FilterSpec(include_keywords=["sale"]),
            steps=({"type": "translate", "language": "es"},),
        ),
        counts=Counts(sent_24h=3, pending=1, held=2),
        steps=["Translate to Spanish"],
    )
    assert_shows(
        card,
        "<b>news</b> · rule #7",
        "State: ▶ active",
        "• Source <code>-1001</code>",
        "• Dest <code>-1002</code> · topic 5",
        "Mode: copy",
        "Edits: edit the copies",
        "If the AI fails: hold posts",
        "Review: on",
        "• Must contain: sale",
        "1. Translate to Spanish",
        "Deliveries: 3 sent in 24 h · 1 pending · 2 held",
    )


def test_a_paused_card_says_why() -> None:
    card = rulecard.render_card(rule(active=False), paused_reason="the bot was kicked from Dest")
    assert "State: ⏸ paused: the bot was kicked from Dest" in card


def test_a_malicious_rule_name_title_keyword_and_reason_are_escaped() -> None:
    card = rulecard.render_card(
        rule(
            name=EVIL,
            active=False,
            sources=(ChatRef(chat_id=-1001, title=EVIL),),
            filters=FilterSpec(include_keywords=[EVIL]),
            steps=({"type": "header", "text": EVIL},),
        ),
        paused_reason=EVIL,
    )
    assert "<b>x</b>" not in card and "<i>" not in card
    assert card.count("&lt;b&gt;x&lt;/b&gt; &amp; &lt;i&gt;") >= 4
    question = texts.delete_question(rule(name=EVIL))
    assert (
        question
        == "Delete rule “&lt;b&gt;x&lt;/b&gt; &amp; &lt;i&gt;”? Its pending deliveries are dropped."
    )


def test_a_chat_without_a_title_shows_its_id() -> None:
    assert rulecard.chat_line(ChatRef(chat_id=-1009)) == "• <code>-1009</code>"


def test_a_huge_rule_fits_in_one_message_without_cutting_a_tag() -> None:
    many = tuple(ChatRef(chat_id=-1000 - n, title="T" * 256) for n in range(50))
    card = rulecard.render_card(
        rule(
            sources=many,
            destinations=tuple(ChatRef(chat_id=-2000 - n, title="&" * 256) for n in range(50)),
            filters=FilterSpec(include_keywords=[f"{'k' * 190}{n}" for n in range(200)]),
            steps=tuple({"type": "header", "text": "h" * 4000} for _ in range(20)),
        )
    )
    assert utf16(card) <= 4096
    assert "and 40 more" in card
    assert card.count("<code>") == card.count("</code>")
    assert card.count("<b>") == card.count("</b>")


def test_the_card_numbers_the_steps_as_the_catalogue_describes_them() -> None:
    steps: tuple[dict[str, Any], ...] = (
        {"type": "translate", "language": "es"},
        {"type": "regex_replace", "pattern": r"\d+", "replacement": "#"},
        {"type": "remove_links"},
        {"type": "weird_new_thing", "flag": True},
        {},
    )
    lines = describe_steps(steps)
    assert len(lines) == len(steps) and all(lines)
    card = rulecard.render_card(rule(steps=steps))
    assert_shows(card, *(f"{n}. {texts.esc(line)}" for n, line in enumerate(lines, 1)))


def test_counters_show_only_what_there_is() -> None:
    assert rulecard.counts_line(Counts()) == "Deliveries: 0 sent in 24 h · 0 pending"
    line = rulecard.counts_line(Counts(review=1, failed_24h=2))
    assert line.endswith("1 in review · 2 failed in 24 h")


# -- the list -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("count", "page", "number", "size", "pages"),
    [(0, 0, 0, 0, 1), (8, 0, 0, 8, 1), (10, 1, 1, 2, 2), (10, 5, 1, 2, 2), (10, -3, 0, 8, 2)],
)
def test_pages_of_eight_clamped_to_those_that_exist(
    count: int, page: int, number: int, size: int, pages: int
) -> None:
    shown = texts.paginate(list(range(count)), page)
    assert (shown.number, len(shown.items), shown.pages, shown.total) == (
        number,
        size,
        pages,
        count,
    )


def test_the_list_text_counts_rules_and_pages() -> None:
    assert "/newrule" in texts.list_text(texts.paginate([], 0))
    text = texts.list_text(texts.paginate([rule(id=n) for n in range(10)], 1))
    assert text.startswith("<b>Your rules</b> (10) · page 2/2")
    single = texts.list_text(texts.paginate([rule()], 0))
    assert "page" not in single


def test_list_buttons_show_each_rules_state_and_page_through() -> None:
    rules = [rule(id=1, name="on"), rule(id=2, name=EVIL, active=False)]
    markup = kb.rules_list(rules, 1, has_previous=True, has_next=True)
    assert buttons(markup) == [
        ("▶ on", "rlc:o:1:1"),
        (f"⏸ {EVIL}", "rlc:o:2:1"),
        ("◀ Previous", "rlp:0"),
        ("Next ▶", "rlp:2"),
        ("➕ New rule", "rln"),
    ]
    first = kb.rules_list(rules, 0, has_previous=False, has_next=False)
    assert [text for text, _ in buttons(first)] == ["▶ on", f"⏸ {EVIL}", "➕ New rule"]


# -- keyboards ----------------------------------------------------------------------------------


def all_keyboards() -> list[InlineKeyboardMarkup]:
    big = 2**31 - 1
    long_name = "n" * 64
    return [
        kb.rules_list([rule(id=big, name=long_name)], 10**6, has_previous=True, has_next=True),
        kb.rule_card(rule(id=big, review=True), 10**6),
        kb.rule_card(rule(id=big, active=False), 10**6),
        kb.edit_sections(big, 10**6),
        kb.delete_confirmation(big, 10**6),
        kb.sample_prompt(big, 10**6),
        kb.sample_result(big, 10**6),
    ]


def test_every_callback_data_fits_telegrams_64_bytes_and_parses_back() -> None:
    factories = (RulesPage, RuleCb, RuleSection, NewRuleCb)
    for markup in all_keyboards():
        for _, data in buttons(markup):
            assert 0 < len(data.encode()) <= 64, data
            parsed = []
            for factory in factories:
                with contextlib.suppress(TypeError, ValueError):
                    parsed.append(factory.unpack(data))
            assert len(parsed) == 1, data
            assert parsed[0].pack() == data


def test_the_card_buttons_follow_the_rules_state() -> None:
    active = dict(buttons(kb.rule_card(rule(), 2)))
    assert active["⏸ Pause"] == RuleCb(action=RuleAction.PAUSE, rule_id=7, page=2).pack()
    assert active["👁 Review: off"] == "rlc:v1:7:2"
    assert active["« Back to list"] == "rlp:2"
    assert {"🧪 Test", "✏️ Edit", "🗑 Delete"} <= active.keys()
    paused = dict(buttons(kb.rule_card(rule(active=False, review=True))))
    assert paused["▶ Resume"] == "rlc:r:7:0"
    assert paused["👁 Review: on"] == "rlc:v0:7:0"


def test_the_edit_menu_offers_every_wizard_section_and_a_way_back() -> None:
    from bot.routers.wizard import SECTIONS

    pressed = buttons(kb.edit_sections(7, 1))
    assert [data for _, data in pressed[:-1]] == [f"rls:7:{s}:1" for s in SECTIONS]
    assert pressed[-1] == ("« Back to rule", "rlc:o:7:1")


def test_delete_asks_yes_or_no() -> None:
    assert buttons(kb.delete_confirmation(7)) == [
        ("🗑 Yes, delete", "rlc:dy:7:0"),
        ("No, keep it", "rlc:o:7:0"),
    ]


# -- testing a rule ----------------------------------------------------------------------------


async def test_a_test_says_why_a_post_is_dropped() -> None:
    keyed = rule(filters=FilterSpec(include_keywords=["sale"], exclude_keywords=["spam"]))
    dropped = await run_test(keyed, "hello", None)
    assert dropped.filtered_by == "it contains none of the required keywords"
    spam = await run_test(keyed, "sale spam", None)
    assert spam.filtered_by == "it contains the excluded keyword “spam”"
    passed = await run_test(keyed, "big sale", None)
    assert passed.filtered_by is None and passed.html == "big sale"
    assert passed.effects == ()


def test_a_test_result_escapes_the_sample_and_fits_4096() -> None:
    text = sample.render_test_result(rule(name=EVIL), SampleResult(html=texts.esc(EVIL * 1000)))
    assert utf16(text) <= 4096
    assert "<b>x</b>" not in text.replace(texts.esc(EVIL), "")
    assert text.startswith("🧪 Test of <b>&lt;b&gt;x&lt;/b&gt; &amp; &lt;i&gt;</b>\n✅ Passes")
    assert text.rstrip("…").endswith(";") or text.endswith("…")


def test_a_filtered_test_result_shows_the_reason_and_no_post() -> None:
    text = sample.render_test_result(rule(), SampleResult(filtered_by="too <short>"))
    assert "🚫 Filtered out: too &lt;short&gt;" in text
    assert "Result" not in text


def test_a_pipeline_preview_keeps_its_html_and_lists_each_steps_effect() -> None:
    preview = Preview(
        html="<b>Hola</b>", effects=[("Translate to Spanish", "<b>Hola</b> & <i>adiós</i>")]
    )
    outcome = sample.outcome_of_preview(preview)
    text = sample.render_test_result(rule(), outcome)
    assert "1. Translate to Spanish → Hola &amp; adiós" in text
    assert text.endswith("<b>Result</b>\n<b>Hola</b>")
    too_long = sample.render_test_result(
        rule(), SampleResult(html="<b>" + "é" * 5000 + "</b>", effects=outcome.effects)
    )
    assert utf16(too_long) <= 4096 and "<b>é" not in too_long


def test_filter_reasons_read_as_words() -> None:
    assert sample.explain_reason("media_type:photo") == "its kind (photo) is not allowed"
    assert sample.explain_reason("too_long") == "it is too long"
    assert sample.explain_reason("something_new") == "something new"
