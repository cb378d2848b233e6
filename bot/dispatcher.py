"""The one Dispatcher factory, shared by the running bot and the tests."""

from __future__ import annotations

from typing import Any

from aiogram import Dispatcher
from aiogram.fsm.storage.base import BaseStorage
from aiogram.utils.callback_answer import CallbackAnswerMiddleware

from bot.middlewares.access import AccessMiddleware
from bot.middlewares.context import InFlight, UpdateContextMiddleware
from bot.middlewares.language import LanguageMiddleware
from bot.routers import build_routers
from bot.runtime.access import Access
from bot.runtime.alerts import Alerts
from bot.runtime.config import Settings
from bot.runtime.storage import DatabaseStorage


def build_dispatcher(
    settings: Settings,
    *,
    alerts: Alerts,
    access: Access,
    inflight: InFlight,
    storage: BaseStorage | None = None,
    **services: Any,
) -> Dispatcher:
    """One Dispatcher with new routers and every middleware; long-lived services as its kwargs."""
    dp = Dispatcher(
        storage=storage or DatabaseStorage(),
        settings=settings,
        alerts=alerts,
        access=access,
        **services,
    )
    dp.update.outer_middleware(UpdateContextMiddleware(inflight))
    # The language first: the refusal of a stranger is a text too.
    LanguageMiddleware(settings.owner_telegram_id).setup(dp)
    dp.message.outer_middleware(AccessMiddleware(access))
    dp.callback_query.outer_middleware(AccessMiddleware(access))
    dp.callback_query.middleware(CallbackAnswerMiddleware())
    dp.include_routers(*build_routers())
    return dp
