"""Long texts, captions and HTML cut to Telegram's limits where a reader would cut them."""

from __future__ import annotations

from html.parser import HTMLParser

from aiogram.types import MessageEntity
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.forwarding.html import split_caption, split_html, split_text, utf16_len

EMOJI = "😀"  # outside the BMP: two UTF-16 units
THUMB = "👍🏽"  # emoji + skin tone modifier: one grapheme, four UTF-16 units


def entity(kind: str, offset: int, length: int, **extra: str) -> MessageEntity:
    return MessageEntity.model_validate({"type": kind, "offset": offset, "length": length, **extra})


def texts(parts: list[tuple[str, list[MessageEntity]]]) -> list[str]:
    return [text for text, _ in parts]


def non_ws(text: str) -> str:
    return "".join(text.split())


# --- counting --------------------------------------------------------------------------------


def test_utf16_len_counts_astral_characters_twice() -> None:
    assert utf16_len("") == 0
    assert utf16_len("abc") == 3
    assert utf16_len("привет") == 6
    assert utf16_len(EMOJI) == 2
    assert utf16_len(THUMB) == 4
    assert utf16_len("a" + EMOJI + "b") == 4


# --- where the cut goes ----------------------------------------------------------------------


def test_text_within_the_limit_comes_back_unchanged() -> None:
    bold = entity("bold", 0, 5)
    assert split_text("Hello world", [bold], 11) == [("Hello world", [bold])]
    assert split_text("", None) == [("", [])]


def test_a_paragraph_break_is_preferred_over_a_line_break() -> None:
    text = "aaaa bbbb cc\n\ncccc\ndddd eeee"
    assert texts(split_text(text, None, 20)) == ["aaaa bbbb cc", "cccc\ndddd eeee"]
    text = "aaaa bbbb cccc\n\ndd\neeee ffff"
    assert texts(split_text(text, None, 20)) == ["aaaa bbbb cccc", "dd\neeee ffff"]


def test_a_line_break_is_preferred_over_a_sentence_end() -> None:
    text = "First line here\nIt goes. On and on"
    assert texts(split_text(text, None, 26)) == ["First line here", "It goes. On and on"]


def test_a_sentence_end_is_preferred_over_a_space() -> None:
    text = "One two three. Four five six seven"
    assert texts(split_text(text, None, 24)) == ["One two three.", "Four five six seven"]
    for mark in ("!", "?", "…"):
        assert split_text(f"One two three{mark} Four five six seven", None, 24)[0][0] == (
            f"One two three{mark}"
        )
    assert texts(split_text("Он сказал «да.» Потом ушёл домой", None, 22))[0] == "Он сказал «да.»"


def test_a_cjk_full_stop_is_a_sentence_end_without_a_space() -> None:
    text = "今日は晴れです。明日は雨が降るでしょう"
    assert texts(split_text(text, None, 12)) == ["今日は晴れです。", "明日は雨が降るでしょう"]


def test_a_space_is_preferred_over_cutting_a_word() -> None:
    text = "alpha beta gamma delta"
    parts = texts(split_text(text, None, 12))
    assert parts == ["alpha beta", "gamma delta"]


def test_a_word_longer_than_the_limit_is_cut_hard() -> None:
    assert texts(split_text("abcdefghij", None, 4)) == ["abcd", "efgh", "ij"]


def test_parts_are_not_made_needlessly_short() -> None:
    # An early paragraph break would leave a tiny part; a late space is taken instead.
    text = "Hi\n\nthis is a long sentence without any stops in it"
    parts = texts(split_text(text, None, 30))
    assert parts[0] == "Hi\n\nthis is a long sentence"


def test_whitespace_at_the_cut_is_dropped_and_nbsp_holds_words_together() -> None:
    text = "word1   \n\n   word2"
    assert texts(split_text(text, None, 10)) == ["word1", "word2"]
    assert texts(split_text("\n" * 12 + "word", None, 10)) == ["word"]
    assert texts(split_text("12\u00a0345 6789", None, 8)) == ["12\u00a0345", "6789"]


def test_emoji_are_counted_as_two_units_and_never_cut_in_half() -> None:
    text = EMOJI * 10
    parts = texts(split_text(text, None, 5))
    assert parts == [EMOJI * 2] * 5
    assert all(utf16_len(part) <= 5 for part in parts)


def test_a_hard_cut_keeps_an_emoji_with_its_skin_tone() -> None:
    text = THUMB * 5
    parts = texts(split_text(text, None, 10))
    assert parts == [THUMB * 2, THUMB * 2, THUMB]


# --- entities --------------------------------------------------------------------------------


def test_entities_are_rebased_to_their_part() -> None:
    text = "Intro text\n\n" + EMOJI + " bold here"
    bold = entity("bold", 15, 4)  # "bold", after the emoji (2 units) and a space
    link = entity("text_link", 0, 5, url="https://example.org")
    (first, first_entities), (second, second_entities) = split_text(text, [link, bold], 16)
    assert first == "Intro text"
    assert first_entities == [link]
    assert second == EMOJI + " bold here"
    assert second_entities == [entity("bold", 3, 4)]
    assert second[1:].startswith(" bold")


