"""Sources the bot cannot see, read through the owner's user account (the stand-in's fake).

The account copies each source post once into its relay channel; the bot delivers from there as
from any source: formatting, albums, edits and replies kept, deletions synced where the rule
says so, protected chats refused and reported, never copied.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from pydantic import SecretStr
from structlog.testing import capture_logs

from bot.app import BotApp
from bot.userbot.interface import Account
from models import Delivery, RelayedMessage, Rule
from models.forwarding import SENT, SKIPPED
from sandbox.account import StandInAccount
from sandbox.telegram.person import Person
from tests.conftest import wait_until
from tests.e2e.conftest import ALERTS, OWNER, World, drained, running
from tests.e2e.test_admins import sent_markup
from tests.e2e.test_rules_menu import open_card, press

SESSION = "fake-session-relay-4c1d"
HIDDEN = -1001000000301  # a channel the bot is not in; the account reads it
SHUT = -1001000000302  # protected content: Telegram forbids copying it
DEST_A = -1001000000201
DEST_B = -1001000000202


@pytest.fixture
def accounted(world: World) -> World:
    """The world with the owner's account configured: it reads HIDDEN and SHUT; the bot posts to
    DEST_A and DEST_B and reads neither source."""
    tg = world.tg
    tg.add_account(OWNER, session=SESSION)
    tg.add_chat("channel", "Hidden News", chat_id=HIDDEN)
    tg.add_chat("channel", "Shut", chat_id=SHUT, has_protected_content=True)
    for chat in (HIDDEN, SHUT):
        tg.set_member(chat, OWNER, "member")
    world.channel("Dest A", DEST_A)
    world.channel("Dest B", DEST_B)
    world.settings = world.settings.model_copy(
        update={
            "api_id": 12345,
            "api_hash": SecretStr("0123456789abcdef0123456789abcdef"),
            "pyrogram_session_string": SecretStr(SESSION),
        }
    )
    return world


def _factory(world: World) -> Any:
    def make(settings: Any) -> Account:
        return StandInAccount(world.tg.url, settings.pyrogram_session_string.get_secret_value())

    return make


@pytest.fixture
async def app(accounted: World) -> AsyncIterator[BotApp]:
    async with running(accounted, account_factory=_factory(accounted)) as bot:
        assert bot.services is not None
        await asyncio.wait_for(bot.services.account.connected.wait(), 10)
        yield bot


async def via_account(app: BotApp, source: int = HIDDEN, **extra: Any) -> int:
    assert app.services is not None
    data = {
        "name": extra.pop("name", "hidden"),
        "sources": [{"chat_id": source, "title": "Hidden News", "via": "account"}],
        "destinations": [{"chat_id": d} for d in extra.pop("dests", (DEST_A,))],
        **extra,
    }
    rule = await app.services.rules.create(data, created_by=OWNER)
    return rule.id


def copies(world: World) -> int:
    """The account's copy requests (one per post, an album included)."""
    return int(world.tg.account_stats(OWNER)["calls"].get("copy", 0))


def relay_chat(app: BotApp) -> int:
    assert app.services is not None and app.services.relay is not None
    assert app.services.relay.chat_id is not None
    return app.services.relay.chat_id


async def test_a_formatted_post_of_a_hidden_channel_arrives_through_the_relay(
    accounted: World, app: BotApp
) -> None:
    tg = accounted.tg
    await via_account(app)
    tg.channel_post(HIDDEN, "<b>Breaking</b>: rates cut", parse_mode="HTML")
    await tg.wait_for(lambda: accounted.texts(DEST_A))
    (message,) = accounted.replies(DEST_A)
    assert message["text"] == "Breaking: rates cut"
    assert message["entities"][0]["type"] == "bold"
    assert copies(accounted) == 1  # the account sent one message for one post
    (call,) = tg.calls_to("copyMessage")
    assert call.params["from_chat_id"] == relay_chat(app)  # the bot copied the relay's copy
    await drained(accounted, app)
    (delivery,) = await Delivery.all()
    assert delivery.source_chat_id == HIDDEN and delivery.status == SENT  # keyed by the source
    relayed = await RelayedMessage.get(source_chat_id=HIDDEN)
    assert relayed.relay_chat_id == relay_chat(app) and relayed.source_title == "Hidden News"


