"""The fake user account: ``bot.userbot.interface.Account`` over HTTP to the Telegram stand-in.

``StandInAccount(tg.url, session)`` speaks to the stand-in's ``/_account/<method>`` API
(``sandbox/telegram/account.py``), so it works the same in the test's process and in a
bot started as another process (benchmarks, the demo). Telegram's error names map onto the
interface's errors exactly as the kurigram adapter maps kurigram's exceptions.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator, Sequence
from typing import Any

import aiohttp

from bot.userbot.interface import (
    AccountChat,
    AccountError,
    AccountEvent,
    AccountMessage,
    AccountUser,
    ChatUnavailable,
    DeletedMessages,
    EditedMessage,
    FloodWait,
    NewMessages,
    ProtectedContent,
    SessionRevoked,
)

_REVOKED = frozenset(
    {
        "AUTH_KEY_UNREGISTERED",
        "SESSION_REVOKED",
        "SESSION_EXPIRED",
        "USER_DEACTIVATED",
        "USER_DEACTIVATED_BAN",
        "AUTH_KEY_INVALID",
    }
)
_UNAVAILABLE = frozenset(
    {
        "CHANNEL_PRIVATE",
        "CHANNEL_INVALID",
        "CHAT_INVALID",
        "PEER_ID_INVALID",
        "USERNAME_NOT_OCCUPIED",
        "USERNAME_INVALID",
        "INVITE_HASH_INVALID",
        "CHAT_WRITE_FORBIDDEN",
        "USER_BANNED_IN_CHANNEL",
    }
)


def refusal_error(name: str, description: str, seconds: float | None) -> AccountError:
    """The interface's error for a Telegram RPC error name."""
    if name == "FLOOD_WAIT":
        return FloodWait(float(seconds or 1))
    if name in _REVOKED:
        return SessionRevoked("the account's session no longer works; log in again")
    if name == "CHAT_FORWARDS_RESTRICTED":
        return ProtectedContent("the chat forbids copying and forwarding its messages")
    if name in _UNAVAILABLE:
        return ChatUnavailable(description or name)
    return AccountError(f"{name}: {description}" if description != name else name)


def chat_from_json(data: dict[str, Any]) -> AccountChat:
    return AccountChat(
        id=int(data["id"]),
        title=str(data.get("title") or ""),
        kind=str(data["kind"]),
        username=data.get("username"),
        is_member=bool(data.get("is_member", True)),
        protected=bool(data.get("protected", False)),
    )


def message_from_json(data: dict[str, Any]) -> AccountMessage:
    return AccountMessage(
        chat_id=int(data["chat_id"]),
        message_id=int(data["message_id"]),
        date=float(data["date"]),
        media_group_id=data.get("media_group_id"),
        edit_date=data.get("edit_date"),
        service=bool(data.get("service", False)),
        protected=bool(data.get("protected", False)),
        reply_to_message_id=data.get("reply_to_message_id"),
        text=str(data.get("text") or ""),
    )


def event_from_json(data: dict[str, Any]) -> AccountEvent:
    kind = data["type"]
    if kind == "new":
        return NewMessages(tuple(message_from_json(m) for m in data["messages"]))
    if kind == "edited":
        return EditedMessage(message_from_json(data["message"]))
    chat_id = data.get("chat_id")
    return DeletedMessages(
        int(chat_id) if chat_id is not None else None, tuple(int(i) for i in data["message_ids"])
    )


