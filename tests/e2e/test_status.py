"""/status as the owner meets it: the figures after posts go out; a dead delivery listed, retried
or dropped from its buttons; buttons that no longer fit change nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.app import BotApp
from bot.routers.status.handlers import NO_LONGER_DEAD, OUT_OF_DATE
from models import Delivery
from models.forwarding import DEAD, SENT, SKIPPED
from sandbox.telegram.flood import FloodLimits
from tests.conftest import wait_until
from tests.e2e.conftest import OWNER, World, running, settle

SRC = -1001000000101
DEST = -1001000000201
LOST = "Bad Request: message to copy not found"


@pytest.fixture
def flood() -> FloodLimits:
    return FloodLimits.disabled()  # an owner pressing buttons fast is not what is tested here


@pytest.fixture
def chats(world: World) -> World:
    world.channel("Source", SRC)
    world.channel("Dest <b>A</b>", DEST)
    return world


async def create_rule(app: BotApp, name: str = "news") -> int:
    assert app.services is not None
    rule = await app.services.rules.create(
        {
            "name": name,
            "sources": [{"chat_id": SRC, "title": "Source"}],
            "destinations": [{"chat_id": DEST, "title": "Dest <b>A</b>"}],
        },
        created_by=OWNER,
    )
    return rule.id


async def status(world: World, app: BotApp) -> dict[str, Any]:
    world.tg.user_sends(OWNER, "/status")
    await settle(world, app)
    message = world.replies(OWNER)[-1]
    assert message["text"].startswith("Status")
    return message


def current(world: World, message: dict[str, Any]) -> dict[str, Any]:
    return world.tg.message(OWNER, message["message_id"])


def buttons(message: dict[str, Any]) -> list[str]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return [b["callback_data"] for row in rows for b in row]


async def press(world: World, app: BotApp, message: Any, data: str, **kw: Any) -> str:
    query = world.tg.press_button(OWNER, message, data, **kw)
    await world.tg.wait_for(lambda: world.tg.callback_answer(query) is not None)
    await settle(world, app)
    return str((world.tg.callback_answer(query) or {}).get("text") or "")


async def a_dead_delivery(world: World, app: BotApp, text: str) -> int:
    """A post the destination refuses for good (not a rights problem): its delivery dies."""
    world.tg.fail_next("copyMessage", 400, LOST, chat_id=DEST)
    world.tg.channel_post(SRC, text)

    async def dead() -> int | None:
        row = await Delivery.filter(status=DEAD).order_by("-id").first()
        return row.id if row else None

    return int(await wait_until(dead, message="a dead delivery"))


async def test_status_shows_the_figures_after_a_post_is_delivered(chats: World) -> None:
    async with running(chats) as app:
        await create_rule(app)
        chats.tg.channel_post(SRC, "hello")
        await chats.tg.wait_for(lambda: chats.texts(DEST) == ["hello"])
        assert app.services is not None
        workers = app.services.workers
        await wait_until(lambda: workers.sent == 1, message="the worker counted the send")

        text = (await status(chats, app))["text"]

        me = app.services.cluster.name
        assert f"Polling Telegram: this process ({me})" in text
        assert "Workers here: 8 (sent 1, failed 0 since start)" in text
        assert "Other processes delivering in the last hour: none" in text
        assert "Outbox: pending 0 · in flight 0 · review 0 · held 0 · dead 0" in text
        assert "Sent in the last hour: 1" in text
        assert re.search(r"^AI(: not configured| \(Groq\): up · 0 calls)", text, re.M)
        assert "Last errors\nnone" in text
        assert "Dead deliveries: 0" in text
        assert buttons(chats.replies(OWNER)[-1]) == ["stat:r:0"]


async def test_a_dead_delivery_is_listed_and_retry_sends_it(chats: World) -> None:
    async with running(chats) as app:
        rule_id = await create_rule(app)
        dead_id = await a_dead_delivery(chats, app, "lost post")

        message = await status(chats, app)
        text = message["text"]
        assert "dead 1" in text and "Dead deliveries: 1" in text
        assert f"#{dead_id} · rule #{rule_id} news → Dest <b>A</b> ({DEST})" in text
        assert f"• {LOST}" in text
        assert buttons(message) == [f"stat:rt:{dead_id}", f"stat:dr:{dead_id}", "stat:r:0"]

        answer = await press(chats, app, message, f"stat:rt:{dead_id}")

        assert answer == f"Delivery #{dead_id} goes out again now."
        await chats.tg.wait_for(lambda: chats.texts(DEST) == ["lost post"])

        async def sent() -> bool:
            return await Delivery.filter(id=dead_id, status=SENT).exists()

        await wait_until(sent, message="the retried delivery sent")
        refreshed = current(chats, message)
        assert "Dead deliveries: 0" in refreshed["text"]
        assert buttons(refreshed) == ["stat:r:0"]

        assert await press(chats, app, refreshed, "stat:r:0") == "Refreshed."
        assert "Sent in the last hour: 1" in current(chats, message)["text"]


async def test_drop_gives_up_a_dead_delivery_and_stale_or_forged_buttons_change_nothing(
    chats: World,
) -> None:
    async with running(chats) as app:
        await create_rule(app)
        dead_id = await a_dead_delivery(chats, app, "lost post")
        message = await status(chats, app)

        answer = await press(chats, app, message, f"stat:dr:{dead_id}")

        assert answer == f"Delivery #{dead_id} dropped."
        dropped = await Delivery.get(id=dead_id)
        assert dropped.status == SKIPPED and dropped.finished_at is not None
        assert dropped.last_error == LOST
        assert "Dead deliveries: 0" in current(chats, message)["text"]

        # The old buttons pressed again, a made-up id, a malformed button: nothing changes.
        for data in (f"stat:rt:{dead_id}", f"stat:dr:{dead_id}", "stat:rt:999999"):
            assert await press(chats, app, message, data, forge=True) == NO_LONGER_DEAD
        assert await press(chats, app, message, "stat:rt:many", forge=True) == OUT_OF_DATE
        assert (await Delivery.get(id=dead_id)).status == SKIPPED
        await settle(chats, app)

    assert chats.texts(DEST) == []
