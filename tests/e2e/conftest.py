"""The real bot, in-process, against the Telegram and Groq stand-ins over HTTP, on Postgres.

Every test that runs the bot ends by checking that every call it made to the Bot API was valid
per the specification.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from bot.app import BotApp
from bot.runtime.config import Settings
from models import Delivery
from models.forwarding import IN_FLIGHT, PENDING
from sandbox.groq.server import GroqStandIn
from sandbox.settings import standin_settings
from sandbox.telegram.standin import FloodLimits, TelegramStandIn
from tests.conftest import wait_until

TOKEN = "123456:TEST-TOKEN-abcdefghijklmnopqrstuvwxyz"
BOT_ID = 123456
OWNER = 1001
ADMIN = 1002
STRANGER = 2002
ALERTS = -1001000000900


@dataclass
class World:
    tg: TelegramStandIn
    groq: GroqStandIn
    settings: Settings

    def replies(self, chat_id: int) -> list[dict[str, Any]]:
        """What the bot sent to a chat (nothing if the chat never came to be)."""
        try:
            return self.tg.bot_messages(chat_id)
        except ValueError:
            return []

    def texts(self, chat_id: int) -> list[str]:
        return [m.get("text") or m.get("caption") or "" for m in self.replies(chat_id)]

    def channel(self, title: str, chat_id: int, **rights: Any) -> int:
        self.tg.add_chat("channel", title, chat_id=chat_id)
        self.tg.set_member(chat_id, BOT_ID, "administrator", can_post_messages=True, **rights)
        return chat_id

    def env(self) -> dict[str, str]:
        """The same settings as environment variables, for a bot in another process."""
        s = self.settings
        return {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "OWNER_TELEGRAM_ID": str(OWNER),
            "ADMIN_CHAT_ID": str(ALERTS),
            "DATABASE_URL": s.effective_database_url,
            "TELEGRAM_API_URL": s.telegram_api_url,
            "GROQ_API_KEY": "gsk_test",
            "GROQ_BASE_URL": str(s.groq_base_url),
        }


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "no_flood: Telegram's flood limits off (a person pressing fast is not tested)"
    )


@pytest.fixture
def flood(request: pytest.FixtureRequest) -> FloodLimits:
    """Telegram's flood limits, or none for a test (module) marked ``no_flood``."""
    return FloodLimits.disabled() if request.node.get_closest_marker("no_flood") else FloodLimits()


@pytest.fixture
async def world(clean_db: str, flood: FloodLimits) -> AsyncIterator[World]:
    tg = TelegramStandIn(flood=flood)
    groq = GroqStandIn(api_keys=("gsk_test",))
    await tg.start()
    await groq.start()
    tg.add_bot(TOKEN, username="fwd_bot", first_name="Forwarder")
    tg.add_user(OWNER, first_name="Olivia", username="olivia")
    tg.add_user(ADMIN, first_name="Adam", username="adam")
    tg.add_user(STRANGER, first_name="Stan", username="stan")
    tg.add_chat("supergroup", "Alerts", chat_id=ALERTS)
    tg.set_member(ALERTS, OWNER, "creator")
    tg.set_member(ALERTS, BOT_ID, "member")
    settings = standin_settings(TOKEN, OWNER, ALERTS, clean_db, tg.url, groq.base_url)
    try:
        yield World(tg, groq, settings)
    finally:
        await groq.stop()
        await tg.stop()


@contextlib.asynccontextmanager
async def running(world: World, **options: Any) -> AsyncIterator[BotApp]:
    """Start the bot; on leaving, stop it as SIGTERM would and check every call it made."""
    app = BotApp(world.settings, handle_signals=False, **options)
    task = asyncio.create_task(app.run())
    started = asyncio.create_task(app.started.wait())
    await asyncio.wait({task, started}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if not app.started.is_set():
        started.cancel()
        raise AssertionError(f"the bot did not start: {task.result() if task.done() else 'hung'}")
    await world.tg.wait_for(lambda: world.tg.is_polling(), timeout=10)
    try:
        yield app
    finally:
        app.request_stop()
        code = await asyncio.wait_for(task, timeout=30)
        assert code == 0
        invalid = world.tg.invalid_calls()
        assert not invalid, f"calls the real Bot API would refuse: {invalid}"
        twice = [c for c in world.tg.calls_to("answerCallbackQuery") if not c.ok and not c.injected]
        assert not twice, f"callback queries answered twice or too late: {twice}"


async def settle(world: World, app: BotApp, timeout: float = 10.0) -> None:
    """Wait until every update sent so far has been handled by the bot."""
    await world.tg.wait_for(
        lambda: not world.tg.pending_updates() and world.tg.is_polling(), timeout=timeout
    )
    assert await app.inflight.wait_idle(timeout)


async def outbox_empty() -> bool:
    return not await Delivery.filter(status__in=(PENDING, IN_FLIGHT)).exists()


async def drained(world: World, app: BotApp) -> None:
    """Every update handled and every delivery it made finished."""
    await settle(world, app)
    await wait_until(outbox_empty)