async def test_an_album_stays_one_album_and_costs_the_account_one_request(
    accounted: World, app: BotApp
) -> None:
    tg = accounted.tg
    await via_account(app)
    tg.post_album(HIDDEN, [{"photo": True, "caption": "Trip"}, {"photo": True}, {"video": True}])
    await tg.wait_for(lambda: len(accounted.replies(DEST_A)) == 3)
    sent = accounted.replies(DEST_A)
    assert len({m["media_group_id"] for m in sent}) == 1 and sent[0]["caption"] == "Trip"
    assert len(tg.calls_to("copyMessages")) == 1 and not tg.calls_to("copyMessage")
    assert copies(accounted) == 1
    assert tg.account_stats(OWNER)["copies"] == 3  # three messages, one request


async def test_an_edit_in_the_hidden_channel_is_followed(accounted: World, app: BotApp) -> None:
    tg = accounted.tg
    await via_account(app)
    post = tg.channel_post(HIDDEN, "Price: 10")
    await tg.wait_for(lambda: accounted.texts(DEST_A) == ["Price: 10"])
    tg.edit_post(HIDDEN, post["message_id"], text="Price: 12")
    await tg.wait_for(lambda: accounted.texts(DEST_A) == ["Price: 12"])
    assert accounted.replies(DEST_A)[0].get("edit_date")
    assert copies(accounted) == 1  # an edit is not a new copy


async def test_a_reply_in_the_hidden_channel_stays_a_reply(accounted: World, app: BotApp) -> None:
    tg = accounted.tg
    await via_account(app)
    first = tg.channel_post(HIDDEN, "Question?")
    await tg.wait_for(lambda: len(accounted.replies(DEST_A)) == 1)
    tg.channel_post(HIDDEN, "Answer.", reply_to=first["message_id"])
    await tg.wait_for(lambda: len(accounted.replies(DEST_A)) == 2)
    question, answer = accounted.replies(DEST_A)
    assert answer["reply_to_message"]["message_id"] == question["message_id"]


async def test_a_deletion_is_synced_where_the_rule_says_so_and_only_there(
    accounted: World, app: BotApp
) -> None:
    tg = accounted.tg
    await via_account(app, name="synced", dests=(DEST_A,), sync_deletions=True)
    await via_account(app, name="kept", dests=(DEST_B,))
    post = tg.channel_post(HIDDEN, "Oops, wrong channel")
    await tg.wait_for(lambda: accounted.texts(DEST_A) and accounted.texts(DEST_B))
    tg.delete_message(HIDDEN, post["message_id"])
    await tg.wait_for(lambda: not accounted.texts(DEST_A))
    await drained(accounted, app)
    assert accounted.texts(DEST_B) == ["Oops, wrong channel"]  # the switch is off there
    assert len(tg.calls_to("deleteMessages")) == 1
    # A rule keeps its copies, so the relay's copy stays (it may still be needed).
    assert len(tg.messages(relay_chat(app))) == 1


async def test_a_deleted_post_still_waiting_is_cancelled_and_the_relay_copy_goes(
    accounted: World, app: BotApp
) -> None:
    tg = accounted.tg
    await via_account(app, sync_deletions=True, delay_minutes=30)
    post = tg.channel_post(HIDDEN, "Scheduled")
    await wait_until(lambda: Delivery.filter(status="pending").exists())
    tg.delete_message(HIDDEN, post["message_id"])

    async def cancelled() -> bool:
        row = await Delivery.get_or_none(kind="post")
        return row is not None and row.status == SKIPPED

    await wait_until(cancelled)
    row = await Delivery.get(kind="post")
    assert row.last_error == "deleted in the source"
    await tg.wait_for(lambda: not tg.messages(relay_chat(app)))  # every rule syncs: it goes
    assert not accounted.texts(DEST_A)


async def test_a_protected_source_reported_on_arrival_and_never_copied(
    accounted: World, app: BotApp
) -> None:
    tg = accounted.tg
    rule_id = await via_account(app)
    tg.state.chats[HIDDEN].has_protected_content = True  # the owner turned protection on later
    tg.channel_post(HIDDEN, "Members only")

    async def skipped() -> bool:
        return await Delivery.filter(rule_id=rule_id, status=SKIPPED).exists()

    await wait_until(skipped)
    row = await Delivery.get(rule_id=rule_id)
    assert row.last_error == "cannot be copied: protected content"
    await tg.wait_for(lambda: any("protected content" in t for t in accounted.texts(ALERTS)))
    assert copies(accounted) == 0 and not accounted.texts(DEST_A)


