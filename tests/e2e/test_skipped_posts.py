"""Service messages in a source chat (a pin, a title change) are not forwarded and not lost: the
bot records each as skipped with its reason, shows them on the rule card and in /status, and
tells the alerts chat once."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from models import Delivery
from models.forwarding import SENT, SKIPPED
from tests.e2e.conftest import ALERTS, OWNER, World, drained, running, settle
from tests.e2e.test_rules_menu import open_card

SRC = -1001000000301
DEST = -1001000000401


@pytest.fixture
def chats(world: World) -> World:
    world.channel("Source", SRC)
    world.channel("Dest", DEST)
    return world


def service_post(message_id: int, **event: Any) -> dict[str, Any]:
    """A channel post as Telegram sends it for an event in the channel."""
    chat = {"id": SRC, "type": "channel", "title": "Source"}
    return {"channel_post": {"message_id": message_id, "date": 1714521600, "chat": chat, **event}}


async def test_a_pin_and_a_title_change_are_skipped_with_their_reason_and_shown(
    chats: World,
) -> None:
    async with running(chats) as app:
        assert app.services is not None
        rule = await app.services.rules.create(
            {
                "name": "news",
                "sources": [{"chat_id": SRC, "title": "Source"}],
                "destinations": [{"chat_id": DEST, "title": "Dest"}],
            },
            created_by=OWNER,
        )
        post = chats.tg.channel_post(SRC, "rates cut")
        chats.tg.inject_update(service_post(900, pinned_message=post))
        chats.tg.inject_update(service_post(901, new_chat_title="Source, renamed"))
        chats.tg.inject_update(service_post(901, new_chat_title="Source, renamed"))  # a replay
        chats.tg.channel_post(SRC, "and more")
        await drained(chats, app)

        assert chats.texts(DEST) == ["rates cut", "and more"]
        assert all(call.ok for call in chats.tg.calls_to("copyMessage"))
        rows = await Delivery.all().values_list("status", "last_error")
        assert Counter(rows) == {
            (SENT, None): 2,
            (SKIPPED, "service message: pinned message"): 1,
            (SKIPPED, "service message: chat title changed"): 1,
        }

        card = (await open_card(chats, app, "news"))["text"]
        assert "Not forwarded in 24 h: 2" in card
        assert "• service message: pinned message: 1" in card
        assert "• service message: chat title changed: 1" in card

        chats.tg.user_sends(OWNER, "/status")
        await settle(chats, app)
        status = chats.replies(OWNER)[-1]["text"]
        assert "Not forwarded in 24 h" in status
        assert f"rule #{rule.id} news: service message: pinned message × 1" in status
        assert f"rule #{rule.id} news: service message: chat title changed × 1" in status

        alerts = [text for text in chats.texts(ALERTS) if f"Rule #{rule.id} skipped" in text]
        assert len(alerts) == 1 and "pinned message" in alerts[0]
