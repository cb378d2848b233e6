"""Shared fixtures: the real PostgreSQL (database ``test`` on 127.0.0.1:5432 unless
TEST_DATABASE_URL says otherwise), a clean schema per test, and a helper to wait on conditions."""

from __future__ import annotations

import asyncio
import inspect
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import pytest
from hypothesis import settings as hypothesis_settings

from bot.runtime.db import close_db, open_db, upgrade_schema

# CI gates on the same examples every run (and no per-example deadline on a loaded machine);
# local runs keep exploring new ones.
hypothesis_settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/test")
KEEP = {"aerich"}


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
