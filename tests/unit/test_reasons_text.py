"""Skip reasons are stored in English and translated when shown: in English they read exactly as
stored, every name a reason can end with has a translatable label, and a reason nobody wrote a
translation for (an error text from Telegram) is shown as it is."""

from __future__ import annotations

import pytest

from bot.forwarding.intake.forwardable import FORWARD_ONLY, SERVICE_NAMES
from bot.forwarding.reasons import DETAIL_LABELS, reason_text

STORED = [
    "cannot be forwarded: content this bot does not know",
    "cannot be copied: content this bot does not know",
    "cannot be forwarded: protected content",
    "cannot be copied: protected content",
    "cannot be copied: a quiz whose answer the bot does not know",
    *(f"cannot be copied: {name}" for name in FORWARD_ONLY.values()),
    *(f"service message: {name}" for name in SERVICE_NAMES.values()),
    "service message: video chat started",  # a kind without a name of its own
    "near-duplicate of -1001000000101/42",
    "near-duplicate",
    "rule deleted",
    "skipped in review",
    "no reason recorded",
    "other reasons",
    "nothing left to send after the transform steps",
    "the original post was not delivered here",
    "deleted in the source before it was delivered here",
    "filtered by a step: ai_filter:cars",
    "AI unavailable: timeout",
    "the AI could not transform this post: the answer was empty",
    "a regex step failed: The regex took longer than 50 ms on this post and was stopped.",
    "failed 3 times: KeyError: 'x'",
    "gave up after 8 tries: Bad Request: chat not found",
    "destination -1001000000201 refused: Forbidden: bot was kicked",
]


@pytest.mark.parametrize("reason", STORED)
def test_a_stored_reason_reads_the_same_in_english(reason: str) -> None:
    assert reason_text(reason) == reason


def test_every_name_a_reason_ends_with_can_be_translated() -> None:
    names = set(FORWARD_ONLY.values()) | set(SERVICE_NAMES.values())
    assert names <= set(DETAIL_LABELS)
    assert all(str(DETAIL_LABELS[name]) == name for name in names)


def test_a_reason_from_elsewhere_is_shown_as_stored() -> None:
    telegram = "Bad Request: message to copy not found"
    assert reason_text(telegram) == telegram
