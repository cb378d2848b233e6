"""kurigram's objects and errors onto the account interface: small pure functions.

Imported only when the user account is configured (``bot/userbot/kurigram.py``); kurigram's
import-time "TgCrypto is missing" warning is filtered out here, once, before the first import
(it is a logging call of ``pyrogram.crypto.aes``: the library works without TgCrypto, only its
encryption is slower, which one account relaying posts does not notice).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any


def _not_tgcrypto(record: logging.LogRecord) -> bool:
    return "TgCrypto is missing" not in record.getMessage()


logging.getLogger("pyrogram.crypto.aes").addFilter(_not_tgcrypto)

import pyrogram  # noqa: E402
from pyrogram import enums, errors, handlers, types  # noqa: E402

from bot.userbot.interface import (  # noqa: E402
    AccountChat,
    AccountError,
    AccountMessage,
    ChatUnavailable,
    DeletedMessages,
    FloodWait,
    ProtectedContent,
    SessionRevoked,
)

__all__ = ["enums", "errors", "handlers", "pyrogram", "types"]  # for bot/userbot/kurigram.py

_KINDS = {
    enums.ChatType.CHANNEL: "channel",
    enums.ChatType.SUPERGROUP: "supergroup",
    enums.ChatType.FORUM: "supergroup",
    enums.ChatType.GROUP: "group",
    enums.ChatType.PRIVATE: "private",
    enums.ChatType.BOT: "private",
}
_UNAVAILABLE = (
    errors.ChannelPrivate,
    errors.ChannelInvalid,
    errors.ChatIdInvalid,
    errors.PeerIdInvalid,
    errors.UsernameNotOccupied,
    errors.UsernameInvalid,
    errors.InviteHashExpired,
    errors.InviteHashInvalid,
    errors.UserBannedInChannel,
    errors.ChatWriteForbidden,
    errors.ChatAdminRequired,
    errors.UserNotParticipant,
)


class RefError(ValueError):
    """Not something a chat can be found by."""


def parse_ref(ref: str | int) -> int | str:
    """A chat id, or a username, from an id, ``@name``, ``name`` or a t.me link
    (``t.me/name``, ``t.me/name/123``, ``t.me/c/<id>/<post>``). Invite links are refused:
    the account finds private chats it is in through its dialogs."""
    if isinstance(ref, int):
        return ref
    text = ref.strip()
    if text.lstrip("-").isdigit():
        return int(text)
    for prefix in ("https://", "http://"):
        text = text.removeprefix(prefix)
    for host in ("t.me/", "telegram.me/", "telegram.dog/"):
        if text.startswith(host):
            path = text[len(host) :].strip("/")
            if path.startswith(("+", "joinchat/")):
                raise RefError("invite links are not supported: pick the chat from the list")
            parts = path.split("?")[0].split("/")
            if parts[0] == "c" and len(parts) > 1 and parts[1].isdigit():
                return int(f"-100{parts[1]}")
            text = parts[0]
            break
    name = text.lstrip("@")
    if not (4 <= len(name) <= 32) or not all(c.isalnum() or c == "_" for c in name):
        raise RefError(f"not a chat id, @username or t.me link: {ref!r}")
    return name


def chat_kind(chat_type: Any) -> str:
    return _KINDS.get(chat_type, "private")


def map_chat(chat: Any, *, is_member: bool = True) -> AccountChat:
    """A ``pyrogram.types.Chat`` as an ``AccountChat``."""
    title = chat.title or " ".join(p for p in (chat.first_name, chat.last_name) if p) or ""
    return AccountChat(
        id=int(chat.id),
        title=title,
        kind=chat_kind(chat.type),
        username=chat.username,
        is_member=is_member,
        protected=bool(chat.has_protected_content),
    )


def map_message(message: Any) -> AccountMessage:
    """A ``pyrogram.types.Message`` as an ``AccountMessage``."""
    chat = message.chat
    group = message.media_group_id
    return AccountMessage(
        chat_id=int(chat.id),
        message_id=int(message.id),
        date=message.date.timestamp() if message.date else 0.0,
        media_group_id=str(group) if group is not None else None,
        edit_date=message.edit_date.timestamp() if message.edit_date else None,
        service=bool(message.service or message.empty),
        protected=bool(message.has_protected_content or chat.has_protected_content),
        reply_to_message_id=message.reply_to_message_id,
        text=str(message.text or message.caption or ""),
    )


def map_deleted(messages: Sequence[Any]) -> DeletedMessages:
    """What a ``DeletedMessagesHandler`` got: Telegram names the chat for channels and
    supergroups only."""
    chat = next((m.chat for m in messages if m.chat is not None), None)
    return DeletedMessages(
        int(chat.id) if chat is not None else None, tuple(int(m.id) for m in messages)
    )


def readable(chat: Any) -> bool:
    """Whether the chat is a channel or group (the account's private chats are never read)."""
    return chat is not None and chat_kind(chat.type) != "private"


def map_error(error: BaseException) -> AccountError:
    """kurigram's exception as the interface's; the text names the kind and Telegram's reason,
    never a request's content."""
    if isinstance(error, AccountError):
        return error
    value = getattr(error, "value", None)
    if isinstance(error, errors.Flood) and isinstance(value, int):
        return FloodWait(float(value))
    if isinstance(error, errors.Unauthorized):
        return SessionRevoked(f"Telegram refused the session ({error.ID}); log in again")
    if isinstance(error, errors.AuthKeyDuplicated):
        return AccountError("AUTH_KEY_DUPLICATED: the session is in use by another connection")
    if isinstance(error, errors.ChatForwardsRestricted):
        return ProtectedContent("the chat forbids copying and forwarding its messages")
    if isinstance(error, _UNAVAILABLE):
        return ChatUnavailable(f"{error.ID}: the chat is not accessible to the account")
    if isinstance(error, errors.RPCError):
        return AccountError(f"Telegram refused: {error.ID or type(error).__name__}")
    if isinstance(error, RefError):
        return ChatUnavailable(str(error))
    if isinstance(error, (OSError, ConnectionError, TimeoutError)):
        return AccountError(f"Telegram could not be reached ({type(error).__name__})")
    return AccountError(f"the account failed: {type(error).__name__}")


class AlbumGrouper:
    """Album items arrive one update each: held until ``wait_s`` passes with no new item of
    the album, then given to ``emit`` whole (in id order). A message of the same chat that is
    not part of the album flushes it first, so the order of a chat's posts is kept."""

    def __init__(
        self,
        emit: Callable[[tuple[AccountMessage, ...]], None],
        call_later: Callable[[float, Callable[[], None]], Any],
        wait_s: float = 1.0,
    ) -> None:
        self.emit = emit
        self.call_later = call_later
        self.wait_s = wait_s
        self._albums: dict[tuple[int, str], list[AccountMessage]] = {}
        self._timers: dict[tuple[int, str], Any] = {}

    def add(self, message: AccountMessage) -> None:
        if message.media_group_id is None:
            for key in [k for k in self._albums if k[0] == message.chat_id]:
                self.flush(key)
            self.emit((message,))
            return
        key = (message.chat_id, message.media_group_id)
        self._albums.setdefault(key, []).append(message)
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()
        self._timers[key] = self.call_later(self.wait_s, lambda: self.flush(key))

    def flush(self, key: tuple[int, str] | None = None) -> None:
        """Give out one held album, or all of them (on stop)."""
        for k in [key] if key is not None else list(self._albums):
            timer = self._timers.pop(k, None)
            if timer is not None:
                timer.cancel()
            items = self._albums.pop(k, None)
            if items:
                self.emit(tuple(sorted(items, key=lambda m: m.message_id)))
