"""Quiet hours and pacing as an owner meets them: a burst to one destination leaves one post per
interval in source order, a post that arrives in quiet hours waits and goes when they end, and
the card's 🌙 screens set both, and the time zone, by buttons and typed values.

The quiet window is chosen relative to the clock (it ends at the next minute boundary, in UTC),
so the test runs at any hour; it waits on conditions, never sleeps.
"""

from __future__ import annotations

import itertools
import time
from datetime import datetime, timezone
from typing import Any

import pytest

from bot.app import BotApp
from bot.forwarding.delivery import pacing
from bot.forwarding.delivery.pacing import Window
from bot.routers.rules.pacing import PacingCb
from models import Delivery, DestinationPacing, OwnerSettings
from models.forwarding import PENDING, SENT
from tests.e2e.conftest import OWNER, World, drained, running, settle
from tests.e2e.test_rules_menu import buttons, open_card, press, send

SRC = -1001000000501
DEST = -1001000000601
OTHER = -1001000000602  # no pacing here

pytestmark = pytest.mark.no_flood


@pytest.fixture
def chats(world: World) -> World:
    world.channel("Source", SRC)
    world.channel("Calm <b>channel</b>", DEST)
    world.channel("Other", OTHER)
    return world


async def create_rule(app: BotApp, *dests: int, **extra: Any) -> int:
    assert app.services is not None
    data = {
        "name": "news",
        "sources": [{"chat_id": SRC, "title": "Source"}],
        "destinations": [
            {"chat_id": dest, "title": "Calm <b>channel</b>" if dest == DEST else "Other"}
            for dest in dests
        ],
        **extra,
    }
    return (await app.services.rules.create(data, created_by=OWNER)).id


async def test_a_burst_to_one_destination_leaves_one_post_per_interval_in_order(
    chats: World,
) -> None:
    tg = chats.tg
    async with running(chats) as app:
        await create_rule(app, DEST, OTHER)
        await pacing.set_interval(DEST, 2)
        for n in range(1, 5):
            tg.channel_post(SRC, f"update {n}")
        await tg.wait_for(lambda: len(chats.texts(DEST)) == 4, timeout=20)
        await drained(chats, app)
        sent = await Delivery.filter(dest_chat_id=DEST, status=SENT).order_by("id")
        times = [row.finished_at or 0.0 for row in sent]

    assert chats.texts(DEST) == [f"update {n}" for n in range(1, 5)]
    assert all(b - a >= 1.9 for a, b in itertools.pairwise(times)), times
    assert chats.texts(OTHER) == chats.texts(DEST)  # the other destination had them all too


