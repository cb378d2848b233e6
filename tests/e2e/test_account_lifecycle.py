"""The optional user account runs beside the bot on the leader only, through the stand-in's fake.

It connects when the process leads and stops with it; a revoked session or a FloodWait storm
gets one alert and the bot forwards its own sources on; the session string never shows.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from structlog.testing import capture_logs

from bot.userbot.interface import Account, AccountEvent, FloodWait, NewMessages
from sandbox.account import StandInAccount
from sandbox.postgres import PrivateCluster, private_cluster
from tests.conftest import wait_until
from tests.e2e.conftest import ALERTS, OWNER, World, running
from tests.e2e.test_cluster import _collect, _wait_output
from tests.e2e.test_forwarding import DEST_A, SRC, create_rule

ROOT = Path(__file__).resolve().parents[2]
SESSION = "fake-session-5f2b9c0d7e"  # the secret that must never show
API_HASH = "0123456789abcdef0123456789abcdef"
HIDDEN = -1001000000301  # a channel the bot cannot see; the account reads it


def with_account(world: World) -> tuple[World, list[StandInAccount]]:
    """The world's settings with the account configured, and a factory that records clients."""
    world.tg.add_account(OWNER, session=SESSION)
    world.tg.add_chat("channel", "Hidden", chat_id=HIDDEN)
    world.tg.set_member(HIDDEN, OWNER, "member")
    world.settings = world.settings.model_copy(
        update={
            "api_id": 12345,
            "api_hash": SecretStr(API_HASH),
            "pyrogram_session_string": SecretStr(SESSION),
        }
    )
    return world, []


def factory(world: World, made: list[StandInAccount]) -> Any:
    def make(settings: Any) -> Account:
        client = StandInAccount(world.tg.url, settings.pyrogram_session_string.get_secret_value())
        made.append(client)
        return client

    return make


def alerts(world: World) -> list[str]:
    return world.texts(ALERTS)


async def test_without_the_settings_the_account_is_not_configured(world: World) -> None:
    async with running(world) as app:
        assert app.services is not None
        runner = app.services.account
        assert not runner.configured and runner.account is None and not runner.running


async def test_the_leader_connects_the_account_and_stops_it_on_request(world: World) -> None:
    world, made = with_account(world)
    events: list[AccountEvent] = []
    started: list[Account] = []

    async def broken(account: Account, event: AccountEvent) -> None:
        raise RuntimeError("a feature's bug")

    async def keep(account: Account, event: AccountEvent) -> None:
        events.append(event)

    async def on_start(account: Account) -> None:
        started.append(account)

    async with running(world, account_factory=factory(world, made)) as app:
        assert app.services is not None
        runner = app.services.account
        runner.on_event(broken)
        runner.on_event(keep)
        runner.on_start(on_start)
        await asyncio.wait_for(runner.connected.wait(), 10)
        assert runner.configured and runner.me is not None and runner.me.id == OWNER
        assert runner.account is not None
        assert HIDDEN in [c.id for c in await runner.account.dialogs()]
        world.tg.channel_post(HIDDEN, "one")
        world.tg.channel_post(HIDDEN, "two")
        await wait_until(lambda: len(events) == 2)  # the broken callback stops nothing
        assert all(isinstance(e, NewMessages) for e in events)
        assert [e.messages[0].text for e in events if isinstance(e, NewMessages)] == [
            "one",
            "two",
        ]
    assert not runner.connected.is_set() and runner.account is None and not runner.running
    stats = world.tg.account_stats(OWNER)
    assert stats["calls"].get("stop") == 1 and stats["duplicated_connections"] == 0
    assert not any(a.polling for a in world.tg.accounts.values())
    assert len(made) == 1


async def test_revoked_session_one_alert_and_bot_sources_still_forward(world: World) -> None:
    world, made = with_account(world)
    world.channel("Source", SRC)
    world.channel("Dest", DEST_A)
    with capture_logs() as logs:
        async with running(world, account_factory=factory(world, made)) as app:
            assert app.services is not None
            runner = app.services.account
            await asyncio.wait_for(runner.connected.wait(), 10)
            await create_rule(app)
            world.tg.revoke_account(OWNER)
            await world.tg.wait_for(
                lambda: any("session no longer works" in a for a in alerts(world)), timeout=10
            )
            await wait_until(lambda: not runner.running)
            assert runner.revoked and runner.account is None
            world.tg.channel_post(SRC, "still forwarded")
            await world.tg.wait_for(lambda: world.texts(DEST_A) == ["still forwarded"])
    assert sum("session no longer works" in a for a in alerts(world)) == 1
    assert len(made) == 1  # a revoked session is not tried again
    shown = "\n".join(alerts(world)) + "\n".join(str(entry) for entry in logs)
    assert SESSION not in shown and API_HASH not in shown
    assert "account_session_revoked" in [entry["event"] for entry in logs]


