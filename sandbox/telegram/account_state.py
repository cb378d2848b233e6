"""User accounts in the Telegram stand-in: sessions, event queues, pace and faults.

A user account is a stand-in :class:`~sandbox.telegram.state.User` with a session string.
It reads the chats where it is a member (``set_member``) the way a Telegram client does:
every post, edit and deletion there is queued as an *event* for it, albums whole. What it
may do and how it answers lives in :mod:`sandbox.telegram.account`; this module is the
plain state and the JSON shapes the fake client (``sandbox/account/client.py``) reads.

Error names are Telegram's (MTProto RPC errors): ``FLOOD_WAIT`` (with ``seconds``),
``AUTH_KEY_UNREGISTERED``, ``SESSION_REVOKED``, ``AUTH_KEY_DUPLICATED``, ``CHANNEL_PRIVATE``,
``USERNAME_NOT_OCCUPIED``, ``CHAT_FORWARDS_RESTRICTED``, ``CHAT_WRITE_FORBIDDEN``,
``MESSAGE_ID_INVALID``, ``MESSAGE_DELETE_FORBIDDEN``, ``INVITE_HASH_INVALID``.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sandbox.telegram.content import is_copyable
from sandbox.telegram.state import ApiDict, Chat, StoredMessage

# Calls that make the account act (and that Telegram paces with FLOOD_WAIT for a user).
SENDING_CALLS = frozenset({"copy", "edit_copy", "delete", "join", "create_channel"})
READING_CALLS = frozenset({"chat", "dialogs", "history"})


class AccountRefusal(Exception):
    """An RPC error answered to the account's client: ``name`` as Telegram spells it."""

    def __init__(self, name: str, description: str = "", seconds: float | None = None) -> None:
        super().__init__(description or name)
        self.name = name
        self.description = description or name
        self.seconds = seconds

    def to_json(self) -> ApiDict:
        body: ApiDict = {"ok": False, "error": self.name, "description": self.description}
        if self.seconds is not None:
            body["seconds"] = self.seconds
        return body


@dataclass(frozen=True)
class AccountLimits:
    """The pace Telegram allows a user account (token buckets; None: no limit).

    ``sends_per_s`` paces copy, edit_copy, delete, join and create_channel together;
    ``reads_per_s`` paces chat, dialogs and history. A call over the pace is refused with
    ``FLOOD_WAIT`` and the whole seconds (at least 1) after which it would pass, as Telegram
    answers; a refused call is not performed and not counted.
    """

    sends_per_s: float | None = None
    send_burst: int | None = None  # default: max(1, sends_per_s)
    reads_per_s: float | None = None
    read_burst: int | None = None


class _Bucket:
    def __init__(self, rate: float | None, burst: int | None, clock: Callable[[], float]) -> None:
        self.rate = rate
        self.capacity = float(burst if burst is not None else max(1, int(rate or 1)))
        self.tokens = self.capacity
        self.clock = clock
        self.at = clock()

    def take(self) -> float:
        """0 when the call may pass (a token is taken), else the seconds to wait."""
        if not self.rate:
            return 0.0
        now = self.clock()
        self.tokens = min(self.capacity, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return 0.0
        return (1 - self.tokens) / self.rate


@dataclass
class AccountFault:
    """An error to answer instead of performing the next matching call(s)."""

    error: str
    seconds: float | None = None
    method: str | None = None  # None: any call
    count: int = 1


@dataclass
class AccountStats:
    calls: dict[str, int] = field(default_factory=dict)
    flood_waits: int = 0  # FLOOD_WAIT answers, paced and injected
    flood_wait_seconds: float = 0.0
    copies: int = 0  # messages copied
    duplicated_connections: int = 0  # AUTH_KEY_DUPLICATED answers


@dataclass
class UserAccount:
    user_id: int
    session: str
    revoked: bool = False
    events: list[ApiDict] = field(default_factory=list)
    next_event_id: int = 1
    waiter: asyncio.Event = field(default_factory=asyncio.Event)
    album: list[ApiDict] | None = None  # album items not yet queued (one event per album)
    album_key: tuple[int, str] | None = None
    polling: str | None = None  # connection id of the events request waiting now
    faults: list[AccountFault] = field(default_factory=list)
    stats: AccountStats = field(default_factory=AccountStats)
    sends: _Bucket | None = None
    reads: _Bucket | None = None

    def queue(self, event: ApiDict) -> None:
        self.events.append({**event, "event_id": self.next_event_id})
        self.next_event_id += 1
        self.waiter.set()

    def flush_album(self) -> None:
        if self.album:
            self.queue({"type": "new", "messages": self.album})
        self.album, self.album_key = None, None

    def take_fault(self, method: str) -> AccountFault | None:
        for fault in self.faults:
            if fault.method in (None, method):
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    def pace(self, method: str) -> None:
        bucket = self.sends if method in SENDING_CALLS else None
        if method in READING_CALLS:
            bucket = self.reads
        wait = bucket.take() if bucket is not None else 0.0
        if wait > 0:
            seconds = max(1, math.ceil(wait))
            self.stats.flood_waits += 1
            self.stats.flood_wait_seconds += seconds
            raise AccountRefusal("FLOOD_WAIT", f"A wait of {seconds} seconds is required", seconds)


def member_of(chat: Chat, user_id: int) -> bool:
    member = chat.member(user_id)
    return member is not None and member.is_member


def chat_json(chat: Chat, user_id: int) -> ApiDict:
    """An ``AccountChat`` as JSON."""
    return {
        "id": chat.id,
        "title": chat.title or chat.first_name or "",
        "kind": chat.type,
        "username": chat.username,
        "is_member": member_of(chat, user_id),
        "protected": chat.has_protected_content,
    }


def message_json(chat: Chat, stored: StoredMessage) -> ApiDict:
    """An ``AccountMessage`` as JSON."""
    data = stored.data
    reply = data.get("reply_to_message")
    return {
        "chat_id": chat.id,
        "message_id": stored.message_id,
        "date": float(data.get("date", 0)),
        "media_group_id": data.get("media_group_id"),
        "edit_date": float(data["edit_date"]) if "edit_date" in data else None,
        "service": not is_copyable(data),
        "protected": bool(data.get("has_protected_content") or chat.has_protected_content),
        "reply_to_message_id": reply.get("message_id") if isinstance(reply, dict) else None,
        "text": data.get("text") or data.get("caption") or "",
    }


def parse_ref(ref: Any) -> int | str:
    """A chat id, or a username from ``@name``, ``name`` or a t.me link."""
    if isinstance(ref, int):
        return ref
    text = str(ref).strip()
    if text.lstrip("-").isdigit():
        return int(text)
    for prefix in ("https://", "http://"):
        text = text.removeprefix(prefix)
    for host in ("t.me/", "telegram.me/", "telegram.dog/"):
        if text.startswith(host):
            path = text[len(host) :].strip("/")
            if path.startswith(("+", "joinchat/")):
                raise AccountRefusal("INVITE_HASH_INVALID", "invite links are not supported")
            if path.startswith("c/"):
                part = path.split("/")[1]
                if part.isdigit():
                    return int(f"-100{part}")
            text = path.split("/")[0].split("?")[0]
            break
    name = text.lstrip("@")
    if not name or not all(c.isalnum() or c == "_" for c in name):
        raise AccountRefusal("USERNAME_INVALID", f"not a chat reference: {ref!r}")
    return name
