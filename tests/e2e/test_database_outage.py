"""The database goes away and comes back, as Heroku Postgres does in a maintenance window: the bot
stays up, says so once each way, and forwards again within seconds — nothing lost, nothing twice.

Each test runs on a private PostgreSQL cluster of its own (``sandbox/postgres.py``), since only
a cluster made for the test may be restarted or stopped.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import asyncpg
import pytest
from pydantic import SecretStr
from structlog.testing import capture_logs

from bot.app import BotApp
from models import QuarantinedUpdate
from sandbox.postgres import PrivateCluster, private_cluster, server_binaries
from tests.conftest import wait_until
from tests.e2e.conftest import ALERTS, OWNER, World, running

pytestmark = pytest.mark.skipif(
    server_binaries() is None, reason="PostgreSQL's server binaries are not installed"
)

SRC = -1001000000101
DEST = -1001000000201


@pytest.fixture
def cluster() -> Iterator[PrivateCluster]:
    with private_cluster() as made:
        yield made


@pytest.fixture
async def on_cluster(world: World, cluster: PrivateCluster) -> World:
    """The world's bot pointed at the private cluster (the bot brings its schema up to date)."""
    world.settings = world.settings.model_copy(update={"database_url": SecretStr(cluster.url)})
    world.channel("Source", SRC)
    world.channel("Dest", DEST)
    return world


async def create_rule(app: BotApp) -> None:
    assert app.services is not None
    await app.services.rules.create(
        {"name": "news", "sources": [{"chat_id": SRC}], "destinations": [{"chat_id": DEST}]},
        created_by=OWNER,
    )


def alert_texts(world: World) -> list[str]:
    return world.texts(ALERTS)


async def test_a_database_restart_is_ridden_out_with_one_alert_each_way(
    on_cluster: World, cluster: PrivateCluster
) -> None:
    world = on_cluster
    async with running(world) as app:
        await create_rule(app)
        world.tg.channel_post(SRC, "before")
        await world.tg.wait_for(lambda: world.texts(DEST) == ["before"], timeout=15)

        await asyncio.to_thread(cluster.stop)
        world.tg.channel_post(SRC, "while it was down")
        assert app.services is not None
        await wait_until(app.services.cluster.lost.is_set, timeout=15)
        await asyncio.to_thread(cluster.start)
        back_at = time.monotonic()
        world.tg.channel_post(SRC, "after")

        await world.tg.wait_for(
            lambda: world.texts(DEST) == ["before", "while it was down", "after"], timeout=30
        )
        recovery = time.monotonic() - back_at
        assert recovery < 15, f"forwarding resumed {recovery:.1f} s after the database was back"
        await wait_until(lambda: len(alert_texts(world)) >= 2, timeout=10)
        assert app.services.cluster.reconnects == 1
        assert app.services.workers.alive == app.services.workers.concurrency
        assert not await QuarantinedUpdate.all().exists()

    alerts = alert_texts(world)
    assert sum("database connection was lost" in a for a in alerts) == 1, alerts
    assert sum("database is back" in a for a in alerts) == 1, alerts


async def started_while_down(
    world: World, cluster: PrivateCluster
) -> tuple[BotApp, asyncio.Task[int]]:
    """The bot started with its database stopped, once it has said that it waits."""
    await asyncio.to_thread(cluster.stop)
    app = BotApp(world.settings, handle_signals=False)
    task = asyncio.create_task(app.run())
    await world.tg.wait_for(
        lambda: any("database is unreachable" in a for a in alert_texts(world)), timeout=15
    )
    return app, task


async def test_a_bot_started_while_the_database_is_down_waits_and_then_serves(
    on_cluster: World, cluster: PrivateCluster
) -> None:
    world = on_cluster
    app, task = await started_while_down(world, cluster)
    try:
        assert not task.done() and not app.started.is_set()
        await asyncio.to_thread(cluster.start)
        await wait_until(app.started.is_set, timeout=30)
        await create_rule(app)
        world.tg.channel_post(SRC, "first post")
        await world.tg.wait_for(lambda: world.texts(DEST) == ["first post"], timeout=15)
    finally:
        app.request_stop()
        assert await asyncio.wait_for(task, timeout=30) == 0
    assert sum("unreachable" in a for a in alert_texts(world)) == 1


async def test_a_bot_stopped_while_waiting_for_the_database_exits_cleanly(
    on_cluster: World, cluster: PrivateCluster
) -> None:
    world = on_cluster
    app, task = await started_while_down(world, cluster)
    app.request_stop()
    assert await asyncio.wait_for(task, timeout=10) == 0


async def test_a_database_out_of_connections_is_named_as_such_in_the_log(world: World) -> None:
    with private_cluster(max_connections="3", superuser_reserved_connections="0") as full:
        hogs = [await asyncpg.connect(full.url) for _ in range(3)]
        try:
            settings = world.settings.model_copy(update={"database_url": SecretStr(full.url)})
            app = BotApp(settings, handle_signals=False)
            with capture_logs() as logs:
                task = asyncio.create_task(app.run())
                refused = await wait_until(
                    lambda: [e for e in logs if e["event"] == "database_connection_limit"],
                    timeout=15,
                )
                app.request_stop()
                assert await asyncio.wait_for(task, timeout=10) == 0
        finally:
            for hog in hogs:
                await hog.close()
    assert "DATABASE_POOL_SIZE" in refused[0]["hint"]
    assert not app.started.is_set()
