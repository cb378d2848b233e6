"""Bot API methods of the Telegram stand-in other than messaging.

The bot itself (getMe, logOut, close, commands, name and descriptions),
receiving updates (getUpdates long polling, webhooks), chats and members,
forum topics, callback queries and files. Messaging lives in
:mod:`sandbox.telegram.messages`.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

from sandbox.telegram.api import (
    READ,
    WRITE,
    Answer,
    ApiError,
    CallContext,
    bad_request,
    bot_member,
    method,
    resolve_chat,
)
from sandbox.telegram.state import (
    DEFAULT_ALLOWED_UPDATES,
    TOPIC_COLORS,
    ApiDict,
    BotAccount,
    Chat,
    LongPoll,
    Member,
    StoredMessage,
    TelegramState,
    Topic,
    User,
    file_unique_id,
    now,
)

LONG_POLL_MAX_TIMEOUT = 50
CONFLICT_OTHER_POLL = "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running"
CONFLICT_WEBHOOK_SET = "Conflict: terminated by setWebhook request"
CONFLICT_WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]*$")


# -- the bot itself -------------------------------------------------------------------


@method("getMe")
def get_me(ctx: CallContext, p: dict[str, Any]) -> ApiDict:
    return {
        **ctx.bot.user.to_api(),
        "can_join_groups": True,
        "can_read_all_group_messages": True,
        "supports_inline_queries": False,
        "can_connect_to_business": False,
        "has_main_web_app": False,
    }


@method("logOut")
def log_out(ctx: CallContext, p: dict[str, Any]) -> bool:
    return True


@method("close")
def close(ctx: CallContext, p: dict[str, Any]) -> bool:
    return True


def _scope_key(ctx: CallContext, p: dict[str, Any]) -> str:
    scope: ApiDict = p.get("scope") or {"type": "default"}
    if "chat_id" in scope:
        chat = resolve_chat(ctx, scope["chat_id"], READ)
        scope = {**scope, "chat_id": chat.id}
    return json.dumps(scope, sort_keys=True)


@method("setMyCommands")
def set_my_commands(ctx: CallContext, p: dict[str, Any]) -> bool:
    commands: list[ApiDict] = p["commands"]
    if len(commands) > 100:
        raise bad_request("too many commands specified")
    for command in commands:
        if not _COMMAND.match(str(command["command"]).lstrip("/").lower()):
            raise bad_request("BOT_COMMAND_INVALID")
        if not 1 <= len(str(command["description"])) <= 256:
            raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
    key = (_scope_key(ctx, p), p.get("language_code", ""))
    ctx.bot.commands[key] = [
        {"command": str(c["command"]).lstrip("/").lower(), "description": c["description"]}
        for c in commands
    ]
    return True


@method("getMyCommands")
def get_my_commands(ctx: CallContext, p: dict[str, Any]) -> list[ApiDict]:
    key = (_scope_key(ctx, p), p.get("language_code", ""))
    return [dict(c) for c in ctx.bot.commands.get(key, [])]


@method("deleteMyCommands")
def delete_my_commands(ctx: CallContext, p: dict[str, Any]) -> bool:
    ctx.bot.commands.pop((_scope_key(ctx, p), p.get("language_code", "")), None)
    return True


def _bot_text(field: str, limit: int) -> None:
    setter = "setMy" + "".join(part.capitalize() for part in field.split("_"))
    getter = "getMy" + setter[len("setMy") :]

    def set_text(ctx: CallContext, p: dict[str, Any]) -> bool:
        value = str(p.get(field, ""))
        if len(value) > limit:
            raise bad_request(f"{field.replace('_', ' ')} is too long")
        ctx.bot.texts[(field, p.get("language_code", ""))] = value
        return True

    def get_text(ctx: CallContext, p: dict[str, Any]) -> ApiDict:
        key = (field, p.get("language_code", ""))
        default = ctx.bot.user.first_name if field == "name" else ""
        return {field: ctx.bot.texts.get(key, default)}

    method(setter)(set_text)
    method(getter)(get_text)


_bot_text("name", 64)
_bot_text("description", 512)
_bot_text("short_description", 120)


# -- updates --------------------------------------------------------------------------


def _set_allowed_updates(bot: BotAccount, allowed: list[str] | None) -> None:
    if allowed is None:
        return
    known = DEFAULT_ALLOWED_UPDATES | {"chat_member", "message_reaction", "message_reaction_count"}
    chosen = frozenset(str(name).lower() for name in allowed) & known
    bot.allowed_updates = chosen or DEFAULT_ALLOWED_UPDATES


@method("getUpdates")
async def get_updates(ctx: CallContext, p: dict[str, Any]) -> list[ApiDict]:
    bot = ctx.bot
    if bot.webhook.url:
        raise ApiError(409, CONFLICT_WEBHOOK_ACTIVE)
    offset = int(p.get("offset", 0))
    limit = min(max(int(p.get("limit", 100)), 1), 100)
    timeout = min(max(int(p.get("timeout", 0)), 0), LONG_POLL_MAX_TIMEOUT)
    _set_allowed_updates(bot, p.get("allowed_updates"))
    bot.confirm(offset)
    if bot.updates or timeout == 0:
        return bot.updates[:limit]

    # Long polling: the newer request wins, the earlier one ends with 409.
    if bot.long_poll is not None:
        bot.long_poll.terminate(CONFLICT_OTHER_POLL)
    poll = LongPoll()
    bot.long_poll = poll
    ctx.changed()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    try:
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return []
            try:
                await asyncio.wait_for(poll.event.wait(), remaining)
            except asyncio.TimeoutError:
                return []
            if poll.terminated_by is not None:
                if poll.terminated_by:
                    raise ApiError(409, poll.terminated_by)
                return []  # the stand-in is stopping
            poll.event.clear()
            if bot.updates:
                return bot.updates[:limit]
    finally:
        if bot.long_poll is poll:
            bot.long_poll = None


@method("setWebhook")
def set_webhook(ctx: CallContext, p: dict[str, Any]) -> Answer:
    bot = ctx.bot
    url = str(p["url"])
    if not url.lower().startswith("https://"):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = str(p.get("secret_token", ""))
    if len(secret) > 256:
        raise bad_request("secret token is too long")
    if not _SECRET.match(secret):
        raise bad_request("secret token contains unallowed characters")
    _set_allowed_updates(bot, p.get("allowed_updates"))
    drop = bool(p.get("drop_pending_updates"))
    if bot.webhook.url == url and not drop:
        return Answer(True, "Webhook is already set")
    if bot.long_poll is not None:
        bot.long_poll.terminate(CONFLICT_WEBHOOK_SET)
    if drop:
        bot.updates.clear()
    bot.webhook.url = url
    bot.webhook.secret_token = secret
    bot.webhook.max_connections = min(max(int(p.get("max_connections", 40)), 1), 100)
    bot.webhook.ip_address = str(p.get("ip_address", ""))
    return Answer(True, "Webhook was set")


@method("deleteWebhook")
def delete_webhook(ctx: CallContext, p: dict[str, Any]) -> Answer:
    bot = ctx.bot
    if p.get("drop_pending_updates"):
        bot.updates.clear()
    if not bot.webhook.url:
        return Answer(True, "Webhook is already deleted")
    bot.webhook.url = ""
    bot.webhook.secret_token = ""
    return Answer(True, "Webhook was deleted")


@method("getWebhookInfo")
def get_webhook_info(ctx: CallContext, p: dict[str, Any]) -> ApiDict:
    bot = ctx.bot
    return bot.webhook.to_api(len(bot.updates), bot.allowed_updates)


# -- chats and members ------------------------------------------------------------------


def chat_member_updated(
    state: TelegramState, chat: Chat, user: User, old: Member | None, new: Member, actor_id: int
) -> ApiDict:
    """The ChatMemberUpdated object for a change of ``user``'s membership."""
    before = old or Member(user.id, "left")
    return {
        "chat": chat.to_api(),
        "from": state.user_dict(actor_id),
        "date": now(),
        "old_chat_member": before.to_api(user, chat.type),
        "new_chat_member": new.to_api(user, chat.type),
    }


