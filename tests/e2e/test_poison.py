"""Updates that could stall polling, as a channel owner meets them: odd characters are forwarded,
an unknown update type is skipped, and an update that keeps failing is set aside with one alert;
the posts after each of them still arrive."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app import BotApp
from models import QuarantinedUpdate
from tests.conftest import wait_until
from tests.e2e.conftest import ALERTS, OWNER, World, running, settle

SRC = -1001000000101
OTHER_SRC = -1001000000102
DEST = -1001000000201
FOOTER = {"type": "footer", "template": "— via {source_title}"}


@pytest.fixture(autouse=True)
def chats(world: World) -> None:
    world.channel("Source", SRC)
    world.channel("Other source", OTHER_SRC)
    world.channel("Dest", DEST)


async def create_rule(app: BotApp, **extra: Any) -> None:
    assert app.services is not None
    await app.services.rules.create(
        {
            "name": "news",
            "sources": [{"chat_id": SRC, "title": "Source"}, {"chat_id": OTHER_SRC}],
            "destinations": [{"chat_id": DEST}],
            **extra,
        },
        created_by=OWNER,
    )


async def test_posts_with_a_nul_or_a_lone_surrogate_are_forwarded_and_so_are_the_next(
    world: World,
) -> None:
    async with running(world) as app:
        await create_rule(app, steps=[FOOTER])
        world.tg.channel_post(
            SRC, "nul\x00here", entities=[{"type": "bold", "offset": 4, "length": 4}]
        )
        world.tg.channel_post(SRC, "lone\udc80surrogate")
        world.tg.channel_post(SRC, "after them")
        await world.tg.wait_for(lambda: len(world.replies(DEST)) == 3, timeout=15)

    first, second, third = world.texts(DEST)
    assert first.startswith("nul\ufffdhere") and second.startswith("lone\ufffdsurrogate")
    assert third.startswith("after them")
    bold = world.replies(DEST)[0]["entities"][0]
    assert (bold["type"], bold["offset"], bold["length"]) == ("bold", 4, 4)


async def test_an_update_of_an_unknown_type_is_skipped_and_later_posts_arrive(
    world: World,
) -> None:
    async with running(world) as app:
        await create_rule(app)
        world.tg.inject_update({"future_event": {"id": 1, "what": "a type aiogram does not know"}})
        world.tg.channel_post(SRC, "after it")
        world.tg.channel_post(SRC, "and after that")
        await world.tg.wait_for(
            lambda: world.texts(DEST) == ["after it", "and after that"], timeout=15
        )
        await settle(world, app)
        assert app.services is not None and app.services.poller is not None
        assert app.services.poller.skipped == 1
    assert not world.texts(ALERTS)


async def test_an_update_that_keeps_failing_is_set_aside_with_one_alert_and_shown_in_status(
    world: World,
) -> None:
    async with running(world) as app:
        await create_rule(app)
        world.tg.channel_post(SRC, "before")
        # An album id longer than a delivery's unit column: storing the post fails every time.
        poison = world.tg.channel_post(SRC, caption="poison", photo=True, media_group_id="9" * 120)
        world.tg.channel_post(SRC, "after")
        world.tg.channel_post(OTHER_SRC, "elsewhere")
        await world.tg.wait_for(
            lambda: sorted(world.texts(DEST)) == ["after", "before", "elsewhere"], timeout=30
        )
        assert world.texts(DEST).index("before") < world.texts(DEST).index("after")
        (kept,) = await wait_until(lambda: QuarantinedUpdate.all())
        assert f'"message_id": {poison["message_id"]}' in kept.raw_json
        assert "not stored" in kept.reason

        world.tg.user_sends(OWNER, "/status")
        await settle(world, app)
        assert "Updates set aside (could not be handled): 1" in world.texts(OWNER)[-1]
        await settle(world, app)

    alerts = world.texts(ALERTS)
    assert len(alerts) == 1, alerts
    assert "set aside" in alerts[0] and f"update {kept.update_id}" in alerts[0]
