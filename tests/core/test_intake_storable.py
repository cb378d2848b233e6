"""Text made storable at the intake boundary: NUL and lone surrogates become U+FFFD, nothing
else changes, and every UTF-16 offset (what message entities count in) stays where it was."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import Update

from bot.forwarding.intake.storable import is_storable, storable, storable_text, storable_update

TOKEN = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def test_nul_and_lone_surrogates_become_the_replacement_character() -> None:
    assert storable_text("a\x00b") == "a\ufffdb"
    assert storable_text("x\udc80y\ud83d") == "x\ufffdy\ufffd"


def test_valid_text_is_left_alone_emoji_included() -> None:
    for text in ("", "plain", "emoji 😀 and кириллица", "a \\u0000 spelled out"):
        assert storable_text(text) == text
        assert is_storable(text)


def test_the_utf16_length_is_kept_so_entity_offsets_stay_valid() -> None:
    text = "😀\x00bold\udc80 end"
    assert utf16_units(storable_text(text)) == utf16_units(text)
    assert storable_text(text).index("bold") == text.index("bold")


def test_nested_values_keys_included_are_cleaned() -> None:
    value = {"text\x00": ["ok", {"title": "t\udfff"}], "n": 5, "none": None}
    assert not is_storable(value)
    cleaned = storable(value)
    assert cleaned == {"text\ufffd": ["ok", {"title": "t\ufffd"}], "n": 5, "none": None}
    assert is_storable(cleaned)


def _update(text: str, title: str = "Source") -> Update:
    raw = {
        "update_id": 7,
        "channel_post": {
            "message_id": 3,
            "date": 1_700_000_000,
            "chat": {"id": -100123, "type": "channel", "title": title},
            "text": text,
            "entities": [{"type": "bold", "offset": 2, "length": 4}],
        },
    }
    return Update.model_validate(raw)


def test_an_update_with_a_nul_and_a_lone_surrogate_is_rebuilt_clean() -> None:
    bot = Bot(TOKEN)
    update = storable_update(_update("\x00 bold\udc80", title="Chan\x00nel"), bot)
    post = update.channel_post
    assert post is not None
    assert post.text == "\ufffd bold\ufffd"
    assert post.chat.title == "Chan\ufffdnel"
    assert post.entities and post.entities[0].offset == 2 and post.entities[0].length == 4
    assert post.bot is bot
    update.model_dump_json()  # serialisable now


def test_a_clean_update_is_returned_as_it_is() -> None:
    bot = Bot(TOKEN)
    for text in ("fine 😀", "a \\u0000 spelled out"):
        update = _update(text)
        assert storable_update(update, bot) is update
