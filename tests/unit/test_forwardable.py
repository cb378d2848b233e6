"""Which source messages can be delivered: content goes, service messages and what the Bot API
will not copy or forward are refused with a reason a person can read."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.types import Message

from bot.forwarding.intake.forwardable import refusal

PHOTO = [{"file_id": "p", "file_unique_id": "pu", "width": 90, "height": 90}]
POLL = {
    "id": "1",
    "question": "?",
    "total_voter_count": 0,
    "is_closed": False,
    "is_anonymous": True,
    "allows_multiple_answers": False,
    "allows_revoting": False,
    "members_only": False,
    "options": [
        {"text": "a", "voter_count": 0, "persistent_id": "a"},
        {"text": "b", "voter_count": 0, "persistent_id": "b"},
    ],
}


def message(**fields: Any) -> Message:
    chat = {"id": -1001, "type": "channel", "title": "Source"}
    return Message.model_validate({"message_id": 7, "date": 1714521600, "chat": chat, **fields})


@pytest.mark.parametrize(
    "fields",
    [
        {"text": "rates cut"},
        {"photo": PHOTO, "caption": "holiday"},
        {
            "sticker": {
                "file_id": "s",
                "file_unique_id": "su",
                "type": "regular",
                "width": 1,
                "height": 1,
                "is_animated": False,
                "is_video": False,
            }
        },
        {"poll": {**POLL, "type": "regular"}},
        {"location": {"latitude": 1.0, "longitude": 2.0}},
    ],
)
def test_content_goes_in_either_mode(fields: dict[str, Any]) -> None:
    assert refusal(message(**fields), "copy") is None
    assert refusal(message(**fields), "forward") is None


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"new_chat_title": "Renamed"}, "service message: chat title changed"),
        (
            {
                "pinned_message": {
                    "message_id": 3,
                    "date": 0,
                    "chat": {"id": -1001, "type": "channel"},
                    "text": "x",
                }
            },
            "service message: pinned message",
        ),
        ({"new_chat_photo": PHOTO}, "service message: chat photo changed"),
        (
            {"new_chat_members": [{"id": 5, "is_bot": False, "first_name": "Ann"}]},
            "service message: new members",
        ),
        ({"video_chat_started": {}}, "service message: video chat started"),
        (
            {"forum_topic_created": {"name": "News", "icon_color": 7322096}},
            "service message: forum topic created",
        ),
    ],
)
def test_a_service_message_is_neither_copied_nor_forwarded(
    fields: dict[str, Any], reason: str
) -> None:
    assert refusal(message(**fields), "copy") == reason
    assert refusal(message(**fields), "forward") == reason


def test_a_giveaway_can_be_forwarded_but_not_copied() -> None:
    giveaway = message(giveaway={"chats": [], "winners_selection_date": 0, "winner_count": 1})
    assert refusal(giveaway, "copy") == "cannot be copied: giveaway"
    assert refusal(giveaway, "forward") is None


def test_protected_content_goes_nowhere() -> None:
    protected = message(text="secret", has_protected_content=True)
    assert refusal(protected, "copy") == "cannot be copied: protected content"
    assert refusal(protected, "forward") == "cannot be forwarded: protected content"


def test_a_quiz_is_copied_only_when_its_answer_is_known() -> None:
    unknown = message(poll={**POLL, "type": "quiz"})
    assert refusal(unknown, "copy") == "cannot be copied: a quiz whose answer the bot does not know"
    assert refusal(unknown, "forward") is None
    assert refusal(message(poll={**POLL, "type": "quiz", "correct_option_id": 1}), "copy") is None


def test_a_message_of_a_kind_this_bot_does_not_know_is_refused_not_sent() -> None:
    assert refusal(message(), "copy") == "cannot be copied: content this bot does not know"
