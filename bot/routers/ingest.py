"""Posts from source chats: channel posts, group messages and their edits go to the outbox."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.types import Message

from bot.forwarding.ingest import Ingest, IngestError

router = Router(name=__name__)
_GROUPS = F.chat.type.in_({"group", "supergroup"})


@router.channel_post()
@router.message(_GROUPS)
async def new_post(message: Message, ingest: Ingest) -> None:
    try:
        await ingest.post(message)
    except Exception as error:
        raise IngestError(f"post {message.chat.id}/{message.message_id} not stored") from error


@router.edited_channel_post()
@router.edited_message(_GROUPS)
async def edited_post(message: Message, ingest: Ingest) -> None:
    try:
        await ingest.edit(message)
    except Exception as error:
        raise IngestError(f"edit {message.chat.id}/{message.message_id} not stored") from error
