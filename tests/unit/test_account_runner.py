"""The account runner on a scripted account: reconnects, alerts once, callbacks in order."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from pydantic import SecretStr

from bot.runtime.config import Settings
from bot.userbot.interface import (
    Account,
    AccountChat,
    AccountError,
    AccountEvent,
    AccountMessage,
    AccountUser,
    DeletedMessages,
    FloodWait,
    SessionRevoked,
)
from bot.userbot.runner import AccountRunner
from tests.conftest import wait_until

SECRET = "session-secret-0001"


class Alerts:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str]] = []

    async def report(self, key: str, title: Any, detail: Any = "") -> bool:
        self.sent.append((key, str(title), str(detail)))
        return True


class Scripted:
    """An account whose start fails as told, then yields the given events and ends."""

    def __init__(self, fail: BaseException | None = None, events: Sequence[AccountEvent] = ()):
        self.fail = fail
        self.events_to_give = list(events)
        self.stopped = asyncio.Event()
        self.copy_error: AccountError | None = None

    async def start(self) -> AccountUser:
        if self.fail is not None:
            raise self.fail
        return AccountUser(7, "Owner")

    async def stop(self) -> None:
        self.stopped.set()

    async def events(self) -> AsyncIterator[AccountEvent]:
        for event in self.events_to_give:
            yield event
        await self.stopped.wait()

    async def copy(self, *args: Any, **kwargs: Any) -> list[int]:
        if self.copy_error is not None:
            raise self.copy_error
        return [1]

    async def chat(self, ref: str | int) -> AccountChat:
        raise NotImplementedError

    async def dialogs(self, limit: int = 200) -> list[AccountChat]:
        return []

    async def join(self, chat_id: int) -> AccountChat:
        raise NotImplementedError

    async def history(
        self, chat_id: int, *, before_id: int = 0, limit: int = 100
    ) -> list[AccountMessage]:
        return []

    async def edit_copy(self, *args: Any) -> None: ...

    async def delete(self, chat_id: int, message_ids: Sequence[int]) -> None: ...

    async def create_channel(self, title: str, *, admin_username: str) -> AccountChat:
        raise NotImplementedError


def settings() -> Settings:
    return Settings.model_construct(
        api_id=1, api_hash=SecretStr("0" * 32), pyrogram_session_string=SecretStr(SECRET)
    )


def runner_with(accounts: list[Scripted], alerts: Alerts, **options: Any) -> AccountRunner:
    made = iter(accounts)

    def factory(_settings: Settings) -> Account:
        return next(made)

    return AccountRunner(settings(), alerts, factory=factory, **options)


def test_without_settings_or_factory_the_runner_is_inert() -> None:
    assert not AccountRunner(Settings.model_construct(), Alerts()).configured
    assert AccountRunner(settings(), Alerts()).configured  # kurigram is only imported on start
    assert not AccountRunner.inert().configured


async def test_failures_alert_once_after_three_then_it_connects() -> None:
    alerts = Alerts()
    failing = [Scripted(fail=AccountError("AUTH_KEY_DUPLICATED")) for _ in range(4)]
    good = Scripted(events=[DeletedMessages(-100, (1,))])
    seen: list[AccountEvent] = []

    async def on_event(account: Account, event: AccountEvent) -> None:
        seen.append(event)

    runner = runner_with([*failing, good], alerts, first_retry_s=0.001, retry_s=0.002)
    runner.on_event(on_event)
    runner.start()
    await asyncio.wait_for(runner.connected.wait(), 5)
    await wait_until(lambda: seen == [DeletedMessages(-100, (1,))])
    await runner.stop()
    assert [a[0] for a in alerts.sent] == ["account_unreachable"]
    assert "AUTH_KEY_DUPLICATED" in alerts.sent[0][2]
    assert good.stopped.is_set() and not runner.running and runner.account is None


async def test_a_revoked_session_during_a_call_alerts_once_and_stays_down() -> None:
    alerts = Alerts()
    account = Scripted()
    account.copy_error = SessionRevoked("the session no longer works")
    runner = runner_with([account, Scripted()], alerts)
    runner.start()
    await asyncio.wait_for(runner.connected.wait(), 5)
    assert runner.account is not None
    for _ in range(2):
        with pytest.raises(SessionRevoked):
            await runner.account.copy(1, [1], 2)
    await wait_until(lambda: not runner.running)
    assert [a[0] for a in alerts.sent] == ["account_session"] and runner.revoked
    runner.start()  # leading again does not retry a revoked session
    await runner.stop()
    assert len(alerts.sent) == 1
    assert all(SECRET not in text for alert in alerts.sent for text in alert)


async def test_a_flood_wait_storm_by_count_is_one_alert() -> None:
    alerts = Alerts()
    account = Scripted()
    account.copy_error = FloodWait(3)
    now = [1000.0]
    runner = runner_with([account], alerts, clock=lambda: now[0])
    runner.start()
    await asyncio.wait_for(runner.connected.wait(), 5)
    assert runner.account is not None
    for _ in range(45):
        now[0] += 1
        with pytest.raises(FloodWait):
            await runner.account.copy(1, [1], 2)
    await wait_until(lambda: alerts.sent)
    await runner.stop()
    assert [a[0] for a in alerts.sent] == ["account_flood"]
    assert "20 waits" in alerts.sent[0][2]


async def test_a_failing_start_callback_does_not_stop_the_events() -> None:
    seen: list[AccountEvent] = []

    async def broken(account: Account) -> None:
        raise RuntimeError("resume failed")

    async def keep(account: Account, event: AccountEvent) -> None:
        seen.append(event)

    runner = runner_with([Scripted(events=[DeletedMessages(None, (5,))])], Alerts())
    runner.on_start(broken)
    runner.on_event(keep)
    runner.start()
    await wait_until(lambda: seen)
    await runner.stop()
    assert seen == [DeletedMessages(None, (5,))]