def quiet_until_the_next_minute() -> tuple[Window, float]:
    """A UTC window that holds now and ends at a minute boundary at least 8 s away; that end."""
    now = time.time()
    end = (int(now) // 60 + 1) * 60
    if end - now < 8:
        end += 60
    minute = datetime.fromtimestamp(end, timezone.utc)
    end_minute = minute.hour * 60 + minute.minute
    return Window((end_minute - 10) % (24 * 60), end_minute), float(end)


async def test_a_post_in_quiet_hours_waits_until_they_end(chats: World) -> None:
    tg = chats.tg
    window, ends_at = quiet_until_the_next_minute()
    async with running(chats) as app:
        await create_rule(app, DEST, OTHER)
        await pacing.set_timezone("UTC")
        await pacing.set_quiet(DEST, window)
        tg.channel_post(SRC, "Night news")
        await tg.wait_for(lambda: chats.texts(OTHER) == ["Night news"])
        await settle(chats, app)
        (waiting,) = await Delivery.filter(dest_chat_id=DEST)
        assert waiting.status == PENDING and chats.texts(DEST) == []

        await tg.wait_for(lambda: chats.texts(DEST) == ["Night news"], timeout=90)
        assert time.time() >= ends_at
        await drained(chats, app)


async def test_an_edit_of_a_sent_post_goes_at_once_in_quiet_hours(chats: World) -> None:
    tg = chats.tg
    window, _ = quiet_until_the_next_minute()
    async with running(chats) as app:
        await create_rule(app, DEST)
        first = tg.channel_post(SRC, "Price: 10")
        await tg.wait_for(lambda: chats.texts(DEST) == ["Price: 10"])
        await pacing.set_timezone("UTC")
        await pacing.set_quiet(DEST, window)
        tg.channel_post(SRC, "Later news")  # waits for the end of the quiet hours
        tg.edit_post(SRC, first["message_id"], text="Price: 12")
        await tg.wait_for(lambda: chats.texts(DEST) == ["Price: 12"])
        await settle(chats, app)
        assert await Delivery.filter(dest_chat_id=DEST, status=PENDING).count() == 1


async def test_owner_sets_quiet_hours_interval_and_time_zone_from_the_card(chats: World) -> None:
    async with running(chats) as app:
        await create_rule(app, DEST, OTHER)
        card = await open_card(chats, app, "news")
        listing = (await press(chats, app, card, "🌙 Quiet hours & pacing")).message
        assert "no quiet hours, no interval" in listing["text"]
        screen = (await press(chats, app, listing, "Calm <b>channel</b>")).message
        assert "Quiet hours: none" in screen["text"]
        assert "Least time between posts: none" in screen["text"]
        assert "Time zone: UTC" in screen["text"]
        assert "✓ No quiet hours" in buttons(screen) and "✓ No interval" in buttons(screen)

        pressed = await press(chats, app, screen, "23:00–07:00")
        assert pressed.notice == "Quiet hours: 23:00–07:00."
        assert "Quiet hours: 23:00–07:00 (UTC)" in pressed.message["text"]
        pressed = await press(chats, app, pressed.message, "5 min")
        assert "Least time between posts: 5 min" in pressed.message["text"]
        assert "✓ 5 min" in buttons(pressed.message)
        stored = await DestinationPacing.get(chat_id=DEST)
        assert (stored.quiet_start, stored.quiet_end, stored.interval_s) == (1380, 420, 300)

        # Typed values: refused with what to send, then taken.
        prompt = (await press(chats, app, pressed.message, "⌨ Other interval…")).message
        assert "90s" in prompt["text"]
        assert "24 hours" in (await send(chats, app, "30h"))["text"]
        shown = await send(chats, app, "90s")
        assert "Least time between posts: 90 s" in shown["text"]
        prompt = (await press(chats, app, shown, "⌨ Other hours…")).message
        assert "HH:MM-HH:MM" in prompt["text"]
        assert "HH:MM-HH:MM" in (await send(chats, app, "late evening"))["text"]
        assert "different times" in (await send(chats, app, "22:00-22:00"))["text"]
        shown = await send(chats, app, "22:30-06:15")
        assert "Quiet hours: 22:30–06:15 (UTC)" in shown["text"]

        zones = (await press(chats, app, shown, "🌍 Time zone: UTC")).message
        assert "✓ UTC" in buttons(zones)
        pressed = await press(chats, app, zones, "Europe/Moscow")
        assert pressed.notice == "Time zone: Europe/Moscow."
        assert "✓ Europe/Moscow" in buttons(pressed.message)
        typed = (await press(chats, app, pressed.message, "⌨ Other…")).message
        assert "time zone" in typed["text"]
        assert "not a time zone" in (await send(chats, app, "Mars/Olympus"))["text"]
        zones = await send(chats, app, "asia/tokyo")
        assert "Asia/Tokyo" in zones["text"]
        assert (await OwnerSettings.get(id=1)).timezone == "Asia/Tokyo"

        screen = (await press(chats, app, zones, "« Back")).message
        assert "Quiet hours: 22:30–06:15 (Asia/Tokyo)" in screen["text"]
        pressed = await press(chats, app, screen, "No quiet hours")
        assert "Quiet hours: none" in pressed.message["text"]
        listing = (await press(chats, app, pressed.message, "« Back")).message
        assert "90 s between posts" in listing["text"]
        card = (await press(chats, app, listing, "« Back to rule")).message
        assert "🌙 Quiet hours & pacing" in buttons(card)


async def test_a_rule_with_one_destination_opens_its_screen_at_once(chats: World) -> None:
    async with running(chats) as app:
        rule_id = await create_rule(app, DEST)
        card = await open_card(chats, app, "news")
        screen = (await press(chats, app, card, "🌙 Quiet hours & pacing")).message
        assert "Quiet hours: none" in screen["text"]
        prompt = (await press(chats, app, screen, "⌨ Other hours…")).message
        back = (await press(chats, app, prompt, "« Back")).message
        assert "Quiet hours: none" in back["text"]
        chats.tg.user_sends(OWNER, "23:00-07:00")  # no prompt open any more
        await settle(chats, app)
        assert not await DestinationPacing.filter(quiet_start__not_isnull=True).exists()

        for what, value in (("w", "2000-5"), ("w", "x"), ("i", "7"), ("z", "Mars/Olympus")):
            forged = PacingCb(rule_id=rule_id, dest=0, what=what, value=value).pack()
            pressed = await press(chats, app, back, data=forged)
            assert pressed.answer.get("show_alert"), (what, value)
        assert not await DestinationPacing.filter(interval_s__gt=0).exists()
        assert not await DestinationPacing.filter(quiet_start__not_isnull=True).exists()
        assert not await OwnerSettings.exists()
