"""Plumbing shared by the Bot API method handlers of the Telegram stand-in.

A handler is ``handler(ctx, params) -> result`` (or an awaitable of it),
registered under its Bot API name with :func:`method`. It gets the parameters
already checked and converted by :mod:`sandbox.telegram.spec`, raises :class:`ApiError`
to answer an error, and returns the ``result`` of a successful answer (or an
:class:`Answer` when the real server adds a ``description``). The access checks
here keep the real server's wording (``telegram-bot-api/Client.cpp``:
``check_chat_access``; TDLib for rights).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sandbox.telegram.flood import FloodControl
from sandbox.telegram.state import BotAccount, Chat, Member, StoredMessage, TelegramState

Handler = Callable[["CallContext", dict[str, Any]], Any]
HANDLERS: dict[str, Handler] = {}

# Content kind -> (permission needed in a group, how the refusal names the content).
SEND_RIGHTS = {
    "text": ("can_send_messages", "text messages"),
    "photo": ("can_send_photos", "photos"),
    "video": ("can_send_videos", "videos"),
    "document": ("can_send_documents", "documents"),
    "audio": ("can_send_audios", "music"),
    "voice": ("can_send_voice_notes", "voice notes"),
    "video_note": ("can_send_video_notes", "video notes"),
    "animation": ("can_send_other_messages", "animations"),
    "sticker": ("can_send_other_messages", "stickers"),
}


class ApiError(Exception):
    """An error answer: HTTP status = ``error_code``, plus the Bot API description."""

    def __init__(
        self, error_code: int, description: str, parameters: dict[str, Any] | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = parameters


def bad_request(reason: str) -> ApiError:
    return ApiError(400, f"Bad Request: {reason}")


def forbidden(reason: str) -> ApiError:
    return ApiError(403, f"Forbidden: {reason}")


@dataclass
class Answer:
    """A successful result with the ``description`` some methods add (setWebhook…)."""

    result: Any
    description: str | None = None


def _nothing() -> None:
    return None


@dataclass
class CallContext:
    state: TelegramState
    bot: BotAccount
    flood: FloodControl
    on_flood: Callable[[int], None]
    changed: Callable[[], None] = _nothing

    def charge(self, chat: Chat, messages: int = 1) -> None:
        """Count a send against the flood limits or refuse it with 429."""
        retry_after = self.flood.charge(self.bot.id, chat.id, chat.type, messages)
        if retry_after:
            self.on_flood(retry_after)
            raise ApiError(
                429,
                f"Too Many Requests: retry after {retry_after}",
                {"retry_after": retry_after},
            )


def method(name: str) -> Callable[[Handler], Handler]:
    """Register a handler for the Bot API method ``name``."""

    def register(handler: Handler) -> Handler:
        HANDLERS[name] = handler
        return handler

    return register


# -- chats and rights ---------------------------------------------------------------

READ, EDIT, WRITE = "read", "edit", "write"


def resolve_chat(ctx: CallContext, chat_ref: Any, access: str = WRITE) -> Chat:
    """Find the chat ``chat_ref`` names and check the bot may use it that way."""
    state, bot = ctx.state, ctx.bot
    if isinstance(chat_ref, str):
        if not chat_ref.startswith("@"):
            raise bad_request("chat not found")
        found = state.chat_by_username(chat_ref)
        if found is None:
            raise bad_request("chat not found")
        chat: Chat = found
    else:
        found = state.find_chat(int(chat_ref), bot)
        if found is None:
            user = state.users.get(int(chat_ref))
            if user is not None and access == WRITE and not user.is_bot:
                raise forbidden("bot can't initiate conversation with a user")
            raise bad_request("chat not found")
        chat = found
    check_access(ctx, chat, access)
    return chat


def check_access(ctx: CallContext, chat: Chat, access: str) -> None:
    bot = ctx.bot
    if chat.type == "private":
        if access == WRITE and chat.id in bot.blocked_by:
            raise forbidden("bot was blocked by the user")
        return
    member = chat.member(bot.id)
    if member is None:
        # The bot never was in the chat: Telegram does not show it the chat at all.
        raise bad_request("chat not found")
    kind = {"group": "group", "supergroup": "supergroup", "channel": "channel"}[chat.type]
    if chat.type == "group":
        if access in (EDIT, WRITE) and member.status == "kicked":
            raise forbidden("bot was kicked from the group chat")
        if access in (EDIT, WRITE) and not member.is_member:
            raise forbidden("bot is not a member of the group chat")
        return
    if member.status == "kicked":
        raise forbidden(f"bot was kicked from the {kind} chat")
    if not member.is_member:
        raise forbidden(f"bot is not a member of the {kind} chat")


def bot_member(ctx: CallContext, chat: Chat) -> Member | None:
    return chat.member(ctx.bot.id)


def check_can_send(ctx: CallContext, chat: Chat, kind: str) -> None:
    """Refuse a send the bot's rights in ``chat`` do not allow (TDLib wording)."""
    if chat.type == "private":
        return
    member = bot_member(ctx, chat)
    assert member is not None  # resolve_chat checked membership
    if chat.type == "channel":
        if not (member.status == "creator" or member.can("can_post_messages")):
            raise bad_request("need administrator rights in the channel chat")
        return
    if member.status in ("creator", "administrator"):
        return
    right, noun = SEND_RIGHTS.get(kind, ("can_send_other_messages", "messages"))
    allowed = chat.permissions.get(right, True)
    if member.status == "restricted":
        allowed = allowed and member.rights.get(right, False)
    if not allowed:
        raise bad_request(f"not enough rights to send {noun} to the chat")


def check_thread(ctx: CallContext, chat: Chat, thread_id: int | None) -> int | None:
    """Validate ``message_thread_id`` for ``chat``; return it (None when absent)."""
    if not thread_id:
        return None
    if chat.is_forum:
        topic = chat.topics.get(thread_id)
        if topic is None:
            raise bad_request("message thread not found")
        if topic.is_closed:
            member = bot_member(ctx, chat)
            if member is None or not member.can("can_manage_topics"):
                raise bad_request("TOPIC_CLOSED")
        return thread_id
    stored = chat.messages.get(thread_id)
    if chat.type != "supergroup" or stored is None or stored.deleted:
        raise bad_request("message thread not found")
    return thread_id


def find_message(chat: Chat, message_id: int | None, what: str) -> StoredMessage:
    """The live message ``message_id`` in ``chat`` or ``Bad Request: <what> not found``."""
    stored = chat.messages.get(message_id or 0)
    if stored is None or stored.deleted:
        raise bad_request(f"{what} not found")
    return stored


def bot_sees_chat(bot: BotAccount, chat: Chat) -> bool:
    """Whether ``bot`` receives updates from ``chat`` (privacy mode off)."""
    if chat.type == "private":
        return True
    member = chat.member(bot.id)
    if member is None or not member.is_member:
        return False
    if chat.type == "channel":
        return member.status in ("creator", "administrator")
    return True
