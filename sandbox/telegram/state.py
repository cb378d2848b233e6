"""State of the Telegram stand-in: users, bots, chats, members, topics, messages.

Plain dataclasses; every Bot API object the stand-in answers with is built here
from them (``to_api`` methods), so the shapes live in one place. Identifier
conventions follow Telegram: a private chat has the id of the user, a basic
group a small negative id, a supergroup or channel ``-100…``; message ids grow
by one per chat; update ids grow by one per bot.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import time
from dataclasses import dataclass, field
from typing import Any

ApiDict = dict[str, Any]

CHAT_TYPES = ("private", "group", "supergroup", "channel")
MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")
ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_promote_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_post_messages",
    "can_edit_messages",
    "can_pin_messages",
    "can_manage_topics",
    "can_manage_direct_messages",
)
PERMISSIONS = (
    "can_send_messages",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_react_to_messages",
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_manage_topics",
)
# Update types a bot gets unless it asks otherwise (the Bot API default).
DEFAULT_ALLOWED_UPDATES = frozenset(
    {
        "message",
        "edited_message",
        "channel_post",
        "edited_channel_post",
        "business_connection",
        "business_message",
        "edited_business_message",
        "deleted_business_messages",
        "inline_query",
        "chosen_inline_result",
        "callback_query",
        "shipping_query",
        "pre_checkout_query",
        "purchased_paid_media",
        "poll",
        "poll_answer",
        "my_chat_member",
        "chat_join_request",
        "chat_boost",
        "removed_chat_boost",
    }
)
GROUP_ANONYMOUS_BOT = {
    "id": 1087968824,
    "is_bot": True,
    "first_name": "Group",
    "username": "GroupAnonymousBot",
}
TOPIC_COLORS = (7322096, 16766590, 13338331, 9367192, 16749490, 16478047)


def now() -> int:
    return int(time.time())


def place(data: ApiDict, chat: Chat, thread_id: int | None) -> None:
    """Date a new message and put it in ``chat`` (and its topic), as every message is."""
    data["date"] = now()
    data["chat"] = chat.to_api()
    if thread_id:
        data["message_thread_id"] = thread_id
        if chat.is_forum:
            data["is_topic_message"] = True


def file_unique_id(file_id: str) -> str:
    return "AQAD" + hashlib.sha1(file_id.encode()).hexdigest()[:12]


@dataclass
class User:
    id: int
    first_name: str
    is_bot: bool = False
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = None

    def to_api(self) -> ApiDict:
        data: ApiDict = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            value = getattr(self, key)
            if value is not None:
                data[key] = value
        return data


@dataclass
class Member:
    """A user's membership in a chat: status plus administrator rights or permissions."""

    user_id: int
    status: str
    rights: dict[str, bool] = field(default_factory=dict)
    until_date: int = 0
    custom_title: str | None = None

    @property
    def is_member(self) -> bool:
        if self.status == "restricted":
            return self.rights.get("is_member", True)
        return self.status in ("creator", "administrator", "member")

    def can(self, right: str) -> bool:
        """Whether an administrator right (or a restricted permission) is granted."""
        if self.status == "creator":
            return True
        if self.status in ("administrator", "restricted"):
            return self.rights.get(right, False)
        return False

    def to_api(self, user: User, chat_type: str) -> ApiDict:
        data: ApiDict = {"user": user.to_api(), "status": self.status}
        if self.status == "creator":
            data["is_anonymous"] = self.rights.get("is_anonymous", False)
            if self.custom_title:
                data["custom_title"] = self.custom_title
        elif self.status == "administrator":
            data["can_be_edited"] = self.rights.get("can_be_edited", False)
            data["is_anonymous"] = self.rights.get("is_anonymous", False)
            for right in ADMIN_RIGHTS:
                if right in ("can_post_messages", "can_edit_messages") and chat_type != "channel":
                    continue
                if right == "can_pin_messages" and chat_type == "channel":
                    continue
                if right == "can_manage_topics" and chat_type != "supergroup":
                    continue
                if right == "can_manage_direct_messages" and chat_type != "channel":
                    continue
                data[right] = self.rights.get(right, False)
            data["can_send_welcome_messages"] = self.rights.get("can_send_welcome_messages", False)
            if self.custom_title:
                data["custom_title"] = self.custom_title
        elif self.status == "restricted":
            data["is_member"] = self.is_member
            for permission in PERMISSIONS:
                data[permission] = self.rights.get(permission, False)
            data["can_edit_tag"] = self.rights.get("can_edit_tag", False)
            data["until_date"] = self.until_date
        elif self.status == "kicked":
            data["until_date"] = self.until_date
        return data


