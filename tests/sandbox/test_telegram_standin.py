"""The Telegram stand-in answers a real aiogram Bot the way api.telegram.org does."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import (
    BufferedInputFile,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    ReplyParameters,
)

from sandbox.telegram.spec import check_call, validate_call
from sandbox.telegram.standin import FloodLimits, TelegramStandIn
from sandbox.telegram.text import TextError, format_text

TOKEN = "123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawx"
BOT_ID = 123456
NO_FLOOD = FloodLimits(enabled=False)
REPO = Path(__file__).resolve().parents[2]


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _standin(flood: FloodLimits, clock: FakeClock | None = None) -> TelegramStandIn:
    tg = TelegramStandIn(flood=flood, clock=clock or FakeClock())
    await tg.start()
    tg.add_bot(TOKEN, username="forward_test_bot", first_name="Forwarder")
    return tg


@pytest.fixture
async def tg() -> AsyncIterator[TelegramStandIn]:
    tg = await _standin(NO_FLOOD)
    yield tg
    await tg.stop()


@pytest.fixture
async def bot(tg: TelegramStandIn) -> AsyncIterator[Bot]:
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.url)))
    yield bot
    await bot.session.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def limited(clock: FakeClock) -> AsyncIterator[TelegramStandIn]:
    """A stand-in enforcing the documented flood limits, on a clock the test moves."""
    tg = await _standin(FloodLimits(), clock)
    yield tg
    await tg.stop()


@pytest.fixture
async def limited_bot(limited: TelegramStandIn) -> AsyncIterator[Bot]:
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(limited.url)))
    yield bot
    await bot.session.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def channel_with_bot(tg: TelegramStandIn, **rights: Any) -> int:
    chat_id = int(tg.add_chat("channel", "News")["id"])
    tg.set_member(chat_id, BOT_ID, "administrator", notify=False, **rights)
    return chat_id


# -- the bot itself -------------------------------------------------------------------


async def test_get_me_answers_the_registered_bot(bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.is_bot, me.username) == (BOT_ID, True, "forward_test_bot")
    assert me.can_read_all_group_messages is True


async def test_a_wrong_token_is_unauthorized(
    tg: TelegramStandIn, http: aiohttp.ClientSession
) -> None:
    stranger = Bot(
        "999:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawx",
        session=AiohttpSession(api=TelegramAPIServer.from_base(tg.url)),
    )
    with pytest.raises(TelegramUnauthorizedError, match="Unauthorized"):
        await stranger.get_me()
    await stranger.session.close()

    async with http.get(f"{tg.url}/botnot-a-token/getMe") as response:
        assert response.status == 401
        assert await response.json() == {
            "ok": False,
            "error_code": 401,
            "description": "Unauthorized: invalid token specified",
        }


async def test_an_unknown_method_is_404_with_the_real_wording(
    tg: TelegramStandIn, http: aiohttp.ClientSession
) -> None:
    async with http.post(f"{tg.url}/bot{TOKEN}/sendTelepathy", data={"chat_id": "1"}) as response:
        assert response.status == 404
        body = await response.json()
    assert body == {"ok": False, "error_code": 404, "description": "Not Found: method not found"}
    assert [c.method for c in tg.invalid_calls()] == ["sendTelepathy"]


async def test_a_missing_required_parameter_is_400(
    tg: TelegramStandIn, http: aiohttp.ClientSession
) -> None:
    url = f"{tg.url}/bot{TOKEN}"
    async with http.post(f"{url}/sendMessage", data={"chat_id": "5"}) as response:
        assert response.status == 400
        assert (await response.json())["description"] == "Bad Request: message text is empty"
    async with http.post(f"{url}/sendMessage", json={"text": "hi"}) as response:
        assert (await response.json())["description"] == "Bad Request: chat_id is empty"
    async with http.get(f"{url}/copyMessage?chat_id=5&message_id=1") as response:
        assert (await response.json())[
            "description"
        ] == 'Bad Request: parameter "from_chat_id" is required'
    assert len(tg.invalid_calls()) == 3


async def test_method_names_are_case_insensitive_and_unknown_parameters_only_warn(
    tg: TelegramStandIn, http: aiohttp.ClientSession
) -> None:
    async with http.post(f"{tg.url}/bot{TOKEN}/GETME", data={"colour": "blue"}) as response:
        assert response.status == 200
    (call,) = tg.calls
    assert (call.api_method, call.ok, call.spec_warnings) == ("getMe", True, ["colour"])
    assert tg.invalid_calls() == []


# -- sending --------------------------------------------------------------------------


async def test_send_message_in_html_gets_entities(tg: TelegramStandIn, bot: Bot) -> None:
    owner = tg.add_user(first_name="Owner")["id"]
    tg.user_sends(owner, "/start")
    sent = await bot.send_message(
        owner, '<b>Hello</b>, <a href="https://example.org">world</a> 👋', parse_mode="HTML"
    )
    assert sent.text == "Hello, world 👋"
    assert [(e.type, e.offset, e.length, e.url) for e in sent.entities or []] == [
        ("bold", 0, 5, None),
        ("text_link", 7, 5, "https://example.org"),
    ]
    assert tg.bot_messages(owner)[0]["entities"][0] == {"type": "bold", "offset": 0, "length": 5}
    assert tg.invalid_calls() == []


async def test_broken_html_and_overlong_texts_are_refused(tg: TelegramStandIn, bot: Bot) -> None:
    chat = channel_with_bot(tg, can_post_messages=True)
    with pytest.raises(TelegramBadRequest) as broken:
        await bot.send_message(chat, "<b>bold", parse_mode="HTML")
    assert broken.value.message == (
        "Bad Request: can't parse entities: Can't find end tag corresponding to start tag \"b\""
    )
    with pytest.raises(TelegramBadRequest, match="Bad Request: message is too long"):
        await bot.send_message(chat, "x" * 4097)
    with pytest.raises(TelegramBadRequest, match="Bad Request: message caption is too long"):
        await bot.send_photo(chat, "AgACPhoto", caption="x" * 1025)
    assert tg.messages(chat) == []


async def test_users_who_never_started_the_bot_cannot_be_written_to(
    tg: TelegramStandIn, bot: Bot
) -> None:
    stranger = tg.add_user(first_name="Stranger")["id"]
    with pytest.raises(TelegramForbiddenError) as refused:
        await bot.send_message(stranger, "hi")
    assert refused.value.message == "Forbidden: bot can't initiate conversation with a user"
    with pytest.raises(TelegramBadRequest, match="Bad Request: chat not found"):
        await bot.send_message(-1009999999999, "hi")


async def test_a_kicked_bot_gets_403(tg: TelegramStandIn, bot: Bot) -> None:
    channel = channel_with_bot(tg, can_post_messages=True)
    group = int(tg.add_chat("supergroup", "Talk")["id"])
    tg.set_member(channel, BOT_ID, "kicked")
    tg.set_member(group, BOT_ID, "kicked")
    with pytest.raises(TelegramForbiddenError) as from_channel:
        await bot.send_message(channel, "hi")
    assert from_channel.value.message == "Forbidden: bot was kicked from the channel chat"
    with pytest.raises(TelegramForbiddenError) as from_group:
        await bot.send_message(group, "hi")
    assert from_group.value.message == "Forbidden: bot was kicked from the supergroup chat"


async def test_a_restricted_bot_cannot_write_to_a_group(tg: TelegramStandIn, bot: Bot) -> None:
    group = int(tg.add_chat("supergroup", "Quiet")["id"])
    tg.set_member(group, BOT_ID, "restricted", notify=False, can_send_messages=False)
    with pytest.raises(TelegramBadRequest) as refused:
        await bot.send_message(group, "hi")
    assert (
        refused.value.message == "Bad Request: not enough rights to send text messages to the chat"
    )


async def test_posting_in_a_channel_needs_the_post_right(tg: TelegramStandIn, bot: Bot) -> None:
    channel = channel_with_bot(tg, can_post_messages=False)
    with pytest.raises(TelegramBadRequest, match="need administrator rights in the channel chat"):
        await bot.send_message(channel, "hi")


async def test_an_unknown_topic_is_refused_and_a_created_one_accepted(
    tg: TelegramStandIn, bot: Bot
) -> None:
    forum = int(tg.add_chat("supergroup", "Forum", is_forum=True)["id"])
    tg.set_member(forum, BOT_ID, "administrator", notify=False, can_manage_topics=True)
    with pytest.raises(TelegramBadRequest, match="Bad Request: message thread not found"):
        await bot.send_message(forum, "hi", message_thread_id=777)
    topic = await bot.create_forum_topic(forum, "Releases")
    sent = await bot.send_message(forum, "hi", message_thread_id=topic.message_thread_id)
    assert (sent.message_thread_id, sent.is_topic_message) == (topic.message_thread_id, True)
    in_topic = tg.bot_messages(forum, topic.message_thread_id)
    assert [m.get("forum_topic_created", {}).get("name") or m["text"] for m in in_topic] == [
        "Releases",
        "hi",
    ]


async def test_copy_messages_keeps_an_album_one_album_in_order(
    tg: TelegramStandIn, bot: Bot
) -> None:
    source = channel_with_bot(tg, can_post_messages=True)
    target = channel_with_bot(tg, can_post_messages=True)
    album = tg.post_album(
        source,
        [
            {"photo": "AgACOne", "caption": "<b>first</b>", "parse_mode": "HTML"},
            {"video": "BAACTwo"},
            {"photo": "AgACThree"},
        ],
    )
    copied = await bot.copy_messages(target, source, [m["message_id"] for m in album])
    stored = tg.messages(target)
    assert [c.message_id for c in copied] == [m["message_id"] for m in stored]
    assert [m.get("photo", [{}])[-1].get("file_id") or m["video"]["file_id"] for m in stored] == [
        "AgACOne",
        "BAACTwo",
        "AgACThree",
    ]
    groups = {m["media_group_id"] for m in stored}
    assert len(groups) == 1 and groups != {album[0]["media_group_id"]}
    assert stored[0]["caption"] == "first"
    assert stored[0]["caption_entities"] == [{"type": "bold", "offset": 0, "length": 5}]
    with pytest.raises(TelegramBadRequest, match="strictly increasing order"):
        await bot.copy_messages(target, source, [album[1]["message_id"], album[0]["message_id"]])


async def test_copy_message_overrides_the_caption_and_replies(
    tg: TelegramStandIn, bot: Bot
) -> None:
    source = channel_with_bot(tg, can_post_messages=True)
    target = channel_with_bot(tg, can_post_messages=True)
    post = tg.channel_post(source, photo="AgACPic", caption="old")
    first = await bot.send_message(target, "anchor")
    copied = await bot.copy_message(
        target,
        source,
        post["message_id"],
        caption="<i>new</i>",
        parse_mode="HTML",
        reply_parameters=ReplyParameters(message_id=first.message_id),
    )
    stored = tg.message(target, copied.message_id)
    assert (stored["caption"], stored["photo"][-1]["file_id"]) == ("new", "AgACPic")
    assert stored["reply_to_message"]["message_id"] == first.message_id
    assert "forward_origin" not in stored


async def test_send_media_group_uploads_share_one_media_group(
    tg: TelegramStandIn, bot: Bot
) -> None:
    channel = channel_with_bot(tg, can_post_messages=True)
    tg.register_file("AgACKnown", "photo")
    photo = BufferedInputFile(b"\x89PNG fake", filename="a.png")
    sent = await bot.send_media_group(
        channel, [InputMediaPhoto(media=photo, caption="up"), InputMediaPhoto(media="AgACKnown")]
    )
    assert len({m.media_group_id for m in sent}) == 1
    assert sent[0].photo and sent[0].photo[-1].file_size == len(b"\x89PNG fake")
    assert tg.invalid_calls() == []


async def test_edits_of_unchanged_or_foreign_messages_are_refused(
    tg: TelegramStandIn, bot: Bot
) -> None:
    channel = channel_with_bot(tg, can_post_messages=True)
    mine = await bot.send_message(channel, "same")
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("same", chat_id=channel, message_id=mine.message_id)
    edited = await bot.edit_message_text("changed", chat_id=channel, message_id=mine.message_id)
    assert isinstance(edited, object) and tg.message(channel, mine.message_id)["edit_date"]
    post = tg.channel_post(channel, "from a human admin")
    with pytest.raises(TelegramBadRequest, match="message can't be edited"):
        await bot.edit_message_text("mine now", chat_id=channel, message_id=post["message_id"])


async def test_json_bodies_and_query_strings_are_accepted(
    tg: TelegramStandIn, http: aiohttp.ClientSession
) -> None:
    channel = channel_with_bot(tg, can_post_messages=True)
    markup = {"inline_keyboard": [[{"text": "Open", "url": "https://example.org"}]]}
    async with http.post(
        f"{tg.url}/bot{TOKEN}/sendMessage",
        json={
            "chat_id": channel,
            "text": "json",
            "reply_markup": markup,
            "disable_notification": True,
        },
    ) as response:
        body = await response.json()
    assert body["ok"] is True and body["result"]["reply_markup"] == markup
    async with http.get(
        f"{tg.url}/bot{TOKEN}/sendMessage?chat_id={channel}&text=query"
    ) as response:
        assert (await response.json())["result"]["text"] == "query"
    async with http.post(f"{tg.url}/bot{TOKEN}/sendDice", data={"chat_id": channel}) as response:
        assert response.status == 500
    assert tg.calls[-1].unimplemented and tg.invalid_calls() == []


# -- updates --------------------------------------------------------------------------


async def test_get_updates_delivers_a_user_message_and_confirms_by_offset(
    tg: TelegramStandIn, bot: Bot
) -> None:
    owner = tg.add_user(first_name="Owner", username="owner")["id"]
    tg.user_sends(owner, "/rules")
    updates = await bot.get_updates(timeout=0)
    assert [u.message.text for u in updates if u.message] == ["/rules"]
    assert updates[0].message and updates[0].message.entities
    assert updates[0].message.entities[0].type == "bot_command"
    tg.user_sends(owner, "second")
    again = await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
    assert [u.message.text for u in again if u.message] == ["second"]
    assert again[0].update_id == updates[-1].update_id + 1
    assert [u["message"]["text"] for u in tg.pending_updates()] == ["second"]


async def test_a_long_poll_wakes_up_when_an_update_arrives(tg: TelegramStandIn, bot: Bot) -> None:
    owner = tg.add_user()["id"]
    poll = asyncio.create_task(bot.get_updates(timeout=10))
    await tg.wait_for(tg.is_polling, timeout=5)
    tg.user_sends(owner, "wake up")
    updates = await asyncio.wait_for(poll, 5)
    assert [u.message.text for u in updates if u.message] == ["wake up"]


async def test_a_second_poller_terminates_the_first_with_409(tg: TelegramStandIn, bot: Bot) -> None:
    owner = tg.add_user()["id"]
    other = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.url)))
    first = asyncio.create_task(bot.get_updates(timeout=10))
    await tg.wait_for(tg.is_polling, timeout=5)
    second = asyncio.create_task(other.get_updates(timeout=10))
    with pytest.raises(TelegramConflictError) as conflict:
        await asyncio.wait_for(first, 5)
    assert conflict.value.message == (
        "Conflict: terminated by other getUpdates request; "
        "make sure that only one bot instance is running"
    )
    await tg.wait_for(tg.is_polling, timeout=5)
    tg.user_sends(owner, "for the survivor")
    updates = await asyncio.wait_for(second, 5)
    assert [u.message.text for u in updates if u.message] == ["for the survivor"]
    await other.session.close()


async def test_get_updates_conflicts_with_a_webhook(tg: TelegramStandIn, bot: Bot) -> None:
    assert await bot.set_webhook("https://example.org/hook")
    with pytest.raises(TelegramConflictError, match="can't use getUpdates method while webhook"):
        await bot.get_updates()
    assert (await bot.get_webhook_info()).url == "https://example.org/hook"
    assert await bot.delete_webhook(drop_pending_updates=True)
    assert await bot.get_updates() == []


async def test_channel_posts_reach_only_bots_that_administer_the_channel(
    tg: TelegramStandIn, bot: Bot
) -> None:
    watched = channel_with_bot(tg, can_post_messages=False)
    unwatched = int(tg.add_chat("channel", "Elsewhere")["id"])
    tg.set_member(unwatched, BOT_ID, "member", notify=False)
    tg.channel_post(unwatched, "not for the bot")
    tg.channel_post(watched, "for the bot")
    updates = await bot.get_updates()
    assert [u.channel_post.text for u in updates if u.channel_post] == ["for the bot"]


async def test_set_member_tells_the_bot_about_its_new_status(tg: TelegramStandIn, bot: Bot) -> None:
    owner = tg.add_user()["id"]
    channel = int(tg.add_chat("channel", "News")["id"])
    tg.set_member(channel, owner, "creator")
    tg.set_member(channel, BOT_ID, "administrator", can_post_messages=True)
    (update,) = await bot.get_updates()
    assert update.my_chat_member is not None
    assert update.my_chat_member.new_chat_member.status == "administrator"
    assert update.my_chat_member.from_user.id == owner


async def test_an_edited_post_reaches_the_bot_as_edited_channel_post(
    tg: TelegramStandIn, bot: Bot
) -> None:
    channel = channel_with_bot(tg)
    post = tg.channel_post(channel, "draft")
    tg.edit_post(channel, post["message_id"], text="<b>final</b>", parse_mode="HTML")
    updates = await bot.get_updates()
    edited = [u.edited_channel_post for u in updates if u.edited_channel_post]
    assert [(m.message_id, m.text, m.edit_date is not None) for m in edited] == [
        (post["message_id"], "final", True)
    ]


# -- the control API --------------------------------------------------------------------


async def test_wait_for_wakes_on_a_state_change(tg: TelegramStandIn, bot: Bot) -> None:
    channel = channel_with_bot(tg, can_post_messages=True)
    waiting = asyncio.create_task(tg.wait_for(lambda: tg.bot_messages(channel), timeout=5))
    await bot.send_message(channel, "done")
    messages = await waiting
    assert [m["text"] for m in messages] == ["done"]
    with pytest.raises(TimeoutError):
        await tg.wait_for(lambda: False, timeout=0.05)


async def test_press_button_checks_the_keyboard_unless_forged(
    tg: TelegramStandIn, bot: Bot
) -> None:
    owner = tg.add_user()["id"]
    tg.user_sends(owner, "/start")
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Pause", callback_data="rule:1:pause")]]
    )
    menu = await bot.send_message(owner, "Rule 1", reply_markup=keyboard)
    with pytest.raises(ValueError, match="no button"):
        tg.press_button(owner, (owner, menu.message_id), "rule:1:delete")
    valid = tg.press_button(owner, (owner, menu.message_id), "rule:1:pause")
    forged = tg.press_button(owner, (owner, menu.message_id), "rule:1:delete", forge=True)
    updates = await bot.get_updates()
    queries = [u.callback_query for u in updates if u.callback_query]
    assert [(q.id, q.data) for q in queries] == [(valid, "rule:1:pause"), (forged, "rule:1:delete")]
    assert await bot.answer_callback_query(valid, text="Paused")
    assert tg.callback_answer(valid) == {"text": "Paused"}
    assert tg.callback_answer(forged) is None
    with pytest.raises(TelegramBadRequest, match="query is too old"):
        await bot.answer_callback_query(valid)


async def test_fail_next_injects_an_error_once(tg: TelegramStandIn, bot: Bot) -> None:
    channel = channel_with_bot(tg, can_post_messages=True)
    tg.fail_next("sendMessage", 429, retry_after=7, chat_id=channel)
    with pytest.raises(TelegramRetryAfter) as refused:
        await bot.send_message(channel, "first try")
    assert refused.value.retry_after == 7
    await bot.send_message(channel, "second try")
    assert [m["text"] for m in tg.messages(channel)] == ["second try"]
    assert tg.count_429 == 1 and tg.stats.injected_faults == 1


async def test_the_control_api_is_reachable_over_http(
    tg: TelegramStandIn, bot: Bot, http: aiohttp.ClientSession
) -> None:
    async with http.post(f"{tg.url}/_sandbox/add_user", json={"first_name": "Remote"}) as response:
        user = (await response.json())["result"]
    async with http.post(
        f"{tg.url}/_sandbox/user_sends", json={"user_id": user["id"], "text": "from afar"}
    ) as response:
        assert (await response.json())["ok"] is True
    async with http.post(f"{tg.url}/_sandbox/user_sends", json={"user_id": 1}) as response:
        assert response.status == 400
    updates = await bot.get_updates()
    assert [u.message.text for u in updates if u.message] == ["from afar"]
    async with http.get(f"{tg.url}/_sandbox/calls") as response:
        calls = (await response.json())["result"]
    assert [c["method"] for c in calls] == ["getUpdates"]


# -- flood limits -------------------------------------------------------------------------


async def test_flood_limits_answer_429_and_do_not_send(
    clock: FakeClock, limited: TelegramStandIn, limited_bot: Bot
) -> None:
    tg, bot = limited, limited_bot
    channel = channel_with_bot(tg, can_post_messages=True)
    for n in range(3):  # a short burst is allowed
        await bot.send_message(channel, f"post {n}")
    with pytest.raises(TelegramRetryAfter) as refused:
        await bot.send_message(channel, "one too many")
    assert refused.value.retry_after == 3
    assert [m["text"] for m in tg.messages(channel)] == ["post 0", "post 1", "post 2"]
    assert tg.count_429 == 1 and tg.stats.flood_refusals == 1
    clock.now += 3
    await bot.send_message(channel, "after waiting")
    assert len(tg.messages(channel)) == 4
    assert tg.invalid_calls() == []


async def test_a_group_gets_at_most_twenty_messages_a_minute(
    clock: FakeClock, limited: TelegramStandIn, limited_bot: Bot
) -> None:
    tg, bot = limited, limited_bot
    channel = channel_with_bot(tg, can_post_messages=True)
    source = channel_with_bot(tg, can_post_messages=True)
    album = tg.post_album(source, [{"photo": f"AgACItem{n}"} for n in range(10)])
    ids = [m["message_id"] for m in album]
    await bot.copy_messages(channel, source, ids)
    clock.now += 3
    await bot.copy_messages(channel, source, ids)
    clock.now += 3
    with pytest.raises(TelegramRetryAfter) as refused:
        await bot.send_message(channel, "21st message this minute")
    assert refused.value.retry_after == 54
    assert len(tg.messages(channel)) == 20


# -- specification and text -------------------------------------------------------------


def test_the_spec_file_is_in_sync_with_the_derive_script() -> None:
    import importlib.util

    script = REPO / "scripts" / "derive_botapi_spec.py"
    spec = importlib.util.spec_from_file_location("derive_botapi_spec", script)
    assert spec is not None and spec.loader is not None
    derive = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(derive)
    committed = (REPO / "sandbox" / "telegram" / "botapi_spec.json").read_text(encoding="utf-8")
    assert derive.build(derive.DEFAULT_SOURCE) == committed
    assert len(json.loads(committed)["methods"]) >= 170


def test_the_spec_refuses_wrong_types_and_keeps_unknown_parameters_as_warnings() -> None:
    assert (
        validate_call("sendMessage", {"chat_id": "1", "text": "x", "message_thread_id": "x"})
        is not None
    )
    markup = json.dumps({"inline_keyboard": [[{"text": "no action"}]]})
    error = validate_call("sendMessage", {"chat_id": "1", "text": "x", "reply_markup": markup})
    assert error is not None and "Text buttons are unallowed" in error.description
    long_data = json.dumps({"inline_keyboard": [[{"text": "t", "callback_data": "x" * 65}]]})
    error = validate_call("sendMessage", {"chat_id": "1", "text": "x", "reply_markup": long_data})
    assert error is not None and error.description == "Bad Request: BUTTON_DATA_INVALID"
    checked = check_call("sendMessage", {"chat_id": "-100", "text": "x", "sparkle": "1"})
    assert (checked.error, checked.params["chat_id"], checked.warnings) == (None, -100, ["sparkle"])


def test_text_parsing_follows_the_bot_api() -> None:
    parsed = format_text("*bold* and \\. \\!", "MarkdownV2")
    assert (parsed.text, parsed.entities) == (
        "bold and . !",
        [{"type": "bold", "offset": 0, "length": 4}],
    )
    with pytest.raises(TextError, match=re.escape("Character '.' is reserved")):
        format_text("end.", "MarkdownV2")
    with pytest.raises(TextError, match='Unsupported start tag "div" at byte offset 0'):
        format_text("<div>x</div>", "HTML")
    emoji = format_text("😀 <b>x</b>", "HTML")
    assert emoji.entities == [{"type": "bold", "offset": 3, "length": 1}]
