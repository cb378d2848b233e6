"""A rule's delay as an owner meets it: posts go out N minutes after the source posted them, an
edit made meanwhile goes out in their place, and the card sets the delay.

Nobody waits a minute here: once the bot has handled a post, the test moves the delivery's due
time to now and wakes the workers, which is what the clock would do.
"""

from __future__ import annotations

import time
from typing import Any

import pytest

from bot.app import BotApp
from bot.routers.rules.delay import HINT
from bot.routers.rules.keyboards import RuleDelayCb
from models import Delivery, Rule
from models.forwarding import PENDING
from tests.e2e.conftest import OWNER, World, drained, running, settle
from tests.e2e.test_rules_menu import buttons, open_card, press, send

SRC = -1001000000301
DEST = -1001000000401
NOW_DEST = -1001000000402  # a rule with no delay sends here

pytestmark = pytest.mark.no_flood


@pytest.fixture
def chats(world: World) -> World:
    world.channel("Source <i>news</i>", SRC)
    world.channel("Dest", DEST)
    world.channel("Now", NOW_DEST)
    return world


async def create_rule(app: BotApp, name: str, dest: int, **extra: Any) -> int:
    assert app.services is not None
    data = {
        "name": name,
        "sources": [{"chat_id": SRC, "title": "Source <i>news</i>"}],
        "destinations": [{"chat_id": dest}],
        **extra,
    }
    return (await app.services.rules.create(data, created_by=OWNER)).id


async def make_due(app: BotApp, rule_id: int) -> None:
    """What the clock does when the delay is over: the waiting delivery is due now."""
    assert app.services is not None
    moved = await Delivery.filter(rule_id=rule_id, status=PENDING).update(due_at=time.time())
    assert moved == 1
    app.services.workers.wake()


async def test_a_delayed_post_waits_its_minute_then_goes_out(chats: World) -> None:
    tg = chats.tg
    async with running(chats) as app:
        delayed = await create_rule(app, "later", DEST, delay_minutes=1)
        await create_rule(app, "now", NOW_DEST)
        post = tg.channel_post(SRC, "Rates cut")
        await tg.wait_for(lambda: chats.texts(NOW_DEST) == ["Rates cut"])  # workers ran
        await settle(chats, app)

        (waiting,) = await Delivery.filter(rule_id=delayed)
        assert waiting.status == PENDING
        assert waiting.due_at == pytest.approx(post["date"] + 60, abs=1)
        assert chats.texts(DEST) == []

        await make_due(app, delayed)
        await tg.wait_for(lambda: chats.texts(DEST) == ["Rates cut"])
        await drained(chats, app)


async def test_an_edit_during_the_delay_goes_out_instead_of_the_original(chats: World) -> None:
    tg = chats.tg
    async with running(chats) as app:
        delayed = await create_rule(app, "later", DEST, delay_minutes=1)
        await create_rule(app, "now", NOW_DEST)
        post = tg.channel_post(SRC, "Price: 10")
        await tg.wait_for(lambda: chats.texts(NOW_DEST) == ["Price: 10"])

        tg.edit_post(SRC, post["message_id"], text="Price: 12")
        await tg.wait_for(lambda: chats.texts(NOW_DEST) == ["Price: 12"])  # edited in place
        await settle(chats, app)
        assert chats.texts(DEST) == []
        assert not await Delivery.filter(rule_id=delayed, kind="edit").exists()

        await make_due(app, delayed)
        await tg.wait_for(lambda: chats.texts(DEST) == ["Price: 12"])
        await drained(chats, app)

    edits = tg.calls_to("editMessageText")
    assert [int(call.params["chat_id"]) for call in edits] == [NOW_DEST]
    assert not chats.replies(DEST)[0].get("edit_date")


async def test_owner_sets_the_delay_from_the_card_by_button_and_by_number(chats: World) -> None:
    async with running(chats) as app:
        rule_id = await create_rule(app, "news", DEST)
        card = await open_card(chats, app, "news")
        assert "Delay: none" in card["text"]

        screen = (await press(chats, app, card, "⏱ Delay: none")).message
        assert "Delay: none" in screen["text"]
        assert list(buttons(screen)) == [
            "✓ None",
            "5 min",
            "15 min",
            "30 min",
            "1 h",
            "3 h",
            "« Back to rule",
        ]
        pressed = await press(chats, app, screen, "15 min")
        assert pressed.notice == "Delay: 15 min."
        assert "Delay: 15 min" in pressed.message["text"]
        assert (await Rule.get(id=rule_id)).delay_minutes == 15

        screen = (await press(chats, app, pressed.message, "⏱ Delay: 15 min")).message
        assert "✓ 15 min" in buttons(screen)
        for wrong in ("-5", "1441", "soon", "2.5"):
            assert (await send(chats, app, wrong))["text"] == HINT
        assert (await Rule.get(id=rule_id)).delay_minutes == 15

        card = await send(chats, app, "90")
        assert "Delay: 1 h 30 min" in card["text"]
        assert "⏱ Delay: 1 h 30 min" in buttons(card)
        assert (await Rule.get(id=rule_id)).delay_minutes == 90


async def test_back_from_the_delay_screen_leaves_the_delay_alone(chats: World) -> None:
    async with running(chats) as app:
        rule_id = await create_rule(app, "news", DEST, delay_minutes=30)
        card = await open_card(chats, app, "news")
        screen = (await press(chats, app, card, "⏱ Delay: 30 min")).message
        back = await press(chats, app, screen, "« Back to rule")
        assert "Delay: 30 min" in back.message["text"]

        chats.tg.user_sends(OWNER, "5")  # no delay prompt open any more
        await settle(chats, app)
        assert (await Rule.get(id=rule_id)).delay_minutes == 30


async def test_a_forged_delay_beyond_a_day_is_refused(chats: World) -> None:
    async with running(chats) as app:
        rule_id = await create_rule(app, "news", DEST)
        card = await open_card(chats, app, "news")
        forged = RuleDelayCb(rule_id=rule_id, minutes=5000).pack()
        pressed = await press(chats, app, card, data=forged)
        assert "1440" in pressed.notice
        assert (await Rule.get(id=rule_id)).delay_minutes == 0
        assert pressed.answer.get("show_alert")
