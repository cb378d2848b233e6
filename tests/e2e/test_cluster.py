"""Two dynos on one Postgres: one polls, both deliver, nothing is sent twice; failover works."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

from tests.e2e.conftest import World, running
from tests.e2e.test_forwarding import DEST_A, DEST_B, DEST_C, SRC, rule_data

ROOT = Path(__file__).resolve().parents[2]


async def test_two_dynos_share_the_work_and_never_send_a_delivery_twice(world: World) -> None:
    tg = world.tg
    world.channel("Source", SRC)
    for dest in (DEST_A, DEST_B, DEST_C):
        world.channel("Dest", dest)
    dests = (DEST_A, DEST_B, DEST_C)
    output: list[str] = []

    async with running(world, worker_count=4) as first:
        assert first.services is not None
        await first.services.rules.create(rule_data(dests=dests))
        second = await asyncio.create_subprocess_exec(
            sys.executable,
            "main.py",
            cwd=ROOT,
            env={"PATH": os.environ["PATH"], "PYTHONUNBUFFERED": "1", **world.env()},
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        assert second.stdout is not None
        reader = asyncio.create_task(_collect(second.stdout, output))
        try:
            await _wait_output(output, "Bot started. Listening for messages...")
            for n in range(12):
                tg.channel_post(SRC, f"post {n}")
            await tg.wait_for(lambda: all(len(world.replies(d)) == 12 for d in dests), timeout=60)
        finally:
            pass
    # The first dyno stopped (as on a restart): the second takes over polling.
    try:
        await _wait_output(output, "polling_started", timeout=20)
        tg.channel_post(SRC, "after failover")
        await tg.wait_for(lambda: all(len(world.replies(d)) == 13 for d in dests), timeout=30)
    finally:
        second.send_signal(signal.SIGTERM)
        await asyncio.wait_for(second.wait(), 30)
        await reader

    for dest in dests:
        assert world.texts(dest) == [f"post {n}" for n in range(12)] + ["after failover"]
    log = "".join(output)
    assert second.returncode == 0, log
    assert "delivery_sent" in log.split("polling_started")[0], "the second dyno delivered nothing"
    assert not tg.invalid_calls()


async def _collect(stream: asyncio.StreamReader, into: list[str]) -> None:
    while line := await stream.readline():
        into.append(line.decode())


async def _wait_output(output: list[str], text: str, timeout: float = 30) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not any(text in line for line in output):
        assert loop.time() < deadline, f"no {text!r} in:\n" + "".join(output)
        await asyncio.sleep(0.05)
