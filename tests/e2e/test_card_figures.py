"""The rule card's figures per destination, as the owner reads them after real posts went through:
what each destination got, what waits for it, what it skipped and why, and the hour it got it."""

from __future__ import annotations

import time

import pytest

from bot.forwarding.delivery.payload import Payload
from bot.forwarding.delivery.rows import NewDelivery
from models import Delivery
from models.forwarding import SENT
from tests.e2e.conftest import World, drained, running
from tests.e2e.test_rules_menu import create_rule, open_card
from tests.e2e.test_skipped_posts import service_post

SRC = -1001000000301
DEST = -1001000000401
OTHER = -1001000000402

pytestmark = pytest.mark.no_flood


@pytest.fixture
def chats(world: World) -> World:
    world.channel("Source", SRC)
    world.channel("Dest", DEST)
    world.channel("Other", OTHER)
    return world


def waiting_row(rule_id: int, dest: int, message_id: int, now: float) -> NewDelivery:
    """A post for ``dest`` that is due in an hour, as a rule's delay leaves it."""
    return NewDelivery(
        rule_id=rule_id,
        dest_chat_id=dest,
        dest_thread_id=0,
        source_chat_id=SRC,
        unit=f"m:{message_id}",
        source_message_ids=[message_id],
        kind="post",
        payload=Payload(text="later"),
        content_hash=None,
        due_at=now + 3600,
        created_at=now,
    )


async def test_the_card_shows_each_destination_its_own_figures(chats: World) -> None:
    async with running(chats) as app:
        assert app.services is not None
        rule_id = await create_rule(
            app,
            destinations=[
                {"chat_id": DEST, "title": "Dest"},
                {"chat_id": OTHER, "title": "Other <b>"},
            ],
        )
        chats.tg.channel_post(SRC, "one")
        chats.tg.channel_post(SRC, "two")
        chats.tg.inject_update(service_post(900, new_chat_title="Source, renamed"))
        await drained(chats, app)
        assert chats.texts(DEST) == chats.texts(OTHER) == ["one", "two"]

        now = time.time()
        outbox = app.services.outbox
        await outbox.add([waiting_row(rule_id, OTHER, 950, now)])
        skipped = waiting_row(rule_id, OTHER, 951, now)
        assert await outbox.add_skipped([skipped], "filtered by a step: ai_filter:ads")

        card = (await open_card(chats, app, "news"))["text"]
        this_hour = int(time.time()) // 3600
        sent_hours = [
            int(row.finished_at or 0) // 3600 for row in await Delivery.filter(status=SENT)
        ]

    lines = card.splitlines()
    dest = lines.index(f"• Dest {DEST}")
    assert lines[dest + 1] == "  2 sent · 1 skipped (cannot be forwarded 1) · last just now"
    other = lines.index(f"• Other <b> {OTHER}")
    assert lines[other + 1] == (
        "  2 sent · 1 waiting · 2 skipped (AI said no 1, cannot be forwarded 1) · last just now"
    )
    hours = [" "] * 24
    for hour in sent_hours:  # one post or two in an hour: its bar is full either way
        hours[23 - (this_hour - hour)] = "█"
    assert lines[dest + 2] == lines[other + 2] == f"  {''.join(hours)} 24 h"