@method("getChat")
def get_chat(ctx: CallContext, p: dict[str, Any]) -> ApiDict:
    return resolve_chat(ctx, p["chat_id"], READ).full_info()


@method("getChatMember")
def get_chat_member(ctx: CallContext, p: dict[str, Any]) -> ApiDict:
    chat = resolve_chat(ctx, p["chat_id"], READ)
    user_id = int(p["user_id"])
    user = ctx.state.users.get(user_id)
    if user is None:
        raise bad_request("user not found")
    if chat.type == "private":
        if user_id not in (chat.id, ctx.bot.id):
            raise bad_request("user not found")
        return Member(user_id, "member").to_api(user, chat.type)
    member = chat.member(user_id) or Member(user_id, "left")
    return member.to_api(user, chat.type)


@method("getChatAdministrators")
def get_chat_administrators(ctx: CallContext, p: dict[str, Any]) -> list[ApiDict]:
    chat = resolve_chat(ctx, p["chat_id"], READ)
    if chat.type == "private":
        raise bad_request("there are no administrators in the private chat")
    admins = [m for m in chat.members.values() if m.status in ("creator", "administrator")]
    admins.sort(key=lambda m: m.status != "creator")
    return [m.to_api(ctx.state.users[m.user_id], chat.type) for m in admins]


