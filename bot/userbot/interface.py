"""The one small interface between the bot and a Telegram user account.

Everything the bot asks of the account goes through ``Account``. Two implementations: the
kurigram adapter (``bot/userbot/kurigram.py``, production) and the stand-in's fake
(``sandbox/account/``, tests, demo and benchmarks, over HTTP on loopback). Chat ids are in the
Bot API's form (``-100…`` for channels and supergroups) on both sides of the interface.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class AccountUser:
    id: int
    name: str
    username: str | None = None


@dataclass(frozen=True, slots=True)
class AccountChat:
    id: int  # Bot API form
    title: str
    kind: str  # channel | supergroup | group | private
    username: str | None = None
    is_member: bool = True
    protected: bool = False  # has_protected_content (noforwards): never copied


@dataclass(frozen=True, slots=True)
class AccountMessage:
    chat_id: int
    message_id: int
    date: float  # epoch seconds
    media_group_id: str | None = None
    edit_date: float | None = None
    service: bool = False  # joins, pins, title changes: never relayed
    protected: bool = False
    reply_to_message_id: int | None = None
    text: str = ""  # text or caption, plain (for logs and progress only; the bot reads the copy)


@dataclass(frozen=True, slots=True)
class NewMessages:
    """A post (or a whole album) in a chat the account reads."""

    messages: tuple[AccountMessage, ...]


@dataclass(frozen=True, slots=True)
class EditedMessage:
    message: AccountMessage


@dataclass(frozen=True, slots=True)
class DeletedMessages:
    chat_id: int | None  # None when Telegram does not say (basic groups, private chats)
    message_ids: tuple[int, ...]


AccountEvent = NewMessages | EditedMessage | DeletedMessages


class AccountError(Exception):
    """The account could not do what was asked; the message says why, with no secret in it."""


class SessionRevoked(AccountError):
    """The session string is broken, expired or was terminated: a new one is needed."""


class FloodWait(AccountError):
    """Telegram asked the account to wait ``seconds`` before the next call of this kind."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"Telegram asked the account to wait {seconds:.0f} s")
        self.seconds = seconds


class ChatUnavailable(AccountError):
    """No such chat, a private chat the account is not in, or the account was banned from it."""


class ProtectedContent(AccountError):
    """The chat forbids copying and forwarding (has_protected_content); it is never circumvented."""


class Account(Protocol):
    async def start(self) -> AccountUser:
        """Connect; raises SessionRevoked when the session no longer works."""

    async def stop(self) -> None: ...

    async def chat(self, ref: str | int) -> AccountChat:
        """A chat by id, @username or t.me link (public chats the account is not in included)."""

    async def dialogs(self, limit: int = 200) -> list[AccountChat]:
        """The account's channels and groups, most recent first."""

    async def join(self, chat_id: int) -> AccountChat: ...

    async def history(
        self, chat_id: int, *, before_id: int = 0, limit: int = 100
    ) -> list[AccountMessage]:
        """One page of a chat's history, newest first, ids below ``before_id`` (0: the latest)."""

    async def copy(
        self,
        chat_id: int,
        message_ids: Sequence[int],
        to_chat_id: int,
        *,
        reply_to_message_id: int | None = None,
    ) -> list[int]:
        """Copy one message or one whole album into ``to_chat_id`` in a single request,
        server-side (no media passes through this process); the new ids, in order.
        Raises ProtectedContent, FloodWait, ChatUnavailable."""

    async def edit_copy(
        self, chat_id: int, message_id: int, copy_chat_id: int, copy_message_id: int
    ) -> None:
        """Make an earlier copy show the source message's current text or caption."""

    async def delete(self, chat_id: int, message_ids: Sequence[int]) -> None:
        """Delete messages the account may delete (its copies in the relay channel)."""

    async def create_channel(self, title: str, *, admin_username: str) -> AccountChat:
        """A new private channel owned by the account, with ``admin_username`` (the bot) made
        an administrator that may post, edit and delete."""

    def events(self) -> AsyncIterator[AccountEvent]:
        """New posts (albums whole), edits and deletions in chats the account reads, as they come."""