async def test_a_post_in_the_relay_channel_that_is_no_copy_is_ignored(
    accounted: World, app: BotApp
) -> None:
    tg = accounted.tg
    await via_account(app)
    tg.channel_post(HIDDEN, "first")
    await tg.wait_for(lambda: accounted.texts(DEST_A) == ["first"])
    with capture_logs() as logs:
        tg.channel_post(relay_chat(app), "someone posted here by hand")
        await drained(accounted, app)
    assert accounted.texts(DEST_A) == ["first"]
    assert any(entry["event"] == "relay_post_not_a_copy" for entry in logs)
    assert await Delivery.all().count() == 1


async def test_the_wizard_reads_a_hidden_channel_through_the_account(
    accounted: World, app: BotApp
) -> None:
    owner = Person(accounted.tg, app, OWNER)
    await owner.says("/newrule")
    nonsense = await owner.says("hello there")  # not a chat: no account offered
    assert "can't read" in nonsense.text and "user account" not in nonsense.text
    offered = await owner.says(str(HIDDEN))
    assert "through your user account" in offered.text
    added = await owner.presses("Read through my account")
    assert "Added" in added.text and "via your account" in added.text
    assert "Destinations" in (await owner.says("✅ Done")).text
    await owner.says(chat_shared={"request_id": 3, "chat_id": DEST_A, "title": "Dest A"})
    await owner.says("✅ Done")


async def test_the_wizard_refuses_a_protected_chat_and_asks_before_joining(
    accounted: World, app: BotApp
) -> None:
    tg = accounted.tg
    tg.add_chat("channel", "Open Square", username="open_square")
    owner = Person(tg, app, OWNER)
    await owner.says("/newrule")
    await owner.says(str(SHUT))
    refused = await owner.presses("Read through my account")
    assert "protected content" in refused.text and "Added" not in refused.text
    await owner.says("@open_square")
    asked = await owner.presses("Read through my account")
    assert "Join it" in asked.text
    joined = await owner.presses("Join with my account")
    assert "Added" in joined.text and "Open Square" in joined.text
    assert tg.account_stats(OWNER)["calls"].get("join") == 1


async def test_the_wizard_lists_the_accounts_chats(accounted: World, app: BotApp) -> None:
    owner = Person(accounted.tg, app, OWNER)
    await owner.says("/newrule")
    keyboard = sent_markup(accounted)["keyboard"]  # a reply keyboard is not kept on the message
    assert "📱 My account's chats" in [b["text"] for row in keyboard for b in row]
    listed = await owner.says("📱 My account's chats")
    assert "Hidden News" in str(listed.messages[-1]["reply_markup"])
    added = await owner.presses("Hidden News")
    assert "via your account" in added.text


async def test_the_card_shows_the_account_source_and_switches_deletion_sync(
    accounted: World, app: BotApp
) -> None:
    rule_id = await via_account(app, name="hidden")
    card = await open_card(accounted, app, "hidden")
    assert "via your account" in card["text"] and "Deletion sync: off" in card["text"]
    pressed = await press(accounted, app, card, "🗑 Sync deletions: off")
    assert "Deletion sync is on" in pressed.notice
    assert "Deletion sync: on" in pressed.message["text"]
    assert (await Rule.get(id=rule_id)).sync_deletions


async def test_the_wizard_saves_deletion_sync_from_its_confirm_screen(
    accounted: World, app: BotApp
) -> None:
    owner = Person(accounted.tg, app, OWNER)
    await owner.says("/newrule")
    await owner.says(str(HIDDEN))
    await owner.presses("Read through my account")
    await owner.says("✅ Done")
    await owner.says(chat_shared={"request_id": 3, "chat_id": DEST_A, "title": "Dest A"})
    await owner.says("✅ Done")
    await owner.presses("Copy")
    await owner.presses("Continue")  # no filters
    await owner.presses("Continue")  # no steps
    await owner.presses("Skip")  # no sample to try
    screen = await owner.says("Hidden rule")
    assert "Deletion sync" in screen.text, screen.text
    assert "Deletion sync: on" in (await owner.presses("Sync deletions: off")).edited
    assert "saved" in (await owner.presses("Save rule")).text
    (rule,) = await Rule.all()
    assert rule.sync_deletions and rule.sources[0]["via"] == "account"
