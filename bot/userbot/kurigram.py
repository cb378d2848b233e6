"""The user account through kurigram (the maintained Pyrogram fork, imported as ``pyrogram``).

Imported only when API_ID, API_HASH and PYROGRAM_SESSION_STRING are set (the runner's factory
imports it). The client lives in memory, from the session string: nothing is written to disk,
and the session string stays inside the client (never in a log line, an error or ``repr``).

Choices:
* ``copy`` is one ``messages.forwardMessages`` request with the author dropped: a copy made by
  Telegram itself (no media through this process, an album stays an album, formatting kept);
  a chat with protected content refuses it (CHAT_FORWARDS_RESTRICTED → ProtectedContent).
* ``sleep_threshold=0``: every FloodWait reaches the caller, which waits as told (the backfill,
  the relay) and lets the runner see a storm, instead of the library sleeping unseen.
* A session that is not authorised never falls into kurigram's interactive login prompt: it is
  reported as SessionRevoked.
* Events: new, edited and deleted messages of channels and groups (never the account's private
  chats); album items, which arrive one update each, are held a moment and given out whole.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Sequence
from typing import Any, TypeVar, cast

from bot.userbot.interface import (
    AccountChat,
    AccountError,
    AccountEvent,
    AccountMessage,
    AccountUser,
    ChatUnavailable,
    EditedMessage,
    NewMessages,
    SessionRevoked,
)
from bot.userbot.kurigram_map import (  # kurigram itself through here: TgCrypto warning off
    AlbumGrouper,
    enums,
    errors,
    handlers,
    map_chat,
    map_deleted,
    map_error,
    map_message,
    parse_ref,
    pyrogram,
    readable,
    types,
)

T = TypeVar("T")

CLIENT_NAME = "forwarding-bot-account"
ALBUM_WAIT_S = 1.0
RELAY_RIGHTS = {
    "can_manage_chat": True,
    "can_post_messages": True,
    "can_edit_messages": True,
    "can_delete_messages": True,
}


class _NotAuthorised(Exception):
    """kurigram would ask for a phone number: the session string does not log in."""


async def _no_prompt(*_args: Any, **_kwargs: Any) -> None:
    raise _NotAuthorised


async def mapped(call: Awaitable[T]) -> T:
    """Await a kurigram call; its failure as the interface's error."""
    try:
        return await call
    except _NotAuthorised:
        raise SessionRevoked("the session string is not logged in; log in again") from None
    except asyncio.CancelledError:
        raise
    except Exception as error:
        raise map_error(error) from None


