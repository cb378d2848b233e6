"""``python main.py`` as Heroku runs it: settings errors, the start line, SIGTERM, no secrets."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from pathlib import Path

from tests.e2e.conftest import ALERTS, TOKEN, World

ROOT = Path(__file__).resolve().parents[2]


def _base_env() -> dict[str, str]:
    return {"PATH": os.environ["PATH"], "PYTHONUNBUFFERED": "1"}


async def _run(env: dict[str, str], timeout: float = 60) -> tuple[int, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "main.py",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(proc.communicate(), timeout)
    return proc.returncode or 0, out.decode()


async def test_missing_settings_give_one_clear_error_and_a_non_zero_exit() -> None:
    code, out = await _run({**_base_env(), "TELEGRAM_BOT_TOKEN": "garbage", "DYNO": "worker.1"})
    assert code == 2
    for name in (
        "TELEGRAM_BOT_TOKEN",
        "OWNER_TELEGRAM_ID",
        "DATABASE_URL",
        "ADMIN_CHAT_ID",
        "GROQ_API_KEY",
    ):
        assert name in out
    assert "Traceback" not in out and "garbage" not in out


async def test_sigterm_ends_the_bot_cleanly_within_heroku_grace(world: World) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "main.py",
        cwd=ROOT,
        env={**_base_env(), **world.env()},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    deadline = time.monotonic() + 30
    while not any("Bot started. Listening for messages..." in line for line in lines):
        assert time.monotonic() < deadline, "no start line:\n" + "".join(lines)
        line = await asyncio.wait_for(proc.stdout.readline(), 30)
        assert line, "the bot exited early:\n" + "".join(lines)
        lines.append(line.decode())
    await world.tg.wait_for(lambda: world.tg.is_polling(), timeout=10)

    sent_at = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    rest, _ = await asyncio.wait_for(proc.communicate(), 30)
    took = time.monotonic() - sent_at

    out = "".join(lines) + rest.decode()
    assert proc.returncode == 0, out
    print(f"stopped {took:.2f}s after SIGTERM")
    assert took < 10, f"took {took:.1f}s to stop"
    assert out.count("Bot started. Listening for messages...") == 1
    assert "bot_stopped" in out
    assert TOKEN not in out
    assert not world.tg.invalid_calls()


async def test_a_rejected_token_never_appears_in_the_output(world: World) -> None:
    wrong = "999999:WRONG-TOKEN-abcdefghijklmnopqrstuvw"
    env = {**_base_env(), **world.env(), "TELEGRAM_BOT_TOKEN": wrong, "LOG_LEVEL": "DEBUG"}
    code, out = await _run(env)
    assert code == 1
    assert "telegram_token_rejected" in out
    assert wrong not in out and "WRONG-TOKEN" not in out


async def test_an_unreachable_database_is_waited_for_and_never_shows_its_password(
    world: World,
) -> None:
    env = {
        **_base_env(),
        **world.env(),
        "DATABASE_URL": "postgres://app:S3cretPassw0rd@127.0.0.1:1/app",
        "LOG_LEVEL": "DEBUG",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "main.py",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    assert proc.stdout is not None
    lines: list[str] = []
    while sum("database_unreachable" in line for line in lines) < 2:  # it keeps trying
        line = await asyncio.wait_for(proc.stdout.readline(), 30)
        assert line, "the bot exited instead of waiting:\n" + "".join(lines)
        lines.append(line.decode())
    proc.send_signal(signal.SIGTERM)
    rest, _ = await asyncio.wait_for(proc.communicate(), 30)
    out = "".join(lines) + rest.decode()
    assert proc.returncode == 0, out
    assert "S3cretPassw0rd" not in out and TOKEN not in out
    assert "Bot started" not in out
    alerts = world.texts(ALERTS)
    assert len(alerts) == 1 and "database is unreachable" in alerts[0]
    assert "S3cretPassw0rd" not in alerts[0]
