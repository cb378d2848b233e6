"""Scaling over dynos: 1, 2 and 4 bot processes on one database against one Telegram stand-in.

``python -m bench.scale [--posts 10] [--destinations 100] [--latency_ms 200]``

Each run starts N real ``python main.py`` processes (separate OS processes, as dynos are) on a
fresh database, waits for every start line, then posts ``posts`` times to a source channel whose
rules send to ``destinations`` channels where the bot is admin. One process polls (the leader);
all of them deliver. The clock runs from the first post to the last delivery recorded as sent
(``finished_at``, written by the bots on this machine's clock).

* With Telegram's limits on (the stand-in counts them per bot token across all callers:
  ``sandbox/telegram/flood.py``), the processes share one limit through Postgres
  (``bot/forwarding/delivery/cluster_limits.py``): ``msgs_per_s`` is the lowest throughput of
  the 2- and 4-process runs (target ≥ 27 of the ceiling of 30) and ``http_429`` the 429 answers of
  the 1-, 2- and 4-process runs together (target 0). 100 channels take one message a second each
  and 20 a minute, so the load can reach 30 a second.
* With the limits lifted (the stand-in's ``--no-flood``, the bot's ``TELEGRAM_FLOOD_LIMITS=false``;
  the shared limiter still makes its reservation for every send), ``efficiency_4`` is the
  throughput of 4 processes divided by 4 × that of 1 (target ≥ 0.7).

The stand-in waits ``latency_ms`` before it answers each call (default 200 ms). A dyno in Heroku's
US region reaches Telegram's Bot API in Europe across the Atlantic (about 90 ms a round trip) and
Telegram then does the work, so a call takes 100 to 300 ms there; tens of milliseconds is the best
case, close to Telegram. Without a latency a call costs only CPU, and on this 2-core machine four
bot processes and the stand-in run out of cores (about 130 messages a second in all, the bots at
some 8 ms of CPU a message): the lifted runs would measure the cores, not the sharing. With it a
process spends its time waiting on Telegram, as a dyno does, and what can stop four processes
from doing four times the work is what they share: the outbox, the limiter, the database.

Prints ``RESULT msgs_per_s=… http_429=… efficiency_4=…``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

import asyncpg

from bench.common import (
    PROCESS_LOGS,
    SOURCE,
    BotProcess,
    StandIn,
    bot_environment,
    cli,
    database_url,
    insert_rules,
    measured_destinations,
    prepare_database,
    rate,
    report,
    rule_record,
    say,
    say_load,
)

CEILING = 30
TARGET_MSGS_PER_S = 27.0
TARGET_EFFICIENCY = 0.7
MAX_DESTINATIONS_PER_RULE = 50  # RuleSpec's limit
START_TIMEOUT_S = 60.0
RUN_TIMEOUT_S = 150.0


@dataclass
class Run:
    processes: int
    limits: bool
    sent: int
    seconds: float
    http_429: int

    @property
    def msgs_per_s(self) -> float:
        return rate(self.sent, self.seconds)


def post_text(n: int) -> str:
    return f"Bulletin #{n}: <b>storm warning</b> for the coast tonight; ferries suspended."


@contextlib.asynccontextmanager
async def bots(count: int, env: dict[str, str], label: str) -> AsyncIterator[None]:
    """``count`` bot processes started together, each logging to a file of its own; yields once
    all are up and stops them as Heroku would (SIGTERM) on leaving."""
    starting = [
        asyncio.create_task(BotProcess.start(env, f"{label}-{n}", START_TIMEOUT_S))
        for n in range(count)
    ]
    await asyncio.wait(starting)
    started = [task.result() for task in starting if not task.exception()]
    try:
        if len(started) < count:
            raise RuntimeError(f"a bot process did not start; see {PROCESS_LOGS}/{label}-*.log")
        yield
    finally:
        await asyncio.gather(*(bot.stop() for bot in started))


async def sent_so_far(conn: asyncpg.Connection) -> tuple[int, float]:
    row = await conn.fetchrow(
        "SELECT COUNT(*) AS sent, MAX(finished_at) AS last FROM deliveries WHERE status = 'sent'"
    )
    assert row is not None
    return int(row["sent"]), float(row["last"] or 0.0)


async def one_run(
    processes: int,
    limits: bool,
    *,
    url: str,
    posts: int,
    destinations: int,
    latency_ms: int,
    timeout: float,
) -> Run:
    expected = posts * destinations
    label = f"{urlsplit(url).path.lstrip('/')}-{processes}p-{'limits' if limits else 'lifted'}"
    await prepare_database(url)
    dests = measured_destinations(destinations)
    groups = [
        dests[i : i + MAX_DESTINATIONS_PER_RULE]
        for i in range(0, len(dests), MAX_DESTINATIONS_PER_RULE)
    ]
    await insert_rules(
        url, (rule_record(f"fan-out {n}", [SOURCE], group) for n, group in enumerate(groups))
    )
    tg = StandIn(flood=limits, latency_ms=latency_ms)
    await tg.start()
    try:
        await tg.basic_world()
        await tg.channel(SOURCE, "Source")
        for n, dest in enumerate(dests):
            await tg.channel(dest, f"Dest {n}")
        async with bots(processes, bot_environment(url, tg.url, limits), label):
            begin = time.time()
            await tg.post_many(SOURCE, [post_text(n) for n in range(posts)], concurrency=1)
            deadline = time.monotonic() + timeout
            conn = await asyncpg.connect(url)
            try:
                sent, last = await sent_so_far(conn)
                while sent < expected and time.monotonic() < deadline:
                    await asyncio.sleep(0.1)
                    sent, last = await sent_so_far(conn)
            finally:
                await conn.close()
        stats = await tg.stats()
    finally:
        await tg.stop()
    run = Run(processes, limits, sent, max(0.0, last - begin), stats["responses_429"])
    say(
        f"  {label}: sent {sent}/{expected} in {run.seconds:.2f} s = {run.msgs_per_s:.1f} msgs/s; "
        f"{stats['calls']} calls, {run.http_429} answered 429"
        + ("" if sent == expected else f"; TIMED OUT after {timeout:.0f} s")
    )
    return run


async def measure(
    posts: int = 10,
    destinations: int = 100,
    latency_ms: int = 200,
    db_url: str | None = None,
    timeout: float = RUN_TIMEOUT_S,
    processes: Sequence[int] = (1, 2, 4),
) -> dict[str, float | int]:
    """Run every configuration and print the RESULT line; returns its figures."""
    url = db_url or database_url()
    say(
        f"scale benchmark: {posts} posts x {destinations} channels = {posts * destinations} "
        f"messages a run, by {', '.join(map(str, processes))} processes (python main.py)"
    )
    say(
        f"Telegram stand-in latency {latency_ms} ms a call (a Heroku US dyno to Telegram's Bot "
        f"API in Europe: 100-300 ms), so a process waits on the network as a dyno does, not on "
        f"this machine's {os.cpu_count()} cores"
    )
    say(f"bot process logs: {PROCESS_LOGS}/<database>-<processes>p-<limits|lifted>-<n>.log")
    say_load()

    async def run(count: int, limits: bool) -> Run:
        return await one_run(
            count,
            limits,
            url=url,
            posts=posts,
            destinations=destinations,
            latency_ms=latency_ms,
            timeout=timeout,
        )

    say("with Telegram's limits (stand-in and bot):")
    limited = [await run(n, True) for n in processes]
    say("with the limits lifted (stand-in --no-flood, TELEGRAM_FLOOD_LIMITS=false):")
    lifted = {n: await run(n, False) for n in (min(processes), max(processes))}

    several = [run for run in limited if run.processes > 1] or limited
    msgs_per_s = min(run.msgs_per_s for run in several)
    http_429 = sum(run.http_429 for run in limited)
    one, most = lifted[min(processes)], lifted[max(processes)]
    ratio = most.processes / one.processes
    efficiency = most.msgs_per_s / (ratio * one.msgs_per_s) if one.msgs_per_s else 0.0
    say(
        f"limits on: lowest of the multi-process runs {msgs_per_s:.1f} msgs/s "
        f"(target ≥ {TARGET_MSGS_PER_S:.0f}, ceiling {CEILING}); 429s {http_429} (target 0)"
    )
    say(
        f"limits lifted: {one.msgs_per_s:.1f} msgs/s by {one.processes}, {most.msgs_per_s:.1f} by "
        f"{most.processes}: efficiency {efficiency:.2f} (target ≥ {TARGET_EFFICIENCY})"
    )
    return report(
        msgs_per_s=round(msgs_per_s, 1), http_429=http_429, efficiency_4=round(efficiency, 2)
    )


if __name__ == "__main__":
    cli("scale", __doc__ or "", measure, posts=10, destinations=100, latency_ms=200)
