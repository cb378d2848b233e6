"""The commands Heroku runs, failing as a person can act on: ``python main.py`` and the release
command ``python -c "from database import init_db; init_db()"``. Bad settings: exit 2 within a
second, before the heavy imports; a database that can't be reached: one line and exit 1 after a
bounded wait. Never a traceback, never a secret."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:ENTRY-TOKEN-abcdefghijklmnopqrstuvwxyz"
PASSWORD = "S3cretPassw0rd"
CLOSED_PORT_URL = f"postgres://app:{PASSWORD}@127.0.0.1:1/app"


def _run(args: list[str], env: dict[str, str], cwd: Path) -> tuple[int, str, float]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env={"PATH": os.environ["PATH"], "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    return done.returncode, done.stdout + done.stderr, time.monotonic() - started


def test_the_worker_names_a_bad_setting_within_a_second(tmp_path: Path) -> None:
    code, out, took = _run(
        [str(ROOT / "main.py")], {"TELEGRAM_BOT_TOKEN": "garbage-SECRET"}, cwd=tmp_path
    )
    print(f"main.py: settings error after {took:.2f}s")
    assert code == 2, out
    assert "TELEGRAM_BOT_TOKEN: malformed" in out and "OWNER_TELEGRAM_ID: missing" in out
    assert ".env.example" in out
    assert "Traceback" not in out and "SECRET" not in out
    assert took < 2, f"{took:.2f}s to a settings error"


def test_the_release_command_names_a_bad_setting_within_a_second(tmp_path: Path) -> None:
    env = {"DYNO": "release.1", "TELEGRAM_BOT_TOKEN": TOKEN, "DATABASE_URL": CLOSED_PORT_URL}
    code, out, took = _run(["-c", "from database import init_db; init_db()"], env, cwd=tmp_path)
    print(f"init_db: settings error after {took:.2f}s")
    assert code == 2, out
    for name in ("OWNER_TELEGRAM_ID", "ADMIN_CHAT_ID", "GROQ_API_KEY"):
        assert f"{name}: missing" in out
    assert "heroku config:set" in out
    assert "Traceback" not in out and TOKEN not in out and PASSWORD not in out
    assert took < 2, f"{took:.2f}s to a settings error"


def test_the_release_command_gives_up_on_an_unreachable_database_with_one_line(
    tmp_path: Path,
) -> None:
    env = {"TELEGRAM_BOT_TOKEN": TOKEN, "OWNER_TELEGRAM_ID": "1", "DATABASE_URL": CLOSED_PORT_URL}
    code, out, took = _run(
        ["-c", "from database import init_db; init_db(wait_s=3)"], env, cwd=tmp_path
    )
    print(f"init_db: gave up after {took:.2f}s: {out.strip()}")
    assert code == 1, out
    assert out.strip().splitlines() == [out.strip()]
    assert "postgres://127.0.0.1:1/app could not be reached in 3 s" in out
    assert "check DATABASE_URL" in out
    assert "Traceback" not in out and PASSWORD not in out and TOKEN not in out
    assert 3 <= took < 10
