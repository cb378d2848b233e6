"""The forwarding core on its own: no Dispatcher, real Postgres, the Telegram stand-in over HTTP
where Telegram is called (a real aiogram ``Bot`` made by ``make_bot``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timezone
from typing import Any

import pytest
from aiogram import Bot
from aiogram.types import Message

from bot.forwarding.delivery.outbox import Outbox
from bot.forwarding.rules.index import RuleIndex
from bot.runtime.config import Settings
from bot.runtime.telegram import make_bot
from models import Rule
from sandbox.telegram.standin import TelegramStandIn

TOKEN = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"
BOT_ID = 123456
OWNER = 1001
SRC = -1001000000101
DEST_A = -1001000000201
DEST_B = -1001000000202


@pytest.fixture
async def tg() -> AsyncIterator[TelegramStandIn]:
    """The stand-in with a source channel and two destination channels the bot may post in."""
    standin = TelegramStandIn()
    await standin.start()
    standin.add_bot(TOKEN, username="fwd_bot", first_name="Forwarder")
    standin.add_user(OWNER, first_name="Olivia")
    for title, chat_id in (("Source", SRC), ("Dest A", DEST_A), ("Dest B", DEST_B)):
        standin.add_chat("channel", title, chat_id=chat_id)
        standin.set_member(chat_id, BOT_ID, "administrator", can_post_messages=True)
    try:
        yield standin
    finally:
        await standin.stop()


@pytest.fixture
async def bot(tg: TelegramStandIn) -> AsyncIterator[Bot]:
    settings = Settings(
        telegram_bot_token=TOKEN,  # type: ignore[arg-type]
        owner_telegram_id=OWNER,
        telegram_api_url=tg.url,
    )
    made = make_bot(settings)
    try:
        yield made
    finally:
        await made.session.close()


@pytest.fixture
def outbox() -> Outbox:
    return Outbox("core-test")


async def add_rule(
    index: RuleIndex,
    dests: tuple[int, ...] = (DEST_A,),
    *,
    source: dict[str, Any] | None = None,
    **columns: Any,
) -> Rule:
    """A rule saved as the rules service would save it; the index is reloaded."""
    rule = await Rule.create(
        name=columns.pop("name", "news"),
        sources=[source or {"chat_id": SRC, "thread_id": None, "title": "Source"}],
        destinations=[{"chat_id": d, "thread_id": None, "title": ""} for d in dests],
        **columns,
    )
    await index.reload()
    return rule


def message(data: dict[str, Any]) -> Message:
    """An aiogram Message from the Bot API form of a message (as the stand-in returns it)."""
    return Message.model_validate(data)


def channel_message(message_id: int, chat_id: int = SRC, **fields: Any) -> Message:
    """A channel post built by hand, for ingest tests that need no Telegram at all."""
    return message(
        {
            "message_id": message_id,
            "date": int(datetime(2024, 5, 1, tzinfo=timezone.utc).timestamp()),
            "chat": {"id": chat_id, "type": "channel", "title": "Source"},
            **fields,
        }
    )
