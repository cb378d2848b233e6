"""Posts from source chats: channel posts, group messages and their edits go to the outbox."""

from __future__ import annotations

from collections.abc import Awaitable

from aiogram import F, Router
from aiogram.types import Message

from bot.forwarding.intake.ingest import Ingest, IngestError

_GROUPS = F.chat.type.in_({"group", "supergroup"})


async def new_post(message: Message, ingest: Ingest) -> None:
    await _stored("post", message, ingest.post(message))


async def edited_post(message: Message, ingest: Ingest) -> None:
    await _stored("edit", message, ingest.edit(message))


async def _stored(what: str, message: Message, storing: Awaitable[int]) -> None:
    """A failure to store becomes IngestError: the poller then fetches the update again."""
    try:
        await storing
    except Exception as error:
        raise IngestError(f"{what} {message.chat.id}/{message.message_id} not stored") from error


def make_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.register(new_post, _GROUPS)
    router.channel_post.register(new_post)
    router.edited_message.register(edited_post, _GROUPS)
    router.edited_channel_post.register(edited_post)
    return router
