"""Shared fixtures: the real PostgreSQL, a clean schema per test, and a helper to wait on
conditions.

The database is TEST_DATABASE_URL (else database ``test`` on 127.0.0.1:5432). When no server
answers there and PostgreSQL's server binaries are installed, the run makes a throwaway cluster of
its own (``sandbox.postgres``), points TEST_DATABASE_URL and BENCH_DATABASE_URL at it and removes
it at the end (FORWARDER_NO_THROWAWAY_PG=1 says not to). Without either, a run that selects a test
needing Postgres stops with one line saying what to do. Such tests are marked ``postgres``
automatically, so ``-m "not postgres"`` runs the rest on any machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import pytest
from hypothesis import settings as hypothesis_settings

from bot.runtime.db import close_db, describe_target, open_db, unavailable, upgrade_schema
from sandbox.postgres import private_cluster, server_binaries

# CI gates on the same examples every run (and no per-example deadline on a loaded machine);
# local runs keep exploring new ones.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
KEEP = {"aerich"}

# A test needs Postgres when it uses one of these fixtures, or when its module reaches the
# database another way: init_db in a subprocess, the outbox on its own, the benchmarks.
POSTGRES_FIXTURES = {"migrated_database", "clean_db", "db", "world"}
POSTGRES_MODULES = {
    "test_database.py",
    "test_outbox.py",
    "test_bench_smoke.py",
    "test_bench_faults_smoke.py",
    "test_bench_latency_smoke.py",
    "test_bench_scale_smoke.py",
    "test_bench_backfill_smoke.py",
    "test_bench_digest_smoke.py",
}

_throwaway = contextlib.ExitStack()
_no_database: str | None = None  # why the postgres tests can't run, when they can't


def _connect_error(url: str) -> BaseException | None:
    async def connect() -> None:
        conn = await asyncpg.connect(url, timeout=5)
        await conn.close()

    try:
        asyncio.run(connect())
    except Exception as error:
        return error
    return None


def _use_throwaway_cluster() -> None:
    global PG_URL
    cluster = _throwaway.enter_context(private_cluster())
    PG_URL = cluster.url
    os.environ["TEST_DATABASE_URL"] = cluster.url
    os.environ.setdefault("BENCH_DATABASE_URL", cluster.url.rsplit("/", 1)[0] + "/bench")


def pytest_configure(config: pytest.Config) -> None:
    global _no_database
    error = _connect_error(PG_URL)
    if error is None:
        return
    where = describe_target(PG_URL)
    reason = f"{type(error).__name__}: {error}"
    if not unavailable(error):
        _no_database = f"PostgreSQL at {where} refused the tests ({reason}): fix TEST_DATABASE_URL"
    elif server_binaries() is None or os.environ.get("FORWARDER_NO_THROWAWAY_PG"):
        _no_database = (
            f"No PostgreSQL at {where} ({type(error).__name__}) and no server binaries for a "
            "throwaway one: start PostgreSQL there, set TEST_DATABASE_URL, install the server "
            '(apt-get install postgresql), or run only the tests that need none: -m "not postgres"'
        )
    else:
        _use_throwaway_cluster()


def pytest_unconfigure(config: pytest.Config) -> None:
    _throwaway.close()


@pytest.hookimpl(tryfirst=True)  # before -m selects on the marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        if fixtures & POSTGRES_FIXTURES or item.path.name in POSTGRES_MODULES:
            item.add_marker(pytest.mark.postgres)


def pytest_collection_finish(session: pytest.Session) -> None:
    if _no_database and any(item.get_closest_marker("postgres") for item in session.items):
        raise pytest.UsageError(_no_database)


async def _reset_schema() -> None:
    conn = await asyncpg.connect(PG_URL)
    try:
        await conn.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()


async def truncate_all() -> None:
    conn = await asyncpg.connect(PG_URL)
    try:
        tables = [
            r["tablename"]
            for r in await conn.fetch("SELECT tablename FROM pg_tables WHERE schemaname='public'")
            if r["tablename"] not in KEEP
        ]
        if tables:
            await conn.execute(
                "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
            )
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def migrated_database() -> None:
    """Once per run: an empty schema, then every migration applied as on Heroku."""

    async def prepare() -> None:
        await _reset_schema()
        await upgrade_schema(PG_URL)

    asyncio.run(prepare())


@pytest.fixture
async def clean_db(migrated_database: None) -> AsyncIterator[str]:
    """An emptied database (schema kept); yields its URL. Tortoise is not opened."""
    await truncate_all()
    yield PG_URL


@pytest.fixture
async def db(clean_db: str) -> AsyncIterator[str]:
    """An emptied database with Tortoise opened on it for the test's own queries."""
    await open_db(clean_db)
    try:
        yield clean_db
    finally:
        await close_db()


async def wait_until(
    condition: Callable[[], Any | Awaitable[Any]], timeout: float = 10.0, message: str = ""
) -> Any:
    """Poll ``condition`` (sync or async) until truthy; fail with ``message`` at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if inspect.isawaitable(value):  # coroutines and Tortoise querysets alike
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message or condition}")
        await asyncio.sleep(0.02)
