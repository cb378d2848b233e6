"""The schema: migrations agree with the models, init_db is harmless twice, FSM state persists."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from aerich import Command
from aiogram.fsm.storage.base import StorageKey

from bot.runtime.db import MIGRATIONS, close_db, open_db, tortoise_config
from bot.runtime.storage import DatabaseStorage
from models import Admin
from tests.conftest import PG_URL

ROOT = Path(__file__).resolve().parent.parent


def run_init_db(database_url: str = PG_URL) -> subprocess.CompletedProcess[str]:
    """The deployment guide's one-off command, in its own process as on Heroku."""
    env = {
        "PATH": os.environ["PATH"],
        "TELEGRAM_BOT_TOKEN": "123456:TEST-TOKEN-abcdefghijklmnop",
        "OWNER_TELEGRAM_ID": "1",
        "DATABASE_URL": database_url,
    }
    return subprocess.run(
        [sys.executable, "-c", "from database import init_db; init_db()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_models_and_migrations_agree(tmp_path: Path, migrated_database: None) -> None:
    # aerich has no check flag: generate into a scratch copy and expect nothing new.
    scratch = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, scratch)
    before = sorted(p.name for p in (scratch / "models").iterdir())
    async with Command(tortoise_config(PG_URL), app="models", location=str(scratch)) as command:
        created = await command.migrate("drift_check", no_input=True)
    after = sorted(p.name for p in (scratch / "models").iterdir())
    assert not created, (
        f"models changed without a migration: run `aerich -c aerich.toml migrate` ({created})"
    )
    assert before == after


async def test_init_db_twice_is_harmless(clean_db: str) -> None:
    await open_db(clean_db)
    await Admin.create(user_id=42, added_by=1)
    await close_db()

    first = run_init_db()
    second = run_init_db()

    assert first.returncode == 0, first.stderr
    assert second.returncode == 0, second.stderr
    assert '"applied": 0' in second.stderr
    await open_db(clean_db)
    try:
        assert await Admin.filter(user_id=42).count() == 1  # data kept
    finally:
        await close_db()


async def test_init_db_creates_the_sqlite_schema_when_asked_for_sqlite(tmp_path: Path) -> None:
    for _ in range(2):
        done = run_init_db(f"sqlite://{tmp_path}/bot.sqlite3")
        assert done.returncode == 0, done.stderr
    assert (tmp_path / "bot.sqlite3").exists()


async def test_wizard_state_survives_reopening_the_database(clean_db: str) -> None:
    key = StorageKey(bot_id=1, chat_id=10, user_id=10)
    await open_db(clean_db)
    storage = DatabaseStorage()
    await storage.set_state(key, "NewRule:sources")
    await storage.update_data(key, {"sources": [-1001]})
    await close_db()  # the dyno restarts

    await open_db(clean_db)
    try:
        storage = DatabaseStorage()
        assert await storage.get_state(key) == "NewRule:sources"
        assert await storage.get_data(key) == {"sources": [-1001]}
        await storage.set_state(key, None)
        await storage.set_data(key, {})
        assert await storage.get_state(key) is None
        assert await storage.get_data(key) == {}
    finally:
        await close_db()
