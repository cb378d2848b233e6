"""The foundation as a user meets it: who may talk to the bot, alerts, restarts, settings."""

from __future__ import annotations

from aiogram.fsm.storage.base import StorageKey

from bot.middlewares.access import REFUSAL
from tests.e2e.conftest import ALERTS, BOT_ID, OWNER, STRANGER, World, running, settle


async def test_owner_start_shows_the_owner_menu(world: World) -> None:
    async with running(world) as app:
        world.tg.user_sends(OWNER, "/start")
        await settle(world, app)

        (reply,) = world.texts(OWNER)
        assert "You are the owner" in reply
        assert "/cancel" in reply and "/help" in reply
        scoped = [c for c in world.tg.calls_to("setMyCommands") if c.ok and "scope" in c.params]
        assert any(str(OWNER) in str(c.params["scope"]) for c in scoped)


async def test_a_stranger_sending_three_commands_gets_exactly_one_refusal(world: World) -> None:
    async with running(world) as app:
        for command in ("/start", "/help", "/newrule"):
            world.tg.user_sends(STRANGER, command)
        await settle(world, app)
        # and again after a restart: still refused only once
    async with running(world) as app:
        world.tg.user_sends(STRANGER, "hello?")
        await settle(world, app)

    assert world.texts(STRANGER) == [REFUSAL]


async def test_a_stranger_pressing_a_button_gets_a_notice_and_nothing_else(world: World) -> None:
    async with running(world) as app:
        world.tg.user_sends(OWNER, "/start")
        await settle(world, app)
        owner_message = world.replies(OWNER)[0]
        query = world.tg.press_button(STRANGER, owner_message, "rules:1", forge=True)
        answer = await world.tg.wait_for(lambda: world.tg.callback_answer(query))
        assert answer is not None and "private" in answer["text"]
        await settle(world, app)
    assert world.texts(STRANGER) == []


async def test_an_error_in_a_handler_alerts_once_per_window(world: World) -> None:
    async with running(world) as app:
        world.tg.fail_next("sendMessage", 500, "Internal Server Error", chat_id=OWNER)
        world.tg.user_sends(OWNER, "/help")
        await settle(world, app)
        await world.tg.wait_for(lambda: len(world.texts(ALERTS)) == 1)

        world.tg.fail_next("sendMessage", 500, "Internal Server Error", chat_id=OWNER)
        world.tg.user_sends(OWNER, "/help")
        await settle(world, app)

        alerts = world.texts(ALERTS)
        assert len(alerts) == 1
        assert "Unexpected error" in alerts[0] and "TelegramServerError" in alerts[0]
        assert "TEST-TOKEN" not in alerts[0]
        failed = [c for c in world.tg.calls_to("sendMessage") if c.injected]
        assert len(failed) == 2  # both errors really happened; the second was only counted


async def test_a_wizard_state_survives_a_restart(world: World) -> None:
    key = StorageKey(bot_id=BOT_ID, chat_id=OWNER, user_id=OWNER)
    async with running(world) as app:
        assert app.dp is not None
        await app.dp.storage.set_state(key, "NewRule:destinations")
        await app.dp.storage.set_data(key, {"sources": [-100123]})

    async with running(world) as app:  # a new process would see the same
        world.tg.user_sends(OWNER, "/cancel")
        await settle(world, app)
        assert app.dp is not None
        assert await app.dp.storage.get_state(key) is None
    assert world.texts(OWNER) == ["Cancelled. Nothing was saved."]
