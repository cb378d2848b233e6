"""Several dynos side by side: one polls (the leader), all deliver, rule changes reach everyone.

On Postgres a dedicated connection holds a session advisory lock: whoever holds it polls
Telegram; when that dyno stops or its connection drops, the lock is released and another dyno
takes over. The same connection LISTENs for ``rules_changed`` so every dyno reloads its rule
index. On SQLite there is one process: it always leads and notifications are local.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
from collections.abc import Callable, Coroutine
from typing import Any

from bot.runtime.db import connect_direct, connection_config
from bot.runtime.logging import get_logger

log = get_logger(__name__)

LEADER_LOCK_KEY = 0x46574450  # "FWDP"
CHANNEL = "rules_changed"


def process_name() -> str:
    return f"{os.environ.get('DYNO') or socket.gethostname()}:{os.getpid()}"


class Cluster:
    def __init__(self, url: str, on_rules_changed: Callable[[], Coroutine[Any, Any, None]]) -> None:
        self.name = process_name()
        self._config = connection_config(url)
        self._on_rules_changed = on_rules_changed
        self._conn: Any = None
        self.leader = False
        self.lost = asyncio.Event()
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def postgres(self) -> bool:
        return self._config["engine"].endswith("asyncpg")

    async def start(self) -> None:
        if not self.postgres:
            return
        self._conn = await connect_direct(self._config["credentials"])
        self._conn.add_termination_listener(lambda _conn: self.lost.set())
        await self._conn.add_listener(CHANNEL, self._heard)

    async def try_lead(self) -> bool:
        if not self.postgres:
            self.leader = True
        elif not self.lost.is_set():
            self.leader = bool(
                await self._conn.fetchval("SELECT pg_try_advisory_lock($1)", LEADER_LOCK_KEY)
            )
        return self.leader

    async def notify_rules_changed(self) -> None:
        if self._conn is not None and not self.lost.is_set():
            await self._conn.execute("SELECT pg_notify($1, $2)", CHANNEL, self.name)

    def _heard(self, _conn: Any, _pid: int, _channel: str, sender: str) -> None:
        if sender == self.name:
            return  # our own change: the index was reloaded already
        task = asyncio.create_task(self._on_rules_changed())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close(timeout=5)  # releases the leader lock
        self.leader = False
