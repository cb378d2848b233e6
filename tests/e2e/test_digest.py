"""A digest as an owner meets it: the card puts a rule in digest mode; the channel's posts are
collected, not sent; when the period ends one summary with a link to every post reaches the
destination, and nothing was sent post by post.

Nobody waits an hour here: the test moves the digest scheduler's clock past the period's end
and wakes it, which is what the hour would do.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from bot.app import BotApp
from bot.forwarding.digest.plans import PLANS, Plan
from models import DigestPost, DigestRun
from models.digest import RUN_PUBLISHED
from tests.conftest import wait_until
from tests.e2e.conftest import OWNER, World, drained, running, settle
from tests.e2e.test_rules_menu import buttons, open_card, press, send

SRC = -1001000000311
PUBLIC = -1001000000312
DEST = -1001000000411

pytestmark = pytest.mark.no_flood


@pytest.fixture(autouse=True)
def no_plans_left() -> Iterator[None]:
    """The process's plans are the bot's: none survive a test."""
    yield
    PLANS.clear()


@pytest.fixture
def chats(world: World) -> World:
    world.channel("Private news", SRC)
    world.tg.add_chat("channel", "Public news", chat_id=PUBLIC, username="publicnews")
    world.tg.set_member(PUBLIC, 123456, "administrator", can_post_messages=True)
    world.channel("Digest dest", DEST)
    return world


async def create_rule(app: BotApp, name: str = "daily news") -> int:
    assert app.services is not None
    data = {
        "name": name,
        "sources": [{"chat_id": SRC, "title": "Private news"}, {"chat_id": PUBLIC}],
        "destinations": [{"chat_id": DEST, "title": "Digest dest"}],
        "filters": {"exclude_keywords": ["advert"]},
    }
    return (await app.services.rules.create(data, created_by=OWNER)).id


def urls(message: dict[str, object]) -> set[str]:
    entities = message.get("entities") or []
    assert isinstance(entities, list)
    return {e["url"] for e in entities if e.get("type") == "text_link"}


async def test_a_digest_rule_publishes_one_summary_with_links_when_its_period_ends(
    chats: World,
) -> None:
    tg = chats.tg
    async with running(chats) as app:
        services = app.services
        assert services is not None and services.digests is not None
        rule_id = await create_rule(app)
        await PLANS.set(rule_id, Plan(every_hours=1))
        posted = [tg.channel_post(SRC, f"Private story {n}. Details follow.") for n in range(3)]
        posted += [tg.channel_post(PUBLIC, "Public story. More.")]
        tg.channel_post(SRC, "An advert: buy now")  # filtered out as usual
        await settle(chats, app)
        await wait_until(lambda: DigestPost.filter(rule_id=rule_id).count(), message="collected")
        assert await DigestPost.filter(rule_id=rule_id).count() == 4
        assert chats.replies(DEST) == []  # nothing sent post by post

        services.digests.clock = lambda: time.time() + 3600  # the hour is over
        services.digests.wake()
        await tg.wait_for(lambda: chats.replies(DEST), timeout=15)
        await drained(chats, app)

        (digest,) = chats.replies(DEST)
        text = digest["text"]
        assert text.startswith("🗞 daily news")
        assert "[summary]" in text  # the Groq stand-in's summary
        private = {f"https://t.me/c/{str(SRC)[4:]}/{p['message_id']}" for p in posted[:3]}
        assert urls(digest) == private | {f"https://t.me/publicnews/{posted[3]['message_id']}"}
        assert "advert" not in text
        assert len(text) <= 4096
        assert await DigestRun.filter(rule_id=rule_id, status=RUN_PUBLISHED).count() == 1
        assert not await DigestPost.exists()
        copies = [c for c in tg.calls_to("copyMessage") if int(c.params["chat_id"]) == DEST]
        assert copies == []


async def test_owner_sets_the_digest_from_the_card_by_button_and_by_typed_time(
    chats: World,
) -> None:
    async with running(chats) as app:
        await create_rule(app)
        card = await open_card(chats, app, "daily news")
        assert "Digest: off" in card["text"]
        screen = (await press(chats, app, card, "🗞 Digest: off")).message
        assert {"Off", "Every 1 h", "Every 3 h", "Every 6 h", "Every 12 h"} <= {
            label.removeprefix("✓ ") for label in buttons(screen)
        }
        assert "« Back to rule" in buttons(screen)

        card = (await press(chats, app, screen, "Every 3 h")).message
        assert "Digest: every 3 h · next" in card["text"]
        assert "(UTC)" in card["text"]

        screen = (await press(chats, app, card, "🗞 Digest: every 3 h")).message
        assert "✓ Every 3 h" in buttons(screen)
        asking = (await press(chats, app, screen, "Daily at a time…")).message
        assert "Send HH:MM" in asking["text"]
        refused = await send(chats, app, "at noon-ish")
        assert "HH:MM" in refused["text"]
        card = await send(chats, app, "8:30")
        assert "Digest: daily at 08:30 · next" in card["text"]
        assert "🗞 Digest: daily at 08:30" in buttons(card)

        screen = (await press(chats, app, card, "🗞 Digest: daily at 08:30")).message
        card = (await press(chats, app, screen, "Off")).message
        assert "Digest: off" in card["text"]
        await settle(chats, app)
        assert PLANS.get(1) is None
