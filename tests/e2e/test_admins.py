"""/admins as the owner meets it: naming admins three ways, refusing what is not a person,
removing with a confirmation; and admins, who may use /status but not manage admins."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest
from aiogram.fsm.storage.base import StorageKey

from bot.app import BotApp
from bot.routers.admins.handlers import (
    A_BOT,
    ASK_FOR_ADMIN,
    GONE,
    HIDDEN,
    HINT,
    NOT_A_PERSON,
    NOT_AN_ID,
    OUT_OF_DATE,
    OWNER_ONLY,
    YOURSELF,
)
from bot.routers.admins.keyboards import CHOOSE_USER_REQUEST_ID
from models import Admin
from tests.e2e.conftest import ADMIN, BOT_ID, OWNER, World, running, settle

NEWCOMER = 3003  # a person who never wrote to the bot
NEWS = -1001000000555

pytestmark = pytest.mark.no_flood


def last(world: World, chat_id: int) -> dict[str, Any]:
    return world.replies(chat_id)[-1]


def button(message: dict[str, Any], text: str) -> str:
    """The callback data of the button whose text starts with ``text``."""
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        for b in row:
            if b["text"].startswith(text):
                return str(b["callback_data"])
    raise AssertionError(f"no button {text!r} in {message.get('reply_markup')}")


def scope_of(call: Any) -> dict[str, Any]:
    scope = call.params.get("scope") or {}
    return json.loads(scope) if isinstance(scope, str) else dict(scope)


def chat_scoped(world: World, method: str, chat_id: int) -> list[Any]:
    return [
        c
        for c in world.tg.calls_to(method)
        if c.ok
        and scope_of(c) == {"type": "chat", "chat_id": chat_id}
        and not c.params.get("language_code")  # the menu of apps in other languages
    ]


async def press(world: World, app: BotApp, user_id: int, message: Any, data: str, **kw: Any) -> str:
    """Press a button; the text of the callback answer."""
    query = world.tg.press_button(user_id, message, data, **kw)
    await world.tg.wait_for(lambda: world.tg.callback_answer(query) is not None)
    await settle(world, app)
    return str((world.tg.callback_answer(query) or {}).get("text") or "")


async def send(world: World, app: BotApp, user_id: int, text: str | None = None, **kw: Any) -> str:
    """Send a message to the bot; the text of the bot's last reply in that chat."""
    world.tg.user_sends(user_id, text, **kw)
    await settle(world, app)
    return world.texts(user_id)[-1] if world.texts(user_id) else ""


async def open_add(world: World, app: BotApp) -> None:
    await send(world, app, OWNER, "/admins")
    await press(world, app, OWNER, last(world, OWNER), button(last(world, OWNER), "➕ Add admin"))
    asked = last(world, OWNER)
    assert asked["text"] == ASK_FOR_ADMIN


def sent_markup(world: World) -> dict[str, Any]:
    """The reply_markup of the bot's last sendMessage (a reply keyboard is not kept on the
    message, as on Telegram)."""
    markup = world.tg.calls_to("sendMessage")[-1].params.get("reply_markup") or {}
    return json.loads(markup) if isinstance(markup, str) else dict(markup)


def share(user_id: int, first_name: str, **extra: Any) -> dict[str, Any]:
    return {
        "request_id": CHOOSE_USER_REQUEST_ID,
        "users": [{"user_id": user_id, "first_name": first_name, **extra}],
    }


def send_hidden_forward(world: World, user_id: int, text: str, hidden_name: str) -> None:
    """A forward from someone whose privacy settings hide their account.

    The stand-in's ``user_sends`` forwards only from visible users, so this builds the message
    with the stand-in's own helpers.
    """
    tg = world.tg
    user = tg._user(user_id)
    chat = tg.state.private_chat(tg._bot(None), user)
    origin = {"type": "hidden_user", "date": int(time.time()), "sender_user_name": hidden_name}
    content = tg._content(text, None, None, {}, None, None)
    stored = tg._incoming(chat, content, sender=user.to_api(), forward_origin=origin)
    tg._deliver(chat, "message", stored)


