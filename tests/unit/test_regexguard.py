"""The owner's regexes: refused at save when invalid or catastrophic, bounded in time when run."""

from __future__ import annotations

import time

import pytest

from bot.forwarding.rules.regexguard import (
    MAX_PATTERN_LENGTH,
    RegexRejected,
    RegexTimeout,
    check_syntax,
    compile_pattern,
    safe_search,
    safe_sub,
)

CATASTROPHIC = [
    r"(a+)+$",
    r"(a|a)*b",
    r"(\w+\s?)+$",
    r"(x+x+)+y",
    r"^(([a-z])+.)+[A-Z]([a-z])+$",
    r"(a|aa)+$",
    r"(\d+\.?)+x",
    r"(.+)+y$",
    r"([a-z0-9]+\.?)+@example",
]

GOOD = [
    r"\bbitcoin\b",
    r"^\[AD\]",
    r"https?://\S+",
    r"(?i)sale|discount",
    r"\d{3}-\d{4}",
    r"\w+@\w+\.\w+",
    r"#\w+",
    r"t\.me/\w+",
    r"(?<=\$)\d+",
    r"\b(buy|sell)\b.*\b(now|today)\b",
    r"(?:https?://\S+\s*)+",
    r"^.{0,20}$",
    r"[\p{Emoji}]",
]


@pytest.mark.parametrize("pattern", CATASTROPHIC)
def test_owner_saving_a_catastrophic_regex_is_told_to_simplify_it_within_a_second(
    pattern: str,
) -> None:
    compile_pattern.cache_clear()
    started = time.perf_counter()
    with pytest.raises(RegexRejected) as refused:
        compile_pattern(pattern)
    assert time.perf_counter() - started < 1.0
    assert "exponential time" in str(refused.value)
    assert "Simplify it" in str(refused.value)
    assert refused.value.pattern == pattern


def test_nested_repetition_is_named_in_the_message() -> None:
    with pytest.raises(RegexRejected, match=r"nested repetition like \(a\+\)\+"):
        compile_pattern(r"(a+)+$")


def test_overlapping_alternatives_are_named_in_the_message() -> None:
    with pytest.raises(RegexRejected, match=r"alternatives that overlap"):
        compile_pattern(r"(a|a)*b")


@pytest.mark.parametrize("pattern", GOOD)
def test_owner_saving_an_ordinary_regex_gets_it_compiled(pattern: str) -> None:
    compiled = compile_pattern(pattern)
    assert compiled.pattern == pattern


def test_accepted_patterns_are_cached() -> None:
    assert compile_pattern(r"\bbitcoin\b") is compile_pattern(r"\bbitcoin\b")


def test_compiled_patterns_ignore_case_by_default() -> None:
    assert compile_pattern(r"\bbitcoin\b").search("BUY BITCOIN NOW")
    assert not compile_pattern(r"\bbitcoin\b", ignore_case=False).search("BUY BITCOIN NOW")


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("(abc", "Invalid regex: missing ) at position 4"),
        ("abc)", "Invalid regex: unbalanced parenthesis at position 3"),
        ("[abc", "Invalid regex: unterminated character set at position 4"),
        ("*abc", "Invalid regex: nothing to repeat at position 0"),
        ("", "The regex is empty."),
        ("   ", "The regex is empty."),
        ("a" * (MAX_PATTERN_LENGTH + 1), "The regex is too long (501 characters; at most 500)."),
    ],
)
def test_invalid_regex_is_refused_with_a_readable_message(pattern: str, message: str) -> None:
    with pytest.raises(RegexRejected) as refused:
        compile_pattern(pattern)
    assert str(refused.value) == message


def test_huge_repeat_counts_are_refused_before_compiling() -> None:
    started = time.perf_counter()
    with pytest.raises(RegexRejected, match="repetition counts"):
        compile_pattern(r"(?:a{1000}){1000}")
    assert time.perf_counter() - started < 0.1


def test_refusals_are_value_errors_and_timeouts_are_refusals() -> None:
    assert issubclass(RegexRejected, ValueError)
    assert issubclass(RegexTimeout, RegexRejected)


def test_safe_search_finds_and_misses() -> None:
    match = safe_search(r"https?://\S+", "see https://example.org now")
    assert match is not None and match.group() == "https://example.org"
    assert safe_search(r"\bbitcoin\b", "bitcoins everywhere") is None


def test_safe_search_accepts_a_compiled_pattern() -> None:
    assert safe_search(compile_pattern(r"\d{3}-\d{4}"), "call 555-1234") is not None


def test_safe_search_stops_a_runaway_pattern_at_its_timeout() -> None:
    # Stored before the guard existed, say: only its syntax is known to be valid.
    check_syntax(r"(a|a)*b")
    started = time.perf_counter()
    with pytest.raises(RegexTimeout) as stopped:
        safe_search(r"(a|a)*b", "a" * 40 + "!b", timeout=0.02)
    assert time.perf_counter() - started < 0.5
    assert stopped.value.pattern == r"(a|a)*b"
    assert stopped.value.timeout == 0.02
    assert "took longer than 20 ms" in str(stopped.value)


def test_safe_search_refuses_an_invalid_pattern() -> None:
    with pytest.raises(RegexRejected, match="Invalid regex"):
        safe_search("(oops", "text")


def test_safe_sub_replaces_with_group_references() -> None:
    assert safe_sub(r"@(\w+)", r"[\1]", "ask @Alice or @bob") == "ask [Alice] or [bob]"
    assert safe_sub(r"SPAM", "", "spam and Spam", count=1) == " and Spam"


def test_safe_sub_refuses_a_bad_group_reference() -> None:
    with pytest.raises(RegexRejected, match="Invalid replacement"):
        safe_sub(r"(a)", r"\2", "abc")


def test_safe_sub_stops_a_runaway_pattern_at_its_timeout() -> None:
    with pytest.raises(RegexTimeout):
        safe_sub(r"(a|a)*b", "x", "a" * 40 + "!b", timeout=0.02)
