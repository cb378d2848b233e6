"""A rule's filters: what the owner can save, and which posts pass them and why not."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.forwarding.post import Post
from bot.forwarding.rules.filters import (
    FilterSpec,
    FilterVerdict,
    check,
    content_fingerprint,
    describe,
    validation_message,
)


def post(text: str = "", **fields: object) -> Post:
    values: dict[str, object] = {"chat_id": -100, "message_ids": (1,), "text": text}
    values.update(fields)
    return Post(**values)  # type: ignore[arg-type]


def passes(spec: FilterSpec, item: Post) -> bool:
    verdict = check(spec, item)
    assert verdict.passed is (verdict.reason is None)
    return verdict.passed


def reason(spec: FilterSpec, item: Post) -> str | None:
    return check(spec, item).reason


# --- saving ----------------------------------------------------------------------------------


def test_an_empty_spec_lets_every_post_through() -> None:
    spec = FilterSpec()
    assert spec.is_unrestricted()
    assert check(spec, post("anything")) == FilterVerdict(passed=True)
    assert check(spec, post(media_kinds=frozenset({"sticker"}))).passed


def test_unknown_fields_are_refused() -> None:
    with pytest.raises(ValidationError):
        FilterSpec.model_validate({"include_keyword": ["typo"]})


@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(a|a)*b", r"(\w+\s?)+$", r"(x+x+)+y"])
def test_owner_cannot_save_a_catastrophic_regex(pattern: str) -> None:
    with pytest.raises(ValidationError) as refused:
        FilterSpec(exclude_regex=["ok", pattern])
    message = validation_message(refused.value)
    assert message.startswith("exclude_regex: This regex can take exponential time")


def test_owner_cannot_save_an_invalid_regex() -> None:
    with pytest.raises(ValidationError) as refused:
        FilterSpec(include_regex=["(unclosed"])
    assert validation_message(refused.value) == (
        "include_regex: Invalid regex: missing ) at position 9"
    )


def test_a_stored_spec_is_read_back_without_probing_again() -> None:
    spec = FilterSpec(include_keywords=["btc"], include_regex=[r"\bbitcoin\b"])
    assert FilterSpec.from_stored(spec.model_dump_json()) == spec
    assert FilterSpec.from_stored(spec.model_dump()) == spec
    assert FilterSpec.from_stored(None) == FilterSpec()
    # A pattern a later, stricter guard would refuse still loads; its syntax is checked.
    assert FilterSpec.from_stored({"include_regex": [r"(a|a)*b"]}).include_regex == [r"(a|a)*b"]
    with pytest.raises(ValidationError):
        FilterSpec.from_stored({"include_regex": ["(oops"]})


def test_keywords_are_trimmed_and_deduplicated_ignoring_case() -> None:
    spec = FilterSpec(include_keywords=["  Bitcoin ", "bitcoin", "", "free   money", "ETH"])
    assert spec.include_keywords == ["Bitcoin", "free money", "ETH"]


def test_media_types_must_be_known_kinds() -> None:
    assert FilterSpec(media_types=["Photo", "video", "photo"]).media_types == ["photo", "video"]
    with pytest.raises(ValidationError) as refused:
        FilterSpec(media_types=["gif"])
    assert "Unknown media type 'gif'" in validation_message(refused.value)


def test_lengths_must_be_ordered_and_not_negative() -> None:
    with pytest.raises(ValidationError) as refused:
        FilterSpec(min_length=10, max_length=5)
    assert "minimum length (10) is greater than the maximum length (5)" in validation_message(
        refused.value
    )
    with pytest.raises(ValidationError):
        FilterSpec(min_length=-1)
    assert FilterSpec(min_length=5, max_length=5).max_length == 5


def test_dedup_window_must_be_positive() -> None:
    with pytest.raises(ValidationError):
        FilterSpec(dedup_window_minutes=0)
    assert not FilterSpec(dedup_window_minutes=60).is_unrestricted()


# --- keywords --------------------------------------------------------------------------------


def test_include_keywords_need_any_one_of_them() -> None:
    spec = FilterSpec(include_keywords=["bitcoin", "eth"])
    assert passes(spec, post("Buy BITCOIN today"))
    assert passes(spec, post("eth is up"))
    assert reason(spec, post("nothing here")) == "no_include_keyword"
    assert reason(spec, post(media_kinds=frozenset({"photo"}))) == "no_include_keyword"


def test_exclude_keywords_name_the_one_found() -> None:
    spec = FilterSpec(exclude_keywords=["spam", "casino"])
    assert passes(spec, post("a fine post"))
    assert reason(spec, post("Best CASINO in town")) == "exclude_keyword:casino"


def test_substring_match_finds_keyword_inside_words_whole_word_does_not() -> None:
    substring = FilterSpec(include_keywords=["coin"])
    whole = FilterSpec(include_keywords=["coin"], whole_word=True)
    assert passes(substring, post("bitcoin rises"))
    assert not passes(whole, post("bitcoin rises"))
    assert passes(whole, post("one coin, two coins"))
    assert passes(whole, post("#coin"))
    assert not passes(whole, post("coin_base"))  # underscore joins words
    assert not passes(whole, post("coin2024"))


def test_whole_word_understands_cyrillic() -> None:
    spec = FilterSpec(include_keywords=["привет"], whole_word=True)
    assert passes(spec, post("Привет, мир!"))
    assert passes(spec, post("ПРИВЕТ"))
    assert not passes(spec, post("приветствую всех"))
    assert passes(FilterSpec(include_keywords=["привет"]), post("приветствую всех"))


def test_whole_word_understands_accents_and_unicode_forms() -> None:
    spec = FilterSpec(include_keywords=["café"], whole_word=True)
    assert passes(spec, post("I love CAFÉ!"))
    assert passes(spec, post("cafe\u0301 au lait"))  # e + combining acute accent
    assert not passes(spec, post("cafés"))
    assert not passes(spec, post("cafe"))


def test_whole_word_next_to_emoji() -> None:
    spec = FilterSpec(include_keywords=["sale"], whole_word=True)
    assert passes(spec, post("🔥sale🔥 today"))
    assert not passes(spec, post("wholesale🔥"))
    emoji = FilterSpec(include_keywords=["🔥"], whole_word=True)
    assert passes(emoji, post("hot🔥deal"))


def test_keywords_ignore_case_and_spacing() -> None:
    spec = FilterSpec(exclude_keywords=["Free Money"])
    assert reason(spec, post("get FREE\n  money now")) == "exclude_keyword:Free Money"
    assert passes(FilterSpec(include_keywords=["STRASSE"]), post("die Straße"))


def test_exclusion_wins_over_inclusion() -> None:
    spec = FilterSpec(include_keywords=["bitcoin"], exclude_keywords=["scam"])
    assert reason(spec, post("bitcoin scam")) == "exclude_keyword:scam"


# --- regexes ---------------------------------------------------------------------------------


def test_include_regex_needs_any_match() -> None:
    spec = FilterSpec(include_regex=[r"^\[AD\]", r"\d{3}-\d{4}"])
    assert passes(spec, post("[ad] buy now"))  # case-insensitive
    assert passes(spec, post("call 555-1234"))
    assert reason(spec, post("plain text")) == "no_include_regex"


def test_exclude_regex_names_the_pattern() -> None:
    spec = FilterSpec(exclude_regex=[r"https?://\S+"])
    assert passes(spec, post("no links here"))
    assert reason(spec, post("see http://x.y")) == r"exclude_regex:https?://\S+"


def test_regex_timeout_is_an_error_verdict_not_a_silent_drop() -> None:
    spec = FilterSpec.from_stored({"include_regex": [r"(a|a)*b"]})
    verdict = check(spec, post("a" * 40 + "!b"))
    assert verdict == FilterVerdict(passed=False, reason=r"regex_timeout:(a|a)*b", error=True)


def test_a_definite_exclusion_beats_a_timed_out_regex() -> None:
    spec = FilterSpec.from_stored({"include_regex": [r"(a|a)*b"], "exclude_regex": ["!b"]})
    verdict = check(spec, post("a" * 40 + "!b"))
    assert verdict == FilterVerdict(passed=False, reason="exclude_regex:!b", error=False)


def test_an_unevaluated_exclusion_is_an_error_even_if_an_inclusion_matches() -> None:
    spec = FilterSpec.from_stored({"include_regex": ["b"], "exclude_regex": [r"(a|a)*b"]})
    verdict = check(spec, post("a" * 40 + "!b"))
    assert verdict.error and verdict.reason == r"regex_timeout:(a|a)*b"


def test_an_invalid_stored_regex_is_an_error_verdict() -> None:
    spec = FilterSpec.model_construct(include_regex=["(oops"])
    assert check(spec, post("oops")) == FilterVerdict(
        passed=False, reason="regex_invalid:(oops", error=True
    )


# --- media, origin, length, senders ---------------------------------------------------------


def test_only_photos_refuses_videos_and_mixed_albums() -> None:
    spec = FilterSpec(media_types=["photo"])
    assert passes(spec, post("caption", media_kinds=frozenset({"photo"})))
    assert passes(spec, post("caption", media_kinds=frozenset({"photo", "text"})))
    assert reason(spec, post(media_kinds=frozenset({"video"}))) == "media_type:video"
    album = post(media_kinds=frozenset({"photo", "video"}), media_group_id="g", message_ids=(1, 2))
    assert reason(spec, album) == "media_type:video"
    assert reason(spec, post("just text")) == "media_type:text"


def test_text_posts_are_of_kind_text() -> None:
    spec = FilterSpec(media_types=["text"])
    assert passes(spec, post("hello"))
    assert passes(spec, post("hello", media_kinds=frozenset({"text"})))
    assert reason(spec, post("caption", media_kinds=frozenset({"photo"}))) == "media_type:photo"


def test_origin_original_or_forwarded() -> None:
    original = FilterSpec(origin="original")
    forwarded = FilterSpec(origin="forwarded")
    assert passes(original, post("x"))
    assert reason(original, post("x", is_forwarded=True)) == "forwarded"
    assert passes(forwarded, post("x", is_forwarded=True))
    assert reason(forwarded, post("x")) == "not_forwarded"


def test_length_limits_count_characters_of_the_trimmed_text() -> None:
    spec = FilterSpec(min_length=5, max_length=10)
    assert passes(spec, post("  12345  "))
    assert passes(spec, post("😀" * 10))  # characters, not UTF-16 units
    assert reason(spec, post("1234")) == "too_short"
    assert reason(spec, post("12345678901")) == "too_long"
    assert reason(spec, post(media_kinds=frozenset({"photo"}))) == "too_short"


def test_senders_and_excluded_senders() -> None:
    only = FilterSpec(senders=[1, 2])
    assert passes(only, post("x", sender_id=2))
    assert reason(only, post("x", sender_id=3)) == "sender_not_allowed"
    assert reason(only, post("channel post")) == "sender_not_allowed"
    excluded = FilterSpec(exclude_senders=[3])
    assert passes(excluded, post("x", sender_id=2))
    assert passes(excluded, post("channel post"))
    assert reason(excluded, post("x", sender_id=3)) == "sender_excluded"


def test_cheap_checks_decide_before_keywords() -> None:
    spec = FilterSpec(origin="original", exclude_keywords=["spam"])
    assert reason(spec, post("spam", is_forwarded=True)) == "forwarded"


# --- fingerprint -----------------------------------------------------------------------------


def test_fingerprint_ignores_case_and_spacing() -> None:
    a = content_fingerprint(post("Hello   World!\n\nNew  line", chat_id=1))
    b = content_fingerprint(post("  hello world! new line ", chat_id=2, message_ids=(9,)))
    assert a == b
    assert len(a) == 32
    assert all(ch in "0123456789abcdef" for ch in a)


def test_fingerprint_differs_for_different_content() -> None:
    text = content_fingerprint(post("Hello world"))
    assert text != content_fingerprint(post("Hello world!"))
    assert text != content_fingerprint(post("Hello world", media_kinds=frozenset({"photo"})))


def test_fingerprint_of_captionless_media_counts_items_and_uses_media_ids() -> None:
    one = content_fingerprint(post(media_kinds=frozenset({"photo"})))
    album = content_fingerprint(
        post(media_kinds=frozenset({"photo"}), media_group_id="g", message_ids=(1, 2, 3))
    )
    assert one != album
    photo = post(media_kinds=frozenset({"photo"}))
    assert content_fingerprint(photo, ["AQAD1"]) != content_fingerprint(photo, ["AQAD2"])
    assert content_fingerprint(photo, ["b", "a"]) == content_fingerprint(photo, ["a", "b"])


# --- describe --------------------------------------------------------------------------------


def test_describe_lists_every_filter_in_plain_words() -> None:
    spec = FilterSpec(
        include_keywords=["bitcoin", "eth"],
        exclude_keywords=["scam"],
        whole_word=True,
        include_regex=[r"^\[AD\]"],
        exclude_regex=[r"https?://\S+"],
        media_types=["photo", "video_note"],
        origin="original",
        min_length=10,
        max_length=500,
        senders=[42],
        exclude_senders=[7],
        dedup_window_minutes=120,
    )
    assert describe(spec) == [
        "Only original posts (no forwards)",
        "Only from users: 42",
        "Not from users: 7",
        "Only: photo, video note",
        "Length: 10–500 characters",
        "Must contain: bitcoin, eth (whole words)",
        "Must not contain: scam (whole words)",
        r"Must match: ^\[AD\]",
        r"Must not match: https?://\S+",
        "Skip duplicates within 2 hours",
    ]


def test_describe_an_empty_spec_and_long_lists() -> None:
    assert describe(FilterSpec()) == ["No filters: every post passes"]
    spec = FilterSpec(include_keywords=[f"w{i}" for i in range(13)], max_length=99)
    assert describe(spec) == [
        "Length: at most 99 characters",
        "Must contain: w0, w1, w2, w3, w4, w5, w6, w7, w8, w9 and 3 more",
    ]
    assert describe(FilterSpec(origin="forwarded", min_length=3, dedup_window_minutes=45)) == [
        "Only forwarded posts",
        "Length: at least 3 characters",
        "Skip duplicates within 45 min",
    ]