async def admins_saved() -> list[tuple[int, str]]:
    return [(a.user_id, a.name) for a in await Admin.all().order_by("id")]


async def test_owner_names_an_admin_with_the_user_picker_and_the_admin_gets_their_menu(
    world: World,
) -> None:
    async with running(world) as app:
        await send(world, app, ADMIN, "/start")  # still a stranger: politely refused
        await open_add(world, app)
        request = sent_markup(world)["keyboard"][0][0]["request_users"]
        assert request == {
            "request_id": CHOOSE_USER_REQUEST_ID,
            "user_is_bot": False,
            "max_quantity": 1,
            "request_name": True,
            "request_username": True,
        }

        world.tg.user_sends(OWNER, users_shared=share(ADMIN, "Adam", username="adam"))
        await settle(world, app)

        confirmation = last(world, OWNER)
        assert confirmation["text"].startswith("Adam (1002) is now an admin")
        assert sent_markup(world) == {"remove_keyboard": True}
        listing = await send(world, app, OWNER, "/admins")
        assert "• Adam (1002)" in listing
        assert button(last(world, OWNER), "Remove Adam") == "adm:ask:1002"
        assert await admins_saved() == [(ADMIN, "Adam")]
        (menu,) = chat_scoped(world, "setMyCommands", ADMIN)
        commands = menu.params["commands"]
        commands = json.loads(commands) if isinstance(commands, str) else commands
        names = [c["command"] for c in commands]
        assert "status" in names and "admins" not in names

        reply = await send(world, app, ADMIN, "/status")
        assert reply.startswith("Status")


async def test_owner_names_an_admin_by_forwarding_a_message_from_them(world: World) -> None:
    async with running(world) as app:
        await open_add(world, app)
        reply = await send(world, app, OWNER, "hi, it's Adam", forward_from_user=ADMIN)
        assert await admins_saved() == [(ADMIN, "Adam")]
        assert reply.startswith("Adam (1002) is now an admin")


async def test_owner_names_an_admin_by_typing_their_id(world: World) -> None:
    world.tg.add_user(NEWCOMER, first_name="Nina")
    async with running(world) as app:
        await send(world, app, ADMIN, "/start")  # Adam wrote once: the bot knows his name
        await open_add(world, app)
        await send(world, app, OWNER, " 1002 ")
        assert await admins_saved() == [(ADMIN, "Adam")]

        await open_add(world, app)  # Nina never wrote: saved without a name, told to /start
        await send(world, app, OWNER, str(NEWCOMER))
        confirmation = world.texts(OWNER)[-1]
        assert confirmation.startswith("user 3003 (3003) is now an admin")
        assert "ask them to send me /start" in confirmation
        assert await admins_saved() == [(ADMIN, "Adam"), (NEWCOMER, "")]


async def test_what_is_not_a_new_person_is_refused_and_nothing_is_saved(world: World) -> None:
    world.channel("News", NEWS)
    async with running(world) as app:
        await open_add(world, app)
        await send(world, app, OWNER, "/help")  # other commands still answer
        await send(world, app, OWNER, users_shared=share(ADMIN, "Adam"))
        assert await admins_saved() == [(ADMIN, "Adam")]
        before = len(world.tg.calls_to("setMyCommands"))

        attempts: list[tuple[dict[str, Any], str]] = [
            ({"text": str(OWNER)}, YOURSELF),
            ({"users_shared": share(OWNER, "Olivia")}, YOURSELF),
            ({"text": "look", "forward_from_user": BOT_ID}, A_BOT),
            ({"text": str(BOT_ID)}, A_BOT),
            ({"text": "again", "forward_from_user": ADMIN}, "Adam is already an admin."),
            ({"text": str(ADMIN)}, "Adam is already an admin."),
            (
                {"text": "news", "forward_from_chat": NEWS, "forward_from_message_id": 5},
                NOT_A_PERSON,
            ),
            ({"text": "Adam please"}, HINT),
            ({"text": "-1001234"}, NOT_AN_ID),
            ({"text": "0"}, NOT_AN_ID),
            ({"photo": True}, HINT),
        ]
        await send(world, app, OWNER, "/admins")
        await press(world, app, OWNER, last(world, OWNER), "adm:add:0")
        for message, expected in attempts:
            reply = await send(world, app, OWNER, **message)
            assert reply.startswith(str(expected)), (message, reply)
        send_hidden_forward(world, OWNER, "from a private person", "Hidden Harry")
        await settle(world, app)
        assert world.texts(OWNER)[-1] == HIDDEN

        assert await admins_saved() == [(ADMIN, "Adam")]
        assert len(world.tg.calls_to("setMyCommands")) == before

        # Still waiting after all that; /cancel ends it and a number means nothing any more.
        assert await send(world, app, OWNER, "/cancel") == "Cancelled. Nothing was saved."
        await send(world, app, OWNER, "3003")
        assert await admins_saved() == [(ADMIN, "Adam")]