@method("getChatMemberCount")
def get_chat_member_count(ctx: CallContext, p: dict[str, Any]) -> int:
    chat = resolve_chat(ctx, p["chat_id"], READ)
    if chat.type == "private":
        return 2
    return sum(1 for m in chat.members.values() if m.is_member)


@method("leaveChat")
def leave_chat(ctx: CallContext, p: dict[str, Any]) -> bool:
    chat = resolve_chat(ctx, p["chat_id"], "edit")
    if chat.type == "private":
        raise bad_request("chat member status can't be changed in private chats")
    old = bot_member(ctx, chat)
    new = Member(ctx.bot.id, "left")
    chat.members[ctx.bot.id] = new
    update = chat_member_updated(ctx.state, chat, ctx.bot.user, old, new, ctx.bot.id)
    ctx.bot.push_update("my_chat_member", update)
    return True


# -- forum topics ---------------------------------------------------------------------


def add_topic(
    chat: Chat, name: str, icon_color: int | None, creator: ApiDict, *, by_bot: int | None = None
) -> StoredMessage:
    """Create a forum topic and its ``forum_topic_created`` service message."""
    thread_id = chat.take_message_id()
    color = icon_color or TOPIC_COLORS[len(chat.topics) % len(TOPIC_COLORS)]
    chat.topics[thread_id] = topic = Topic(thread_id, name, color)
    data: ApiDict = {
        "message_id": thread_id,
        "from": creator,
        "date": now(),
        "chat": chat.to_api(),
        "message_thread_id": thread_id,
        "is_topic_message": True,
        "forum_topic_created": {"name": topic.name, "icon_color": topic.icon_color},
    }
    stored = StoredMessage(data, sender_bot_id=by_bot)
    chat.messages[thread_id] = stored
    return stored


@method("createForumTopic")
def create_forum_topic(ctx: CallContext, p: dict[str, Any]) -> ApiDict:
    chat = resolve_chat(ctx, p["chat_id"], WRITE)
    if not chat.is_forum:
        raise bad_request("the chat is not a forum")
    member = bot_member(ctx, chat)
    if member is None or not member.can("can_manage_topics"):
        raise bad_request("not enough rights to create a topic")
    name = str(p["name"])
    if not 1 <= len(name) <= 128:
        raise bad_request("TOPIC_TITLE_EMPTY" if not name else "topic name is too long")
    stored = add_topic(chat, name, p.get("icon_color"), ctx.bot.user.to_api(), by_bot=ctx.bot.id)
    return chat.topics[stored.message_id].to_api()


# -- callback queries and files -----------------------------------------------------------


@method("answerCallbackQuery")
def answer_callback_query(ctx: CallContext, p: dict[str, Any]) -> bool:
    query = ctx.state.callbacks.get(str(p["callback_query_id"]))
    if query is None or query.bot_id != ctx.bot.id or query.answered:
        raise bad_request(QUERY_INVALID)
    query.answered = True
    query.answer = {key: p[key] for key in ("text", "show_alert", "url", "cache_time") if key in p}
    return True


@method("getFile")
def get_file(ctx: CallContext, p: dict[str, Any]) -> ApiDict:
    info = ctx.state.files.get(str(p["file_id"]))
    if info is None:
        raise bad_request("invalid file_id")
    data: ApiDict = {
        "file_id": info.file_id,
        "file_unique_id": file_unique_id(info.file_id),
        "file_path": f"{info.kind}s/{info.file_id}",
    }
    if info.size:
        data["file_size"] = info.size
    return data
