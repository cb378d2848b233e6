"""The relay and the account's events on their own: no Dispatcher; the stand-in's fake account
over HTTP, real Postgres."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.forwarding.delivery.outbox import Outbox
from bot.forwarding.delivery.payload import Payload, Relayed
from bot.forwarding.intake.ingest import Ingest
from bot.forwarding.rules.index import RuleIndex, RuleView
from bot.forwarding.rules.service import RuleError, parse_spec
from bot.userbot.interface import AccountMessage, FloodWait, ProtectedContent
from bot.userbot.relay import Relay, RelayNotRecorded
from bot.userbot.sources import DELETED, PROTECTED, AccountSources
from models import AccountSetting, Delivery, MessageLink, RelayedMessage
from models.forwarding import PENDING, SKIPPED
from sandbox.account import StandInAccount
from sandbox.telegram.standin import TelegramStandIn
from tests.core.conftest import DEST_A, DEST_B, OWNER, add_rule, message

HIDDEN = -1001000000301
SHUT = -1001000000302
BOT = "fwd_bot"


@pytest.fixture
async def account(tg: TelegramStandIn) -> AsyncIterator[StandInAccount]:
    """The owner's account, a member of HIDDEN (a channel the bot is not in) and SHUT
    (protected content)."""
    tg.add_chat("channel", "Hidden News", chat_id=HIDDEN, username="hidden_news")
    tg.add_chat("channel", "Shut", chat_id=SHUT, has_protected_content=True)
    session = tg.add_account(OWNER)["session"]
    for chat in (HIDDEN, SHUT):
        tg.set_member(chat, OWNER, "member")
    client = StandInAccount(tg.url, session, poll_timeout=2)
    await client.start()
    try:
        yield client
    finally:
        await client.stop()


def posted(tg: TelegramStandIn, chat_id: int, text: str, **extra: Any) -> AccountMessage:
    data = tg.channel_post(chat_id, text, **extra)
    return AccountMessage(
        chat_id=chat_id,
        message_id=data["message_id"],
        date=float(data["date"]),
        reply_to_message_id=extra.get("reply_to"),
        text=text,
    )


def album(tg: TelegramStandIn, chat_id: int) -> list[AccountMessage]:
    sent = tg.post_album(chat_id, [{"photo": True, "caption": "Trip"}, {"photo": True}])
    return [
        AccountMessage(
            chat_id=chat_id,
            message_id=m["message_id"],
            date=float(m["date"]),
            media_group_id=m["media_group_id"],
        )
        for m in sent
    ]


def bot_sees(tg: TelegramStandIn, chat_id: int, message_id: int) -> Any:
    """The relay message as the bot receives it (its channel_post update)."""
    for update in tg.pending_updates():
        post = update.get("channel_post")
        if post and post["chat"]["id"] == chat_id and post["message_id"] == message_id:
            return message(post)
    raise AssertionError(f"no channel_post {chat_id}/{message_id} for the bot")


async def test_a_post_is_copied_once_into_a_relay_channel_made_the_first_time(
    db: str, tg: TelegramStandIn, account: StandInAccount
) -> None:
    relay = Relay(BOT)
    post = posted(tg, HIDDEN, "hello")

    assert await relay.relay(account, [post]) is True
    assert await relay.relay(account, [post]) is False  # already relayed: nothing sent

    stats = tg.account_stats(OWNER)
    assert stats["calls"]["create_channel"] == 1 and stats["calls"]["copy"] == 1
    (row,) = await RelayedMessage.all()
    assert (row.source_chat_id, row.source_message_id) == (HIDDEN, post.message_id)
    assert row.relay_chat_id == relay.chat_id and row.source_title == "Hidden News"
    assert row.source_username == "hidden_news"
    # Another process (or the next start) finds the same channel.
    assert await Relay(BOT).load() == relay.chat_id
    assert await AccountSetting.filter(key="relay_chat_id").count() == 1


async def test_an_album_is_one_request_and_each_item_is_mapped(
    db: str, tg: TelegramStandIn, account: StandInAccount
) -> None:
    relay = Relay(BOT)
    items = album(tg, HIDDEN)

    assert await relay.relay(account, items) is True

    assert tg.account_stats(OWNER)["calls"]["copy"] == 1
    rows = await RelayedMessage.all().order_by("source_message_id")
    assert [r.source_message_id for r in rows] == [m.message_id for m in items]
    assert {r.media_group_id for r in rows} == {items[0].media_group_id}
    assert len({r.relay_message_id for r in rows}) == 2


async def test_a_relay_post_reads_as_its_source_post(
    db: str, tg: TelegramStandIn, account: StandInAccount
) -> None:
    relay = Relay(BOT)
    question = posted(tg, HIDDEN, "Question?")
    answer = posted(tg, HIDDEN, "Answer.", reply_to=question.message_id)
    await relay.relay(account, [question])
    await relay.relay(account, [answer])
    copy = await RelayedMessage.get(source_message_id=answer.message_id)
    seen = bot_sees(tg, copy.relay_chat_id, copy.relay_message_id)
    assert seen.reply_to_message is not None  # the relay keeps the reply, too

    read = await relay.source_of(seen)

    assert read is not None
    source, relayed = read
    assert (source.chat.id, source.message_id, source.chat.title) == (
        HIDDEN,
        answer.message_id,
        "Hidden News",
    )
    assert source.reply_to_message is not None
    assert source.reply_to_message.message_id == question.message_id
    assert relayed == Relayed(
        chat_id=copy.relay_chat_id, ids=((answer.message_id, copy.relay_message_id),)
    )


async def test_a_relay_post_that_is_no_copy_is_not_read(
    db: str, tg: TelegramStandIn, account: StandInAccount
) -> None:
    relay = Relay(BOT)
    await relay.relay(account, [posted(tg, HIDDEN, "first")])
    assert relay.chat_id is not None
    stray = tg.channel_post(relay.chat_id, "posted by hand")

    assert await relay.source_of(message(stray)) is None


async def test_ingest_keys_a_relay_post_by_its_source(
    db: str, tg: TelegramStandIn, account: StandInAccount, outbox: Outbox
) -> None:
    index = RuleIndex()
    rule = await add_rule(index, source={"chat_id": HIDDEN, "title": "Hidden", "via": "account"})
    relay = Relay(BOT)
    ingest = Ingest(index, outbox, relay=relay)
    items = album(tg, HIDDEN)
    await relay.relay(account, items)
    copies = await RelayedMessage.all().order_by("relay_message_id")

    for copy in copies:
        await ingest.post(bot_sees(tg, copy.relay_chat_id, copy.relay_message_id))

    (row,) = await Delivery.all()
    assert row.rule_id == rule.id and row.source_chat_id == HIDDEN
    assert row.unit == f"g:{items[0].media_group_id}"
    assert row.source_message_ids == [m.message_id for m in items]
    payload = Payload.load(row.payload)
    assert payload.relayed is not None and payload.relayed.chat_id == relay.chat_id
    assert payload.relayed.relay_ids(row.source_message_ids) == [c.relay_message_id for c in copies]


async def test_protected_content_and_flood_waits_reach_the_caller_unchanged(
    db: str, tg: TelegramStandIn, account: StandInAccount
) -> None:
    relay = Relay(BOT)
    shut = posted(tg, SHUT, "members only")
    with pytest.raises(ProtectedContent):
        await relay.relay(account, [shut])
    tg.account_fail_next(OWNER, "FLOOD_WAIT", seconds=7, method="copy")
    post = posted(tg, HIDDEN, "later")
    with pytest.raises(FloodWait) as waited:
        await relay.relay(account, [post])
    assert waited.value.seconds == 7
    assert not await RelayedMessage.exists()
    assert await relay.relay(account, [post]) is True  # once the wait is over


async def test_a_live_post_waits_out_a_flood_wait_then_is_relayed(
    db: str, tg: TelegramStandIn, account: StandInAccount, outbox: Outbox
) -> None:
    index = RuleIndex()
    await add_rule(index, source={"chat_id": HIDDEN, "title": "Hidden", "via": "account"})
    waits: list[float] = []

    async def wait(seconds: float) -> None:  # the wait is obeyed, without spending it
        waits.append(seconds)

    sources = AccountSources(index, outbox, Relay(BOT), sleep=wait)
    tg.account_fail_next(OWNER, "FLOOD_WAIT", seconds=4, method="copy")

    assert await sources.new(account, [posted(tg, HIDDEN, "hello")]) is True
    assert waits == [4.0] and await RelayedMessage.all().count() == 1


async def test_a_post_of_a_chat_no_rule_reads_through_the_account_is_not_copied(
    db: str, tg: TelegramStandIn, account: StandInAccount, outbox: Outbox
) -> None:
    index = RuleIndex()
    await add_rule(index, source={"chat_id": HIDDEN, "title": "Hidden"})  # read by the bot
    sources = AccountSources(index, outbox, Relay(BOT))

    assert await sources.new(account, [posted(tg, HIDDEN, "hello")]) is False
    assert not tg.account_stats(OWNER)["calls"].get("copy")


async def test_a_protected_post_is_skipped_once_per_destination_and_reported_once(
    db: str, tg: TelegramStandIn, account: StandInAccount, outbox: Outbox
) -> None:
    index = RuleIndex()
    rule = await add_rule(
        index, dests=(DEST_A, DEST_B), source={"chat_id": SHUT, "title": "Shut", "via": "account"}
    )
    reported: list[tuple[int, str]] = []

    async def on_protected(view: RuleView, reason: str) -> None:
        reported.append((view.id, reason))

    sources = AccountSources(index, outbox, Relay(BOT), on_protected=on_protected)
    shut = posted(tg, SHUT, "members only")
    protected = AccountMessage(
        chat_id=SHUT, message_id=shut.message_id, date=shut.date, protected=True
    )

    await sources.new(account, [protected])
    await sources.new(account, [protected])  # the same event again adds nothing

    rows = await Delivery.all()
    assert {(r.dest_chat_id, r.status, r.last_error) for r in rows} == {
        (DEST_A, SKIPPED, PROTECTED),
        (DEST_B, SKIPPED, PROTECTED),
    }
    assert reported == [(rule.id, PROTECTED)]
    assert not tg.account_stats(OWNER)["calls"].get("copy")


async def test_a_deletion_cancels_what_waits_and_deletes_copies_only_where_synced(
    db: str, tg: TelegramStandIn, account: StandInAccount, outbox: Outbox
) -> None:
    index = RuleIndex()
    source = {"chat_id": HIDDEN, "title": "Hidden", "via": "account"}
    synced = await add_rule(index, dests=(DEST_A,), source=source, sync_deletions=True)
    kept = await add_rule(index, dests=(DEST_B,), source=source, name="kept")
    relay = Relay(BOT)
    sources = AccountSources(index, outbox, relay)
    sent, waiting = posted(tg, HIDDEN, "sent"), posted(tg, HIDDEN, "waiting")
    for rule_id, dest in ((synced.id, DEST_A), (kept.id, DEST_B)):
        await MessageLink.create(
            rule_id=rule_id,
            source_chat_id=HIDDEN,
            source_message_id=sent.message_id,
            dest_chat_id=dest,
            dest_message_id=900 + dest % 10,
            created_at=0,
        )
        await Delivery.create(
            rule_id=rule_id,
            dest_chat_id=dest,
            source_chat_id=HIDDEN,
            unit=f"m:{waiting.message_id}",
            source_message_ids=[waiting.message_id],
            payload={},
            due_at=10**10,
            created_at=0,
        )

    await sources.deleted(account, HIDDEN, [sent.message_id, waiting.message_id])

    deletes = await Delivery.filter(kind="delete")
    assert [(d.rule_id, d.dest_chat_id) for d in deletes] == [(synced.id, DEST_A)]
    assert sorted(deletes[0].source_message_ids) == sorted([sent.message_id, waiting.message_id])
    posts = {d.rule_id: d for d in await Delivery.filter(kind="post")}
    assert (posts[synced.id].status, posts[synced.id].last_error) == (SKIPPED, DELETED)
    assert posts[kept.id].status == PENDING  # the switch is off there: it still goes


class GatedAccount:
    """The fake account whose copy, once made, is answered only when the test says: the bot
    then sees the relay post before its mapping is recorded (the race the relay waits out)."""

    def __init__(self, inner: StandInAccount) -> None:
        self.inner = inner
        self.copied = asyncio.Event()
        self.gate = asyncio.Event()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    async def copy(self, *args: Any, **kwargs: Any) -> list[int]:
        ids = await self.inner.copy(*args, **kwargs)
        self.copied.set()
        await self.gate.wait()
        return ids


def last_relay_post(tg: TelegramStandIn, relay: Relay) -> Any:
    assert relay.chat_id is not None
    latest = tg.messages(relay.chat_id)[-1]
    return bot_sees(tg, relay.chat_id, latest["message_id"])


async def test_a_relay_post_seen_before_its_mapping_waits_for_it(
    db: str, tg: TelegramStandIn, account: StandInAccount
) -> None:
    relay = Relay(BOT)
    gated = GatedAccount(account)
    post = posted(tg, HIDDEN, "racing")
    copying = asyncio.create_task(relay.relay(gated, [post]))
    await asyncio.wait_for(gated.copied.wait(), 5)
    reader = asyncio.create_task(relay.source_of(last_relay_post(tg, relay)))
    done, _ = await asyncio.wait({reader}, timeout=0.3)
    assert not done  # the copy is under way: the reader waits rather than ignoring the post

    gated.gate.set()

    read = await asyncio.wait_for(reader, 5)
    assert read is not None and read[0].message_id == post.message_id
    assert await copying is True


async def test_a_mapping_that_never_comes_fails_the_update(
    db: str, tg: TelegramStandIn, account: StandInAccount
) -> None:
    relay = Relay(BOT, wait_s=0.2)
    gated = GatedAccount(account)
    copying = asyncio.create_task(relay.relay(gated, [posted(tg, HIDDEN, "slow")]))
    await asyncio.wait_for(gated.copied.wait(), 5)

    with pytest.raises(RelayNotRecorded):  # the poller fetches the update again later
        await relay.source_of(last_relay_post(tg, relay))

    gated.gate.set()
    assert await copying is True


async def test_an_orphan_copy_is_ignored_quickly_while_other_copies_go_on(
    db: str, tg: TelegramStandIn, account: StandInAccount
) -> None:
    # A copy cut off by a crash before its record looks like this: an unmapped relay post older
    # than copies recorded since. With copies under way (a backfill), it must not hold up polling
    # for the whole wait.
    relay = Relay(BOT)  # waits up to 10 s for a copy under way
    await relay.relay(account, [posted(tg, HIDDEN, "first")])
    assert relay.chat_id is not None
    tg.channel_post(relay.chat_id, "cut off")  # the orphan
    orphan = last_relay_post(tg, relay)
    await relay.relay(account, [posted(tg, HIDDEN, "second")])  # recorded after the orphan
    gated = GatedAccount(account)
    copying = asyncio.create_task(relay.relay(gated, [posted(tg, HIDDEN, "third")]))
    await asyncio.wait_for(gated.copied.wait(), 5)

    assert await asyncio.wait_for(relay.source_of(orphan), 5) is None

    gated.gate.set()
    assert await copying is True


async def test_a_relay_channel_that_is_gone_is_replaced_and_the_post_still_copied(
    db: str, tg: TelegramStandIn, account: StandInAccount
) -> None:
    relay = Relay(BOT)
    await relay.relay(account, [posted(tg, HIDDEN, "first")])
    old = relay.chat_id
    assert old is not None
    tg.set_member(old, OWNER, "kicked")  # the account lost the channel

    assert await relay.relay(account, [posted(tg, HIDDEN, "second")]) is True

    assert relay.chat_id is not None and relay.chat_id != old
    assert (await AccountSetting.get(key="relay_chat_id")).value == str(relay.chat_id)
    assert await RelayedMessage.filter(relay_chat_id=relay.chat_id).count() == 1


def test_only_a_source_may_be_read_through_the_account() -> None:
    ok = parse_spec(
        {
            "name": "x",
            "sources": [{"chat_id": HIDDEN, "via": "account"}],
            "destinations": [{"chat_id": DEST_A}],
        }
    )
    assert ok.sources[0].via == "account" and "via" not in ok.destinations[0].model_dump()
    with pytest.raises(RuleError, match="Only a source"):
        parse_spec(
            {
                "name": "x",
                "sources": [{"chat_id": HIDDEN}],
                "destinations": [{"chat_id": DEST_A, "via": "account"}],
            }
        )
