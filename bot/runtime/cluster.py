"""Several dynos side by side: one polls (the leader), all deliver, rule changes reach everyone.

On Postgres a dedicated connection holds a session advisory lock: whoever holds it polls
Telegram; when that dyno stops or its connection drops, the lock is released and another dyno
takes over. The same connection LISTENs for ``rules_changed`` so every dyno reloads its rule
index. On SQLite there is one process: it always leads and notifications are local.

The connection is also the process's view of the database's health. It is probed every
``PROBE_EVERY_S``; when it drops (a restart, an outage, a silent network cut that the probe's
timeout finds) ``lost`` is set: the leader stops polling at once (the server releases the lock of
a dropped session, so another dyno may take it: there is never a moment of two pollers), and
``reconnect`` tries again with a bounded back-off until the database is back. Then LISTEN is
resumed, the rule index reloaded (notifications sent meanwhile were missed) and the lock may be
taken again. ``on_lost`` and ``on_back`` hear each change once.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import os
import socket
import time
from collections.abc import Callable, Coroutine
from typing import Any

from bot.runtime.db import connect_direct, connection_config, log_unavailable, unavailable
from bot.runtime.logging import get_logger

log = get_logger(__name__)

LEADER_LOCK_KEY = 0x46574450  # "FWDP"
CHANNEL = "rules_changed"
PROBE_EVERY_S = 5.0
PROBE_TIMEOUT_S = 5.0
RECONNECT_FIRST_S = 0.5  # reconnect tries: this, doubling, …
RECONNECT_MAX_S = 4.0  # … up to this, so the database's return is seen within seconds

Hook = Callable[..., Coroutine[Any, Any, None]]


def process_name() -> str:
    return f"{os.environ.get('DYNO') or socket.gethostname()}:{os.getpid()}"


async def _nothing(*_args: Any) -> None:
    return None


class Cluster:
    def __init__(
        self,
        url: str,
        on_rules_changed: Callable[[], Coroutine[Any, Any, None]],
        *,
        on_lost: Hook = _nothing,
        on_back: Hook = _nothing,
    ) -> None:
        self.name = process_name()
        self._config = connection_config(url)
        self._on_rules_changed = on_rules_changed
        self.on_lost: Hook = on_lost  # (reason)
        self.on_back: Hook = on_back  # (seconds the database was away)
        self._conn: Any = None
        self.leader = False
        self.lost = asyncio.Event()
        self.lost_at: float | None = None
        self.reconnects = 0
        self._tasks: set[asyncio.Task[None]] = set()
        self._probe: asyncio.Task[None] | None = None
        self._closing = False
        self._using = asyncio.Lock()  # one statement at a time on the connection

    @property
    def postgres(self) -> bool:
        return self._config["engine"].endswith("asyncpg")

    async def start(self) -> None:
        if not self.postgres:
            return
        try:
            await self._connect()
        except Exception as error:
            if not unavailable(error):
                raise
            self._lose(f"{type(error).__name__}: {error}")
        self._probe = asyncio.create_task(self._probe_forever())

    async def _connect(self) -> None:
        conn = await connect_direct(self._config["credentials"])
        conn.add_termination_listener(lambda _conn: self._lose("the connection was closed"))
        await conn.add_listener(CHANNEL, self._heard)
        self._conn = conn

    def _lose(self, reason: str) -> None:
        """The connection is gone: stop leading now, tell once, let ``reconnect`` take over."""
        if self.lost.is_set() or self._closing:
            return
        self.leader = False
        self.lost.set()
        self.lost_at = time.monotonic()
        log.warning("database_lost", reason=reason, process=self.name)
        self._spawn(self.on_lost(reason))

    async def reconnect(self, stop: asyncio.Event) -> bool:
        """Connect again, as long as it takes; False when stopped first."""
        delay = RECONNECT_FIRST_S
        while not stop.is_set():
            await self._drop()
            try:
                await self._connect()
            except Exception as error:
                if not unavailable(error):
                    log.exception("database_reconnect_failed")
                else:
                    log_unavailable("database_still_unreachable", error, retry_in=delay)
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(stop.wait(), delay)
                delay = min(delay * 2, RECONNECT_MAX_S)
                continue
            away = time.monotonic() - (self.lost_at or time.monotonic())
            self.lost.clear()
            self.reconnects += 1
            log.info("database_back", after_s=round(away, 1), process=self.name)
            await self._on_rules_changed()  # what changed while we could not hear
            self._spawn(self.on_back(away))
            return True
        return False

    async def try_lead(self) -> bool:
        if not self.postgres:
            self.leader = True
            return True
        if self.lost.is_set():
            return False
        try:
            async with self._using:
                got = await self._conn.fetchval("SELECT pg_try_advisory_lock($1)", LEADER_LOCK_KEY)
        except Exception as error:
            if not unavailable(error):
                raise
            self._lose(f"{type(error).__name__}: {error}")
            return False
        self.leader = bool(got) and not self.lost.is_set()
        return self.leader

    async def notify_rules_changed(self) -> None:
        if self._conn is None or self.lost.is_set():
            return  # the others reload when they (or we) reconnect
        try:
            async with self._using:
                await self._conn.execute("SELECT pg_notify($1, $2)", CHANNEL, self.name)
        except Exception as error:
            if not unavailable(error):
                raise
            self._lose(f"{type(error).__name__}: {error}")

    async def _probe_forever(self) -> None:
        while True:
            await asyncio.sleep(PROBE_EVERY_S)
            if self.lost.is_set() or self._conn is None:
                continue
            try:  # the timeout covers waiting for the connection too: a hung call is a loss
                await asyncio.wait_for(self._select_one(), PROBE_TIMEOUT_S)
            except Exception as error:
                if not unavailable(error):
                    log.exception("database_probe_failed")
                self._lose(f"probe failed: {type(error).__name__}: {error}")

    async def _select_one(self) -> None:
        async with self._using:
            await self._conn.fetchval("SELECT 1")

    def _heard(self, _conn: Any, _pid: int, _channel: str, sender: str) -> None:
        if sender == self.name:
            return  # our own change: the index was reloaded already
        self._spawn(self._on_rules_changed())

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        # In a context of its own: a connection callback runs in whatever context was current,
        # possibly inside someone's transaction, whose connection the work must not share.
        task = contextvars.Context().run(asyncio.create_task, work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _drop(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.terminate()

    async def close(self) -> None:
        self._closing = True
        if self._probe is not None:
            self._probe.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._probe
        if self._conn is not None and not self.lost.is_set():
            with contextlib.suppress(Exception):
                await self._conn.close(timeout=5)  # releases the leader lock
        await self._drop()
        self.leader = False
