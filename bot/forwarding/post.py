"""A source post reduced to plain data: what filters and the pipeline look at.

Built from an aiogram ``Message`` (or an album of them) at ingest; nothing here imports aiogram
handler code, so the forwarding core can be tested with plain values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MEDIA_KINDS = (
    "text",
    "photo",
    "video",
    "animation",
    "audio",
    "voice",
    "video_note",
    "document",
    "sticker",
    "poll",
    "location",
    "contact",
    "other",
)


@dataclass(frozen=True, slots=True)
class Post:
    """One unit of content from a source chat: a single message or a whole album."""

    chat_id: int
    message_ids: tuple[int, ...]
    text: str = ""  # the text, or the album's caption (first non-empty one)
    media_kinds: frozenset[str] = field(default_factory=frozenset)  # subset of MEDIA_KINDS
    thread_id: int | None = None  # forum topic
    sender_id: int | None = None  # user who wrote it (groups); None for channel posts
    is_forwarded: bool = False
    media_group_id: str | None = None
    reply_to_message_id: int | None = None
    media_ids: tuple[str, ...] = ()  # file_unique_id of each media, for duplicate detection
    chat_title: str = ""
    chat_username: str | None = None

    @property
    def message_id(self) -> int:
        return self.message_ids[0]

    @property
    def is_album(self) -> bool:
        return self.media_group_id is not None
