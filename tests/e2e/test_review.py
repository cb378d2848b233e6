"""Review mode: the owner approves, edits or skips each post before it is published."""

from __future__ import annotations

import pytest

from models import ReviewDecision
from tests.e2e.conftest import OWNER, STRANGER, World, drained, running, settle
from tests.e2e.test_forwarding import DEST_A, SRC, create_rule


@pytest.fixture
def chats(world: World) -> World:
    world.channel("Source", SRC)
    world.channel("Dest", DEST_A)
    world.tg.user_sends(OWNER, "/start")  # the owner has a chat with the bot
    return world


def review_messages(world: World) -> list[dict]:
    return [m for m in world.replies(OWNER) if "Review" in (m.get("text") or "")]


async def test_review_approve_edit_and_skip(chats: World) -> None:
    tg = chats.tg
    async with running(chats) as app:
        rule_id = await create_rule(app, review=True, steps=[{"type": "rewrite", "tone": "calm"}])
        for text in ("first", "second", "third"):
            tg.channel_post(SRC, text)
        await tg.wait_for(lambda: len(review_messages(chats)) == 3, timeout=15)
        assert chats.replies(DEST_A) == []  # nothing published before a decision
        first, second, third = review_messages(chats)
        assert "rule #" in first["text"] and "Dest" in first["text"]
        assert "[rewritten:calm] first" in first["text"]

        tg.press_button(
            OWNER,
            first,
            "rv:ok:"
            + first["reply_markup"]["inline_keyboard"][0][0]["callback_data"].split(":")[-1],
        )
        await tg.wait_for(lambda: chats.texts(DEST_A) == ["[rewritten:calm] first"])

        tg.press_button(
            OWNER, second, second["reply_markup"]["inline_keyboard"][0][1]["callback_data"]
        )
        await settle(chats, app)
        tg.user_sends(OWNER, "<b>Second</b>, as I wrote it", parse_mode="HTML")
        await tg.wait_for(lambda: len(chats.replies(DEST_A)) == 2)

        skip = tg.press_button(
            OWNER, third, third["reply_markup"]["inline_keyboard"][0][2]["callback_data"]
        )
        await tg.wait_for(lambda: tg.callback_answer(skip))
        await drained(chats, app)

        # An old button pressed again decides nothing more.
        again = tg.press_button(
            OWNER,
            first,
            first["reply_markup"]["inline_keyboard"][0][2]["callback_data"],
            forge=True,
        )
        answer = await tg.wait_for(lambda: tg.callback_answer(again))
        assert answer is not None and "already" in answer["text"]

        decisions = [
            (d.action, d.rule_id, d.user_id) for d in await ReviewDecision.all().order_by("id")
        ]
        assert decisions == [
            ("approve", rule_id, OWNER),
            ("edit", rule_id, OWNER),
            ("skip", rule_id, OWNER),
        ]

    published = chats.replies(DEST_A)
    assert [m["text"] for m in published] == ["[rewritten:calm] first", "Second, as I wrote it"]
    assert published[1]["entities"][0]["type"] == "bold"


async def test_a_stranger_cannot_decide_a_review(chats: World) -> None:
    tg = chats.tg
    async with running(chats) as app:
        await create_rule(app, review=True)
        tg.channel_post(SRC, "waiting")
        await tg.wait_for(lambda: review_messages(chats))
        (preview,) = review_messages(chats)
        data = preview["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        query = tg.press_button(STRANGER, preview, data, forge=True)
        answer = await tg.wait_for(lambda: tg.callback_answer(query))
        assert answer is not None and "private" in answer["text"]
        await settle(chats, app)
        assert await ReviewDecision.all().count() == 0
    assert chats.replies(DEST_A) == []