@dataclass
class Topic:
    message_thread_id: int
    name: str
    icon_color: int = TOPIC_COLORS[0]
    is_closed: bool = False

    def to_api(self) -> ApiDict:
        return {
            "message_thread_id": self.message_thread_id,
            "name": self.name,
            "icon_color": self.icon_color,
        }


@dataclass
class StoredMessage:
    """A message as the Bot API shows it, plus who sent it."""

    data: ApiDict
    sender_bot_id: int | None = None
    deleted: bool = False

    @property
    def message_id(self) -> int:
        return int(self.data["message_id"])

    @property
    def thread_id(self) -> int | None:
        return self.data.get("message_thread_id")


@dataclass
class Chat:
    id: int
    type: str
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    is_forum: bool = False
    description: str | None = None
    has_protected_content: bool = False
    members: dict[int, Member] = field(default_factory=dict)
    topics: dict[int, Topic] = field(default_factory=dict)
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    next_message_id: int = 1
    permissions: dict[str, bool] = field(
        default_factory=lambda: {
            p: p not in ("can_change_info", "can_pin_messages") for p in PERMISSIONS
        }
    )

    @property
    def is_group_like(self) -> bool:
        return self.type in ("group", "supergroup")

    def take_message_id(self) -> int:
        message_id = self.next_message_id
        self.next_message_id += 1
        return message_id

    def member(self, user_id: int) -> Member | None:
        return self.members.get(user_id)

    def live_messages(self, thread_id: int | None = None) -> list[StoredMessage]:
        return [
            m
            for m in self.messages.values()
            if not m.deleted and (thread_id is None or m.thread_id == thread_id)
        ]

    def to_api(self) -> ApiDict:
        """The short Chat object embedded in messages."""
        data: ApiDict = {"id": self.id, "type": self.type}
        if self.type == "private":
            data["first_name"] = self.first_name or ""
            if self.last_name:
                data["last_name"] = self.last_name
        else:
            data["title"] = self.title or ""
        if self.username:
            data["username"] = self.username
        if self.is_forum:
            data["is_forum"] = True
        return data

    def full_info(self) -> ApiDict:
        """The ChatFullInfo answered by getChat."""
        data = self.to_api()
        data["accent_color_id"] = abs(self.id) % 7
        data["max_reaction_count"] = 11
        data["accepted_gift_types"] = {
            "unlimited_gifts": False,
            "limited_gifts": False,
            "unique_gifts": False,
            "premium_subscription": False,
            "gifts_from_channels": False,
        }
        if self.description:
            data["description"] = self.description
        if self.has_protected_content:
            data["has_protected_content"] = True
        if self.is_group_like:
            data["permissions"] = dict(self.permissions)
        return data


@dataclass
class Webhook:
    url: str = ""
    secret_token: str = ""
    max_connections: int = 40
    ip_address: str = ""

    def to_api(self, pending: int, allowed_updates: frozenset[str]) -> ApiDict:
        data: ApiDict = {
            "url": self.url,
            "has_custom_certificate": False,
            "pending_update_count": pending,
        }
        if self.url:
            data["max_connections"] = self.max_connections
            if self.ip_address:
                data["ip_address"] = self.ip_address
            if allowed_updates != DEFAULT_ALLOWED_UPDATES:
                data["allowed_updates"] = sorted(allowed_updates)
        return data


@dataclass
class LongPoll:
    """A getUpdates request waiting for updates."""

    event: asyncio.Event = field(default_factory=asyncio.Event)
    terminated_by: str | None = None

    def terminate(self, description: str) -> None:
        self.terminated_by = description
        self.event.set()


@dataclass
class CallbackQuery:
    id: str
    bot_id: int
    user_id: int
    chat_id: int
    message_id: int
    data: str
    answered: bool = False
    answer: ApiDict | None = None