def test_an_entity_spanning_a_cut_becomes_two() -> None:
    text = "aaa bbb ccc ddd"
    italic = entity("italic", 4, 7)  # "bbb ccc"
    parts = split_text(text, [italic], 8)
    assert parts == [
        ("aaa bbb", [entity("italic", 4, 3)]),
        ("ccc ddd", [entity("italic", 0, 3)]),
    ]


def test_a_code_block_is_not_cut_when_it_fits_in_the_next_part() -> None:
    code = "x = 1\ny = 2\nz = 3"
    text = "Look at this:\n" + code + "\nand that is all"
    pre = entity("pre", 14, len(code), language="python")
    parts = split_text(text, [pre], 20)
    assert parts == [
        ("Look at this:", []),
        (code, [entity("pre", 0, len(code), language="python")]),
        ("and that is all", []),
    ]


def test_a_code_block_longer_than_the_limit_is_cut_at_its_lines() -> None:
    code = "\n".join(f"line{i}" for i in range(10))
    parts = split_text(code, [entity("pre", 0, len(code))], 20)
    assert all(utf16_len(text) <= 20 for text, _ in parts)
    assert all(ents == [entity("pre", 0, len(text))] for text, ents in parts)
    assert "\n".join(texts(parts)) == code


# --- captions --------------------------------------------------------------------------------


def test_a_short_caption_stays_whole() -> None:
    bold = entity("bold", 0, 3)
    assert split_caption("Hey there", [bold]) == (("Hey there", [bold]), [])


def test_a_long_caption_fits_the_first_part_and_the_rest_follows_as_texts() -> None:
    caption = "Headline here.\n\n" + " ".join(["word"] * 40)
    bold = entity("bold", 0, 8)
    underline = entity("underline", 16, 9)  # "word word"
    first, rest = split_caption(caption, [bold, underline], limit=20, text_limit=50)
    assert first == ("Headline here.", [bold])
    assert all(utf16_len(text) <= 50 for text, _ in rest)
    assert rest[0][1] == [entity("underline", 0, 9)]
    assert non_ws("".join(texts(rest))) == "word" * 40


def test_a_caption_cut_leaving_only_whitespace_has_no_follow_ups() -> None:
    first, rest = split_caption("abcdef" + " " * 10, None, limit=8)
    assert first == ("abcdef", [])
    assert rest == []


# --- HTML ------------------------------------------------------------------------------------