async def test_owner_removes_an_admin_after_confirming_and_their_menu_goes(world: World) -> None:
    async with running(world) as app:
        await send(world, app, ADMIN, "/start")
        await open_add(world, app)
        await send(world, app, OWNER, users_shared=share(ADMIN, "Adam"))
        await send(world, app, OWNER, "/admins")
        listing = last(world, OWNER)

        await press(world, app, OWNER, listing, button(listing, "Remove Adam"))
        asking = world.tg.message(OWNER, listing["message_id"])
        assert asking["text"].startswith("Remove Adam?")
        await press(world, app, OWNER, asking, button(asking, "No"))
        assert await admins_saved() == [(ADMIN, "Adam")]
        listing = world.tg.message(OWNER, listing["message_id"])
        assert "• Adam (1002)" in listing["text"]

        await press(world, app, OWNER, listing, button(listing, "Remove Adam"))
        asking = world.tg.message(OWNER, listing["message_id"])
        yes = button(asking, "Yes")
        answer = await press(world, app, OWNER, asking, yes)

        assert answer == "Adam is no longer an admin."
        assert await admins_saved() == []
        listing = world.tg.message(OWNER, listing["message_id"])
        assert "No admins yet." in listing["text"]
        assert chat_scoped(world, "deleteMyCommands", ADMIN)

        # The same confirmation pressed again (an old message, a double tap): nothing to remove.
        answer = await press(world, app, OWNER, listing, yes, forge=True)
        assert answer == GONE
        answer = await press(world, app, OWNER, listing, "adm:ask:1002", forge=True)
        assert answer == GONE
        assert "No admins yet." in world.tg.message(OWNER, listing["message_id"])["text"]
        assert await press(world, app, OWNER, listing, "adm:rm:Adam", forge=True) == OUT_OF_DATE

        replies = len(world.texts(ADMIN))
        world.tg.user_sends(ADMIN, "/status")  # a stranger again: no status for him
        await settle(world, app)
        assert not any(t.startswith("Status") for t in world.texts(ADMIN)[replies:])


async def test_an_admin_uses_status_but_cannot_manage_admins(world: World) -> None:
    async with running(world) as app:
        await send(world, app, ADMIN, "/start")
        await open_add(world, app)
        await send(world, app, OWNER, users_shared=share(ADMIN, "Adam"))
        world.tg.add_user(NEWCOMER, first_name="Nina")

        assert (await send(world, app, ADMIN, "/status")).startswith("Status")
        assert await send(world, app, ADMIN, "/admins") == OWNER_ONLY
        status = last(world, ADMIN)
        for forged in ("adm:add:0", "adm:rm:1002", "adm:ask:1002", "adm:ls:0", "adm:bogus"):
            assert await press(world, app, ADMIN, status, forged, forge=True) == OWNER_ONLY
        reply = await send(world, app, ADMIN, str(NEWCOMER))  # no add-admin state for him
        assert reply.startswith("I did not understand")

        assert await admins_saved() == [(ADMIN, "Adam")]
        assert app.dp is not None
        key = StorageKey(bot_id=BOT_ID, chat_id=ADMIN, user_id=ADMIN)
        assert await app.dp.storage.get_state(key) is None
        assert all(t != OWNER_ONLY for t in world.texts(OWNER))