class StandInAccount:
    """A user account of the Telegram stand-in (``tg.add_account()`` gives the session)."""

    def __init__(self, base_url: str, session: str, *, poll_timeout: float = 20.0) -> None:
        self._base = base_url.rstrip("/")
        self._session_string = session
        self._poll_timeout = poll_timeout
        self._http: aiohttp.ClientSession | None = None
        self._connection = ""
        self._stopped = asyncio.Event()

    def __repr__(self) -> str:  # never the session string
        return f"StandInAccount({self._base!r})"

    async def _call(self, method: str, **params: Any) -> Any:
        if self._http is None:
            raise AccountError("the account is not started")
        body = {"session": self._session_string, "connection": self._connection, **params}
        timeout = aiohttp.ClientTimeout(total=self._poll_timeout + 15)
        try:
            async with self._http.post(
                f"{self._base}/_account/{method}", json=body, timeout=timeout
            ) as response:
                answer = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise AccountError(
                f"the account could not reach Telegram: {type(exc).__name__}"
            ) from None
        if not answer.get("ok"):
            raise refusal_error(
                str(answer.get("error")),
                str(answer.get("description") or ""),
                answer.get("seconds"),
            )
        return answer["result"]

    async def start(self) -> AccountUser:
        if self._http is None:
            self._http = aiohttp.ClientSession()
        self._connection = secrets.token_hex(8)
        self._stopped = asyncio.Event()
        try:
            me = await self._call("get_me")
        except AccountError:
            await self._close()
            raise
        return AccountUser(int(me["id"]), str(me["name"]), me.get("username"))

    async def stop(self) -> None:
        if self._stopped.is_set():
            return  # stopping already (the runner and its events loop may both ask)
        self._stopped.set()
        if self._http is not None:
            with contextlib.suppress(AccountError):
                await self._call("stop")
        await self._close()

    async def _close(self) -> None:
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def chat(self, ref: str | int) -> AccountChat:
        return chat_from_json(await self._call("chat", ref=ref))

    async def dialogs(self, limit: int = 200) -> list[AccountChat]:
        return [chat_from_json(c) for c in await self._call("dialogs", limit=limit)]

    async def join(self, chat_id: int) -> AccountChat:
        return chat_from_json(await self._call("join", chat_id=chat_id))

    async def history(
        self, chat_id: int, *, before_id: int = 0, limit: int = 100
    ) -> list[AccountMessage]:
        page = await self._call("history", chat_id=chat_id, before_id=before_id, limit=limit)
        return [message_from_json(m) for m in page]

    async def copy(
        self,
        chat_id: int,
        message_ids: Sequence[int],
        to_chat_id: int,
        *,
        reply_to_message_id: int | None = None,
    ) -> list[int]:
        ids = await self._call(
            "copy",
            chat_id=chat_id,
            message_ids=list(message_ids),
            to_chat_id=to_chat_id,
            reply_to_message_id=reply_to_message_id,
        )
        return [int(i) for i in ids]

    async def edit_copy(
        self, chat_id: int, message_id: int, copy_chat_id: int, copy_message_id: int
    ) -> None:
        await self._call(
            "edit_copy",
            chat_id=chat_id,
            message_id=message_id,
            copy_chat_id=copy_chat_id,
            copy_message_id=copy_message_id,
        )

    async def delete(self, chat_id: int, message_ids: Sequence[int]) -> None:
        await self._call("delete", chat_id=chat_id, message_ids=list(message_ids))

    async def create_channel(self, title: str, *, admin_username: str) -> AccountChat:
        return chat_from_json(
            await self._call("create_channel", title=title, admin_username=admin_username)
        )

    async def events(self) -> AsyncIterator[AccountEvent]:
        """Events until :meth:`stop`; raises SessionRevoked when the session is revoked."""
        offset = 0
        while not self._stopped.is_set():
            poll = asyncio.ensure_future(
                self._call("events", offset=offset, timeout=self._poll_timeout)
            )
            stopped = asyncio.ensure_future(self._stopped.wait())
            try:
                await asyncio.wait({poll, stopped}, return_when=asyncio.FIRST_COMPLETED)
            except BaseException:
                poll.cancel()
                raise
            finally:
                stopped.cancel()
            if not poll.done():
                poll.cancel()
                with contextlib.suppress(asyncio.CancelledError, AccountError):
                    await poll
                return
            try:
                batch = poll.result()
            except AccountError:
                if self._stopped.is_set():
                    return
                raise
            for item in batch:
                offset = int(item["event_id"]) + 1
                yield event_from_json(item)
