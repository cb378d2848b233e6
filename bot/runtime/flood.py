"""Short flood waits obeyed for every Bot API call, so a fast-clicking owner never loses a reply.

Telegram answers 429 with ``retry_after`` when a chat gets messages too quickly. For a reply in a
wizard that wait is a second or two: waiting and retrying is what a person expects. Long waits are
not absorbed here: the error goes up (the delivery workers postpone the delivery instead).
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from aiogram.client.session.middlewares.base import BaseRequestMiddleware, NextRequestMiddlewareType
from aiogram.exceptions import TelegramRetryAfter
from aiogram.methods import TelegramMethod
from aiogram.methods.base import TelegramType

from bot.runtime.logging import get_logger

if TYPE_CHECKING:
    from aiogram import Bot

log = get_logger(__name__)

MAX_INLINE_WAIT_S = 5
MAX_RETRIES = 2


class ShortFloodWait(BaseRequestMiddleware):
    async def __call__(
        self,
        make_request: NextRequestMiddlewareType[TelegramType],
        bot: Bot,
        method: TelegramMethod[TelegramType],
    ) -> Any:
        for attempt in range(MAX_RETRIES + 1):
            try:
                return await make_request(bot, method)
            except TelegramRetryAfter as error:
                if attempt == MAX_RETRIES or error.retry_after > MAX_INLINE_WAIT_S:
                    raise
                log.info("flood_wait_inline", method=method.__api_method__, wait=error.retry_after)
                await asyncio.sleep(error.retry_after)
        raise AssertionError("unreachable")
