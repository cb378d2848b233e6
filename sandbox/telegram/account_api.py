"""The account API of the Telegram stand-in: ``POST /_account/<method>`` (see
``sandbox/telegram/account.py`` for what the fake does and how tests drive it).

Each ``_account_<method>`` answers one call of ``sandbox/account/client.py`` with the JSON of
the interface's dataclasses, or refuses it with Telegram's RPC error name
(:class:`~sandbox.telegram.account_state.AccountRefusal`).
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import inspect
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from sandbox.telegram.account import AccountActors
from sandbox.telegram.account_state import (
    AccountRefusal,
    UserAccount,
    chat_json,
    member_of,
    message_json,
    parse_ref,
)
from sandbox.telegram.actors import Actors
from sandbox.telegram.content import CONTENT_FIELDS, is_copyable, quoted
from sandbox.telegram.state import ApiDict, Chat, StoredMessage, place

_COPIED_EXTRAS = ("show_caption_above_media", "has_media_spoiler", "link_preview_options")
_RELAY_RIGHTS = {
    "can_post_messages": True,
    "can_edit_messages": True,
    "can_delete_messages": True,
}


class AccountApi(AccountActors):
    """The user accounts' API, served beside the Bot API (``/_account/<method>``)."""

    async def account_route(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        try:
            body = await request.json()
        except ValueError:
            return web.json_response({"ok": False, "error": "BAD_REQUEST"}, status=400)
        if not isinstance(body, dict):
            body = {}
        session = str(body.pop("session", ""))
        connection = str(body.pop("connection", ""))
        account = self.accounts.get(session)
        handler = getattr(self, f"_account_{method}", None)
        try:
            if account is None or account.revoked:
                raise AccountRefusal("AUTH_KEY_UNREGISTERED", "the session is not authorised")
            if handler is None:
                raise AccountRefusal("METHOD_INVALID", f"unknown method {method!r}")
            account.stats.calls[method] = account.stats.calls.get(method, 0) + 1
            if account.polling not in (None, connection) and method != "stop":
                account.stats.duplicated_connections += 1
                raise AccountRefusal("AUTH_KEY_DUPLICATED", "the session is used elsewhere")
            fault = account.take_fault(method)
            if fault is not None:
                if fault.error == "FLOOD_WAIT":
                    account.stats.flood_waits += 1
                    account.stats.flood_wait_seconds += fault.seconds or 0
                raise AccountRefusal(fault.error, fault.error, fault.seconds)
            account.pace(method)
            if method == "events":  # the long poll ends when its client goes away
                body["gone"] = lambda: request.transport is None or request.transport.is_closing()
            result = handler(account, connection, **body)
            if inspect.isawaitable(result):
                result = await result
        except AccountRefusal as refusal:
            self._touch()
            return web.json_response(refusal.to_json(), status=400)
        except TypeError as exc:
            return web.json_response(
                {"ok": False, "error": "BAD_REQUEST", "description": str(exc)}, status=400
            )
        self._touch()  # every call counts in account_stats: wait_for sees it
        return web.json_response({"ok": True, "result": result})

    def _account_get_me(self, account: UserAccount, connection: str) -> ApiDict:
        user = self._user(account.user_id)
        name = " ".join(p for p in (user.first_name, user.last_name) if p)
        return {"id": user.id, "name": name, "username": user.username}

    def _account_stop(self, account: UserAccount, connection: str) -> bool:
        if account.polling == connection:
            account.polling = None
            account.waiter.set()
        return True

    def _visible(self, account: UserAccount, chat_id: int) -> Chat:
        """A chat the account may look at: a member's, or a public one; refused otherwise."""
        chat = self.state.chats.get(int(chat_id))
        if chat is None:
            raise AccountRefusal("CHANNEL_PRIVATE", "the chat is not accessible")
        member = chat.member(account.user_id)
        if member is not None and member.status == "kicked":
            raise AccountRefusal("CHANNEL_PRIVATE", "the account was banned from the chat")
        if not member_of(chat, account.user_id) and not chat.username:
            raise AccountRefusal("CHANNEL_PRIVATE", "the chat is private")
        return chat

    def _account_chat(self, account: UserAccount, connection: str, ref: Any) -> ApiDict:
        target = parse_ref(ref)
        if isinstance(target, str):
            found = self.state.chat_by_username(target)
            if found is None:
                raise AccountRefusal("USERNAME_NOT_OCCUPIED", f"no chat @{target}")
            target = found.id
        return chat_json(self._visible(account, target), account.user_id)

    def _account_dialogs(self, account: UserAccount, connection: str, limit: int = 200) -> list:
        chats = [c for c in self.state.chats.values() if member_of(c, account.user_id)]

        def latest(chat: Chat) -> float:
            dates = [m.data.get("date", 0) for m in chat.live_messages()]
            return max(dates, default=0)

        chats.sort(key=lambda c: (latest(c), c.next_message_id), reverse=True)
        return [chat_json(c, account.user_id) for c in chats[: int(limit)]]

    def _account_join(self, account: UserAccount, connection: str, chat_id: int) -> ApiDict:
        chat = self._visible(account, chat_id)
        if not member_of(chat, account.user_id):
            self.set_member(chat.id, account.user_id, "member")
        return chat_json(chat, account.user_id)

    def _account_history(
        self,
        account: UserAccount,
        connection: str,
        chat_id: int,
        before_id: int = 0,
        limit: int = 100,
    ) -> list[ApiDict]:
        chat = self._visible(account, chat_id)
        live = [m for m in chat.live_messages() if not before_id or m.message_id < int(before_id)]
        live.sort(key=lambda m: m.message_id, reverse=True)
        return [message_json(chat, m) for m in live[: max(1, min(int(limit), 100))]]

    def _postable(self, account: UserAccount, chat_id: int) -> Chat:
        chat = self.state.chats.get(int(chat_id))
        member = chat.member(account.user_id) if chat is not None else None
        if chat is None or member is None or not member.is_member:
            raise AccountRefusal("CHANNEL_PRIVATE", "the account is not in the target chat")
        if chat.type == "channel" and not member.can("can_post_messages"):
            raise AccountRefusal("CHAT_WRITE_FORBIDDEN", "the account may not post there")
        return chat

    def _account_copy(
        self,
        account: UserAccount,
        connection: str,
        chat_id: int,
        message_ids: list[int],
        to_chat_id: int,
        reply_to_message_id: int | None = None,
    ) -> list[int]:
        source_chat = self._visible(account, chat_id)
        target = self._postable(account, to_chat_id)
        found = [source_chat.messages.get(int(i)) for i in sorted(set(message_ids))]
        sources = [s for s in found if s is not None and not s.deleted and is_copyable(s.data)]
        if not sources:
            raise AccountRefusal("MESSAGE_ID_INVALID", "no such message")
        if source_chat.has_protected_content or any(
            s.data.get("has_protected_content") for s in sources
        ):
            raise AccountRefusal("CHAT_FORWARDS_RESTRICTED", "the chat forbids copying")
        groups: dict[str, str] = {}
        new_ids: list[int] = []
        for index, source in enumerate(sources):
            old_group = source.data.get("media_group_id")
            group = None
            if old_group is not None:
                group = groups.setdefault(str(old_group), self.state.new_media_group_id())
            reply = reply_to_message_id if index == 0 else None
            stored = self._store_copy(account, target, source, group, reply)
            new_ids.append(stored.message_id)
            kind = "channel_post" if target.type == "channel" else "message"
            Actors._deliver(self, target, kind, stored)  # to the bots; accounts: below
            self._observe(target, kind, stored, by=account.user_id)
        account.stats.copies += len(new_ids)
        return new_ids

    def _store_copy(
        self,
        account: UserAccount,
        chat: Chat,
        source: StoredMessage,
        group: str | None,
        reply_to: int | None,
    ) -> StoredMessage:
        data: ApiDict = {"message_id": chat.take_message_id()}
        if chat.type == "channel":
            data["sender_chat"] = chat.to_api()
        else:
            data["from"] = self._user(account.user_id).to_api()
        place(data, chat, None)
        replied = chat.messages.get(int(reply_to)) if reply_to else None
        if replied is not None and not replied.deleted:
            data["reply_to_message"] = quoted(replied)
        if group is not None:
            data["media_group_id"] = group
        for key in (*CONTENT_FIELDS, *_COPIED_EXTRAS):
            if key in source.data:
                data[key] = copy.deepcopy(source.data[key])
        if chat.has_protected_content:
            data["has_protected_content"] = True
        stored = StoredMessage(data)
        chat.messages[stored.message_id] = stored
        return stored

    def _account_edit_copy(
        self,
        account: UserAccount,
        connection: str,
        chat_id: int,
        message_id: int,
        copy_chat_id: int,
        copy_message_id: int,
    ) -> bool:
        source_chat = self._visible(account, chat_id)
        source = source_chat.messages.get(int(message_id))
        target = self._postable(account, copy_chat_id)
        copied = target.messages.get(int(copy_message_id))
        if source is None or source.deleted or copied is None or copied.deleted:
            raise AccountRefusal("MESSAGE_ID_INVALID", "no such message")
        fields = ("text", "entities", "caption", "caption_entities")
        data = {k: v for k, v in copied.data.items() if k not in fields}
        data.update({k: copy.deepcopy(source.data[k]) for k in fields if k in source.data})
        if all(data.get(k) == copied.data.get(k) for k in fields):
            return True  # nothing changed: Telegram says MESSAGE_NOT_MODIFIED, clients ignore it
        data["edit_date"] = int(time.time())
        copied.data = data
        kind = "edited_channel_post" if target.type == "channel" else "edited_message"
        Actors._deliver(self, target, kind, copied)  # to the bots; accounts: below
        self._observe(target, kind, copied, by=account.user_id)
        return True

    def _account_delete(
        self, account: UserAccount, connection: str, chat_id: int, message_ids: list[int]
    ) -> bool:
        chat = self.state.chats.get(int(chat_id))
        member = chat.member(account.user_id) if chat is not None else None
        if chat is None or member is None or not member.can("can_delete_messages"):
            raise AccountRefusal("MESSAGE_DELETE_FORBIDDEN", "the account may not delete there")
        gone = []
        for message_id in message_ids:
            stored = chat.messages.get(int(message_id))
            if stored is not None and not stored.deleted:
                stored.deleted = True
                gone.append(stored.message_id)
        if gone:
            self._observe_deleted(chat, gone, by=account.user_id)
        return True

    def _account_create_channel(
        self, account: UserAccount, connection: str, title: str, admin_username: str
    ) -> ApiDict:
        name = admin_username.lstrip("@").lower()
        admin = next(
            (u for u in self.state.users.values() if (u.username or "").lower() == name), None
        )
        if admin is None:
            raise AccountRefusal("USERNAME_NOT_OCCUPIED", f"no user @{name}")
        chat_id = self.state.new_chat_id("channel")
        self.state.chats[chat_id] = Chat(id=chat_id, type="channel", title=title)
        self.set_member(chat_id, account.user_id, "creator", notify=False)
        self.set_member(chat_id, admin.id, "administrator", **_RELAY_RIGHTS)
        return chat_json(self.state.chats[chat_id], account.user_id)

    async def _account_events(
        self,
        account: UserAccount,
        connection: str,
        offset: int = 0,
        timeout: float = 20.0,
        gone: Callable[[], bool] = lambda: False,
    ) -> list[ApiDict]:
        """Queued events from ``offset`` on, waiting up to ``timeout`` for one. A client that
        went away (killed) frees the session at once, as Telegram sees a connection drop."""
        if offset:
            account.events = [e for e in account.events if e["event_id"] >= int(offset)]
        if not account.events and timeout > 0:
            account.polling = connection
            account.waiter.clear()
            self._touch()
            deadline = time.monotonic() + min(float(timeout), 50.0)
            try:
                while not account.waiter.is_set() and not gone():
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(account.waiter.wait(), min(left, 0.25))
            finally:
                if account.polling == connection:
                    account.polling = None
                    self._touch()
            if account.revoked:
                raise AccountRefusal("AUTH_KEY_UNREGISTERED", "the session is not authorised")
        return copy.deepcopy(account.events[:100])
