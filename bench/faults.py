"""Faults mid-burst: the bot killed, its database restarted, a poison update, a poison post.

``python -m bench.faults [--posts 20] [--destinations 20] [--outage_s 5]``

Every scenario runs the real ``python main.py`` against the Telegram stand-in (a child process,
Telegram's flood limits on, each call answered after 60 ms as real Telegram takes tens of ms) on a private PostgreSQL cluster made for this run
(``sandbox/postgres.py``: it may be restarted; the shared server never is). A burst is ``posts``
channel posts copied to ``destinations`` channels.

* **kill -9**: once a quarter of the burst is sent, the bot gets SIGKILL; the claims it held are
  counted (``in_flight_at_kill``) and a new process starts at once. ``recovery_s``: from that
  start to the next delivery to a destination the dead process had a claim on.
* **database restart**: once a quarter is sent, the cluster stops for ``outage_s`` and starts
  again; the bot must stay up (``survived``). ``recovery_s``: from the database being back to
  the next delivery to a destination that had a send in flight (or any, if none had).
* **poison update**: an album whose id does not fit the outbox (it can never be stored), then
  ordinary posts; **poison post**: a post whose bold entity starts inside an emoji's surrogate
  pair on a rule with a header step (making its HTML fails every time), then ordinary posts.
  ``stall_s``: how long the ordinary post right behind a poison one took from being posted to
  being sent, at its slowest destination.

``lost`` counts the (post, destination) pairs never delivered, ``duplicated`` the copies beyond
one, over all scenarios. Times are this machine's clock: the bot records ``finished_at`` in the
database, this script the moments of posting, kill and restart.

Prints ``RESULT lost=… duplicated=… in_flight_at_kill=… recovery_s=… survived=… stall_s=…``.
Targets: lost 0; duplicates only among sends in flight at the kill; recovery_s ≤ 20 after kill -9
and ≤ 15 after the database is back; survived 1; stall_s ≤ 5.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg

from bench.common import (
    SOURCE,
    BotProcess,
    StandIn,
    bot_environment,
    cli,
    insert_rules,
    measured_destinations,
    prepare_database,
    report,
    rule_record,
    say,
    say_load,
    sibling_database,
)
from sandbox.postgres import PrivateCluster, private_cluster

DRAIN_TIMEOUT_S = 120.0
# Real Telegram answers a call after tens of milliseconds: sends are in flight long enough for a
# kill or an outage to catch some.
TELEGRAM_LATENCY_MS = 60
HEADER: dict[str, Any] = {"type": "header", "template": "News"}
# The bold entity starts inside the emoji's surrogate pair: no HTML can be made of it.
POISON_POST = {"text": "a\U0001f600b", "entities": [{"type": "bold", "offset": 2, "length": 2}]}


@dataclass
class Outcome:
    name: str
    lost: int = 0
    duplicated: int = 0
    in_flight_at_kill: int = 0
    recovery_s: float = 0.0
    survived: int = 1
    stall_s: float = 0.0

    def tally(self, drained: bool = True) -> str:
        drain = "" if drained else "NOT drained; "
        return f"{drain}lost {self.lost}, duplicated {self.duplicated}"


def post_text(scenario: str, n: int) -> str:
    return f"{scenario} bulletin #{n}: roads closed north of the river until noon."


class World:
    """One scenario's database, stand-in and chats."""

    def __init__(self, url: str, tg: StandIn, dests: Sequence[int]) -> None:
        self.url = url
        self.tg = tg
        self.dests = list(dests)

    async def query(self, sql: str, *args: object) -> list[asyncpg.Record]:
        conn = await asyncpg.connect(self.url)
        try:
            return list(await conn.fetch(sql, *args))
        finally:
            await conn.close()

    async def sent(self) -> int:
        rows = await self.query("SELECT COUNT(*) AS n FROM deliveries WHERE status = 'sent'")
        return int(rows[0]["n"])

    async def wait_sent(self, count: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while await self.sent() < count:
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(0.1)
        return True

    async def mid_send(self, count: int, timeout: float) -> list[int]:
        """Once ``count`` are sent, the next moment some sends are in flight: their chats."""
        await self.wait_sent(count, timeout)
        deadline = time.monotonic() + timeout
        while True:
            busy = await self.in_flight()
            if busy or time.monotonic() > deadline:
                return busy
            await asyncio.sleep(0.01)

    async def in_flight(self) -> list[int]:
        rows = await self.query("SELECT dest_chat_id FROM deliveries WHERE status = 'in_flight'")
        return [int(row["dest_chat_id"]) for row in rows]

    async def recovered(
        self, total: int, since: float, stalled: Sequence[int]
    ) -> tuple[bool, float]:
        """Whether all ``total`` went out, and how long after ``since`` the first delivery to a
        stalled destination (any, if none was) was sent."""
        drained = await self.wait_sent(total, DRAIN_TIMEOUT_S)
        rows = await self.query(
            "SELECT MIN(finished_at) AS at FROM deliveries "
            "WHERE status = 'sent' AND finished_at >= $1 AND dest_chat_id = ANY($2::bigint[])",
            since,
            list(stalled or self.dests),
        )
        at = rows[0]["at"]
        return drained, (at - since) if at else DRAIN_TIMEOUT_S

    async def copies(self, texts: Sequence[str]) -> tuple[int, int]:
        """(lost, duplicated) over ``texts`` × every destination."""
        lost = duplicated = 0
        wanted = set(texts)
        for dest in self.dests:
            seen = Counter(
                message.get("text") or ""
                for message in await self.tg.call("bot_messages", chat_id=dest)
            )
            for text in wanted:
                found = sum(n for copy, n in seen.items() if copy.endswith(text))
                lost += found == 0
                duplicated += max(0, found - 1)
        return lost, duplicated

    async def wait_behind(self, message_id: int, posted_at: float) -> float:
        """How long the post right behind a poison one took, posted to sent, at its slowest
        destination (the later posts add Telegram's per-chat pacing, not the poison's wait)."""
        rows = await self.query(
            "SELECT MAX(finished_at) AS at FROM deliveries "
            "WHERE status = 'sent' AND source_message_ids->>0 = $1",
            str(message_id),
        )
        at = rows[0]["at"]
        return (float(at) if at else time.time()) - posted_at


@contextlib.asynccontextmanager
async def world(
    cluster: PrivateCluster,
    name: str,
    destinations: int,
    steps: Sequence[dict[str, Any]] = (),
    latency_ms: int = TELEGRAM_LATENCY_MS,
) -> AsyncIterator[World]:
    url = sibling_database(cluster.url, name)
    await prepare_database(url)
    dests = measured_destinations(destinations)
    record = rule_record(name, [SOURCE], dests, steps=list(steps))
    await insert_rules(url, [record])
    async with StandIn(latency_ms=latency_ms) as tg:
        await tg.basic_world()
        await tg.channel(SOURCE, "Source")
        for n, dest in enumerate(dests):
            await tg.channel(dest, f"Dest {n}")
        yield World(url, tg, dests)


async def burst(here: World, scenario: str, posts: int) -> list[str]:
    texts = [post_text(scenario, n) for n in range(posts)]
    for text in texts:
        await here.tg.call("channel_post", chat_id=SOURCE, text=text)
    return texts


async def kill_mid_burst(cluster: PrivateCluster, posts: int, destinations: int) -> Outcome:
    outcome = Outcome("kill -9")
    async with world(cluster, "faults_kill", destinations) as here:
        env = bot_environment(here.url, here.tg.url)
        first = await BotProcess.start(env, "faults-kill-1")
        texts = await burst(here, "kill", posts)
        total = posts * destinations
        await here.mid_send(total // 4, DRAIN_TIMEOUT_S)
        first.kill()
        await first.wait()
        stalled = await here.in_flight()
        outcome.in_flight_at_kill = len(stalled)
        restarted_at = time.time()
        second = await BotProcess.start(env, "faults-kill-2")
        try:
            drained, outcome.recovery_s = await here.recovered(total, restarted_at, stalled)
        finally:
            await second.stop()
        outcome.lost, outcome.duplicated = await here.copies(texts)
    say(
        f"  kill -9 after a quarter: {outcome.in_flight_at_kill} in flight at the kill, "
        f"next delivery to their destinations {outcome.recovery_s:.1f} s after the restart; "
        + outcome.tally(drained)
    )
    return outcome


async def restart_database(
    cluster: PrivateCluster, posts: int, destinations: int, outage_s: int
) -> Outcome:
    outcome = Outcome("database restart")
    async with world(cluster, "faults_db", destinations) as here:
        bot = await BotProcess.start(bot_environment(here.url, here.tg.url), "faults-db")
        try:
            texts = await burst(here, "outage", posts)
            total = posts * destinations
            stalled = await here.mid_send(total // 4, DRAIN_TIMEOUT_S)
            await asyncio.to_thread(cluster.stop, "immediate")
            await asyncio.sleep(outage_s)  # the outage being measured, not a synchronisation
            await asyncio.to_thread(cluster.start)
            drained, outcome.recovery_s = await here.recovered(total, time.time(), stalled)
            outcome.survived = int(bot.running)
        finally:
            await bot.stop()
        outcome.lost, outcome.duplicated = await here.copies(texts)
    say(
        f"  database down {outage_s} s after a quarter ({len(stalled)} in flight): "
        f"{'the bot stayed up' if outcome.survived else 'THE BOT EXITED'}, next delivery "
        f"{outcome.recovery_s:.1f} s after the database was back; " + outcome.tally(drained)
    )
    return outcome


async def poison(cluster: PrivateCluster, kind: str, destinations: int, after: int) -> Outcome:
    outcome = Outcome(f"poison {kind}")
    steps = [HEADER] if kind == "post" else []
    async with world(cluster, f"faults_poison_{kind}", destinations, steps) as here:
        bot = await BotProcess.start(bot_environment(here.url, here.tg.url), f"faults-{kind}")
        try:
            if kind == "update":
                await here.tg.call(
                    "channel_post", chat_id=SOURCE, caption="poison", photo=True,
                    media_group_id="9" * 120,
                )  # fmt: skip
            else:
                await here.tg.call("channel_post", chat_id=SOURCE, **POISON_POST)
            texts = [post_text(f"after the poison {kind}", n) for n in range(after)]
            behind = await here.tg.call("channel_post", chat_id=SOURCE, text=texts[0])
            posted_at = time.time()
            for text in texts[1:]:
                await here.tg.call("channel_post", chat_id=SOURCE, text=text)
            await here.wait_sent(after * destinations, DRAIN_TIMEOUT_S)
            outcome.stall_s = await here.wait_behind(int(behind["message_id"]), posted_at)
        finally:
            await bot.stop()
        outcome.lost, outcome.duplicated = await here.copies(texts)
    say(
        f"  poison {kind}, then {after} posts: the one right behind it took "
        f"{outcome.stall_s:.2f} s from posted to sent (slowest destination); " + outcome.tally()
    )
    return outcome


async def measure(
    posts: int = 20, destinations: int = 20, outage_s: int = 5, after: int = 5
) -> dict[str, float | int]:
    """Every scenario, then the RESULT line; returns its figures."""
    say(
        f"faults benchmark: bursts of {posts} posts x {destinations} channels, python main.py, "
        "on a private PostgreSQL cluster"
    )
    say_load()
    with private_cluster() as cluster:
        outcomes = [
            await kill_mid_burst(cluster, posts, destinations),
            await restart_database(cluster, posts, destinations, outage_s),
            await poison(cluster, "update", destinations, after),
            await poison(cluster, "post", destinations, after),
        ]
    return report(
        lost=sum(o.lost for o in outcomes),
        duplicated=sum(o.duplicated for o in outcomes),
        in_flight_at_kill=sum(o.in_flight_at_kill for o in outcomes),
        recovery_s=round(max(o.recovery_s for o in outcomes), 2),
        survived=min(o.survived for o in outcomes),
        stall_s=round(max(o.stall_s for o in outcomes), 2),
    )


if __name__ == "__main__":
    cli("faults", __doc__ or "", measure, posts=20, destinations=20, outage_s=5, after=5)
