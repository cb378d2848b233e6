"""Bot API methods that send, copy, forward, edit and delete messages.

Every sending method runs the same steps as the real server: build the content
(parse the text or caption, resolve files), resolve the target chat and check
the bot's rights, the topic and the replied message, then count the send
against the flood limits, and only then store the message.
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

from sandbox.telegram.api import (
    READ,
    WRITE,
    CallContext,
    bad_request,
    bot_member,
    check_can_send,
    check_thread,
    find_message,
    method,
    resolve_chat,
)
from sandbox.telegram.content import (
    CONTENT_FIELDS,
    MEDIA_KINDS,
    caption_content,
    content_kind,
    is_copyable,
    media_content,
    quoted,
    resolve_file,
    text_content,
)
from sandbox.telegram.state import ApiDict, Chat, StoredMessage, now, place

_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


# -- storing --------------------------------------------------------------------------


def reply_target(ctx: CallContext, chat: Chat, params: dict[str, Any]) -> StoredMessage | None:
    """The message a send replies to, from ``reply_parameters`` (or the legacy field)."""
    reply = params.get("reply_parameters")
    if not reply and params.get("reply_to_message_id"):
        reply = {
            "message_id": params["reply_to_message_id"],
            "allow_sending_without_reply": params.get("allow_sending_without_reply"),
        }
    if not reply:
        return None
    target_chat = chat
    if reply.get("chat_id") not in (None, chat.id):
        target_chat = resolve_chat(ctx, reply["chat_id"], READ)
    stored = target_chat.messages.get(int(reply.get("message_id") or 0))
    if stored is None or stored.deleted:
        if reply.get("allow_sending_without_reply") in (True, "true", "True"):
            return None
        raise bad_request("message to be replied not found")
    return stored


def store_message(
    ctx: CallContext,
    chat: Chat,
    content: ApiDict,
    params: dict[str, Any],
    *,
    thread_id: int | None,
    reply_to: StoredMessage | None = None,
    media_group_id: str | None = None,
) -> StoredMessage:
    """Create a message the bot sends to ``chat`` and return it."""
    data: ApiDict = {"message_id": chat.take_message_id()}
    if chat.type == "channel":
        data["sender_chat"] = chat.to_api()
    else:
        data["from"] = ctx.bot.user.to_api()
    place(data, chat, thread_id)
    if reply_to is not None:
        reply_chat = ctx.state.find_chat(int(reply_to.data["chat"]["id"]), ctx.bot)
        if reply_chat is None or reply_chat is chat:
            data["reply_to_message"] = quoted(reply_to)
        else:  # a reply to a message of another chat
            data["external_reply"] = {
                "origin": forward_origin(reply_chat, reply_to),
                "chat": reply_chat.to_api(),
                "message_id": reply_to.message_id,
            }
    if media_group_id:
        data["media_group_id"] = media_group_id
    data.update(copy.deepcopy(content))
    markup = params.get("reply_markup")
    if isinstance(markup, dict) and markup.get("inline_keyboard"):
        data["reply_markup"] = {"inline_keyboard": markup["inline_keyboard"]}
    if params.get("protect_content") or chat.has_protected_content:
        data["has_protected_content"] = True
    stored = StoredMessage(data, sender_bot_id=ctx.bot.id)
    chat.messages[stored.message_id] = stored
    return stored


def prepare_send(
    ctx: CallContext, params: dict[str, Any], kinds: list[str]
) -> tuple[Chat, int | None, StoredMessage | None]:
    """Target chat, topic and replied message of a send, after every rights check."""
    chat = resolve_chat(ctx, params["chat_id"], WRITE)
    for kind in kinds:
        check_can_send(ctx, chat, kind)
    thread_id = check_thread(ctx, chat, params.get("message_thread_id"))
    reply_to = reply_target(ctx, chat, params)
    return chat, thread_id, reply_to


def send_one(ctx: CallContext, params: dict[str, Any], content: ApiDict) -> ApiDict:
    chat, thread_id, reply_to = prepare_send(ctx, params, [content_kind(content)])
    ctx.charge(chat)
    stored = store_message(ctx, chat, content, params, thread_id=thread_id, reply_to=reply_to)
    return copy.deepcopy(stored.data)


# -- sending --------------------------------------------------------------------------


@method("sendMessage")
def send_message(ctx: CallContext, p: dict[str, Any]) -> ApiDict:
    content = text_content(p["text"], p.get("parse_mode"), p.get("entities"))
    options = p.get("link_preview_options")
    if isinstance(options, dict) and options:
        content["link_preview_options"] = options
    elif p.get("disable_web_page_preview"):
        content["link_preview_options"] = {"is_disabled": True}
    return send_one(ctx, p, content)


def _send_media(kind: str) -> None:
    def handler(ctx: CallContext, p: dict[str, Any]) -> ApiDict:
        caption = caption_content(p.get("caption"), p.get("parse_mode"), p.get("caption_entities"))
        file_id = resolve_file(ctx.state, p, p.get(kind), kind)
        content = media_content(ctx.state, kind, file_id, p)
        content.update(caption)
        if p.get("show_caption_above_media"):
            content["show_caption_above_media"] = True
        if p.get("has_spoiler"):
            content["has_media_spoiler"] = True
        return send_one(ctx, p, content)

    name = "send" + "".join(part.capitalize() for part in kind.split("_"))
    method(name)(handler)


for _kind in MEDIA_KINDS:
    _send_media(_kind)


@method("sendMediaGroup")
def send_media_group(ctx: CallContext, p: dict[str, Any]) -> list[ApiDict]:
    items: list[ApiDict] = p["media"]
    if not items:
        raise bad_request("there are no messages to send")
    if len(items) > 10:
        raise bad_request("too many messages to send as an album")
    if len(items) < 2:
        raise bad_request("media group must contain 2-10 items")
    kinds = [item["type"] for item in items]
    for special in ("audio", "document"):
        if special in kinds and any(kind != special for kind in kinds):
            raise bad_request("can't use the media of the specified type in the album")
    if "animation" in kinds:
        raise bad_request('type "animation" can\'t be used in sendMediaGroup')
    contents: list[ApiDict] = []
    for item in items:
        kind = item["type"]
        file_id = resolve_file(ctx.state, p, item.get("media"), kind)
        content = media_content(ctx.state, kind, file_id, item)
        content.update(
            caption_content(
                item.get("caption"), item.get("parse_mode"), item.get("caption_entities")
            )
        )
        if item.get("has_spoiler"):
            content["has_media_spoiler"] = True
        contents.append(content)
    chat, thread_id, reply_to = prepare_send(ctx, p, sorted(set(kinds)))
    ctx.charge(chat, len(contents))
    group_id = ctx.state.new_media_group_id()
    sent = [
        store_message(
            ctx,
            chat,
            content,
            {"protect_content": p.get("protect_content")},
            thread_id=thread_id,
            reply_to=reply_to if index == 0 else None,
            media_group_id=group_id,
        )
        for index, content in enumerate(contents)
    ]
    return [copy.deepcopy(s.data) for s in sent]


@method("sendChatAction")
def send_chat_action(ctx: CallContext, p: dict[str, Any]) -> bool:
    actions = {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
        "cancel",
    }
    if str(p["action"]).lower() not in actions:
        raise bad_request("wrong parameter action in request")
    chat = resolve_chat(ctx, p["chat_id"], WRITE)
    check_thread(ctx, chat, p.get("message_thread_id"))
    return True


# -- copying and forwarding -------------------------------------------------------------


def _copied_content(
    source: StoredMessage, p: dict[str, Any], *, override_caption: bool, remove_caption: bool
) -> ApiDict:
    data = source.data
    content = {key: copy.deepcopy(data[key]) for key in CONTENT_FIELDS if key in data}
    for key in ("show_caption_above_media", "has_media_spoiler", "link_preview_options"):
        if key in data:
            content[key] = copy.deepcopy(data[key])
    if content_kind(data) != "text":
        if remove_caption or override_caption:
            content.pop("caption", None)
            content.pop("caption_entities", None)
        if override_caption:
            content.update(
                caption_content(p.get("caption"), p.get("parse_mode"), p.get("caption_entities"))
            )
            if p.get("show_caption_above_media"):
                content["show_caption_above_media"] = True
    return content


def _source_messages(
    ctx: CallContext, p: dict[str, Any], message_ids: list[int]
) -> tuple[Chat, list[StoredMessage]]:
    if any(b <= a for a, b in itertools.pairwise(message_ids)):
        raise bad_request("message identifiers must be in a strictly increasing order")
    if len(message_ids) > 100:
        raise bad_request("too many message identifiers specified")
    source_chat = resolve_chat(ctx, p["from_chat_id"], READ)
    found = [source_chat.messages.get(mid) for mid in message_ids]
    sources = [s for s in found if s is not None and not s.deleted and is_copyable(s.data)]
    if not sources:
        raise bad_request("message to forward not found")
    return source_chat, sources


def _check_protected(chat: Chat, source: StoredMessage, verb: str) -> None:
    if source.data.get("has_protected_content") or chat.has_protected_content:
        raise bad_request(f"message has protected content and can't be {verb}")


def _regrouped(ctx: CallContext, sources: list[StoredMessage]) -> list[str | None]:
    """New media_group_ids for copies: each source album becomes one new album."""
    mapping: dict[str, str] = {}
    groups: list[str | None] = []
    for source in sources:
        old = source.data.get("media_group_id")
        if old is None:
            groups.append(None)
            continue
        if old not in mapping:
            mapping[old] = ctx.state.new_media_group_id()
        groups.append(mapping[old])
    return groups


def _source_of(
    ctx: CallContext, p: dict[str, Any], verb: str, done: str
) -> tuple[Chat, StoredMessage]:
    """The one message copyMessage / forwardMessage read, refused as the real server does."""
    source_chat = resolve_chat(ctx, p["from_chat_id"], READ)
    source = find_message(source_chat, p.get("message_id"), f"message to {verb}")
    if not is_copyable(source.data):
        raise bad_request(f"message can't be {done}")
    _check_protected(source_chat, source, done)
    return source_chat, source


@method("copyMessage")
def copy_message(ctx: CallContext, p: dict[str, Any]) -> ApiDict:
    _, source = _source_of(ctx, p, "copy", "copied")
    content = _copied_content(source, p, override_caption="caption" in p, remove_caption=False)
    stored_data = send_one(ctx, p, content)
    return {"message_id": stored_data["message_id"]}


def _send_group(
    ctx: CallContext, p: dict[str, Any], sources: list[StoredMessage], contents: list[ApiDict]
) -> list[ApiDict]:
    """Store copies or forwards of several messages in one chat, albums kept as albums."""
    chat, thread_id, _ = prepare_send(ctx, p, sorted({content_kind(c) for c in contents}))
    ctx.charge(chat, len(contents))
    result = []
    for content, group_id in zip(contents, _regrouped(ctx, sources), strict=True):
        stored = store_message(ctx, chat, content, p, thread_id=thread_id, media_group_id=group_id)
        result.append({"message_id": stored.message_id})
    return result


@method("copyMessages")
def copy_messages(ctx: CallContext, p: dict[str, Any]) -> list[ApiDict]:
    source_chat, sources = _source_messages(ctx, p, p["message_ids"])
    for source in sources:
        _check_protected(source_chat, source, "copied")
    remove = bool(p.get("remove_caption"))
    contents = [
        _copied_content(s, p, override_caption=False, remove_caption=remove) for s in sources
    ]
    return _send_group(ctx, p, sources, contents)


def forward_origin(source_chat: Chat, source: StoredMessage) -> ApiDict:
    data = source.data
    if "forward_origin" in data:
        return copy.deepcopy(data["forward_origin"])
    if source_chat.type == "channel":
        origin: ApiDict = {
            "type": "channel",
            "date": data["date"],
            "chat": source_chat.to_api(),
            "message_id": source.message_id,
        }
        if data.get("author_signature"):
            origin["author_signature"] = data["author_signature"]
        return origin
    if "sender_chat" in data:
        return {"type": "chat", "date": data["date"], "sender_chat": data["sender_chat"]}
    return {"type": "user", "date": data["date"], "sender_user": data["from"]}


def _forwarded_content(source_chat: Chat, source: StoredMessage) -> ApiDict:
    content = _copied_content(source, {}, override_caption=False, remove_caption=False)
    content["forward_origin"] = forward_origin(source_chat, source)
    return content


@method("forwardMessage")
def forward_message(ctx: CallContext, p: dict[str, Any]) -> ApiDict:
    source_chat, source = _source_of(ctx, p, "forward", "forwarded")
    return send_one(ctx, p, _forwarded_content(source_chat, source))


@method("forwardMessages")
def forward_messages(ctx: CallContext, p: dict[str, Any]) -> list[ApiDict]:
    source_chat, sources = _source_messages(ctx, p, p["message_ids"])
    for source in sources:
        _check_protected(source_chat, source, "forwarded")
    contents = [_forwarded_content(source_chat, s) for s in sources]
    return _send_group(ctx, p, sources, contents)


# -- editing and deleting ---------------------------------------------------------------


def _editable(ctx: CallContext, p: dict[str, Any]) -> tuple[Chat, StoredMessage]:
    if "chat_id" not in p and "inline_message_id" not in p:
        raise bad_request("message identifier is not specified")
    if "chat_id" not in p:
        raise bad_request("inline messages are not supported by the Telegram stand-in")
    chat = resolve_chat(ctx, p["chat_id"], "edit")
    stored = find_message(chat, p.get("message_id"), "message to edit")
    own = stored.sender_bot_id == ctx.bot.id
    member = bot_member(ctx, chat)
    channel_editor = (
        chat.type == "channel" and member is not None and member.can("can_edit_messages")
    )
    if not own and not channel_editor:
        raise bad_request("message can't be edited")
    return chat, stored


def _apply_edit(
    stored: StoredMessage, changes: ApiDict, p: dict[str, Any], drop: tuple[str, ...]
) -> ApiDict:
    data = stored.data
    markup = p.get("reply_markup")
    new_markup = (
        {"inline_keyboard": markup["inline_keyboard"]}
        if isinstance(markup, dict) and markup.get("inline_keyboard")
        else None
    )
    before = ({k: data.get(k) for k in CONTENT_FIELDS}, data.get("reply_markup"))
    updated = dict(data)
    for key in drop:
        updated.pop(key, None)
    updated.update(changes)
    if new_markup is None:
        updated.pop("reply_markup", None)
    else:
        updated["reply_markup"] = new_markup
    after = ({k: updated.get(k) for k in CONTENT_FIELDS}, updated.get("reply_markup"))
    if before == after:
        raise bad_request(_NOT_MODIFIED)
    updated["edit_date"] = now()
    stored.data = updated
    return copy.deepcopy(updated)


@method("editMessageText")
def edit_message_text(ctx: CallContext, p: dict[str, Any]) -> ApiDict:
    content = text_content(p["text"], p.get("parse_mode"), p.get("entities"))
    _, stored = _editable(ctx, p)
    if "text" not in stored.data:
        raise bad_request("there is no text in the message to edit")
    return _apply_edit(stored, content, p, drop=("entities",))


@method("editMessageCaption")
def edit_message_caption(ctx: CallContext, p: dict[str, Any]) -> ApiDict:
    content = caption_content(p.get("caption"), p.get("parse_mode"), p.get("caption_entities"))
    _, stored = _editable(ctx, p)
    if content_kind(stored.data) == "text":
        raise bad_request("there is no caption in the message to edit")
    return _apply_edit(stored, content, p, drop=("caption", "caption_entities"))


@method("editMessageReplyMarkup")
def edit_message_reply_markup(ctx: CallContext, p: dict[str, Any]) -> ApiDict:
    _, stored = _editable(ctx, p)
    return _apply_edit(stored, {}, p, drop=())


@method("editMessageMedia")
def edit_message_media(ctx: CallContext, p: dict[str, Any]) -> ApiDict:
    media: ApiDict = p["media"]
    kind = media["type"]
    _, stored = _editable(ctx, p)
    if content_kind(stored.data) == "text":
        raise bad_request("there is no media in the message to edit")
    file_id = resolve_file(ctx.state, p, media.get("media"), kind)
    content = media_content(ctx.state, kind, file_id, media)
    content.update(
        caption_content(
            media.get("caption"), media.get("parse_mode"), media.get("caption_entities")
        )
    )
    drop = (*MEDIA_KINDS, "caption", "caption_entities", "has_media_spoiler")
    return _apply_edit(stored, content, p, drop=drop)


def _check_delete(ctx: CallContext, chat: Chat, stored: StoredMessage) -> None:
    if stored.sender_bot_id == ctx.bot.id or chat.type == "private":
        return
    member = bot_member(ctx, chat)
    if member is None or member.status == "restricted" or not member.can("can_delete_messages"):
        raise bad_request("message can't be deleted")


@method("deleteMessage")
def delete_message(ctx: CallContext, p: dict[str, Any]) -> bool:
    chat = resolve_chat(ctx, p["chat_id"], WRITE)
    stored = find_message(chat, p.get("message_id"), "message to delete")
    _check_delete(ctx, chat, stored)
    stored.deleted = True
    return True


@method("deleteMessages")
def delete_messages(ctx: CallContext, p: dict[str, Any]) -> bool:
    ids: list[int] = p["message_ids"]
    if len(ids) > 100:
        raise bad_request("too many message identifiers specified")
    chat = resolve_chat(ctx, p["chat_id"], WRITE)
    targets = [chat.messages[i] for i in ids if i in chat.messages and not chat.messages[i].deleted]
    if not targets:
        raise bad_request("message to delete not found")
    for stored in targets:
        _check_delete(ctx, chat, stored)
    for stored in targets:
        stored.deleted = True
    return True