class _Checker(HTMLParser):
    """Parses a part back: its visible text, and whether every tag closes in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.balanced = True
        self.visible: list[str] = []
        self.contexts: list[tuple[str, ...]] = []  # the open tags around each visible character

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        rendered = tag + "".join(f" {k}={v}" for k, v in attrs)
        self.stack.append(rendered)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1].split(" ")[0] != tag:
            self.balanced = False
            return
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.visible.append(data)
        self.contexts.extend([tuple(self.stack)] * len(data))


def parse(html: str) -> _Checker:
    checker = _Checker()
    checker.feed(html)
    checker.close()
    return checker


def visible_with_context(html: str) -> list[tuple[str, tuple[str, ...]]]:
    checker = parse(html)
    return [
        (ch, ctx)
        for ch, ctx in zip("".join(checker.visible), checker.contexts, strict=True)
        if not ch.isspace()
    ]


def assert_split_well(html: str, limit: int) -> list[str]:
    parts = split_html(html, limit)
    for part in parts:
        checker = parse(part)
        assert checker.balanced and not checker.stack, part
        assert utf16_len("".join(checker.visible)) <= limit, part
    joined: list[tuple[str, tuple[str, ...]]] = []
    for part in parts:
        joined.extend(visible_with_context(part))
    assert joined == visible_with_context(html)
    return parts


def test_html_within_the_limit_comes_back_unchanged() -> None:
    html = "<b>bold</b> &amp; <i>it</i>"
    assert split_html(html, 10) == [html]


def test_html_tags_open_at_a_cut_are_closed_and_reopened() -> None:
    html = '<b>Hello <i>big world</i>. And</b> <a href="https://x.org/?a=1&amp;b=2">a link</a>'
    parts = assert_split_well(html, 16)
    assert parts == [
        "<b>Hello <i>big world</i>.</b>",
        '<b>And</b> <a href="https://x.org/?a=1&amp;b=2">a link</a>',
    ]


def test_html_visible_length_counts_entities_and_emoji_as_telegram_does() -> None:
    html = "<b>&lt;&gt;&amp;</b> " + EMOJI * 3
    parts = assert_split_well(html, 6)
    assert parts == ["<b>&lt;&gt;&amp;</b>", EMOJI * 3]


def test_html_blockquote_and_spoiler_keep_their_attributes() -> None:
    html = (
        "<blockquote expandable>one two three four five six</blockquote>"
        '<span class="tg-spoiler">secret words here</span>'
    )
    parts = assert_split_well(html, 14)
    assert parts[0].startswith("<blockquote expandable>")
    assert parts[1].startswith("<blockquote expandable>")
    assert any(part.startswith('<span class="tg-spoiler">') for part in parts[1:])


def test_html_code_block_is_kept_whole_when_it_fits() -> None:
    html = 'Intro words here <pre><code class="language-python">a = 1\nb = 2</code></pre> end'
    parts = assert_split_well(html, 16)
    assert parts[0] == "Intro words here"
    assert parts[1].startswith('<pre><code class="language-python">a = 1\nb = 2</code></pre>')


def test_html_custom_emoji_is_never_cut() -> None:
    html = 'ab <tg-emoji emoji-id="5368324170671202286">👍</tg-emoji>' * 4
    parts = assert_split_well(html, 7)
    assert all(part.count("<tg-emoji") == part.count("👍") for part in parts)


def test_html_stray_and_misnested_tags_still_give_well_formed_parts() -> None:
    html = "<b>one <i>two</b> three</i> four</u> five six seven"
    parts = split_html(html, 10)
    assert parts == ["<b>one <i>two</i></b>", "three four", "five six", "seven"]
    for part in parts:
        checker = parse(part)
        assert checker.balanced and not checker.stack


# --- properties ------------------------------------------------------------------------------

_ALPHABET = st.sampled_from(
    [*"ab cd.!?\n", "\n\n", "  ", EMOJI, THUMB, "é", "e\u0301", "я", "…", "。", "\u00a0"]
)
_TEXT = st.lists(_ALPHABET, min_size=0, max_size=120).map("".join)


@settings(max_examples=300, deadline=None)
@given(text=_TEXT, limit=st.integers(min_value=4, max_value=40))
def test_split_text_loses_nothing_and_respects_the_limit(text: str, limit: int) -> None:
    parts = texts(split_text(text, None, limit))
    assert all(utf16_len(part) <= limit for part in parts)
    assert non_ws("".join(parts)) == non_ws(text)
    position = 0
    for part in parts:  # every part is a piece of the text, in order
        found = text.find(part, position)
        assert found >= 0
        position = found + len(part)
    if utf16_len(text) > limit and text.strip():
        assert all(part.strip() for part in parts)


@st.composite
def _text_with_entities(draw: st.DrawFn) -> tuple[str, list[MessageEntity]]:
    text = draw(_TEXT)
    total = utf16_len(text)
    entities = []
    for _ in range(draw(st.integers(0, 4))):
        start = draw(st.integers(0, total))
        end = draw(st.integers(start, total))
        if end > start:
            kind = draw(st.sampled_from(["bold", "italic", "pre", "code"]))
            entities.append(entity(kind, start, end - start))
    return text, entities


def _covered(text: str, entities: list[MessageEntity]) -> list[tuple[str, frozenset[str]]]:
    """Each non-whitespace character with the entity types that cover it."""
    result = []
    offset = 0
    for ch in text:
        width = utf16_len(ch)
        kinds = frozenset(
            e.type for e in entities if e.offset <= offset and offset + width <= e.offset + e.length
        )
        if not ch.isspace():
            result.append((ch, kinds))
        offset += width
    return result


@settings(max_examples=300, deadline=None)
@given(data=_text_with_entities(), limit=st.integers(min_value=4, max_value=40))
def test_split_text_keeps_every_character_formatted_as_before(
    data: tuple[str, list[MessageEntity]], limit: int
) -> None:
    text, entities = data
    parts = split_text(text, entities, limit)
    joined = []
    for part, part_entities in parts:
        assert utf16_len(part) <= limit
        for e in part_entities:
            assert e.length > 0 and e.offset + e.length <= utf16_len(part)
        joined.extend(_covered(part, part_entities))
    assert joined == _covered(text, entities)


_TAGS = ["b", "i", "u", "s", "code", "pre", "tg-spoiler", "blockquote", 'a href="https://x.y/?q=1"']


@st.composite
def _html(draw: st.DrawFn, depth: int = 0) -> str:
    pieces = []
    for _ in range(draw(st.integers(1, 4))):
        if depth < 3 and draw(st.booleans()):
            tag = draw(st.sampled_from(_TAGS))
            inner = draw(_html(depth + 1))
            pieces.append(f"<{tag}>{inner}</{tag.split(' ')[0]}>")
        else:
            raw = draw(_TEXT)
            pieces.append(raw.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))
    return "".join(pieces)


@settings(max_examples=300, deadline=None)
@given(html=_html(), limit=st.integers(min_value=4, max_value=40))
def test_split_html_parts_are_well_formed_and_lose_nothing(html: str, limit: int) -> None:
    assert_split_well(html, limit)
