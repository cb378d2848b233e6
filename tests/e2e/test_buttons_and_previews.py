"""A copy keeps the source's link buttons and its link-preview choice."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.conftest import World, drained, running
from tests.e2e.test_forwarding import DEST_A, SRC, create_rule

SHOP = {"text": "Shop", "url": "https://shop.example/item"}
PROMO = {"text": "Promo code", "copy_text": {"text": "SAVE10"}}
VOTE = {"text": "Vote", "callback_data": "vote:1"}
SHARE = {"text": "Share", "switch_inline_query": "news"}


@pytest.fixture
def chats(world: World) -> World:
    world.channel("Source", SRC)
    world.channel("Dest", DEST_A)
    return world


def keyboard(message: dict[str, Any]) -> list[list[dict[str, Any]]]:
    return (message.get("reply_markup") or {}).get("inline_keyboard", [])


async def test_a_copy_keeps_the_link_buttons_and_drops_the_callback_one(chats: World) -> None:
    tg = chats.tg
    async with running(chats) as app:
        await create_rule(app)
        tg.channel_post(
            SRC,
            "Sale today",
            reply_markup={"inline_keyboard": [[SHOP, VOTE], [PROMO], [SHARE]]},
        )
        await tg.wait_for(lambda: chats.replies(DEST_A))
        await drained(chats, app)

    (copy,) = chats.replies(DEST_A)
    assert copy["text"] == "Sale today"
    assert keyboard(copy) == [[SHOP], [PROMO]]
    (call,) = tg.calls_to("copyMessage")
    assert "callback_data" not in str(call.params)


async def test_a_post_without_buttons_is_copied_without_a_keyboard(chats: World) -> None:
    tg = chats.tg
    async with running(chats) as app:
        await create_rule(app, steps=[{"type": "header", "template": "From {source_title}"}])
        tg.channel_post(SRC, "Plain news")
        tg.channel_post(SRC, "Only a vote", reply_markup={"inline_keyboard": [[VOTE]]})
        await tg.wait_for(lambda: len(chats.replies(DEST_A)) == 2)
        await drained(chats, app)

    assert all("reply_markup" not in m for m in chats.replies(DEST_A))
    assert all("reply_markup" not in c.params for c in tg.calls_to("sendMessage"))


async def test_a_transformed_post_keeps_its_buttons(chats: World) -> None:
    tg = chats.tg
    async with running(chats) as app:
        await create_rule(app, steps=[{"type": "header", "template": "From {source_title}"}])
        tg.channel_post(SRC, "Sale today", reply_markup={"inline_keyboard": [[SHOP, VOTE]]})
        await tg.wait_for(lambda: chats.replies(DEST_A))

    (copy,) = chats.replies(DEST_A)
    assert copy["text"].startswith("From Source")
    assert keyboard(copy) == [[SHOP]]


async def test_a_source_that_disabled_previews_keeps_them_disabled_after_a_step(
    chats: World,
) -> None:
    tg = chats.tg
    async with running(chats) as app:
        await create_rule(app, steps=[{"type": "header", "template": "From {source_title}"}])
        tg.channel_post(
            SRC, "Read https://news.example/a", link_preview_options={"is_disabled": True}
        )
        tg.channel_post(SRC, "And https://news.example/b")
        await tg.wait_for(lambda: len(chats.replies(DEST_A)) == 2)

    disabled, default = chats.replies(DEST_A)
    assert disabled["link_preview_options"] == {"is_disabled": True}
    assert default.get("link_preview_options", {}).get("is_disabled") is not True


async def test_a_chosen_preview_url_stays_only_while_the_new_text_has_it(chats: World) -> None:
    tg = chats.tg
    chosen = {"url": "https://news.example/b", "show_above_text": True, "prefer_large_media": True}
    async with running(chats) as app:
        await create_rule(
            app,
            steps=[
                {"type": "regex_replace", "pattern": "https://news.example/b", "replacement": ""}
            ],
            dests=(DEST_A,),
        )
        tg.channel_post(
            SRC,
            "Two links https://news.example/a https://news.example/b",
            link_preview_options=chosen,
        )
        await tg.wait_for(lambda: chats.replies(DEST_A))

    (copy,) = chats.replies(DEST_A)
    assert "news.example/b" not in copy["text"]
    (call,) = tg.calls_to("sendMessage")
    assert call.params["link_preview_options"] == {"is_disabled": False, "show_above_text": True}


async def test_a_copy_keeps_the_chosen_preview_url_of_its_source(chats: World) -> None:
    tg = chats.tg
    chosen = {"url": "https://news.example/b", "show_above_text": True}
    async with running(chats) as app:
        await create_rule(app, steps=[{"type": "header", "template": "From {source_title}"}])
        tg.channel_post(SRC, "See https://news.example/b", link_preview_options=chosen)
        await tg.wait_for(lambda: chats.replies(DEST_A))

    (copy,) = chats.replies(DEST_A)
    assert copy["link_preview_options"] == {"is_disabled": False, **chosen}


async def test_an_edit_of_the_buttons_reaches_the_copy(chats: World) -> None:
    tg = chats.tg
    async with running(chats) as app:
        await create_rule(app, edit_policy="edit")
        post = tg.channel_post(SRC, "Sale today", reply_markup={"inline_keyboard": [[SHOP]]})
        await tg.wait_for(lambda: chats.replies(DEST_A))

        tg.edit_post(
            SRC,
            post["message_id"],
            text="Sale ends soon",
            reply_markup={"inline_keyboard": [[PROMO, VOTE]]},
        )
        await tg.wait_for(lambda: chats.texts(DEST_A) == ["Sale ends soon"])
        await drained(chats, app)

    (copy,) = chats.replies(DEST_A)
    assert keyboard(copy) == [[PROMO]]


async def test_an_edit_of_the_text_leaves_the_copys_buttons_in_place(chats: World) -> None:
    tg = chats.tg
    async with running(chats) as app:
        await create_rule(app, edit_policy="edit")
        post = tg.channel_post(SRC, "Sale today", reply_markup={"inline_keyboard": [[SHOP]]})
        await tg.wait_for(lambda: chats.replies(DEST_A))

        tg.edit_post(SRC, post["message_id"], text="Sale ends soon")
        await tg.wait_for(lambda: chats.texts(DEST_A) == ["Sale ends soon"])

    (copy,) = chats.replies(DEST_A)
    assert keyboard(copy) == [[SHOP]]
