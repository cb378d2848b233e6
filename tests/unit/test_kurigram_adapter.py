"""The kurigram adapter, on kurigram objects and exceptions built offline (no connection)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pyrogram import enums, errors, types

from bot.userbot.interface import (
    AccountChat,
    AccountError,
    ChatUnavailable,
    DeletedMessages,
    EditedMessage,
    FloodWait,
    NewMessages,
    ProtectedContent,
    SessionRevoked,
)
from bot.userbot.kurigram import KurigramAccount, mapped
from bot.userbot.kurigram_map import (
    AlbumGrouper,
    RefError,
    map_chat,
    map_deleted,
    map_error,
    map_message,
    parse_ref,
)

ROOT = Path(__file__).resolve().parents[2]
SESSION = "BQAAAAFAKE-session-string-never-shown"


def channel(**extra: Any) -> types.Chat:
    fields: dict[str, Any] = {
        "id": -1001234567890,
        "type": enums.ChatType.CHANNEL,
        "title": "News",
        "username": "news",
    }
    return types.Chat(**{**fields, **extra})


def message(message_id: int = 5, chat: types.Chat | None = None, **extra: Any) -> types.Message:
    return types.Message(
        id=message_id, chat=chat or channel(), date=datetime(2026, 1, 2, 3, 4, 5), **extra
    )


def test_chats_map_with_their_kind_and_protection() -> None:
    assert map_chat(channel(has_protected_content=True), is_member=False) == AccountChat(
        id=-1001234567890,
        title="News",
        kind="channel",
        username="news",
        is_member=False,
        protected=True,
    )
    kinds = {
        enums.ChatType.SUPERGROUP: "supergroup",
        enums.ChatType.FORUM: "supergroup",
        enums.ChatType.GROUP: "group",
        enums.ChatType.PRIVATE: "private",
        enums.ChatType.BOT: "private",
    }
    for chat_type, kind in kinds.items():
        assert map_chat(types.Chat(id=-5, type=chat_type, title="G")).kind == kind
    person = types.Chat(id=42, type=enums.ChatType.PRIVATE, first_name="Ann", last_name="Lee")
    assert map_chat(person).title == "Ann Lee"


def test_messages_map_text_album_reply_and_dates() -> None:
    date = datetime(2026, 1, 2, 3, 4, 5)
    mapped_message = map_message(
        message(7, media_group_id=13000000001, caption="Look", reply_to_message_id=6)
    )
    assert mapped_message.chat_id == -1001234567890 and mapped_message.message_id == 7
    assert mapped_message.media_group_id == "13000000001"
    assert mapped_message.text == "Look" and mapped_message.reply_to_message_id == 6
    assert mapped_message.date == date.timestamp() and mapped_message.edit_date is None
    assert not mapped_message.service and not mapped_message.protected
    edited = map_message(message(8, text="Hi", edit_date=datetime(2026, 1, 2, 4, 0, 0)))
    assert edited.text == "Hi" and edited.edit_date == datetime(2026, 1, 2, 4).timestamp()
    service = map_message(message(9, service=enums.MessageServiceType.PINNED_MESSAGE))
    assert service.service
    assert map_message(message(10, empty=True)).service
    assert map_message(message(11, text="x", has_protected_content=True)).protected
    assert map_message(message(12, chat=channel(has_protected_content=True), text="x")).protected


def test_deletions_name_the_chat_only_when_telegram_does() -> None:
    gone = [types.Message(id=3, chat=channel()), types.Message(id=4, chat=channel())]
    assert map_deleted(gone) == DeletedMessages(-1001234567890, (3, 4))
    assert map_deleted([types.Message(id=9)]) == DeletedMessages(None, (9,))


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        (-1001234567890, -1001234567890),
        ("-1001234567890", -1001234567890),
        ("@news_channel", "news_channel"),
        ("news_channel", "news_channel"),
        ("https://t.me/news_channel", "news_channel"),
        ("t.me/news_channel/123", "news_channel"),
        ("https://telegram.me/news_channel?single", "news_channel"),
        ("https://t.me/c/1234567890/55", -1001234567890),
    ],
)
def test_chat_references(ref: str | int, expected: str | int) -> None:
    assert parse_ref(ref) == expected


@pytest.mark.parametrize("ref", ["https://t.me/+AbCdEf123", "t.me/joinchat/AbC", "no spaces", "@x"])
def test_unusable_references_are_refused(ref: str) -> None:
    with pytest.raises(RefError):
        parse_ref(ref)


def test_kurigram_errors_map_onto_the_interface() -> None:
    flood = map_error(errors.FloodWait(value=42))
    assert isinstance(flood, FloodWait) and flood.seconds == 42
    assert isinstance(map_error(errors.SlowmodeWait(value=5)), FloodWait)
    for revoked in (
        errors.AuthKeyUnregistered(),
        errors.SessionRevoked(),
        errors.SessionExpired(),
        errors.UserDeactivated(),
        errors.UserDeactivatedBan(),
    ):
        assert isinstance(map_error(revoked), SessionRevoked)
    assert isinstance(map_error(errors.ChatForwardsRestricted()), ProtectedContent)
    for unavailable in (
        errors.ChannelPrivate(),
        errors.UsernameNotOccupied(),
        errors.PeerIdInvalid(),
        errors.InviteHashExpired(),
        errors.UserBannedInChannel(),
    ):
        assert isinstance(map_error(unavailable), ChatUnavailable)
    duplicated = map_error(errors.AuthKeyDuplicated())
    assert type(duplicated) is AccountError and "AUTH_KEY_DUPLICATED" in str(duplicated)
    other = map_error(errors.MessageIdInvalid())
    assert type(other) is AccountError and "MESSAGE_ID_INVALID" in str(other)
    assert "ConnectionError" in str(map_error(ConnectionError("x")))
    assert str(map_error(RuntimeError(SESSION))) == "the account failed: RuntimeError"


async def test_mapped_raises_the_interface_error_without_the_library_chain() -> None:
    async def refused() -> None:
        raise errors.FloodWait(value=7)

    with pytest.raises(FloodWait) as caught:
        await mapped(refused())
    assert caught.value.seconds == 7 and caught.value.__cause__ is None


def test_album_grouper_gives_albums_whole_and_keeps_a_chats_order() -> None:
    out: list[tuple[int, ...]] = []
    timers: list[tuple[float, Callable[[], None]]] = []

    class Timer:
        def __init__(self, entry: tuple[float, Callable[[], None]]) -> None:
            self.entry = entry

        def cancel(self) -> None:
            if self.entry in timers:
                timers.remove(self.entry)

    def call_later(delay: float, callback: Callable[[], None]) -> Timer:
        timers.append((delay, callback))
        return Timer(timers[-1])

    grouper = AlbumGrouper(lambda items: out.append(tuple(m.message_id for m in items)), call_later)
    grouper.add(map_message(message(2, media_group_id=1, photo=None)))
    grouper.add(map_message(message(1, media_group_id=1)))
    assert out == [] and len(timers) == 1  # the timer restarts with each item
    timers[0][1]()
    assert out == [(1, 2)]
    grouper.add(map_message(message(3, media_group_id=2)))
    grouper.add(map_message(message(4, text="after the album")))
    assert out == [(1, 2), (3,), (4,)]
    grouper.add(map_message(message(5, media_group_id=3)))
    grouper.flush()
    assert out[-1] == (5,)


async def test_updates_become_events_albums_whole_private_chats_never() -> None:
    account = KurigramAccount(12345, "0123456789abcdef0123456789abcdef", SESSION)
    account.listen(album_wait_s=0.01)
    person = types.Chat(id=42, type=enums.ChatType.PRIVATE, first_name="Ann")
    await account._on_message(None, message(1, chat=person, text="a private word"))
    await account._on_message(None, message(2, media_group_id=9, caption="a"))
    await account._on_message(None, message(3, media_group_id=9))
    await account._on_edited(None, message(4, text="edited", edit_date=datetime(2026, 1, 3)))
    await account._on_deleted(None, [types.Message(id=2, chat=channel())])
    events = account.events()
    first = await asyncio.wait_for(anext(events), 5)
    assert isinstance(first, EditedMessage)  # the album was still held
    assert await asyncio.wait_for(anext(events), 5) == DeletedMessages(-1001234567890, (2,))
    album = await asyncio.wait_for(anext(events), 5)
    assert isinstance(album, NewMessages) and [m.message_id for m in album.messages] == [2, 3]
    await account.stop()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(anext(events), 5)


def test_the_adapter_never_shows_the_session() -> None:
    account = KurigramAccount(12345, "0123456789abcdef0123456789abcdef", SESSION)
    assert SESSION not in repr(account) and SESSION not in str(account)


def test_importing_kurigram_prints_no_tgcrypto_warning() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import bot.userbot.kurigram"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "TgCrypto" not in done.stderr + done.stdout
