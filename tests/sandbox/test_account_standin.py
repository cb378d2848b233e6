"""The stand-in's user account: the Account interface over HTTP, on the bots' own chats."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from bot.userbot.interface import (
    AccountError,
    AccountEvent,
    ChatUnavailable,
    DeletedMessages,
    EditedMessage,
    FloodWait,
    NewMessages,
    ProtectedContent,
    SessionRevoked,
)
from sandbox.account import StandInAccount
from sandbox.telegram.standin import FloodLimits, TelegramStandIn

TOKEN = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawx"
BOT_ID = 123456
OWNER = 500


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def tg(clock: FakeClock) -> AsyncIterator[TelegramStandIn]:
    tg = TelegramStandIn(flood=FloodLimits(enabled=False), clock=clock)
    await tg.start()
    tg.add_bot(TOKEN, username="forward_test_bot")
    tg.add_user(OWNER, "Owner", username="owner")
    yield tg
    await tg.stop()


@pytest.fixture
async def account(tg: TelegramStandIn) -> AsyncIterator[StandInAccount]:
    session = tg.add_account(OWNER, session="secret-session")["session"]
    client = StandInAccount(tg.url, session, poll_timeout=5)
    await client.start()
    yield client
    await client.stop()


def _source(tg: TelegramStandIn, *, username: str | None = None, member: bool = True) -> int:
    chat_id = int(tg.add_chat("channel", "News", username=username)["id"])
    if member:
        tg.set_member(chat_id, OWNER, "member")
    return chat_id


def _bot_updates(tg: TelegramStandIn, kind: str) -> list[dict[str, Any]]:
    return [u[kind] for u in tg.pending_updates() if kind in u]


async def _next_events(
    account: StandInAccount, count: int, timeout: float = 5.0
) -> list[AccountEvent]:
    got: list[AccountEvent] = []

    async def collect() -> None:
        async for event in account.events():
            got.append(event)
            if len(got) >= count:
                return

    await asyncio.wait_for(collect(), timeout)
    return got


async def test_start_answers_the_user_and_a_revoked_session_raises(tg: TelegramStandIn) -> None:
    session = tg.add_account(OWNER)["session"]
    client = StandInAccount(tg.url, session)
    me = await client.start()
    assert (me.id, me.name, me.username) == (OWNER, "Owner", "owner")
    await client.stop()
    tg.revoke_account(OWNER)
    with pytest.raises(SessionRevoked):
        await StandInAccount(tg.url, session).start()
    with pytest.raises(SessionRevoked):
        await StandInAccount(tg.url, "never-issued").start()
    assert "secret" not in repr(StandInAccount(tg.url, "secret-x"))


async def test_chat_by_id_username_and_link(tg: TelegramStandIn, account: StandInAccount) -> None:
    mine = _source(tg)
    public = _source(tg, username="public_news", member=False)
    private = _source(tg, member=False)
    assert (await account.chat(mine)).is_member
    for ref in ("@public_news", "public_news", "https://t.me/public_news", "t.me/public_news/5"):
        chat = await account.chat(ref)
        assert (chat.id, chat.username, chat.is_member, chat.kind) == (
            public,
            "public_news",
            False,
            "channel",
        )
    with pytest.raises(ChatUnavailable):
        await account.chat(private)
    with pytest.raises(ChatUnavailable):
        await account.chat("@nobody_here")
    with pytest.raises(ChatUnavailable):
        await account.chat("https://t.me/+AbCdEf")
    assert (await account.chat(f"https://t.me/c/{str(mine)[4:]}/10")).id == mine


async def test_dialogs_join_and_banned(tg: TelegramStandIn, account: StandInAccount) -> None:
    first = _source(tg)
    second = _source(tg)
    public = _source(tg, username="open_channel", member=False)
    tg.channel_post(first, "newest")
    ids = [c.id for c in await account.dialogs()]
    assert ids[0] == first and second in ids and public not in ids
    joined = await account.join(public)
    assert joined.is_member and public in [c.id for c in await account.dialogs()]
    tg.set_member(second, OWNER, "kicked")
    with pytest.raises(ChatUnavailable):
        await account.history(second)


async def test_history_pages_newest_first(tg: TelegramStandIn, account: StandInAccount) -> None:
    source = _source(tg)
    for n in range(1, 8):
        tg.channel_post(source, f"post {n}")
    tg.delete_message(source, 4)
    page = await account.history(source, limit=3)
    assert [m.message_id for m in page] == [7, 6, 5]
    assert page[0].text == "post 7" and page[0].chat_id == source
    rest = await account.history(source, before_id=5, limit=10)
    assert [m.message_id for m in rest] == [3, 2, 1]
    assert await account.history(source, before_id=1) == []


async def test_copy_reaches_the_bot_as_a_channel_post(
    tg: TelegramStandIn, account: StandInAccount
) -> None:
    source = _source(tg)
    relay = await account.create_channel("Relay", admin_username="@forward_test_bot")
    assert relay.kind == "channel" and relay.is_member
    member = tg.state.chats[relay.id].member(BOT_ID)
    assert member is not None and member.status == "administrator"
    assert member.can("can_post_messages") and member.can("can_delete_messages")
    post = tg.channel_post(source, "<b>Bold</b> news", parse_mode="HTML")
    assert _bot_updates(tg, "channel_post") == []  # the bot cannot see the source
    [copy_id] = await account.copy(source, [post["message_id"]], relay.id)
    [seen] = _bot_updates(tg, "channel_post")
    assert seen["chat"]["id"] == relay.id and seen["message_id"] == copy_id
    assert seen["sender_chat"]["id"] == relay.id and "from" not in seen
    assert seen["text"] == post["text"] and seen["entities"] == post["entities"]


async def test_album_copy_keeps_one_album(tg: TelegramStandIn, account: StandInAccount) -> None:
    source = _source(tg)
    relay = await account.create_channel("Relay", admin_username="forward_test_bot")
    album = tg.post_album(
        source, [{"photo": True, "caption": "<i>one</i>", "parse_mode": "HTML"}, {"photo": True}]
    )
    ids = await account.copy(source, [m["message_id"] for m in album], relay.id)
    posts = _bot_updates(tg, "channel_post")
    assert [p["message_id"] for p in posts] == ids and len(ids) == 2
    groups = {p["media_group_id"] for p in posts}
    assert len(groups) == 1 and groups != {album[0]["media_group_id"]}
    assert [p["photo"] for p in posts] == [m["photo"] for m in album]
    assert posts[0]["caption"] == "one" and posts[0]["caption_entities"][0]["type"] == "italic"


async def test_protected_chat_is_never_copied(tg: TelegramStandIn, account: StandInAccount) -> None:
    source = int(tg.add_chat("channel", "Closed", has_protected_content=True)["id"])
    tg.set_member(source, OWNER, "member")
    relay = await account.create_channel("Relay", admin_username="forward_test_bot")
    post = tg.channel_post(source, "secret")
    assert (await account.chat(source)).protected
    assert (await account.history(source))[0].protected
    with pytest.raises(ProtectedContent):
        await account.copy(source, [post["message_id"]], relay.id)
    assert _bot_updates(tg, "channel_post") == []


async def test_edit_copy_and_delete(tg: TelegramStandIn, account: StandInAccount) -> None:
    source = _source(tg)
    relay = await account.create_channel("Relay", admin_username="forward_test_bot")
    post = tg.channel_post(source, "first")
    [copy_id] = await account.copy(source, [post["message_id"]], relay.id)
    tg.edit_post(source, post["message_id"], "<u>second</u>", parse_mode="HTML")
    await account.edit_copy(source, post["message_id"], relay.id, copy_id)
    [edited] = _bot_updates(tg, "edited_channel_post")
    assert edited["message_id"] == copy_id and edited["text"] == "second"
    assert edited["entities"][0]["type"] == "underline"
    await account.edit_copy(source, post["message_id"], relay.id, copy_id)  # unchanged: no-op
    assert len(_bot_updates(tg, "edited_channel_post")) == 1
    await account.delete(relay.id, [copy_id])
    assert tg.messages(relay.id) == []
    with pytest.raises(AccountError):
        await account.delete(source, [post["message_id"]])  # a subscriber may not delete


async def test_events_posts_albums_edits_deletions(
    tg: TelegramStandIn, account: StandInAccount
) -> None:
    source = _source(tg)
    elsewhere = _source(tg, member=False)
    tg.channel_post(elsewhere, "not for the account")
    post = tg.channel_post(source, "hello")
    tg.post_album(source, [{"photo": True}, {"video": True}, {"document": True}])
    tg.edit_post(source, post["message_id"], "hello again")
    tg.delete_message(source, post["message_id"])
    events = await _next_events(account, 4)
    assert isinstance(events[0], NewMessages) and events[0].messages[0].text == "hello"
    assert isinstance(events[1], NewMessages) and len(events[1].messages) == 3
    assert len({m.media_group_id for m in events[1].messages}) == 1
    assert isinstance(events[2], EditedMessage) and events[2].message.text == "hello again"
    assert events[2].message.edit_date is not None
    assert events[3] == DeletedMessages(source, (post["message_id"],))


async def test_own_copies_make_no_events_and_groups_hide_the_chat_of_deletions(
    tg: TelegramStandIn, account: StandInAccount
) -> None:
    source = _source(tg)
    group = int(tg.add_chat("group", "Friends")["id"])
    tg.set_member(group, OWNER, "member")
    relay = await account.create_channel("Relay", admin_username="forward_test_bot")
    post = tg.channel_post(source, "x")
    await account.copy(source, [post["message_id"]], relay.id)
    said = tg.user_sends(OWNER, "hi", chat_id=group)
    tg.delete_message(group, said["message_id"])
    events = await _next_events(account, 3)
    assert [type(e) for e in events] == [NewMessages, NewMessages, DeletedMessages]
    assert events[1].messages[0].chat_id == group  # type: ignore[union-attr]
    assert events[2] == DeletedMessages(None, (said["message_id"],))
    chats = [m.chat_id for e in events if isinstance(e, NewMessages) for m in e.messages]
    assert relay.id not in chats  # the account's own copy made no event


async def test_flood_wait_pace_and_injection(
    tg: TelegramStandIn, account: StandInAccount, clock: FakeClock
) -> None:
    source = _source(tg)
    relay = await account.create_channel("Relay", admin_username="forward_test_bot")
    posts = [tg.channel_post(source, f"p{n}")["message_id"] for n in range(4)]
    tg.set_account_limits(sends_per_s=0.5, send_burst=2)
    await account.copy(source, [posts[0]], relay.id)
    await account.copy(source, [posts[1]], relay.id)
    with pytest.raises(FloodWait) as refused:
        await account.copy(source, [posts[2]], relay.id)
    assert refused.value.seconds == 2
    clock.now += 2
    await account.copy(source, [posts[2]], relay.id)
    tg.account_fail_next(OWNER, "FLOOD_WAIT", seconds=30, method="copy")
    clock.now += 10
    with pytest.raises(FloodWait) as injected:
        await account.copy(source, [posts[3]], relay.id)
    assert injected.value.seconds == 30
    await account.copy(source, [posts[3]], relay.id)
    stats = tg.account_stats(OWNER)
    assert stats["flood_waits"] == 2 and stats["copies"] == 4
    assert len(tg.messages(relay.id)) == 4  # a refused call was not performed


async def test_revoked_session_ends_the_events(
    tg: TelegramStandIn, account: StandInAccount
) -> None:
    async def drain() -> None:
        async for _ in account.events():
            pass

    task = asyncio.create_task(drain())
    await tg.wait_for(lambda: any(a.polling for a in tg.accounts.values()))
    tg.revoke_account(OWNER)
    with pytest.raises(SessionRevoked):
        await asyncio.wait_for(task, 5)
    with pytest.raises(SessionRevoked):
        await account.dialogs()


async def test_stop_ends_the_events_and_a_second_connection_is_refused(
    tg: TelegramStandIn, account: StandInAccount
) -> None:
    events: list[AccountEvent] = []

    async def drain() -> None:
        async for event in account.events():
            events.append(event)

    task = asyncio.create_task(drain())
    await tg.wait_for(lambda: any(a.polling for a in tg.accounts.values()))
    other = StandInAccount(tg.url, "secret-session")
    with pytest.raises(AccountError, match="AUTH_KEY_DUPLICATED"):
        await other.start()
    assert tg.account_stats(OWNER)["duplicated_connections"] == 1
    await account.stop()
    await asyncio.wait_for(task, 5)
    assert events == []
    await other.start()  # the first connection is gone: the session is free again
    await other.stop()


async def test_control_routes_for_another_process(tg: TelegramStandIn) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{tg.url}/_sandbox/add_account", json={"user_id": 777, "first_name": "Far"}
        ) as response:
            created = (await response.json())["result"]
        async with http.post(
            f"{tg.url}/_sandbox/set_account_limits", json={"sends_per_s": 5}
        ) as response:
            assert (await response.json())["ok"]
    client = StandInAccount(tg.url, created["session"])
    assert (await client.start()).id == 777
    await client.stop()


async def test_a_client_that_goes_away_frees_the_session(tg: TelegramStandIn) -> None:
    session = tg.add_account(OWNER, session="killed-session")["session"]
    http = aiohttp.ClientSession()
    body = {"session": session, "connection": "dead-one", "timeout": 20}
    poll = asyncio.create_task(http.post(f"{tg.url}/_account/events", json=body))
    await tg.wait_for(lambda: tg.accounts[session].polling == "dead-one")
    poll.cancel()  # as a killed process: the connection drops, no stop call
    await http.close()
    await tg.wait_for(lambda: tg.accounts[session].polling is None, timeout=5)
    client = StandInAccount(tg.url, session)
    assert (await client.start()).id == OWNER
    await client.stop()
    assert tg.account_stats(OWNER)["duplicated_connections"] == 0
