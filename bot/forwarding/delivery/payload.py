"""What a delivery carries from ingest to the sender: the source post's content, typed.

Stored in the ``payload`` JSON column of a delivery, one object shared by every delivery of a
post. The stored keys are those of the untyped dict this replaced plus ``version``; a payload
written without ``version`` (before it existed) has the same shape and loads as version 1.
Optional keys added since (``sent``, ``keyboard``, ``link_preview``, ``relayed``) are absent
from older rows and load as their default, so they need no new version.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from aiogram.types import MessageEntity
from pydantic import BaseModel, ConfigDict, field_serializer

VERSION = 1


class AlbumItem(BaseModel):
    """What sendMediaGroup needs to rebuild an album item with a new caption."""

    model_config = ConfigDict(frozen=True)
    message_id: int
    kind: str  # photo | video | document | audio
    file_id: str


class Transformed(BaseModel):
    """The pipeline's result: Telegram HTML, sent instead of the source's text or caption."""

    model_config = ConfigDict(frozen=True)
    html: str


class SentPart(BaseModel):
    """A message already sent for one piece of a split post, so that a retry resumes after it.

    Piece 0 is the first message (the media or album with the caption, or the first text), then
    one piece per follow-up text; an album's piece has one entry per album message."""

    model_config = ConfigDict(frozen=True)
    piece: int
    source_message_id: int
    dest_message_id: int
    part: int = 0  # the part number of its message link


class Button(BaseModel):
    """A source button that works in any chat: it opens ``url`` or copies ``copy_text``."""

    model_config = ConfigDict(frozen=True)
    text: str
    url: str | None = None
    copy_text: str | None = None
    style: str | None = None


class LinkPreview(BaseModel):
    """The source text's link-preview choice (Bot API ``LinkPreviewOptions``); the default
    (enabled, first URL of the text) when the source chose nothing."""

    model_config = ConfigDict(frozen=True)
    is_disabled: bool = False
    url: str | None = None
    prefer_small_media: bool = False
    prefer_large_media: bool = False
    show_above_text: bool = False


class Relayed(BaseModel):
    """Where the bot copies a post read through the user account from: the account's copy in
    the relay channel (``bot/userbot/relay.py``). ``ids`` pairs each source message id with its
    copy's; the delivery itself stays keyed by the source ids."""

    model_config = ConfigDict(frozen=True)
    chat_id: int
    ids: tuple[tuple[int, int], ...]  # (source message id, relay message id), in order

    def relay_ids(self, source_ids: Sequence[int]) -> list[int]:
        copies = dict(self.ids)
        return [copies[source] for source in source_ids if source in copies]


class Payload(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: int = VERSION
    text: str = ""  # the text, or the caption of a media (an album's first non-empty one)
    entities: tuple[MessageEntity, ...] = ()
    has_media: bool = False
    media_kinds: tuple[str, ...] = ()
    reply_to: int | None = None  # the source message this one replies to
    chat_title: str = ""
    chat_username: str | None = None
    date: int = 0  # epoch seconds of the source message
    items: tuple[AlbumItem, ...] = ()  # an album's items, in message order
    transformed: Transformed | None = None  # set once the rule's steps ran
    approved: bool = False  # set when a reviewer let it go
    sent: tuple[SentPart, ...] = ()  # pieces of a split post already sent, in order
    keyboard: tuple[tuple[Button, ...], ...] = ()  # the source's buttons kept, row by row
    link_preview: LinkPreview | None = None  # a text's; None for a media or an older row
    pieces: tuple[str, ...] = ()  # a digest's messages, each already fitted to Telegram
    relayed: Relayed | None = None  # read through the user account: copied from the relay

    @classmethod
    def load(cls, stored: Any) -> Payload:
        """A payload as the database returns it (a dict, or JSON text from a raw query)."""
        if isinstance(stored, str):
            return cls.model_validate_json(stored)
        return cls.model_validate(stored or {})

    @field_serializer("entities")
    def _entities(self, entities: tuple[MessageEntity, ...]) -> list[dict[str, Any]]:
        return [entity.model_dump(mode="json", exclude_none=True) for entity in entities]

    @field_serializer("keyboard")
    def _keyboard(self, rows: tuple[tuple[Button, ...], ...]) -> list[list[dict[str, Any]]]:
        return [[button.model_dump(exclude_none=True) for button in row] for row in rows]

    def dump(self) -> dict[str, Any]:
        """The stored form: the optional keys appear only once they apply."""
        return self.model_dump(mode="json", exclude=self._not_yet())

    def to_json(self) -> str:
        return self.model_dump_json(exclude=self._not_yet())

    def _not_yet(self) -> set[str]:
        return {
            name
            for name, unset in (
                ("transformed", self.transformed is None),
                ("approved", not self.approved),
                ("sent", not self.sent),
                ("keyboard", not self.keyboard),
                ("link_preview", self.link_preview is None),
                ("pieces", not self.pieces),
                ("relayed", self.relayed is None),
            )
            if unset
        }

    @property
    def message_entities(self) -> list[MessageEntity] | None:
        return list(self.entities) or None

    @property
    def transformed_html(self) -> str | None:
        return self.transformed.html if self.transformed is not None else None

    def with_html(self, html: str) -> Payload:
        """The payload once the steps produced ``html``."""
        return self.model_copy(update={"transformed": Transformed(html=html)})

    def approve(self, html: str | None = None) -> Payload:
        """Approved by a reviewer, with the text they wrote instead if any."""
        approved = self.model_copy(update={"approved": True})
        return approved.with_html(html) if html is not None else approved

    def with_sent(self, piece: int, messages: Sequence[tuple[int, int, int]]) -> Payload:
        """The payload once ``piece`` went out as ``messages`` (source id, sent id, link part)."""
        parts = tuple(
            SentPart(piece=piece, source_message_id=s, dest_message_id=d, part=p)
            for s, d, p in messages
        )
        return self.model_copy(update={"sent": (*self.sent, *parts)})

    def joined(self, item: Payload) -> Payload:
        """An album's payload with one more item's; the caption is the first item's that has one."""
        base = item if not self.text and item.text else self
        items = sorted((*self.items, *item.items), key=lambda entry: entry.message_id)
        update: dict[str, Any] = {"items": tuple(items)}
        if self.relayed is not None and item.relayed is not None:
            ids = sorted({*self.relayed.ids, *item.relayed.ids})
            update["relayed"] = self.relayed.model_copy(update={"ids": tuple(ids)})
        return base.model_copy(update=update)
