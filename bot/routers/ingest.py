"""Posts from source chats: channel posts, group messages and their edits go to the outbox."""

from __future__ import annotations

from collections.abc import Awaitable

from aiogram import F, Router
from aiogram.types import Message

from bot.forwarding.ingest import Ingest, IngestError

router = Router(name=__name__)
_GROUPS = F.chat.type.in_({"group", "supergroup"})


@router.channel_post()
@router.message(_GROUPS)
async def new_post(message: Message, ingest: Ingest) -> None:
    await _stored("post", message, ingest.post(message))


@router.edited_channel_post()
@router.edited_message(_GROUPS)
async def edited_post(message: Message, ingest: Ingest) -> None:
    await _stored("edit", message, ingest.edit(message))


async def _stored(what: str, message: Message, storing: Awaitable[int]) -> None:
    """A failure to store becomes IngestError: the poller then fetches the update again."""
    try:
        await storing
    except Exception as error:
        raise IngestError(f"{what} {message.chat.id}/{message.message_id} not stored") from error
