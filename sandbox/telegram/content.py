"""Message content for the Telegram stand-in: texts, captions, files and media objects.

Builds the content part of a Bot API Message the way the real server would store
it: text or caption parsed (parse mode or entities) and length-checked, a file
resolved from an upload, an URL or a file_id the stand-in knows, and the media
object (PhotoSize list, Video, Document...) that goes with it.
"""

from __future__ import annotations

import copy
from typing import Any

from sandbox.telegram.api import bad_request
from sandbox.telegram.spec import UploadedFile
from sandbox.telegram.state import ApiDict, StoredMessage, TelegramState, file_unique_id
from sandbox.telegram.text import (
    MAX_CAPTION_LENGTH,
    MAX_TEXT_LENGTH,
    TextError,
    format_text,
    utf16_len,
)

MEDIA_KINDS = ("photo", "video", "animation", "document", "audio", "voice", "video_note", "sticker")
_MIME = {
    "video": "video/mp4",
    "animation": "video/mp4",
    "audio": "audio/mpeg",
    "voice": "audio/ogg",
    "document": "application/octet-stream",
}
# Fields that make up a message's content (compared by "message is not modified").
CONTENT_FIELDS = ("text", "entities", "caption", "caption_entities", *MEDIA_KINDS)


def text_content(text: str, parse_mode: str | None, entities: list[ApiDict] | None) -> ApiDict:
    try:
        formatted = format_text(text, parse_mode, entities)
    except TextError as exc:
        raise bad_request(str(exc)) from None
    if not formatted.text:
        raise bad_request("message text is empty")
    if utf16_len(formatted.text) > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")
    content: ApiDict = {"text": formatted.text}
    if formatted.entities:
        content["entities"] = formatted.entities
    return content


def caption_content(
    caption: str | None, parse_mode: str | None, entities: list[ApiDict] | None
) -> ApiDict:
    if not caption:
        return {}
    try:
        formatted = format_text(caption, parse_mode, entities)
    except TextError as exc:
        raise bad_request(str(exc)) from None
    if utf16_len(formatted.text) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")
    if not formatted.text:
        return {}
    content: ApiDict = {"caption": formatted.text}
    if formatted.entities:
        content["caption_entities"] = formatted.entities
    return content


def resolve_file(state: TelegramState, params: dict[str, Any], value: Any, kind: str) -> str:
    """The file_id a media parameter refers to: an upload, a URL or a known file_id."""
    if isinstance(value, str) and value.startswith("attach://"):
        value = params.get(value[len("attach://") :])
        if not isinstance(value, UploadedFile):
            raise bad_request(f"there is no {kind.replace('_', ' ')} in the request")
    if isinstance(value, UploadedFile):
        file_id = state.new_file_id(kind)
        state.register_file(
            file_id,
            kind,
            size=value.size,
            filename=value.filename,
            mime_type=value.content_type,
            data=value.data,
        )
        return file_id
    if not isinstance(value, str) or not value:
        raise bad_request(f"there is no {kind.replace('_', ' ')} in the request")
    if value.startswith(("http://", "https://")):
        file_id = state.new_file_id(kind)
        state.register_file(file_id, kind, filename=value.rsplit("/", 1)[-1])
        return file_id
    if value not in state.files:
        raise bad_request("wrong file identifier/HTTP URL specified")
    return value


def media_object(state: TelegramState, kind: str, file_id: str, params: dict[str, Any]) -> Any:
    """The Bot API object (PhotoSize list, Video, Document…) for a stored file."""
    info = state.register_file(file_id, kind)
    base: ApiDict = {"file_id": file_id, "file_unique_id": file_unique_id(file_id)}
    if info.size:
        base["file_size"] = info.size
    if kind == "photo":
        state.register_file(file_id + "-s", kind)
        small = {
            "file_id": file_id + "-s",
            "file_unique_id": file_unique_id(file_id + "-s"),
            "width": 90,
            "height": 90,
        }
        return [small, {**base, "width": 1280, "height": 960}]
    if kind in ("video", "animation", "video_note"):
        base.update(
            width=int(params.get("width") or 640),
            height=int(params.get("height") or 480),
            duration=int(params.get("duration") or 1),
        )
        if kind == "video_note":
            base = {**base, "length": int(params.get("length") or 240)}
            base.pop("width")
            base.pop("height")
    elif kind in ("audio", "voice"):
        base["duration"] = int(params.get("duration") or 1)
        for key in ("performer", "title"):
            if params.get(key):
                base[key] = params[key]
    elif kind == "sticker":
        base.update(type="regular", width=512, height=512, is_animated=False, is_video=False)
    if kind in ("document", "animation") and info.filename:
        base["file_name"] = info.filename
    if kind in _MIME:
        base["mime_type"] = info.mime_type or _MIME[kind]
    return base


def media_content(state: TelegramState, kind: str, file_id: str, params: dict[str, Any]) -> ApiDict:
    content: ApiDict = {kind: media_object(state, kind, file_id, params)}
    if kind == "animation":
        content["document"] = dict(content["animation"])  # as the real Bot API does
    return content


def content_kind(data: ApiDict) -> str:
    return next((kind for kind in MEDIA_KINDS if kind in data), "text")


def is_copyable(data: ApiDict) -> bool:
    return "text" in data or any(kind in data for kind in MEDIA_KINDS)


def quoted(stored: StoredMessage) -> ApiDict:
    """A message as embedded in ``reply_to_message`` (one level deep, like Telegram)."""
    data = copy.deepcopy(stored.data)
    data.pop("reply_to_message", None)
    return data