class KurigramAccount:
    """``bot.userbot.interface.Account`` on a kurigram client."""

    def __init__(self, api_id: int, api_hash: str, session_string: str) -> None:
        # Any: kurigram's own annotations are looser than its behaviour (Optional everywhere).
        self._client: Any = cast(Any, pyrogram.Client)(
            CLIENT_NAME,
            api_id=api_id,
            api_hash=api_hash,
            session_string=session_string,
            in_memory=True,
            no_updates=False,
            sleep_threshold=0,
        )
        self._client.authorize = _no_prompt
        self._queue: asyncio.Queue[AccountEvent | None] = asyncio.Queue()
        self._albums: AlbumGrouper | None = None
        self._started = False

    def __repr__(self) -> str:  # never the session string or the api_hash
        return "KurigramAccount()"

    # -- connection ----------------------------------------------------------------------

    def listen(self, album_wait_s: float = ALBUM_WAIT_S) -> None:
        """Register the update handlers (before connecting: no update is missed)."""
        loop = asyncio.get_running_loop()
        self._queue = asyncio.Queue()
        self._albums = AlbumGrouper(
            lambda items: self._queue.put_nowait(NewMessages(items)), loop.call_later, album_wait_s
        )
        client = self._client
        client.add_handler(handlers.MessageHandler(self._on_message))
        client.add_handler(handlers.EditedMessageHandler(self._on_edited))
        client.add_handler(handlers.DeletedMessagesHandler(self._on_deleted))

    async def start(self) -> AccountUser:
        self.listen()
        client = self._client
        await mapped(client.start())
        self._started = True
        me = client.me
        name = " ".join(p for p in (me.first_name, me.last_name) if p)
        return AccountUser(int(me.id), name, me.username)

    async def stop(self) -> None:
        if self._albums is not None:
            self._albums.flush()
        self._queue.put_nowait(None)
        if self._started:
            self._started = False
            with contextlib.suppress(Exception):
                await self._client.stop()

    # -- updates -------------------------------------------------------------------------

    async def _on_message(self, _client: Any, message: Any) -> None:
        if readable(message.chat) and self._albums is not None:
            self._albums.add(map_message(message))

    async def _on_edited(self, _client: Any, message: Any) -> None:
        if readable(message.chat):
            self._queue.put_nowait(EditedMessage(map_message(message)))

    async def _on_deleted(self, _client: Any, messages: list[Any]) -> None:
        chats = [m.chat for m in messages if m.chat is not None]
        if messages and all(readable(c) for c in chats):
            self._queue.put_nowait(map_deleted(messages))

    async def events(self) -> AsyncIterator[AccountEvent]:
        while True:
            event = await self._queue.get()
            if event is None:
                return
            yield event

    # -- chats ---------------------------------------------------------------------------

    async def _is_member(self, chat: Any) -> bool:
        if chat.is_creator or chat.is_admin:
            return True
        try:
            member = await self._client.get_chat_member(chat.id, "me")
        except (errors.UserNotParticipant, errors.ChannelPrivate, errors.ChatAdminRequired):
            return False
        return member.status not in (enums.ChatMemberStatus.LEFT, enums.ChatMemberStatus.BANNED)

    async def chat(self, ref: str | int) -> AccountChat:
        try:
            target = parse_ref(ref)
        except ValueError as error:
            raise ChatUnavailable(str(error)) from None
        chat = await mapped(self._client.get_chat(target))
        if not hasattr(chat, "id") or chat.id is None:  # a preview of a chat not joined
            raise ChatUnavailable("the chat is private and the account is not in it")
        return map_chat(chat, is_member=await mapped(self._is_member(chat)))

    async def dialogs(self, limit: int = 200) -> list[AccountChat]:
        async def collect() -> list[AccountChat]:
            found = []
            async for dialog in self._client.get_dialogs(limit=limit):
                if readable(dialog.chat):
                    found.append(map_chat(dialog.chat))
            return found

        return await mapped(collect())

    async def join(self, chat_id: int) -> AccountChat:
        await mapped(self._client.join_chat(chat_id))
        return await self.chat(chat_id)

    async def history(
        self, chat_id: int, *, before_id: int = 0, limit: int = 100
    ) -> list[AccountMessage]:
        async def collect() -> list[AccountMessage]:
            page = []
            kwargs: dict[str, Any] = {"limit": max(1, min(limit, 100))}
            if before_id:
                kwargs["offset_id"] = before_id
            async for message in self._client.get_chat_history(chat_id, **kwargs):
                page.append(map_message(message))
            return page

        return await mapped(collect())

    # -- acting ----------------------------------------------------------------------------

    async def copy(
        self,
        chat_id: int,
        message_ids: Sequence[int],
        to_chat_id: int,
        *,
        reply_to_message_id: int | None = None,
    ) -> list[int]:
        reply = (
            types.ReplyParameters(message_id=reply_to_message_id) if reply_to_message_id else None
        )
        sent = await mapped(
            self._client.forward_messages(
                to_chat_id,
                chat_id,
                sorted(set(message_ids)),
                hide_sender_name=True,
                reply_parameters=reply,
            )
        )
        return [int(m.id) for m in sent or []]

    async def edit_copy(
        self, chat_id: int, message_id: int, copy_chat_id: int, copy_message_id: int
    ) -> None:
        source = await mapped(self._client.get_messages(chat_id, message_id))
        if source is None or source.empty:
            raise AccountError("MESSAGE_ID_INVALID: the source message is gone")

        async def edit() -> None:
            client = self._client
            with contextlib.suppress(errors.MessageNotModified):  # the copy shows it already
                if source.text:
                    await client.edit_message_text(
                        copy_chat_id,
                        copy_message_id,
                        str(source.text),
                        entities=source.entities or [],
                    )
                elif source.media:
                    await client.edit_message_caption(
                        copy_chat_id,
                        copy_message_id,
                        str(source.caption or ""),
                        caption_entities=source.caption_entities or [],
                    )

        await mapped(edit())

    async def delete(self, chat_id: int, message_ids: Sequence[int]) -> None:
        await mapped(self._client.delete_messages(chat_id, list(message_ids)))

    async def create_channel(self, title: str, *, admin_username: str) -> AccountChat:
        chat = await mapped(self._client.create_channel(title))
        rights = types.ChatAdministratorRights(**RELAY_RIGHTS)
        await mapped(self._client.promote_chat_member(chat.id, admin_username.lstrip("@"), rights))
        return map_chat(chat)