async def test_a_session_revoked_before_the_start_alerts_once(world: World) -> None:
    world, made = with_account(world)
    world.tg.revoke_account(OWNER)
    async with running(world, account_factory=factory(world, made)) as app:
        assert app.services is not None
        await world.tg.wait_for(
            lambda: any("session no longer works" in a for a in alerts(world)), timeout=10
        )
        assert app.services.account.revoked and not app.services.account.connected.is_set()
    assert sum("session no longer works" in a for a in alerts(world)) == 1


async def test_a_flood_wait_storm_is_one_alert(world: World) -> None:
    world, made = with_account(world)
    async with running(world, account_factory=factory(world, made)) as app:
        assert app.services is not None
        runner = app.services.account
        await asyncio.wait_for(runner.connected.wait(), 10)
        assert runner.account is not None
        world.tg.set_member(HIDDEN, OWNER, "administrator", can_post_messages=True)
        post = world.tg.channel_post(HIDDEN, "x")
        world.tg.account_fail_next(OWNER, "FLOOD_WAIT", seconds=900, method="copy", count=3)
        for _ in range(3):
            try:
                await runner.account.copy(HIDDEN, [post["message_id"]], HIDDEN)
            except FloodWait as wait:
                assert wait.seconds == 900
        await world.tg.wait_for(lambda: any("FloodWait" in a for a in alerts(world)))
        assert runner.connected.is_set()  # the account runs on
    assert sum("FloodWait" in a for a in alerts(world)) == 1


async def test_only_the_leader_runs_the_account_and_it_moves_with_the_leadership(
    world: World,
) -> None:
    world, made = with_account(world)
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONUNBUFFERED": "1",
        **world.env(),
        "API_ID": "12345",
        "API_HASH": API_HASH,
        "PYROGRAM_SESSION_STRING": SESSION,
    }
    output: list[str] = []
    async with running(world, account_factory=factory(world, made)) as app:
        assert app.services is not None
        await asyncio.wait_for(app.services.account.connected.wait(), 10)
        second = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "sandbox.account.dyno",
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        assert second.stdout is not None
        reader = asyncio.create_task(_collect(second.stdout, output))
        await _wait_output(output, "Bot started. Listening for messages...")
        world.tg.channel_post(HIDDEN, "seen by the leader's account only")
        await world.tg.wait_for(lambda: world.tg.account_events(OWNER) == [], timeout=10)
        assert world.tg.account_stats(OWNER)["calls"]["get_me"] == 1
    try:  # the first dyno stopped: the second leads, and its account connects
        await _wait_output(output, "account_connected", timeout=30)
        await world.tg.wait_for(lambda: world.tg.account_stats(OWNER)["calls"]["get_me"] == 2)
    finally:
        second.send_signal(signal.SIGTERM)
        await asyncio.wait_for(second.wait(), 30)
        await reader
    log = "".join(output)
    assert second.returncode == 0, log
    assert log.index("polling_started") < log.index("account_connected")
    assert SESSION not in log and API_HASH not in log
    stats = world.tg.account_stats(OWNER)
    assert stats["duplicated_connections"] == 0 and stats["calls"]["stop"] == 2


async def test_the_account_stops_while_the_database_is_lost_and_comes_back(world: World) -> None:
    world, made = with_account(world)
    with private_cluster() as cluster:
        await _ride_out_a_restart(world, made, cluster)


async def _ride_out_a_restart(
    world: World, made: list[StandInAccount], cluster: PrivateCluster
) -> None:
    world.settings = world.settings.model_copy(update={"database_url": SecretStr(cluster.url)})
    async with running(world, account_factory=factory(world, made)) as app:
        assert app.services is not None
        runner = app.services.account
        await asyncio.wait_for(runner.connected.wait(), 10)
        await asyncio.to_thread(cluster.stop)
        await wait_until(app.services.cluster.lost.is_set, timeout=15)
        await wait_until(lambda: not runner.running, timeout=15)
        assert runner.account is None and world.tg.account_stats(OWNER)["calls"]["stop"] == 1
        await asyncio.to_thread(cluster.start)
        await wait_until(runner.connected.is_set, timeout=30)
        assert world.tg.account_stats(OWNER)["calls"]["get_me"] == 2 and len(made) == 2
    assert world.tg.account_stats(OWNER)["duplicated_connections"] == 0
