"""Per-update log context (update_id, user_id, chat_id) and tracking of in-flight updates."""

from __future__ import annotations

import asyncio
from typing import Any

import structlog
from aiogram import BaseMiddleware
from aiogram.types import TelegramObject, Update

from bot.middlewares import Handler


class InFlight:
    """Counts updates being handled so shutdown can wait for them (aiogram does not)."""

    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def enter(self) -> None:
        self.count += 1
        self._idle.clear()

    def leave(self) -> None:
        self.count -= 1
        if self.count == 0:
            self._idle.set()

    async def wait_idle(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self._idle.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True


class UpdateContextMiddleware(BaseMiddleware):
    def __init__(self, inflight: InFlight) -> None:
        self.inflight = inflight

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        user = data.get("event_from_user")
        chat = data.get("event_chat")
        self.inflight.enter()
        try:
            with structlog.contextvars.bound_contextvars(
                update_id=event.update_id,
                user_id=user.id if user else None,
                chat_id=chat.id if chat else None,
            ):
                return await handler(event, data)
        finally:
            self.inflight.leave()
