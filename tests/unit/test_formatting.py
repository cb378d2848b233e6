"""Telegram HTML: from a post's entities, from a model's untrusted answer, and cut to a length."""

from __future__ import annotations

import time
from html.parser import HTMLParser

import pytest
from aiogram.types import MessageEntity
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.forwarding.html import (
    edit_text,
    fit,
    html_to_text,
    link_key,
    links_of,
    remove_links,
    sanitize_html,
    to_html,
    unwrap_links,
    utf16_len,
    visible_length,
)
from sandbox.telegram.markup import parse_html

ALLOWED_TAGS = {"b", "i", "u", "s", "code", "pre", "a", "tg-spoiler", "tg-emoji", "blockquote"}
ALLOWED_ATTRS = {
    "a": {"href"},
    "code": {"class"},
    "tg-emoji": {"emoji-id"},
    "blockquote": {"expandable"},
}
EMOJI = "😀"  # two UTF-16 units


def entity(kind: str, offset: int, length: int, **extra: object) -> MessageEntity:
    return MessageEntity.model_validate({"type": kind, "offset": offset, "length": length, **extra})


class _Checker(HTMLParser):
    """Fails on anything but balanced, allowed tags with allowed attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        assert tag in ALLOWED_TAGS, tag
        assert {name for name, _ in attrs} <= ALLOWED_ATTRS.get(tag, set()), (tag, attrs)
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        raise AssertionError(f"self-closing <{tag}/>")

    def handle_endtag(self, tag: str) -> None:
        assert self.stack and self.stack.pop() == tag, tag

    def handle_comment(self, data: str) -> None:
        raise AssertionError("comment")

    def handle_decl(self, decl: str) -> None:
        raise AssertionError("declaration")


def assert_well_formed(html: str) -> None:
    checker = _Checker()
    checker.feed(html)
    checker.close()
    assert not checker.stack, checker.stack
    assert not checker.rawdata  # nothing left unparsed
    parse_html(html)  # and the Bot API stand-in (TDLib's rules) accepts it


# --- entities to HTML ------------------------------------------------------------------------

EVERY_KIND = [
    ("bold text", [entity("bold", 0, 4)], "<b>bold</b> text"),
    ("italic", [entity("italic", 0, 6)], "<i>italic</i>"),
    ("under", [entity("underline", 0, 5)], "<u>under</u>"),
    ("gone", [entity("strikethrough", 0, 4)], "<s>gone</s>"),
    ("secret", [entity("spoiler", 0, 6)], "<tg-spoiler>secret</tg-spoiler>"),
    ("x = 1", [entity("code", 0, 5)], "<code>x = 1</code>"),
    ("block", [entity("pre", 0, 5)], "<pre>block</pre>"),
    (
        "print(1)",
        [entity("pre", 0, 8, language="python")],
        '<pre><code class="language-python">print(1)</code></pre>',
    ),
    (
        "site",
        [entity("text_link", 0, 4, url="https://example.com/?a=1&b=2")],
        '<a href="https://example.com/?a=1&amp;b=2">site</a>',
    ),
    (
        "Bob",
        [entity("text_mention", 0, 3, user={"id": 42, "is_bot": False, "first_name": "Bob"})],
        '<a href="tg://user?id=42">Bob</a>',
    ),
    ("quoted", [entity("blockquote", 0, 6)], "<blockquote>quoted</blockquote>"),
    (
        "long\nquote",
        [entity("expandable_blockquote", 0, 10)],
        "<blockquote expandable>long\nquote</blockquote>",
    ),
    (
        f"{EMOJI} hi",
        [entity("custom_emoji", 0, 2, custom_emoji_id="5368324170671202286")],
        f'<tg-emoji emoji-id="5368324170671202286">{EMOJI}</tg-emoji> hi',
    ),
    ("a < b & c > d", [entity("bold", 2, 1)], "a <b>&lt;</b> b &amp; c &gt; d"),
    ("@someone #tag", [entity("mention", 0, 8), entity("hashtag", 9, 4)], "@someone #tag"),
]


@pytest.mark.parametrize(("text", "entities", "expected"), EVERY_KIND)
def test_every_kind_of_formatting_becomes_telegram_html(
    text: str, entities: list[MessageEntity], expected: str
) -> None:
    assert to_html(text, entities) == expected
    assert_well_formed(expected)


@pytest.mark.parametrize(("text", "entities", "expected"), EVERY_KIND)
def test_sanitizing_a_posts_own_html_changes_nothing(
    text: str, entities: list[MessageEntity], expected: str
) -> None:
    html = to_html(text, entities)
    assert sanitize_html(html) == html
    assert sanitize_html(html, allowed_links=links_of(html)) == html
    assert html_to_text(html) == text


def test_offsets_after_an_emoji_count_in_utf16_units() -> None:
    text = f"{EMOJI}{EMOJI} bold 👍🏽 end"
    bold = entity("bold", 5, 4)
    thumb_italic = entity("italic", 10, 4)
    assert to_html(text, [bold, thumb_italic]) == f"{EMOJI}{EMOJI} <b>bold</b> <i>👍🏽</i> end"


def test_nested_entities_nest_whatever_order_they_are_listed_in() -> None:
    inner, outer = entity("italic", 0, 3), entity("bold", 0, 7)
    expected = "<b><i>one</i> two</b> three"
    assert to_html("one two three", [inner, outer]) == expected
    assert to_html("one two three", [outer, inner]) == expected
    quote = entity("blockquote", 0, 13)
    link = entity("text_link", 4, 3, url="https://t.me/x")
    assert to_html("one two three", [link, quote, entity("spoiler", 4, 3)]) == (
        '<blockquote>one <a href="https://t.me/x"><tg-spoiler>two</tg-spoiler></a> three'
        "</blockquote>"
    )


def test_overlapping_entities_are_split_without_repeating_text() -> None:
    html = to_html("abcdef", [entity("bold", 0, 4), entity("italic", 2, 4)])
    assert html == "<b>ab<i>cd</i></b><i>ef</i>"
    assert html_to_text(html) == "abcdef"


def test_broken_entities_keep_the_text() -> None:
    text = "hello world"
    entities = [
        entity("bold", 0, 0),  # empty
        entity("italic", 6, 50),  # past the end
        entity("text_mention", 0, 5),  # no user
        entity("date_time", 0, 5, unix_time=1_700_000_000),  # not in the subset: plain text
    ]
    assert to_html(text, entities) == "hello <i>world</i>"
    assert to_html("", [entity("bold", 0, 1)]) == ""
    assert to_html("plain", None) == "plain"


ENTITY_KINDS = ["bold", "italic", "underline", "strikethrough", "spoiler", "text_link"]


@st.composite
def formatted_texts(draw: st.DrawFn) -> tuple[str, list[MessageEntity]]:
    text = draw(st.text(alphabet=st.sampled_from([*"ab <&>\n", EMOJI, "é"]), max_size=20))
    units = [utf16_len(text[:i]) for i in range(len(text) + 1)]  # offsets Telegram can send
    entities = []
    for kind in draw(st.lists(st.sampled_from(ENTITY_KINDS), max_size=5, unique=True)):
        if len(text) == 0:
            break
        start = draw(st.integers(0, len(text) - 1))
        end = draw(st.integers(start + 1, len(text)))
        offset, length = units[start], units[end] - units[start]
        entities.append(entity(kind, offset, length, url="https://e.com/"))
    return text, entities


def _covered(entities: list[dict[str, object]], kind: str) -> set[int]:
    units: set[int] = set()
    for e in entities:
        if e["type"] == kind:
            start = int(str(e["offset"]))
            units |= set(range(start, start + int(str(e["length"]))))
    return units


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(formatted_texts())
def test_telegram_reads_back_the_same_text_and_formatting(
    post: tuple[str, list[MessageEntity]],
) -> None:
    text, entities = post
    html = to_html(text, entities)
    parsed_text, parsed = parse_html(html)
    assert parsed_text == text
    for kind in ENTITY_KINDS:
        assert _covered(parsed, kind) == _covered([e.model_dump() for e in entities], kind)


# --- sanitizing a model's answer -------------------------------------------------------------


@pytest.mark.parametrize(
    ("hostile", "safe"),
    [
        ("<script>alert(1)</script>Hi", "Hi"),
        ("<style>b{}</style><b onclick='steal()'>bold</b>", "<b>bold</b>"),
        ('<a href="javascript:alert(1)">click</a>', "click"),
        ('<a href=" JaVaScRiPt:alert(1)">click</a>', "click"),
        ('<a href="java&#115;cript:x">click</a>', "click"),
        ('<a href="data:text/html,x">click</a>', "click"),
        ('<a href="/relative">click</a>', "click"),
        (
            '<a href="https://ok.com" target="_blank" style="x">ok</a>',
            '<a href="https://ok.com">ok</a>',
        ),
        ("<marquee><font color=red>text</font></marquee>", "text"),
        ('<img src=x onerror="alert(1)">after', "after"),
        ("<b><i>both</b> italic</i>", "<b><i>both</i></b><i> italic</i>"),
        ("<b>never closed", "<b>never closed</b>"),
        ("stray</i> closer</b>", "stray closer"),
        ("a < b && c > d", "a &lt; b &amp;&amp; c &gt; d"),
        ("List<String> <username>", "List&lt;String&gt; &lt;username&gt;"),
        ("line<br>break<br/>twice<BR />", "line\nbreak\ntwice"),
        ("<p>one</p>\n\n<p>two</p><p></p>", "one\n\ntwo"),
        ("<ul><li>a</li><li>b</li></ul>", "• a\n• b"),
        (
            '<a href="https://a.com">x<a href="https://b.com">y</a>z</a>',
            '<a href="https://a.com">xyz</a>',
        ),
        ("<b>bold <strong>twice</strong></b>", "<b>bold twice</b>"),
        ("<code>a<b>b</b></code>", "<code>ab</code>"),
        ("<code class='language-x'>c</code>", "<code>c</code>"),
        ("<pre><code>plain block</code></pre>", "<pre>plain block</pre>"),
        (
            '<span class="tg-spoiler">s</span> <span class="x">t</span>',
            "<tg-spoiler>s</tg-spoiler> t",
        ),
        ('<tg-emoji emoji-id="1&quot;">😀</tg-emoji>', "😀"),
        ("<blockquote><blockquote>q</blockquote></blockquote>", "<blockquote>q</blockquote>"),
        (
            "&amp;lt; &copy; &#x1F600; &#0; &bogus; AT&T",
            "&amp;lt; © 😀 \ufffd &amp;bogus; AT&amp;T",
        ),
        ("<!-- hidden -->shown<!DOCTYPE html><?xml x?>", "shown"),
        ("<think>I should…</think>\n\nThe answer", "The answer"),
        ("<thinking>hmm</thinking>The answer", "The answer"),
        ("the model thinks</think>The answer", "The answer"),
        ("```html\n<b>x</b>\n```", "<b>x</b>"),
        ("```\nno end", "no end"),
        ("Here is the rewritten post:\n<b>x</b>", "Here is the rewritten post:\n<b>x</b>"),
        ("<b></b><i> </i>  text  ", "text"),
        ("\x00nul\x07 and\r\nCRLF", "nul and\nCRLF"),
    ],
)
def test_a_hostile_answer_becomes_safe_telegram_html(hostile: str, safe: str) -> None:
    assert sanitize_html(hostile) == safe
    assert_well_formed(safe)


def test_a_legitimate_markdown_block_inside_the_answer_keeps_its_fences() -> None:
    answer = "Intro\n```\ncode\n```\nOutro"
    assert html_to_text(sanitize_html(answer)) == answer


def test_links_of_the_source_are_kept_and_new_ones_removed() -> None:
    source = '<a href="https://good.com/page">read</a> or https://t.me/chan/5'
    allowed = links_of(source)
    assert allowed == {"https://good.com/page", "https://t.me/chan/5"}
    answer = (
        '<a href="https://good.com/page/">Read</a> it. <a href="https://evil.com">Win</a> '
        "prizes at https://evil.com/x. Also t.me/chan/5 and http://t.me/spam\n"
        "https://evil.com\n"
        "Bye"
    )
    assert sanitize_html(answer, allowed_links=allowed) == (
        '<a href="https://good.com/page/">Read</a> it. Win prizes at. Also t.me/chan/5 and\nBye'
    )
    assert sanitize_html(answer) == sanitize_html(answer, allowed_links=None)
    assert "evil.com" in sanitize_html(answer)  # None: new links are allowed


def test_a_link_whose_text_is_a_foreign_url_goes_entirely() -> None:
    answer = 'See <a href="https://evil.com">evil.com</a> now'
    assert sanitize_html(answer, allowed_links=[]) == "See now"


def test_hopelessly_nested_markup_falls_back_to_its_escaped_text() -> None:
    answer = "<b>" * 500 + "deep & <dark>" + "</b>" * 3
    assert sanitize_html(answer) == "deep &amp; &lt;dark&gt;"


@pytest.mark.parametrize(
    "garbage",
    [
        "<b x=" * 8_000,
        "<!--" * 8_000,
        '<b x="' + "<b y='" * 8_000,
        "<b></b><p>" * 5_000,
        "<b> </b><i> </i>" * 5_000,
        "https://spam.example/x\n" * 3_000,
        "<" * 20_000,
    ],
)
def test_garbage_is_handled_in_linear_time(garbage: str) -> None:
    started = time.perf_counter()
    assert_well_formed(sanitize_html(garbage, allowed_links=[]))
    assert time.perf_counter() - started < 1


def test_sanitizing_twice_changes_nothing() -> None:
    samples = [
        "<b><i>x</b>y</i> <a href='https://a.b'>l</a> https://c.d",
        "```\n```\n```\n```",
        "<p>```</p>",
        "a\n\n\n<p>b</p>",
        "&amp;amp;",
    ]
    for sample in samples:
        once = sanitize_html(sample)
        assert sanitize_html(once) == once
        restricted = sanitize_html(sample, allowed_links=["https://a.b"])
        assert sanitize_html(restricted, allowed_links=["https://a.b"]) == restricted


MARKUP_PIECES = st.sampled_from(
    [
        *"ab <>/&;\"'=\n#@`",
        "<b>",
        "</b>",
        "<i>",
        "</em>",
        "<strong>",
        "<a href='https://x.y'>",
        "<a href=javascript:x>",
        "</a>",
        "<pre>",
        "</pre>",
        '<code class="language-x">',
        "</code>",
        "<p>",
        "<br>",
        "<li>",
        "&amp;",
        "&lt;",
        "&#",
        "<script>",
        "</script>",
        "<blockquote expandable>",
        "</blockquote>",
        "<span class=tg-spoiler>",
        "</span>",
        "<tg-emoji emoji-id=1>",
        "</tg-emoji>",
        "```\n",
        "<!--",
        "-->",
        "</think>",
        "https://e.com",
        "https://x.y",
        "<div onclick='x'>",
    ]
)
ANSWERS = st.one_of(st.text(), st.lists(MARKUP_PIECES, max_size=40).map("".join))


@settings(max_examples=250, suppress_health_check=[HealthCheck.too_slow])
@given(ANSWERS)
def test_any_answer_becomes_balanced_html_with_allowed_tags_only(answer: str) -> None:
    once = sanitize_html(answer)
    assert_well_formed(once)
    assert sanitize_html(once) == once
    restricted = sanitize_html(answer, allowed_links=["https://x.y"])
    assert_well_formed(restricted)
    assert sanitize_html(restricted, allowed_links=["https://x.y"]) == restricted
    # Only the allowed link survives, in any spelling of it (http/https, case, www, a final /).
    assert {link_key(link) for link in links_of(restricted)} <= {link_key("https://x.y")}


# --- editing the visible text ----------------------------------------------------------------


def test_an_edit_that_crosses_tags_keeps_them_balanced() -> None:
    html = "<b>Sponsored: </b><a href='https://ad.com'>buy</a> now\nReal news"
    assert edit_text(html, lambda text: [(0, text.index("\n") + 1, "")]) == "Real news"
    replaced = edit_text("<b>old</b> text", lambda text: [(0, 3, "new <&>")])
    assert replaced == "<b>new &lt;&amp;&gt;</b> text"


def test_unwrapping_and_removing_links() -> None:
    html = '<a href="tg://user?id=1">Ann</a> and <a href="https://x.com">x.com</a>'
    assert unwrap_links(html, lambda href: href.startswith("tg:")) == (
        'Ann and <a href="https://x.com">x.com</a>'
    )
    assert remove_links(html) == "Ann and"
    assert remove_links(html, keep=["https://x.com/"]) == html.replace(
        '<a href="tg://user?id=1">Ann</a>', "Ann"
    )


# --- length ----------------------------------------------------------------------------------


def test_visible_length_counts_what_telegram_counts() -> None:
    html = f'<b>a&amp;b</b> <a href="https://long.example.com/">{EMOJI}</a>'
    assert html_to_text(html) == f"a&b {EMOJI}"
    assert visible_length(html) == 6


def test_a_text_that_fits_is_left_alone() -> None:
    html = "<b>short</b>"
    assert fit(html, 5) == (html, False)


def test_a_long_text_is_cut_at_a_sentence_and_marked() -> None:
    html = "<b>First sentence here. Second one is longer</b> and more text follows."
    cut, was_cut = fit(html, 40)
    assert was_cut
    assert cut == "<b>First sentence here.</b>…"
    assert visible_length(cut) <= 40
    assert_well_formed(cut)


def test_a_cut_inside_a_link_keeps_the_link_whole() -> None:
    html = "para one\n\n" + '<a href="https://e.com">' + "word " * 30 + "</a>"
    cut, was_cut = fit(html, 60)
    assert was_cut and visible_length(cut) <= 60
    assert cut.startswith('para one\n\n<a href="https://e.com">word') and cut.endswith("</a>…")
    assert_well_formed(cut)


def test_a_tiny_limit_still_gives_something_sendable() -> None:
    assert fit("<b>abc</b>", 1) == ("…", True)
    assert fit("<b>abc</b>", 0) == ("", True)
