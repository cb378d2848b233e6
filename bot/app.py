"""Lifecycle: start-up, polling while leader, and a clean stop on SIGTERM.

Start: open the database (schema brought up to date; while it does not answer, wait for it, with
one alert) → check the token (getMe) → delete any webhook → publish command menus → start the
delivery workers → log the start line → poll while this process is the leader. A database lost
later is ridden out: polling stops while the connection is down and resumes when it is back (see
``runtime/cluster.py``); the workers rest and try again. Stop (SIGTERM/SIGINT): polling ends, in-flight updates and sends
finish (aiogram does not wait for handlers: ``InFlight`` does), unfinished claims go back to the
outbox, then the Bot session and the database close. Exit 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from dataclasses import dataclass, field

from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramNetworkError, TelegramUnauthorizedError

from bot.dispatcher import build_dispatcher
from bot.forwarding.intake.polling import Poller
from bot.middlewares.context import InFlight
from bot.routers.review import queue as review
from bot.runtime.access import Access
from bot.runtime.alerts import Alerts
from bot.runtime.commands import publish_commands
from bot.runtime.config import Settings
from bot.runtime.db import close_db, describe_target, open_when_ready
from bot.runtime.i18n import _, __, lazy_text
from bot.runtime.logging import get_logger
from bot.runtime.telegram import make_bot
from bot.services import Services, build_services
from bot.userbot.runner import AccountFactory

log = get_logger(__name__)

START_LINE = "Bot started. Listening for messages..."
DRAIN_SECONDS = 20.0  # Heroku sends SIGKILL 30 s after SIGTERM
ALERT_FLUSH_SECONDS = 60.0
LEADER_RETRY_SECONDS = 5.0
ACCOUNT_STOP_SECONDS = 3.0  # twice at most (backfills, then the account) before the drain


@dataclass
class BotApp:
    """The running bot: what ``main.py`` starts and what end-to-end tests start in-process."""

    settings: Settings
    handle_signals: bool = True
    worker_count: int = 8
    account_factory: AccountFactory | None = None  # tests: the stand-in's fake account
    bot: Bot | None = None
    dp: Dispatcher | None = None
    alerts: Alerts | None = None
    services: Services | None = None
    inflight: InFlight = field(default_factory=InFlight)
    started: asyncio.Event = field(default_factory=asyncio.Event)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    def request_stop(self) -> None:
        self._stop.set()

    async def idle(self, timeout: float) -> bool:
        """Whether every update received so far has been handled (waits up to ``timeout``)."""
        return await self.inflight.wait_idle(timeout)

    async def run(self) -> int:
        """Run until stopped; the process exit code."""
        if self.handle_signals:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.add_signal_handler(sig, self._on_signal, sig)
        settings = self.settings
        self.bot = make_bot(settings)
        url = settings.effective_database_url
        # Deduplicated through Postgres across dynos; locally while the database is away.
        self.alerts = Alerts(
            self.bot,
            settings.alert_chat_id,
            shared=url.startswith("postgres"),
            owner_id=settings.owner_telegram_id,
        )
        try:
            if not await open_when_ready(
                url, settings.database_pool_size, self._stop, on_waiting=self._database_waiting
            ):
                return 0
            log.info("database_ready", database=describe_target(url))
            return await self._serve(self.bot)
        finally:
            await self.bot.session.close()
            with contextlib.suppress(Exception):
                await close_db()
            log.info("bot_stopped")

    async def _database_waiting(self, reason: str) -> None:
        assert self.alerts is not None
        await self.alerts.report(
            "database_lost",
            __("The database is unreachable"),
            lazy_text(
                lambda: reason + "\n" + _("The bot waits for it and starts when it answers.")
            ),
        )

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
        alerts = self.alerts
        assert alerts is not None
        services = self.services = await build_services(
            settings,
            bot,
            alerts,
            access,
            notify_review=review.notify,
            worker_count=self.worker_count,
            account_factory=self.account_factory,
        )
        self.dp = build_dispatcher(
            settings,
            alerts=alerts,
            access=access,
            inflight=self.inflight,
            services=services,
            ingest=services.ingest,
            rules=services.rules,
            index=services.index,
            outbox=services.outbox,
            workers=services.workers,
        )
        self._watch_database(services, alerts)
        await publish_commands(bot, settings.owner_telegram_id, await access.admin_ids())
        if self._stop.is_set():
            return 0
        services.workers.start()
        if services.digests is not None:
            services.digests.start()
        flusher = asyncio.create_task(self._flush_alerts())
        log.info(START_LINE, bot_username=me.username, process=services.cluster.name)
        self.started.set()
        try:
            await self._poll_while_leader(bot, self.dp, services)
        finally:
            # Side by side, so that the whole stop stays within Heroku's 30 s: the account and
            # its backfills took at most 2 × ACCOUNT_STOP_SECONDS already.
            deadline = DRAIN_SECONDS
            digests = services.digests
            drained, _stopped, _summary = await asyncio.gather(
                self.inflight.wait_idle(deadline),
                services.workers.stop(deadline),
                digests.stop(deadline / 4) if digests else asyncio.sleep(0),  # lease passes on
            )
            log.info("updates_drained" if drained else "drain_timeout", left=self.inflight.count)
            flusher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await flusher
            await alerts.flush()
            await services.ai.close()
            await services.cluster.close()
        return 0

    def _watch_database(self, services: Services, alerts: Alerts) -> None:
        """One alert when the database is lost, one when it is back (and the workers woken)."""

        async def lost(reason: str) -> None:
            await alerts.report(
                "database_lost",
                __("The database connection was lost"),
                lazy_text(
                    lambda: (
                        reason
                        + "\n"
                        + _("Polling and deliveries wait; the bot reconnects by itself.")
                    )
                ),
            )

        async def back(away_s: float) -> None:
            services.workers.wake()
            await alerts.report(
                "database_back",
                __("The database is back"),
                lazy_text(lambda: _("after {seconds} s away").format(seconds=f"{away_s:.0f}")),
            )

        services.cluster.on_lost = lost
        services.cluster.on_back = back

    async def _poll_while_leader(self, bot: Bot, dp: Dispatcher, services: Services) -> None:
        """Poll while this process holds the leader lock; otherwise deliver and wait to lead.

        When the database connection drops, polling stops at once (the lock went with the
        session), the connection is made again, and the lock may be taken anew."""
        cluster = services.cluster
        while not self._stop.is_set():
            if cluster.lost.is_set():
                if not await cluster.reconnect(self._stop):
                    return
                continue
            if not await cluster.try_lead():
                await _wait_any(self._stop, cluster.lost, timeout=LEADER_RETRY_SECONDS)
                continue
            log.info("polling_started", process=cluster.name)
            services.poller = Poller(bot, dp, services.outbox, self.alerts)
            stop_polling = asyncio.Event()
            watcher = asyncio.create_task(_relay(self._stop, cluster.lost, into=stop_polling))
            services.account.start()  # the user account runs where polling runs: the leader
            try:
                await services.poller.run(stop_polling)
            finally:
                watcher.cancel()
                if services.backfill is not None:  # before the account: no relay cut short
                    await services.backfill.stop(ACCOUNT_STOP_SECONDS)
                await services.account.stop(ACCOUNT_STOP_SECONDS)
            if cluster.lost.is_set():
                log.warning("polling_stopped_database_lost", process=cluster.name)

    async def _flush_alerts(self) -> None:
        assert self.alerts is not None
        while True:
            await asyncio.sleep(ALERT_FLUSH_SECONDS)
            await self.alerts.flush()


async def _wait_any(*events: asyncio.Event, timeout: float) -> None:
    waits = [asyncio.create_task(e.wait()) for e in events]
    await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
    for task in waits:
        task.cancel()


async def _relay(*events: asyncio.Event, into: asyncio.Event) -> None:
    await _wait_any(*events, timeout=float("inf"))
    into.set()
