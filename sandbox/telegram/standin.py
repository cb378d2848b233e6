"""A Telegram Bot API stand-in on loopback, for end-to-end tests, benchmarks and the demo.

The real bot talks to it exactly as to api.telegram.org::

    tg = TelegramStandIn()                      # flood limits on (FloodLimits())
    await tg.start()                            # tg.url == "http://127.0.0.1:<port>"
    tg.add_bot("123456:TEST-TOKEN", username="forward_bot")
    session = AiohttpSession(api=TelegramAPIServer.from_base(tg.url))
    bot = Bot("123456:TEST-TOKEN", session=session)

Every request is checked against the Bot API specification (``sandbox/telegram/spec.py``,
``botapi_spec.json`` derived from the official documentation), recorded in
``tg.calls``, counted against the flood limits (``sandbox/telegram/flood.py``)
and answered with the shapes and error wordings of the real server.

Public API (all setup, acting and reading methods are synchronous)

Lifecycle
    ``TelegramStandIn(flood=FloodLimits(...), clock=time.monotonic, latency_s=0.0)``
    (``latency_s``: a wait before each Bot API answer, after the call was counted and
    performed, as a network adds);
    ``await tg.start(host="127.0.0.1", port=0) -> url``; ``await tg.stop()``;
    ``async with TelegramStandIn() as tg``; ``tg.url``.
Setup
    ``add_bot(token, username=None, first_name=None) -> User dict`` (bot id = the
    number before ":"); ``add_user(user_id=None, first_name="User", username=None,
    last_name=None, language_code="en") -> User dict``;
    ``add_chat(type, title=None, chat_id=None, username=None, is_forum=False,
    description=None, has_protected_content=False) -> Chat dict`` (type: group,
    supergroup or channel; private chats appear when a user writes to a bot);
    ``set_member(chat_id, user_id, status, notify=True, until_date=0,
    custom_title=None, **rights) -> ChatMember dict`` (status: creator,
    administrator, member, restricted, left, kicked; rights such as
    ``can_post_messages=True`` or, for restricted, ``can_send_messages=False``;
    a change of a bot's status queues ``my_chat_member`` for it);
    ``create_topic(chat_id, name, icon_color=None, user_id=None) -> thread id``;
    ``register_file(file_id, kind="photo", *, filename=None, data=None)`` (with
    ``data``, the bot can download it: getFile, then ``/file/bot<token>/<file_path>``;
    uploads are kept the same way); ``block_bot(user_id, bot=None, blocked=True)``.
Acting as people and chats (each queues the updates the bots would get)
    ``user_sends(user_id, text=None, chat_id=None, *, bot=None, entities=None,
    parse_mode=None, reply_to=None, thread_id=None, photo=/video=/document=/
    animation=/audio=/voice=/sticker=<file_id or True>, caption=None,
    caption_entities=None, media_group_id=None, forward_from_chat=None,
    forward_from_message_id=None, forward_from_user=None, chat_shared=None,
    users_shared=None) -> Message dict``; the default chat is the private chat
    with ``bot`` (token, username or id; default: the only bot), which also
    records that the user started the bot;
    ``press_button(user_id, message, data, *, forge=False, bot=None) ->
    callback_query_id`` (``message``: a Message dict or ``(chat_id,
    message_id)``; refuses a button the message does not have unless
    ``forge``); ``callback_answer(callback_query_id) -> dict | None``;
    ``channel_post(chat_id, text=None, *, ...media, caption..., media_group_id,
    reply_to, thread_id, author_signature, reply_markup, link_preview_options) ->
    Message dict`` (in a group: an anonymous-admin message); ``post_album(chat_id, items, *, user_id=None,
    thread_id=None, reply_to=None) -> [Message]`` (items like ``{"photo": id,
    "caption": "..."}``); ``edit_post(chat_id, message_id, text=None,
    caption=None, *, entities=None, caption_entities=None, parse_mode=None,
    reply_markup=None, bot=None) -> Message dict`` (``reply_markup={}`` takes
    the keyboard away) (``edited_channel_post`` / ``edited_message``);
    ``delete_message(chat_id, message_id, *, bot=None)`` (no update, as on
    Telegram); ``inject_update(raw, *, bot=None) -> Update dict`` (any update as
    it is, even a type the bot did not ask for; the update id is assigned).
Reading
    ``messages(chat_id, thread_id=None, *, bot=None) -> [Message]`` (live
    messages in order); ``bot_messages(...)`` (those a bot sent);
    ``message(chat_id, message_id, *, bot=None)``; ``message_records(...)``
    (with ``sender_bot_id`` and ``deleted``); ``pending_updates(bot=None)``;
    ``is_polling(bot=None)`` (a getUpdates request is waiting right now);
    ``calls`` (``CallRecord``: method, api_method, params, raw_params, token,
    ok, error_code, description, result, spec_errors, spec_warnings,
    injected); ``calls_to(method)``; ``invalid_calls()`` (refused by the
    specification); ``stats`` and ``count_429``;
    ``await wait_for(predicate, timeout=10.0)`` (re-checks the predicate on
    every state change, no polling; returns its truthy value or raises
    TimeoutError).
Faults
    ``fail_next(method, error_code, description=None, count=1,
    retry_after=None, chat_id=None, parameters=None)``: the next matching calls
    get that error instead of being performed.

HTTP control routes (JSON, for a script in another process): ``POST
/_sandbox/<name>`` with the keyword arguments as a JSON object, for every name
above (``add_bot``, ``add_user``, ``add_chat``, ``set_member``,
``create_topic``, ``register_file``, ``block_bot``, ``user_sends``,
``press_button``, ``callback_answer``, ``channel_post``, ``post_album``,
``edit_post``, ``delete_message``, ``messages``, ``bot_messages``,
``message``, ``pending_updates``, ``is_polling``, ``fail_next``) plus ``calls``,
``invalid_calls`` and ``stats``; GET works too with the arguments in the
query string. Answer: ``{"ok": true, "result": ...}`` or ``{"ok": false,
"error": "..."}``.

User accounts (the fake behind ``bot/userbot/interface.py``): ``add_account``,
``set_account_limits``, ``revoke_account``, ``account_fail_next``, ``account_stats``,
``account_events`` and the ``/_account/<method>`` API; see ``sandbox/telegram/account.py``.

Standalone: ``python -m sandbox.telegram.standin --port 8081 --token 123:ABC``.

Behaviour worth knowing
    getUpdates long polling: a second waiting request terminates the earlier
    one with 409 (as the real server does); with a webhook set, getUpdates
    answers 409. Updates a bot filtered out with ``allowed_updates`` are not
    queued. Messages sent by bots produce no updates for any bot. Bot messages
    in a private chat need the user to have written to the bot first. A file_id
    the stand-in never saw is refused (``wrong file identifier/HTTP URL
    specified``): files come from uploads, URLs, ``user_sends``/``channel_post``
    or ``register_file``. Flood limits: see ``sandbox/telegram/flood.py``
    (per chat 3 in 3 s, per group or channel 20 a minute, 30 a second overall;
    ``FloodLimits(enabled=False)`` turns them off, ``clock=`` makes them testable).

Modules
    ``telegram.py`` (this: the stand-in, setup, reading, CLI),
    ``telegram_actors.py`` (acting as people and chats), ``telegram_http.py``
    (routes, decoding, dispatch, records, faults), ``telegram_api.py``
    (handler plumbing, access checks), ``telegram_methods.py`` and
    ``telegram_messages.py`` (one handler per Bot API method),
    ``telegram_content.py`` (texts, captions, files, media),
    ``telegram_text.py`` / ``telegram_markup.py`` (parse modes, entities),
    ``telegram_state.py`` (dataclasses), ``telegram_flood.py`` (limits),
    ``spec.py`` (specification checks).

Not implemented
    Webhook delivery (a webhook is stored and reported, updates stay queued),
    inline mode, payments, games, polls, sticker sets, business connections,
    reactions, file downloads, chat administration methods (ban, promote,
    invite links, pins), forum topic editing, the General topic, the 3-second
    delay the real server adds to repeated 409 answers, link previews and
    automatic forwards to discussion groups. Such methods answer 500
    ``... is not implemented by the Telegram stand-in`` (``record.unimplemented``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import dataclasses
import time
from collections.abc import Callable
from typing import Any, TypeVar

from sandbox.serving import serve_until_signalled
from sandbox.telegram.account_api import AccountApi
from sandbox.telegram.account_state import AccountLimits
from sandbox.telegram.flood import FloodLimits
from sandbox.telegram.http import BotApiServer, CallRecord, Stats, token_error
from sandbox.telegram.methods import add_topic, chat_member_updated
from sandbox.telegram.state import (
    ADMIN_RIGHTS,
    GROUP_ANONYMOUS_BOT,
    MEMBER_STATUSES,
    PERMISSIONS,
    ApiDict,
    BotAccount,
    Chat,
    Member,
    StoredMessage,
    TelegramState,
    User,
)

__all__ = ["AccountLimits", "CallRecord", "FloodLimits", "Stats", "TelegramStandIn"]

T = TypeVar("T")
_EXTRA_RIGHTS = (
    "is_anonymous",
    "can_be_edited",
    "is_member",
    "can_send_welcome_messages",
    "can_edit_tag",
)


class TelegramStandIn(AccountApi):
    """The stand-in: state, the aiohttp server and the control API (see module doc)."""

    def __init__(
        self,
        flood: FloodLimits | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
        latency_s: float = 0.0,
        account_limits: AccountLimits | None = None,
    ) -> None:
        self.state = TelegramState()
        self.flood_limits = flood or FloodLimits()
        self._changed = asyncio.Event()
        self.server = BotApiServer(
            self.state,
            self.flood_limits,
            on_change=self._touch,
            control=self._control_actions(),
            clock=clock,
            latency_s=latency_s,
        )
        # User accounts (sandbox/telegram/account*.py): the fake behind bot/userbot/interface.py.
        self.init_accounts(account_limits, clock)
        self.server.extra_routes.append(("/_account/{method}", self.account_route))

    # -- lifecycle ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return self.server.url

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        return await self.server.start(host, port)

    async def stop(self) -> None:
        await self.server.stop()

    async def __aenter__(self) -> TelegramStandIn:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- records ----------------------------------------------------------------------------

    @property
    def calls(self) -> list[CallRecord]:
        return self.server.calls

    @property
    def stats(self) -> Stats:
        return self.server.stats

    @property
    def count_429(self) -> int:
        return self.server.stats.responses_429

    def calls_to(self, method: str) -> list[CallRecord]:
        wanted = method.lower()
        return [c for c in self.calls if (c.api_method or c.method).lower() == wanted]

    def invalid_calls(self) -> list[CallRecord]:
        """Calls the real Bot API would have refused by its specification."""
        return [c for c in self.calls if c.spec_errors]

    def fail_next(self, method: str, error_code: int, *args: Any, **kwargs: Any) -> None:
        """Answer the next calls of ``method`` with this error: the arguments of
        :meth:`BotApiServer.fail_next` (description, count, retry_after, chat_id, parameters)."""
        self.server.fail_next(method, error_code, *args, **kwargs)

    async def wait_for(self, predicate: Callable[[], T], timeout: float = 10.0) -> T:
        """Wait until ``predicate()`` is truthy, re-checking on every state change."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            result = predicate()
            if result:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout} s")
            changed = self._changed
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(changed.wait(), remaining)

    def _touch(self) -> None:
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    # -- setup ----------------------------------------------------------------------------

    def add_bot(
        self, token: str, username: str | None = None, first_name: str | None = None
    ) -> ApiDict:
        if token_error(token) is not None:
            raise ValueError(f"malformed bot token {token!r}")
        bot_id = int(token.split(":", 1)[0])
        user = User(
            bot_id,
            first_name or "Stand-in Bot",
            is_bot=True,
            username=(username or f"standin{bot_id}_bot").lstrip("@"),
        )
        self.state.users[bot_id] = user
        self.state.bots[token] = BotAccount(token, user)
        self._touch()
        return user.to_api()

    def add_user(
        self,
        user_id: int | None = None,
        first_name: str = "User",
        username: str | None = None,
        last_name: str | None = None,
        language_code: str | None = "en",
    ) -> ApiDict:
        user = User(
            user_id or self.state.new_user_id(),
            first_name,
            last_name=last_name,
            username=username.lstrip("@") if username else None,
            language_code=language_code,
        )
        self.state.users[user.id] = user
        self._touch()
        return user.to_api()

    def add_chat(
        self,
        type: str,
        title: str | None = None,
        chat_id: int | None = None,
        username: str | None = None,
        is_forum: bool = False,
        description: str | None = None,
        has_protected_content: bool = False,
    ) -> ApiDict:
        if type not in ("group", "supergroup", "channel"):
            raise ValueError("add_chat makes groups, supergroups and channels")
        if is_forum and type != "supergroup":
            raise ValueError("only a supergroup can be a forum")
        if chat_id is None:
            chat_id = self.state.new_chat_id(type)
        elif type == "group" and not -1000000000000 < chat_id < 0:
            raise ValueError("a basic group id is a small negative number")
        elif type != "group" and chat_id > -1000000000000:
            raise ValueError("a supergroup or channel id looks like -100xxxxxxxxxx")
        chat = Chat(
            id=chat_id,
            type=type,
            title=title or f"{type.capitalize()} {abs(chat_id)}",
            username=username.lstrip("@") if username else None,
            is_forum=is_forum,
            description=description,
            has_protected_content=has_protected_content,
        )
        self.state.chats[chat_id] = chat
        self._touch()
        return chat.to_api()

    def set_member(
        self,
        chat_id: int,
        user_id: int,
        status: str,
        notify: bool = True,
        until_date: int = 0,
        custom_title: str | None = None,
        **rights: bool,
    ) -> ApiDict:
        chat = self._chat(chat_id)
        if chat.type == "private":
            raise ValueError("members belong to groups, supergroups and channels")
        user = self._user(user_id)
        if status not in MEMBER_STATUSES:
            raise ValueError(f"status must be one of {MEMBER_STATUSES}")
        unknown = set(rights) - set(ADMIN_RIGHTS) - set(PERMISSIONS) - set(_EXTRA_RIGHTS)
        if unknown:
            raise ValueError(f"unknown rights: {sorted(unknown)}")
        if status == "administrator":
            rights.setdefault("can_manage_chat", True)
        old = chat.members.get(user_id)
        new = Member(user_id, status, dict(rights), until_date, custom_title)
        chat.members[user_id] = new
        if notify:
            actor = self._chat_owner(chat) or user_id
            update = chat_member_updated(self.state, chat, user, old, new, actor)
            for bot in self.state.bots.values():
                if bot.id == user_id:
                    bot.push_update("my_chat_member", copy.deepcopy(update))
                elif (m := chat.member(bot.id)) is not None and m.status in (
                    "creator",
                    "administrator",
                ):
                    bot.push_update("chat_member", copy.deepcopy(update))
        self._touch()
        return new.to_api(user, chat.type)

    def create_topic(
        self, chat_id: int, name: str, icon_color: int | None = None, user_id: int | None = None
    ) -> int:
        chat = self._chat(chat_id)
        if not chat.is_forum:
            raise ValueError("topics exist only in forum supergroups")
        creator_id = user_id or self._chat_owner(chat)
        creator = self.state.user_dict(creator_id) if creator_id else dict(GROUP_ANONYMOUS_BOT)
        stored = add_topic(chat, name, icon_color, creator)
        self._deliver(chat, "message", stored)
        return stored.message_id

    def register_file(
        self,
        file_id: str,
        kind: str = "photo",
        *,
        filename: str | None = None,
        data: bytes | None = None,
    ) -> str:
        size = len(data) if data is not None else 0
        self.state.register_file(file_id, kind, size=size, filename=filename, data=data)
        return file_id

    def block_bot(self, user_id: int, bot: int | str | None = None, blocked: bool = True) -> None:
        account = self._bot(bot)
        if blocked:
            account.blocked_by.add(user_id)
        else:
            account.blocked_by.discard(user_id)
        self._touch()

    # -- reading ----------------------------------------------------------------------------

    def messages(
        self, chat_id: int, thread_id: int | None = None, *, bot: int | str | None = None
    ) -> list[ApiDict]:
        chat = self._chat(chat_id, bot)
        return [copy.deepcopy(m.data) for m in chat.live_messages(thread_id)]

    def bot_messages(
        self, chat_id: int, thread_id: int | None = None, *, bot: int | str | None = None
    ) -> list[ApiDict]:
        chat = self._chat(chat_id, bot)
        return [
            copy.deepcopy(m.data)
            for m in chat.live_messages(thread_id)
            if m.sender_bot_id is not None
        ]

    def message(self, chat_id: int, message_id: int, *, bot: int | str | None = None) -> ApiDict:
        return copy.deepcopy(self._stored(self._chat(chat_id, bot), message_id).data)

    def message_records(self, chat_id: int, *, bot: int | str | None = None) -> list[StoredMessage]:
        """Every message of the chat, deleted ones too, with who sent it (read-only)."""
        return list(self._chat(chat_id, bot).messages.values())

    def pending_updates(self, bot: int | str | None = None) -> list[ApiDict]:
        return copy.deepcopy(self._bot(bot).updates)

    def is_polling(self, bot: int | str | None = None) -> bool:
        """Whether a getUpdates request of the bot is waiting for updates right now."""
        return self._bot(bot).long_poll is not None

    def _control_actions(self) -> dict[str, Callable[..., Any]]:
        names = (
            "add_bot",
            "add_user",
            "add_chat",
            "set_member",
            "create_topic",
            "register_file",
            "block_bot",
            "user_sends",
            "press_button",
            "callback_answer",
            "channel_post",
            "post_album",
            "edit_post",
            "delete_message",
            "inject_update",
            "messages",
            "bot_messages",
            "message",
            "pending_updates",
            "is_polling",
            "fail_next",
            "invalid_calls",
            "add_account",
            "set_account_limits",
            "revoke_account",
            "account_fail_next",
            "account_stats",
            "account_events",
        )
        actions: dict[str, Callable[..., Any]] = {name: getattr(self, name) for name in names}
        actions["calls"] = lambda: [c.to_json() for c in self.calls]
        actions["stats"] = lambda: dataclasses.asdict(self.stats)
        return actions


async def _serve(args: argparse.Namespace) -> None:
    flood = FloodLimits() if not args.no_flood else FloodLimits.disabled()
    limits = AccountLimits(sends_per_s=args.account_flood_per_s or None)
    tg = TelegramStandIn(flood=flood, latency_s=args.latency_ms / 1000, account_limits=limits)
    for index, token in enumerate(args.token or []):
        username = args.username if index == 0 and args.username else None
        tg.add_bot(token, username=username)
    url = await tg.start(args.host, args.port)
    print(f"Telegram stand-in listening on {url} (bots: {len(tg.state.bots)})", flush=True)
    await serve_until_signalled(tg.stop)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Run the Telegram Bot API stand-in.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", action="append", help="register a bot token (repeatable)")
    parser.add_argument("--username", help="username of the first bot")
    parser.add_argument("--no-flood", action="store_true", help="disable the flood limits")
    parser.add_argument(
        "--latency-ms", type=int, default=0, help="wait this long before each Bot API answer"
    )
    parser.add_argument(
        "--account-flood-per-s",
        type=float,
        default=0,
        help="pace of the user accounts' sending calls (FLOOD_WAIT beyond; 0: no pace)",
    )
    asyncio.run(_serve(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