@dataclass
class BotAccount:
    token: str
    user: User
    updates: list[ApiDict] = field(default_factory=list)
    next_update_id: int = 1
    allowed_updates: frozenset[str] = DEFAULT_ALLOWED_UPDATES
    webhook: Webhook = field(default_factory=Webhook)
    long_poll: LongPoll | None = None
    commands: dict[tuple[str, str], list[ApiDict]] = field(default_factory=dict)
    texts: dict[tuple[str, str], str] = field(default_factory=dict)
    started_by: set[int] = field(default_factory=set)
    blocked_by: set[int] = field(default_factory=set)

    @property
    def id(self) -> int:
        return self.user.id

    def push_update(self, kind: str, payload: ApiDict) -> ApiDict | None:
        """Queue an update unless the bot filtered that kind out; wake a waiting poll."""
        if kind not in self.allowed_updates:
            return None
        return self.queue({kind: payload})

    def queue(self, fields: ApiDict) -> ApiDict:
        """Queue an update made of ``fields`` under the next update id; wake a waiting poll."""
        update = {**fields, "update_id": self.next_update_id}
        self.next_update_id += 1
        self.updates.append(update)
        if self.long_poll is not None:
            self.long_poll.event.set()
        return update

    def confirm(self, offset: int) -> None:
        """Forget updates below ``offset`` (a negative offset keeps the last -offset)."""
        if offset < 0:
            self.updates = self.updates[offset:]
        elif offset > 0:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]


@dataclass
class FileInfo:
    file_id: str
    kind: str
    size: int = 0
    filename: str | None = None
    mime_type: str | None = None
    data: bytes | None = None  # the content, served at /file/bot<token>/<file_path>


@dataclass
class TelegramState:
    """Everything the stand-in knows, shared by all bots registered on it."""

    users: dict[int, User] = field(default_factory=dict)
    bots: dict[str, BotAccount] = field(default_factory=dict)
    chats: dict[int, Chat] = field(default_factory=dict)
    private_chats: dict[tuple[int, int], Chat] = field(default_factory=dict)
    files: dict[str, FileInfo] = field(default_factory=dict)
    callbacks: dict[str, CallbackQuery] = field(default_factory=dict)
    _user_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(100000001))
    _group_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(4000000001))
    _channel_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000000001))
    _media_groups: itertools.count[int] = field(
        default_factory=lambda: itertools.count(13000000001)
    )
    _files: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _callbacks: itertools.count[int] = field(default_factory=lambda: itertools.count(4000000000001))

    # -- identities ---------------------------------------------------------------

    def new_user_id(self) -> int:
        while True:
            user_id = next(self._user_ids)
            if user_id not in self.users:
                return user_id

    def new_chat_id(self, chat_type: str) -> int:
        while True:
            if chat_type == "group":
                chat_id = -next(self._group_ids)
            else:
                chat_id = -(1000000000000 + next(self._channel_ids))
            if chat_id not in self.chats:
                return chat_id

    def new_media_group_id(self) -> str:
        return str(next(self._media_groups))

    def new_callback_id(self) -> str:
        return str(next(self._callbacks))

    def new_file_id(self, kind: str) -> str:
        prefix = {"photo": "AgAC", "video": "BAAC", "animation": "CgAC", "audio": "CQAC"}
        return f"{prefix.get(kind, 'BQAC')}Stand{next(self._files):08d}"

    def register_file(self, file_id: str, kind: str, **details: Any) -> FileInfo:
        info = self.files.get(file_id)
        if info is None:
            info = self.files[file_id] = FileInfo(file_id, kind, **details)
        return info

    # -- lookups ------------------------------------------------------------------

    def bot_by_id(self, bot_id: int) -> BotAccount | None:
        return next((b for b in self.bots.values() if b.id == bot_id), None)

    def find_chat(self, chat_id: int, bot: BotAccount | None = None) -> Chat | None:
        """A group/channel by id, or the private chat of ``bot`` with user ``chat_id``."""
        if chat_id < 0:
            return self.chats.get(chat_id)
        if bot is not None:
            return self.private_chats.get((bot.id, chat_id))
        return None

    def chat_by_username(self, username: str) -> Chat | None:
        name = username.lstrip("@").lower()
        return next((c for c in self.chats.values() if (c.username or "").lower() == name), None)

    def private_chat(self, bot: BotAccount, user: User) -> Chat:
        """The private chat between ``bot`` and ``user``, created on first use."""
        key = (bot.id, user.id)
        chat = self.private_chats.get(key)
        if chat is None:
            chat = Chat(
                id=user.id,
                type="private",
                first_name=user.first_name,
                last_name=user.last_name,
                username=user.username,
            )
            self.private_chats[key] = chat
        return chat

    def user_dict(self, user_id: int) -> ApiDict:
        user = self.users.get(user_id)
        if user is None:
            return {"id": user_id, "is_bot": False, "first_name": ""}
        return user.to_api()
