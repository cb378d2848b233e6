"""User accounts in the Telegram stand-in: the fake behind ``bot/userbot/interface.py``.

The account sees the very chats and messages the Bot API stand-in shows the bots: a post a
test makes with ``channel_post`` in a channel where the account is a member becomes an
event for the account, whether or not any bot can see that channel; a copy the account
makes into a channel where a bot is an administrator reaches the bot as a normal
``channel_post`` (an album as one ``media_group_id``), posted as the channel.

Setup and faults (synchronous, also as ``POST /_sandbox/<name>``)
    ``add_account(user_id=None, session=None, first_name="Owner", username=None) ->
    {"user_id", "session"}`` (the user is created when missing; make it a member of source
    chats with ``set_member(chat_id, user_id, "member")``);
    ``set_account_limits(sends_per_s=None, send_burst=None, reads_per_s=None,
    read_burst=None)`` (see :class:`AccountLimits`; also ``TelegramStandIn(account_limits=…)``);
    ``revoke_account(user_id)`` (every call, a waiting events request included, answers
    ``AUTH_KEY_UNREGISTERED`` from then on);
    ``account_fail_next(user_id, error="FLOOD_WAIT", seconds=None, method=None, count=1)``
    (the next matching calls answer that error: ``FLOOD_WAIT`` with ``seconds``,
    ``CHAT_FORWARDS_RESTRICTED``…); ``account_stats(user_id) -> dict`` (calls per method,
    ``flood_waits``, ``flood_wait_seconds``, ``copies``, ``duplicated_connections``);
    ``account_events(user_id) -> [event]`` (queued, not yet confirmed).

The account API (``sandbox/telegram/account_api.py``): ``POST /_account/<method>`` with a JSON object holding ``session``,
``connection`` (an id the client picks once per start) and the method's arguments; the
answer is ``{"ok": true, "result": …}`` or ``{"ok": false, "error": NAME, "description":
…, "seconds": …}``. Methods: ``get_me``, ``chat(ref)``, ``dialogs(limit)``,
``join(chat_id)``, ``history(chat_id, before_id, limit)``, ``copy(chat_id, message_ids,
to_chat_id, reply_to_message_id)``, ``edit_copy(chat_id, message_id, copy_chat_id,
copy_message_id)``, ``delete(chat_id, message_ids)``, ``create_channel(title,
admin_username)``, ``events(offset, timeout)``, ``stop``.

Behaviour worth knowing
    Events come for chats where the account is a member: posts (``new``, an album as one
    event), edits (``edited``) and deletions (``deleted``; ``chat_id`` is null for a basic
    group, as Telegram does not say). Messages bots send produce no events, and neither do
    the account's own copies, edits and deletions (a client gets no updates for its own
    requests). A public chat (one with a username) can be looked up and read without
    joining; a private one only by a member. One session used from two connections at once
    (an events request of connection A waiting while connection B calls) answers
    ``AUTH_KEY_DUPLICATED`` to B, as Telegram does.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import secrets
import time
from collections.abc import Callable
from typing import Any

from sandbox.telegram.account_state import (
    AccountFault,
    AccountLimits,
    UserAccount,
    _Bucket,
    member_of,
    message_json,
)
from sandbox.telegram.actors import Actors
from sandbox.telegram.state import ApiDict, Chat, StoredMessage, User


class AccountActors(Actors):
    """The part of the stand-in that keeps user accounts (see the module doc)."""

    accounts: dict[str, UserAccount]
    account_limits: AccountLimits
    account_clock: Callable[[], float]

    def init_accounts(
        self, limits: AccountLimits | None = None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.accounts = {}
        self.account_limits = limits or AccountLimits()
        self.account_clock = clock

    def set_member(self, *args: Any, **kwargs: Any) -> ApiDict:  # implemented by the stand-in
        raise NotImplementedError

    # -- setup and faults -------------------------------------------------------------

    def add_account(
        self,
        user_id: int | None = None,
        session: str | None = None,
        first_name: str = "Owner",
        username: str | None = None,
    ) -> ApiDict:
        if user_id is None or int(user_id) not in self.state.users:
            user = User(user_id or self.state.new_user_id(), first_name, username=username)
            self.state.users[user.id] = user
            user_id = user.id
        session = session or "standin-session-" + secrets.token_hex(16)
        account = UserAccount(int(user_id), session)
        self._apply_limits(account)
        self.accounts[session] = account
        self._touch()
        return {"user_id": account.user_id, "session": session}

    def set_account_limits(
        self,
        sends_per_s: float | None = None,
        send_burst: int | None = None,
        reads_per_s: float | None = None,
        read_burst: int | None = None,
    ) -> None:
        self.account_limits = AccountLimits(sends_per_s, send_burst, reads_per_s, read_burst)
        for account in self.accounts.values():
            self._apply_limits(account)

    def revoke_account(self, user_id: int) -> None:
        for account in self._accounts_of(user_id):
            account.revoked = True
            account.waiter.set()
        self._touch()

    def account_fail_next(
        self,
        user_id: int,
        error: str = "FLOOD_WAIT",
        seconds: float | None = None,
        method: str | None = None,
        count: int = 1,
    ) -> None:
        for account in self._accounts_of(user_id):
            account.faults.append(AccountFault(error, seconds, method, count))

    def account_stats(self, user_id: int) -> ApiDict:
        stats = self._accounts_of(user_id)[0].stats
        return {
            "calls": dict(stats.calls),
            "flood_waits": stats.flood_waits,
            "flood_wait_seconds": stats.flood_wait_seconds,
            "copies": stats.copies,
            "duplicated_connections": stats.duplicated_connections,
        }

    def account_events(self, user_id: int) -> list[ApiDict]:
        return copy.deepcopy(self._accounts_of(user_id)[0].events)

    def _accounts_of(self, user_id: int) -> list[UserAccount]:
        found = [a for a in self.accounts.values() if a.user_id == int(user_id)]
        if not found:
            raise ValueError(f"no account for user {user_id}: add_account() first")
        return found

    def _apply_limits(self, account: UserAccount) -> None:
        limits = self.account_limits
        account.sends = _Bucket(limits.sends_per_s, limits.send_burst, self.account_clock)
        account.reads = _Bucket(limits.reads_per_s, limits.read_burst, self.account_clock)

    # -- what accounts see of the actors' doings ----------------------------------------

    def _deliver(self, chat: Chat, kind: str, stored: StoredMessage) -> None:
        super()._deliver(chat, kind, stored)
        self._observe(chat, kind, stored)

    def delete_message(
        self, chat_id: int, message_id: int, *, bot: int | str | None = None
    ) -> None:
        super().delete_message(chat_id, message_id, bot=bot)
        self._observe_deleted(self._chat(chat_id, bot), [int(message_id)])

    def _observe(self, chat: Chat, kind: str, stored: StoredMessage, by: int | None = None) -> None:
        if chat.type == "private":
            return
        item = message_json(chat, stored)
        for account in self.accounts.values():
            if account.user_id == by or account.revoked or not member_of(chat, account.user_id):
                continue
            if kind.startswith("edited_"):
                account.flush_album()
                account.queue({"type": "edited", "message": item})
                continue
            group = stored.data.get("media_group_id")
            key = (chat.id, str(group)) if group else None
            if key is not None and key == account.album_key and account.album is not None:
                account.album.append(item)
                continue
            account.flush_album()
            if key is None:
                account.queue({"type": "new", "messages": [item]})
            else:  # album items come one by one: queued whole once the current step is over
                account.album, account.album_key = [item], key
                with contextlib.suppress(RuntimeError):
                    asyncio.get_running_loop().call_soon(self._flush_albums)
        self._touch()

    def _flush_albums(self) -> None:
        for account in self.accounts.values():
            account.flush_album()
        self._touch()

    def _observe_deleted(self, chat: Chat, ids: list[int], by: int | None = None) -> None:
        for account in self.accounts.values():
            if account.user_id == by or account.revoked or not member_of(chat, account.user_id):
                continue
            account.flush_album()
            chat_id = None if chat.type == "group" else chat.id
            account.queue({"type": "deleted", "chat_id": chat_id, "message_ids": ids})
        self._touch()
