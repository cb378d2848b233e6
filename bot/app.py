"""Wiring and lifecycle: the Dispatcher factory, start-up, polling, and a clean stop on SIGTERM.

Start: open the database (schema brought up to date) → check the token (getMe) → delete any
webhook → publish command menus → log the start line → poll. Stop (SIGTERM/SIGINT): polling
ends, in-flight updates finish (aiogram does not wait for them: ``InFlight`` does), then the
Bot session and the database close. Exit 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from dataclasses import dataclass, field
from typing import Any

from aiogram import Bot, Dispatcher, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError
from aiogram.fsm.storage.base import BaseStorage
from aiogram.utils.callback_answer import CallbackAnswerMiddleware

from bot.access import Access
from bot.alerts import Alerts
from bot.commands import publish_commands
from bot.config import Settings
from bot.db import close_db, describe_target, open_db, upgrade_schema
from bot.logging import get_logger
from bot.middlewares.access import AccessMiddleware
from bot.middlewares.context import InFlight, UpdateContextMiddleware
from bot.routers import all_routers
from bot.storage import DatabaseStorage

log = get_logger(__name__)

START_LINE = "Bot started. Listening for messages..."
DRAIN_SECONDS = 20.0  # Heroku sends SIGKILL 30 s after SIGTERM
ALERT_FLUSH_SECONDS = 60.0


def make_bot(settings: Settings) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    return Bot(
        token=settings.telegram_bot_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode="HTML", link_preview_is_disabled=True),
    )


def _detach(router: Router) -> Router:
    # Router modules are singletons; a process that builds a second Dispatcher (tests, a restart
    # in the demo) must take them back from the first one.
    parent = router.parent_router
    if parent is not None:
        parent.sub_routers.remove(router)
        router._parent_router = None
    return router


def build_dispatcher(
    settings: Settings,
    *,
    alerts: Alerts,
    access: Access,
    inflight: InFlight,
    storage: BaseStorage | None = None,
    **services: Any,
) -> Dispatcher:
    """One Dispatcher with every router and middleware; long-lived services as its kwargs."""
    dp = Dispatcher(
        storage=storage or DatabaseStorage(),
        settings=settings,
        alerts=alerts,
        access=access,
        **services,
    )
    dp.update.outer_middleware(UpdateContextMiddleware(inflight))
    dp.message.outer_middleware(AccessMiddleware(access))
    dp.callback_query.outer_middleware(AccessMiddleware(access))
    dp.callback_query.middleware(CallbackAnswerMiddleware())
    dp.include_routers(*(_detach(r) for r in all_routers()))
    return dp


@dataclass
class BotApp:
    """The running bot: what ``main.py`` starts and what end-to-end tests start in-process."""

    settings: Settings
    handle_signals: bool = True
    bot: Bot | None = None
    dp: Dispatcher | None = None
    alerts: Alerts | None = None
    inflight: InFlight = field(default_factory=InFlight)
    started: asyncio.Event = field(default_factory=asyncio.Event)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    def request_stop(self) -> None:
        self._stop.set()

    async def run(self) -> int:
        """Run until stopped; the process exit code."""
        if self.handle_signals:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self._on_signal, sig)
        url = self.settings.effective_database_url
        try:
            await upgrade_schema(url, self.settings.database_pool_size)
            await open_db(url, self.settings.database_pool_size)
        except (OSError, asyncio.TimeoutError) as error:
            log.error("database_unreachable", database=describe_target(url), error=str(error))
            return 1
        log.info("database_ready", database=describe_target(url))
        self.bot = make_bot(self.settings)
        try:
            return await self._serve(self.bot)
        finally:
            await self.bot.session.close()
            await close_db()
            log.info("bot_stopped")

    def _on_signal(self, sig: signal.Signals) -> None:
        log.info("stop_requested", signal=sig.name)
        self.request_stop()

    async def _serve(self, bot: Bot) -> int:
        settings = self.settings
        try:
            me = await bot.get_me()
            await bot.delete_webhook(drop_pending_updates=False)
        except TelegramUnauthorizedError:
            log.error("telegram_token_rejected", hint="check TELEGRAM_BOT_TOKEN with @BotFather")
            return 1
        except TelegramNetworkError as error:
            log.error("telegram_unreachable", error=str(error))
            return 1
        access = Access(settings.owner_telegram_id)
        self.alerts = Alerts(bot, settings.alert_chat_id)
        self.dp = build_dispatcher(
            settings, alerts=self.alerts, access=access, inflight=self.inflight
        )
        await publish_commands(bot, settings.owner_telegram_id, await access.admin_ids())
        if self._stop.is_set():
            return 0
        flusher = asyncio.create_task(self._flush_alerts())
        polling = asyncio.create_task(
            self.dp.start_polling(
                bot, handle_signals=False, close_bot_session=False, polling_timeout=10
            )
        )
        log.info(START_LINE, bot_username=me.username)
        self.started.set()
        stop = asyncio.create_task(self._stop.wait())
        try:
            await asyncio.wait({polling, stop}, return_when=asyncio.FIRST_COMPLETED)
            if not polling.done():
                await self._stop_polling(self.dp)
            await polling
        finally:
            stop.cancel()
            drained = await self.inflight.wait_idle(DRAIN_SECONDS)
            log.info("updates_drained" if drained else "drain_timeout", left=self.inflight.count)
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher
            await self.alerts.flush()
        return 0

    @staticmethod
    async def _stop_polling(dp: Dispatcher) -> None:
        while True:
            try:
                await dp.stop_polling()
                return
            except RuntimeError:  # the polling task has not taken its lock yet: let it run
                await asyncio.sleep(0)

    async def _flush_alerts(self) -> None:
        assert self.alerts is not None
        while True:
            await asyncio.sleep(ALERT_FLUSH_SECONDS)
            await self.alerts.flush()
