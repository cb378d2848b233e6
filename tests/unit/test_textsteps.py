"""The steps an owner adds without AI: regex replace, link / mention / hashtag removal,
header and footer."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any, Union

import pytest
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from bot.forwarding.rules.regexguard import RegexTimeout
from bot.forwarding.steps.base import StepContext, TextStep
from bot.forwarding.steps.catalogue import KINDS
from bot.forwarding.steps.kinds.frame import Footer, Header, source_link
from bot.forwarding.steps.kinds.regex import RegexReplace
from bot.forwarding.steps.kinds.remove import RemoveHashtags, RemoveLinks, RemoveMentions
from tests.unit.test_formatting import assert_well_formed

TEXT_STEP_MODELS = tuple(kind for kind in KINDS if issubclass(kind, TextStep))
TextStepAdapter: TypeAdapter[Any] = TypeAdapter(
    Annotated[Union[TEXT_STEP_MODELS], Field(discriminator="type")]  # noqa: UP007
)

CHANNEL = StepContext(
    source_chat_id=-1001234567890,
    source_title="Daily News",
    source_username="dailynews",
    message_id=42,
    date=datetime(2024, 5, 6, 23, 30, tzinfo=timezone.utc),
)
PRIVATE = StepContext(-1009876543210, "Secret <b>Club</b> & co", None, 7, datetime(2024, 1, 2))


def error_of(data: dict[str, object]) -> str:
    with pytest.raises(ValidationError) as caught:
        TextStepAdapter.validate_python(data)
    return str(caught.value.errors()[0]["msg"])


# --- regex replace ---------------------------------------------------------------------------


def test_owner_replaces_a_word_in_the_text_but_never_in_tags() -> None:
    html = '<b>bold</b> text <a href="https://b.com/b">b link</a>'
    step = RegexReplace(pattern="b", replacement="X")
    result = step.apply(html, CHANNEL)
    assert result == '<b>Xold</b> text <a href="https://b.com/b">X link</a>'
    assert_well_formed(result)


def test_a_pattern_naming_a_tag_or_an_attribute_does_not_touch_it() -> None:
    html = '<a href="https://x.com/?q=1&amp;r=2">link</a> and <b>amp</b>'
    assert RegexReplace(pattern="href|amp|<b>").apply(html, CHANNEL) == (
        '<a href="https://x.com/?q=1&amp;r=2">link</a> and'
    )
    literal = "a &lt;b&gt; c"  # the text shows "<b>": that is matched
    assert RegexReplace(pattern="<b>", replacement="B").apply(literal, CHANNEL) == "a B c"


def test_group_references_fill_the_replacement_which_is_plain_text() -> None:
    step = RegexReplace(pattern=r"(\w+)@(?P<host>\w+)", replacement=r"\1 at \g<host> <i>")
    assert step.apply("mail: ann@example now", CHANNEL) == ("mail: ann at example &lt;i&gt; now")


def test_case_sensitivity_is_the_owners_choice() -> None:
    assert RegexReplace(pattern="ad", replacement="x").apply("Ad ad", CHANNEL) == "x x"
    sensitive = RegexReplace(pattern="ad", replacement="x", ignore_case=False)
    assert sensitive.apply("Ad ad", CHANNEL) == "Ad x"


def test_a_match_across_formatting_removes_the_whole_line() -> None:
    html = "News item\n<b>Subscribe:</b> <a href='https://t.me/x'>@x</a>\nMore"
    step = RegexReplace(pattern=r"(?m)^Subscribe:.*$")
    assert step.apply(html, CHANNEL) == "News item\nMore"


def test_a_runaway_regex_stored_before_the_guard_raises_a_timeout() -> None:
    # Loaded from storage as trusted: only its syntax is checked, not its speed.
    step = TextStepAdapter.validate_python(
        {"type": "regex_replace", "pattern": r"(a|a)*b"}, context={"trusted": True}
    )
    assert isinstance(step, RegexReplace)
    started = time.perf_counter()
    with pytest.raises(RegexTimeout):
        step.apply("<b>" + "a" * 40 + "!b</b>", CHANNEL)
    assert time.perf_counter() - started < 1
    assert "exponential time" in error_of({"type": "regex_replace", "pattern": r"(a|a)*b"})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"pattern": "(a+)+$"}, "exponential time"),
        ({"pattern": "(unclosed"}, "Invalid regex"),
        ({"pattern": "  "}, "empty"),
        ({"pattern": "(a)", "replacement": r"\2"}, "invalid group reference"),
        ({"pattern": "(?P<x>a)", "replacement": r"\g<y>"}, "unknown group"),
        ({"pattern": "a", "replacement": "trailing \\"}, "bad escape"),
        ({"pattern": "a", "flags": "i"}, "Extra inputs are not permitted"),
    ],
)
def test_bad_regex_steps_are_refused_with_a_readable_message(
    data: dict[str, object], message: str
) -> None:
    assert message in error_of({"type": "regex_replace", **data})


# --- removals --------------------------------------------------------------------------------


def test_remove_links_unwraps_links_and_drops_urls() -> None:
    html = (
        'Read <a href="https://x.com/a">the story</a> at https://x.com/a, '
        '<a href="https://y.com/">y.com</a> and t.me/chan.\n'
        "https://only.link/on/a/line\n"
        "End"
    )
    result = RemoveLinks().apply(html, CHANNEL)
    assert result == "Read the story at, and.\nEnd"
    assert_well_formed(result)


def test_remove_mentions_drops_usernames_and_unlinks_named_mentions() -> None:
    html = (
        'Thanks @alice_b and <a href="tg://user?id=5">Bob</a>! '
        "Mail me@example.com, @abcd is too short.\n"
        "<code>@decorator_x</code>\n"
        "@channel_name"
    )
    assert RemoveMentions().apply(html, CHANNEL) == (
        "Thanks and Bob! Mail me@example.com, @abcd is too short.\n<code>@decorator_x</code>"
    )


def test_remove_hashtags_drops_them_and_the_line_they_leave_empty() -> None:
    html = "Big news #breaking today\nC# and issue #42 stay\n\n#news #world_cup #Україна"
    assert RemoveHashtags().apply(html, CHANNEL) == ("Big news today\nC# and issue #42 stay")


def test_removals_leave_formatting_balanced() -> None:
    html = "<b>#tag</b> <i>text</i>"
    assert RemoveHashtags().apply(html, CHANNEL) == "<i>text</i>"


# --- header and footer -----------------------------------------------------------------------


def test_header_links_to_the_public_source_post() -> None:
    step = Header(template="<i>From {source_name_link}</i> · {date}")
    assert step.apply("Post", CHANNEL) == (
        '<i>From <a href="https://t.me/dailynews/42">Daily News</a></i> · 2024-05-06\n\nPost'
    )


def test_footer_of_a_private_channel_escapes_its_title() -> None:
    step = Footer(template="{source_title}: <a href='{source_link}'>original</a> {{raw}}")
    result = step.apply("<b>Post</b>", PRIVATE)
    assert result == (
        "<b>Post</b>\n\nSecret &lt;b&gt;Club&lt;/b&gt; &amp; co: "
        '<a href="https://t.me/c/9876543210/7">original</a> {raw}'
    )
    assert_well_formed(result)


def test_the_date_is_the_posts_day_in_utc() -> None:
    kyiv = timezone(timedelta(hours=3))
    late = StepContext(-1001, "T", "t_chan", 1, datetime(2024, 3, 1, 1, 0, tzinfo=kyiv))
    assert Footer(template="{date}").apply("x", late) == "x\n\n2024-02-29"


def test_an_empty_post_gets_just_the_header_or_footer() -> None:
    assert Header(template="<b>Head</b>").apply("", CHANNEL) == "<b>Head</b>"
    assert Footer(template="Foot").apply("  ", CHANNEL) == "Foot"


def test_a_hostile_template_is_sanitized() -> None:
    step = Header(template='<script>x</script><b onclick="x">Hi</b> <a href="javascript:x">y</a>')
    assert step.apply("Post", CHANNEL) == "<b>Hi</b> y\n\nPost"


def test_links_to_chats_telegram_cannot_link() -> None:
    basic_group = StepContext(-12345, "Group", None, 3, datetime(2024, 1, 1))
    assert source_link(basic_group) == ""
    step = Footer(template="via {source_name_link} {source_link}")
    assert step.apply("x", basic_group) == "x\n\nvia Group"


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("From {channel}", "Unknown placeholder {channel}"),
        ("{source_title!r}", "Unknown placeholder"),
        ("{date:%d}", "Unknown placeholder"),
        ("{}", "Unknown placeholder"),
        ("a { b", "lone {"),
        ("x" * 1001, "too long"),
        ("", "empty"),
    ],
)
def test_bad_templates_are_refused(template: str, message: str) -> None:
    for kind in ("header", "footer"):
        text = error_of({"type": kind, "template": template})
        assert message in text
    assert "{source_title}, {source_link}" in error_of({"type": "header", "template": "{x}"})


# --- the union and the rule card -------------------------------------------------------------


def test_steps_are_stored_and_loaded_by_type() -> None:
    steps = [
        RegexReplace(pattern="a+", replacement="b", ignore_case=False),
        RemoveLinks(),
        RemoveMentions(),
        RemoveHashtags(),
        Header(template="H {date}"),
        Footer(template="F"),
    ]
    for step in steps:
        assert isinstance(step, TEXT_STEP_MODELS)
        assert TextStepAdapter.validate_json(step.model_dump_json()) == step
    assert "does not match any of the expected tags" in error_of({"type": "translate"})
    assert all(issubclass(model, BaseModel) for model in TEXT_STEP_MODELS)


def test_each_step_is_described_in_one_short_line() -> None:
    assert RegexReplace(pattern="foo", replacement="bar").describe() == ("Replace /foo/ with “bar”")
    assert RegexReplace(pattern="ads?", ignore_case=False).describe() == (
        "Remove /ads?/ (case-sensitive)"
    )
    assert RemoveLinks().describe() == "Remove links"
    assert RemoveMentions().describe() == "Remove mentions"
    assert RemoveHashtags().describe() == "Remove hashtags"
    assert Footer(template="<b>Source:</b> {source_name_link}").describe() == (
        "Footer: Source: {source_name_link}"
    )
    long = Header(template="word " * 50).describe()
    assert long.startswith("Header: word word") and long.endswith("…") and len(long) <= 50
