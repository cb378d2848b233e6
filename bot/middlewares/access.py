"""Gives every message and callback a ``role``; strangers in private get one polite refusal.

Channel and group posts pass untouched: they are content for the forwarding engine, not commands.
"""

from __future__ import annotations

from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject

from bot.middlewares import Handler
from bot.runtime.access import Access, Role
from bot.runtime.i18n import __
from bot.runtime.logging import get_logger

log = get_logger(__name__)

REFUSAL = __("Sorry, this is a private bot: only its owner and the admins they name can use it.")
CALLBACK_REFUSAL = __("This bot is private.")


class AccessMiddleware(BaseMiddleware):
    def __init__(self, access: Access) -> None:
        self.access = access

    async def __call__(self, handler: Handler, event: TelegramObject, data: dict[str, Any]) -> Any:
        user = getattr(event, "from_user", None)
        if isinstance(event, Message) and event.chat.type != "private":
            data["role"] = Role.STRANGER
            return await handler(event, data)
        if user is None:
            return None
        role = await self.access.role_of(user.id)
        data["role"] = role
        if role is not Role.STRANGER:
            return await handler(event, data)
        if isinstance(event, CallbackQuery):
            await event.answer(str(CALLBACK_REFUSAL))
        elif isinstance(event, Message) and await self.access.claim_refusal(user.id):
            await event.answer(str(REFUSAL))
            log.info("stranger_refused")
        return None
