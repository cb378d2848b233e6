"""The forwarding engine as a channel owner meets it: posts, albums, edits, replies, failures."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.types import Update

from bot.app import BotApp
from bot.forwarding.rules.service import RuleError
from models import Delivery, Rule
from models.forwarding import HELD, SENT
from tests.conftest import wait_until
from tests.e2e.conftest import ALERTS, BOT_ID, OWNER, World, drained, outbox_empty, running, settle

SRC = -1001000000101
DEST_A = -1001000000201
DEST_B = -1001000000202
DEST_C = -1001000000203


def rule_data(
    name: str = "news", dests: tuple[int, ...] = (DEST_A,), **extra: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "sources": [{"chat_id": SRC, "title": "Source"}],
        "destinations": [{"chat_id": d} for d in dests],
        **extra,
    }


@pytest.fixture
def chats(world: World) -> World:
    world.channel("Source", SRC)
    for n, dest in enumerate((DEST_A, DEST_B, DEST_C)):
        world.channel(f"Dest {n}", dest)
    return world


async def create_rule(app: BotApp, **data: Any) -> int:
    assert app.services is not None
    rule = await app.services.rules.create(rule_data(**data), created_by=OWNER)
    return rule.id


async def test_a_channel_post_reaches_two_destinations_with_its_formatting(chats: World) -> None:
    tg = chats.tg
    async with running(chats) as app:
        await create_rule(app, dests=(DEST_A, DEST_B))
        tg.channel_post(SRC, "<b>Breaking</b>: rates cut", parse_mode="HTML")
        await tg.wait_for(lambda: chats.texts(DEST_A) and chats.texts(DEST_B))

    for dest in (DEST_A, DEST_B):
        (message,) = chats.replies(dest)
        assert message["text"] == "Breaking: rates cut"
        assert message["entities"][0]["type"] == "bold"
    assert len(tg.calls_to("copyMessage")) == 2


async def test_an_album_arrives_as_one_album_in_source_order(chats: World) -> None:
    tg = chats.tg
    async with running(chats) as app:
        await create_rule(app)
        sent = tg.post_album(
            SRC,
            [{"photo": True, "caption": "Trip"}, {"photo": True}, {"video": True}],
        )
        await tg.wait_for(lambda: len(chats.replies(DEST_A)) == 3)

    copies = chats.replies(DEST_A)
    assert len({m["media_group_id"] for m in copies}) == 1
    source_files = [
        m.get("photo", [{}])[-1].get("file_unique_id") or m["video"]["file_unique_id"] for m in sent
    ]
    copied_files = [
        m.get("photo", [{}])[-1].get("file_unique_id") or m["video"]["file_unique_id"]
        for m in copies
    ]
    assert copied_files == source_files
    assert copies[0]["caption"] == "Trip"
    assert len(tg.calls_to("copyMessages")) == 1  # one call: the album was never split
    assert not tg.calls_to("copyMessage")


async def test_an_edit_follows_by_each_rules_policy(chats: World) -> None:
    tg = chats.tg
    async with running(chats) as app:
        await create_rule(app, name="in place", dests=(DEST_A,), edit_policy="edit")
        await create_rule(app, name="again", dests=(DEST_B,), edit_policy="repost")
        await create_rule(app, name="ignore", dests=(DEST_C,), edit_policy="ignore")
        post = tg.channel_post(SRC, "Price: 10")
        await tg.wait_for(lambda: all(chats.texts(d) for d in (DEST_A, DEST_B, DEST_C)))

        tg.edit_post(SRC, post["message_id"], text="Price: 12")
        await tg.wait_for(lambda: chats.texts(DEST_A) == ["Price: 12"])
        await tg.wait_for(lambda: chats.texts(DEST_B) == ["Price: 10", "Price: 12"])
        await drained(chats, app)

    assert chats.texts(DEST_C) == ["Price: 10"]
    assert chats.replies(DEST_A)[0].get("edit_date")


async def test_a_reply_chain_in_the_source_stays_a_reply_chain(chats: World) -> None:
    tg = chats.tg
    async with running(chats) as app:
        await create_rule(app)
        first = tg.channel_post(SRC, "Question?")
        tg.channel_post(SRC, "Answer.", reply_to=first["message_id"])
        await tg.wait_for(lambda: len(chats.replies(DEST_A)) == 2)

    question, answer = chats.replies(DEST_A)
    assert answer["reply_to_message"]["message_id"] == question["message_id"]


async def test_a_replayed_batch_of_updates_delivers_once(chats: World) -> None:
    tg = chats.tg
    async with running(chats) as app:
        await create_rule(app, dests=(DEST_A, DEST_B))
        for n in range(3):
            tg.channel_post(SRC, f"post {n}")
        await tg.wait_for(
            lambda: len(chats.replies(DEST_A)) == 3 and len(chats.replies(DEST_B)) == 3
        )
        # After a crash Telegram sends the unconfirmed batch again: replay everything it sent.
        raw = [u for c in tg.calls_to("getUpdates") if c.ok for u in c.result]
        assert app.services is not None and app.services.poller is not None and app.bot
        updates = [Update.model_validate(u, context={"bot": app.bot}) for u in raw]
        assert len([u for u in updates if u.channel_post]) == 3
        assert await app.services.poller.feed(updates)
        await wait_until(outbox_empty)
        assert await Delivery.filter(status=SENT).count() == 6

    assert [m["text"] for m in chats.replies(DEST_A)] == ["post 0", "post 1", "post 2"]
    assert len(chats.replies(DEST_B)) == 3


async def test_a_429_storm_from_telegram_loses_nothing_and_keeps_order(chats: World) -> None:
    tg = chats.tg
    async with running(chats) as app:
        await create_rule(app)
        tg.fail_next("copyMessage", 429, retry_after=1, count=4)
        for n in range(4):
            tg.channel_post(SRC, f"update {n}")
        await tg.wait_for(lambda: len(chats.replies(DEST_A)) == 4, timeout=30)

    assert chats.texts(DEST_A) == [f"update {n}" for n in range(4)]
    assert len([c for c in tg.calls_to("copyMessage") if c.error_code == 429]) == 4


async def test_a_destination_that_kicked_the_bot_pauses_the_rule_with_one_alert(
    chats: World,
) -> None:
    tg = chats.tg
    async with running(chats) as app:
        rule_id = await create_rule(app)
        tg.set_member(DEST_A, BOT_ID, "kicked")
        tg.channel_post(SRC, "one")
        tg.channel_post(SRC, "two")
        await wait_until(lambda: Rule.filter(id=rule_id, active=False).exists())

        async def both_held() -> bool:
            return await Delivery.filter(status=HELD).count() == 2

        await wait_until(both_held, message="both posts held")
        await tg.wait_for(lambda: chats.texts(ALERTS))
        await settle(chats, app)
        tg.channel_post(SRC, "three: while paused, not forwarded")
        await settle(chats, app)

        alerts = chats.texts(ALERTS)
        assert len(alerts) == 1 and "paused" in alerts[0] and "kicked" in alerts[0]
        rule = await Rule.get(id=rule_id)
        assert "kicked" in (rule.paused_reason or "")

        # The owner fixes it and resumes: what was held goes out, in order.
        tg.set_member(DEST_A, BOT_ID, "administrator", can_post_messages=True)
        assert app.services is not None
        await app.services.rules.set_active(rule_id, True)
        await tg.wait_for(lambda: len(chats.replies(DEST_A)) == 2, timeout=15)

    assert chats.texts(DEST_A) == ["one", "two"]
    assert len(chats.texts(ALERTS)) == 1


async def test_order_per_destination_is_kept_under_concurrent_workers(chats: World) -> None:
    tg = chats.tg
    async with running(chats, worker_count=8) as app:
        await create_rule(app, dests=(DEST_A, DEST_B, DEST_C))
        for n in range(5):
            tg.channel_post(SRC, f"#{n}")
        await tg.wait_for(
            lambda: all(len(chats.replies(d)) == 5 for d in (DEST_A, DEST_B, DEST_C)), timeout=20
        )

    for dest in (DEST_A, DEST_B, DEST_C):
        assert chats.texts(dest) == [f"#{n}" for n in range(5)]
    assert tg.count_429 == 0


async def test_a_forum_topic_feeds_a_topic_of_another_forum(chats: World) -> None:
    tg = chats.tg
    forum_src, forum_dst = -1001000000301, -1001000000302
    for chat in (forum_src, forum_dst):
        tg.add_chat("supergroup", "Forum", chat_id=chat, is_forum=True)
        tg.set_member(chat, BOT_ID, "administrator", can_post_messages=True, can_manage_topics=True)
        tg.set_member(chat, OWNER, "creator")
    src_topic = tg.create_topic(forum_src, "Signals")
    dst_topic = tg.create_topic(forum_dst, "Copied signals")
    async with running(chats) as app:
        assert app.services is not None
        await app.services.rules.create(
            {
                "name": "topics",
                "sources": [{"chat_id": forum_src, "thread_id": src_topic}],
                "destinations": [{"chat_id": forum_dst, "thread_id": dst_topic}],
            }
        )
        tg.user_sends(OWNER, "in the topic", chat_id=forum_src, thread_id=src_topic)
        tg.user_sends(OWNER, "elsewhere in the forum", chat_id=forum_src)
        await tg.wait_for(lambda: chats.replies(forum_dst))
        await drained(chats, app)

    (copy,) = chats.replies(forum_dst)
    assert copy["text"] == "in the topic"
    assert copy["message_thread_id"] == dst_topic


async def test_filters_decide_what_is_forwarded(chats: World) -> None:
    tg = chats.tg
    async with running(chats) as app:
        await create_rule(
            app,
            filters={"include_keywords": ["bitcoin"], "exclude_regex": [r"\bsponsored\b"]},
        )
        tg.channel_post(SRC, "Weather is fine")
        tg.channel_post(SRC, "Bitcoin is up (sponsored)")
        tg.channel_post(SRC, "Bitcoin is down")
        await tg.wait_for(lambda: chats.texts(DEST_A))
        await drained(chats, app)

    assert chats.texts(DEST_A) == ["Bitcoin is down"]


async def test_invalid_and_catastrophic_regexes_are_refused_at_save(chats: World) -> None:
    async with running(chats) as app:
        assert app.services is not None
        for pattern, words in (("(unclosed", "Invalid regex"), ("(a+)+b", "exponential")):
            with pytest.raises(RuleError, match=words):
                await app.services.rules.create(rule_data(filters={"include_regex": [pattern]}))
        assert await Rule.all().count() == 0


async def test_a_destination_the_bot_cannot_post_to_is_refused_with_the_fix(chats: World) -> None:
    tg = chats.tg
    tg.set_member(DEST_B, BOT_ID, "administrator", can_post_messages=False)
    async with running(chats) as app:
        assert app.services is not None
        with pytest.raises(RuleError, match="right to post messages"):
            await app.services.rules.create(rule_data(dests=(DEST_B,)))
        with pytest.raises(RuleError, match="needs at least one destination"):
            await app.services.rules.create(rule_data(dests=()))
        assert await Rule.all().count() == 0
