"""Two flood limiters on one database behave as one: together they never pass the overall, the
per-chat or the per-group window; a 429 one of them saw holds the chat for the other; with the
database gone each goes on alone.

Each limiter stands for a process (its own windows, its own lock); the database is the only thing
they share. The limits are scaled down so that the windows fill within seconds.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator

import pytest
from structlog.testing import capture_logs

from bot.forwarding.delivery.cluster_limits import ClusterRateLimiter
from bot.forwarding.delivery.ratelimit import Limits
from bot.runtime.db import close_db, open_db
from tests.conftest import wait_until

LIMITS = Limits(
    per_chat_interval=0.3,
    group_per_window=3,
    group_window=1.5,
    global_per_window=8,
    global_window=0.5,
)
SLACK = 0.05  # a grant is timed when its answer arrives, a little after the database made it
CHATS = [*range(1, 13), -1001, -1002, -1003, -1004]
CLOSED_PORT_URL = "postgres://postgres@127.0.0.1:9/nowhere"


def most_in_any_window(times: list[float], span: float) -> int:
    ordered = sorted(times)
    most, start = 0, 0
    for end, at in enumerate(ordered):
        while at - ordered[start] >= span:
            start += 1
        most = max(most, end - start + 1)
    return most


async def drive(
    limiter: ClusterRateLimiter, grants: list[tuple[float, int]], until: float, offset: int
) -> None:
    """A worker: one chat after another, each acquire recorded when it is granted."""
    n = offset
    while time.monotonic() < until:
        chat = CHATS[n % len(CHATS)]
        n += 1
        await limiter.acquire(chat)
        grants.append((time.monotonic(), chat))


@pytest.fixture
async def two() -> AsyncIterator[tuple[ClusterRateLimiter, ClusterRateLimiter]]:
    yield ClusterRateLimiter(limits=LIMITS), ClusterRateLimiter(limits=LIMITS)


async def test_two_processes_together_stay_inside_every_window(
    db: str, two: tuple[ClusterRateLimiter, ClusterRateLimiter]
) -> None:
    grants: dict[int, list[tuple[float, int]]] = {0: [], 1: []}
    until = time.monotonic() + 3.0
    await asyncio.gather(
        *(
            drive(limiter, grants[n], until, offset=worker * 5 + n)
            for n, limiter in enumerate(two)
            for worker in range(4)
        )
    )

    every = grants[0] + grants[1]
    assert grants[0] and grants[1], "both processes were granted sends"
    # Overall: at most 8 in any half second, and the limiters kept close to that pace.
    assert most_in_any_window([at for at, _ in every], LIMITS.global_window - SLACK) <= 8
    assert len(every) >= 0.7 * 3.0 / LIMITS.global_window * 8
    for chat in CHATS:
        times = sorted(at for at, to in every if to == chat)
        gaps = [b - a for a, b in itertools.pairwise(times)]
        assert all(gap >= LIMITS.per_chat_interval - SLACK for gap in gaps), (chat, gaps)
        if chat < 0:
            assert most_in_any_window(times, LIMITS.group_window - SLACK) <= 3, chat


async def test_an_album_counts_as_its_messages_in_the_overall_window(
    db: str, two: tuple[ClusterRateLimiter, ClusterRateLimiter]
) -> None:
    first, second = two
    start = time.monotonic()
    await first.acquire(1, count=6)  # six of the eight a half second allows
    await second.acquire(2, count=3)  # must wait for the window to move past the album

    assert time.monotonic() - start >= LIMITS.global_window - SLACK
    assert second.waited_s > 0


async def test_a_429_seen_by_one_process_holds_the_chat_for_the_other(
    db: str, two: tuple[ClusterRateLimiter, ClusterRateLimiter]
) -> None:
    first, second = two
    held = -1001
    penalized_at = time.monotonic()
    first.penalize(held, 1.5)

    probes = iter(range(100, 10_000))

    async def second_knows() -> bool:
        await second.acquire(next(probes))  # any send brings back the cluster's cooling chats
        return held in second.cooling()

    await wait_until(second_knows, timeout=5, message="the hold reaches the other process")
    await second.acquire(held)

    assert time.monotonic() - penalized_at >= 1.5 - SLACK


async def test_with_the_database_closed_the_limiter_goes_on_alone_and_says_so_once(
    db: str,
) -> None:
    limiter = ClusterRateLimiter(limits=LIMITS)
    await limiter.acquire(1)  # shared
    await close_db()
    try:
        with capture_logs() as logs:
            start = time.monotonic()
            for chat in (2, 3, 3):
                await asyncio.wait_for(limiter.acquire(chat), 5)
            limiter.penalize(4, 0.5)
            await limiter.acquire(4)
            elapsed = time.monotonic() - start
    finally:
        await open_db(db)

    unreachable = [entry for entry in logs if entry["event"] == "shared_state_unreachable"]
    assert len(unreachable) == 1 and unreachable[0]["what"] == "flood_limits"
    assert elapsed >= LIMITS.per_chat_interval + 0.5 - SLACK  # the local windows still hold


async def test_against_a_closed_port_the_limiter_answers_at_once_from_its_own_windows(
    migrated_database: None,
) -> None:
    await open_db(CLOSED_PORT_URL)
    try:
        limiter = ClusterRateLimiter(limits=LIMITS)
        start = time.monotonic()
        await asyncio.wait_for(limiter.acquire(-1001), 5)
        await asyncio.wait_for(limiter.acquire(-1001), 5)
        elapsed = time.monotonic() - start
        assert -1001 in limiter.cooling()
    finally:
        await close_db()

    assert LIMITS.per_chat_interval - SLACK <= elapsed < 2.0
