"""History backfill through the user account: killed with SIGKILL halfway, started again.

``python -m bench.backfill [--posts 5000] [--pace 40]``

A source channel the bot is not in holds ``posts`` history posts; the owner's user account (the
stand-in's fake, ``sandbox/account``) reads it, at the fake's FloodWait pace (``pace`` copies a
second, a burst of as many; past it the account gets FLOOD_WAIT with whole seconds, as from
Telegram). One rule reads the source through the account and copies to one channel; a backfill
job of the last ``posts`` posts is waiting when the bot starts (as the rule card leaves one).
The bot is a real process (``sandbox/account/dyno.py``: ``main.py`` with the fake account) on a
private PostgreSQL cluster (``sandbox/postgres.py``), against the Telegram stand-in with its flood
limits lifted (the account's pace is what is measured). Once half the posts are done it gets
SIGKILL (at a moment with no copy to the destination in flight, the process frozen with SIGSTOP
while that is checked: the outbox mid-send is ``bench.faults``' subject) and a new process starts
at once; it resumes the job from its cursor.

Checked at the destination: ``lost`` counts history posts that never arrived, ``duplicated`` the
copies beyond one, and ``out_of_order`` the copies that arrived before an older post's.
``posts_per_s``: posts at the destination over the time from the first start to the last
arrival, the restart included (the new process waits for the fake to let the dead process's
session go, as Telegram does). ``flood_waits_obeyed``: the FloodWaits the job waited out (the
fake's own count of those it answered is printed beside it).

Prints ``RESULT posts_per_s=… flood_waits_obeyed=… lost=… duplicated=…``. Targets: lost 0,
duplicated 0. Should a copy to the destination still be caught in flight by the kill, it may go
twice (the outbox's known case): the line before RESULT says how many of the doubled were.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import signal
import sys
import time
from collections import Counter
from typing import Any

import asyncpg

from bench.common import (
    OWNER,
    PROCESS_LOGS,
    ROOT,
    BotProcess,
    StandIn,
    bot_environment,
    cli,
    insert_rules,
    prepare_database,
    report,
    rule_record,
    say,
    say_load,
    sibling_database,
)
from sandbox.postgres import private_cluster

HISTORY = -1001000000555  # the source: the bot is not in it, the account is
DEST = -1001000100555
TIMEOUT_S = 600.0
QUIET_TIMEOUT_S = 10.0


class AccountBot(BotProcess):
    """``python -m sandbox.account.dyno``: a dyno whose user account is the stand-in's fake."""

    @classmethod
    async def start(cls, env: dict[str, str], label: str, timeout: float = 60.0) -> BotProcess:
        PROCESS_LOGS.mkdir(parents=True, exist_ok=True)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "sandbox.account.dyno", cwd=ROOT, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        bot = cls(process, PROCESS_LOGS / f"{label}.log")
        try:
            await asyncio.wait_for(bot._up.wait(), timeout)
        except asyncio.TimeoutError:
            await bot.stop()
            raise RuntimeError(f"bot process {label} did not start; see {bot.log}") from None
        return bot


def post_text(n: int) -> str:
    return f"archive #{n:05d}: the council met and the bridge reopened"


class Job:
    def __init__(self, url: str) -> None:
        self.url = url

    async def row(self) -> dict[str, Any]:
        conn = await asyncpg.connect(self.url)
        try:
            found = await conn.fetchrow(
                "SELECT status, done, total, flood_waits, flood_seconds FROM backfill_jobs"
            )
        finally:
            await conn.close()
        return dict(found) if found else {}

    async def wait(self, check: Any, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            row = await self.row()
            if check(row) or time.monotonic() > deadline:
                return row
            await asyncio.sleep(0.2)


async def create_job(url: str, posts: int) -> None:
    record = list(rule_record("history", [HISTORY], [DEST]))
    sources = json.loads(record[3])
    sources[0]["via"] = "account"
    record[3] = json.dumps(sources)
    await insert_rules(url, [tuple(record)])
    conn = await asyncpg.connect(url)
    try:
        rule_id = await conn.fetchval("SELECT id FROM rules")
        now = time.time()
        await conn.execute(
            "INSERT INTO backfill_jobs (rule_id, source_chat_id, source_title, mode, \"limit\", "
            "units, created_by, created_at, updated_at) "
            "VALUES ($1, $2, 'History', 'last', $3, '[]', $4, $5, $5)",
            rule_id, HISTORY, posts, OWNER, now,
        )  # fmt: skip
    finally:
        await conn.close()


async def kill_when_quiet(bot: BotProcess, url: str, timeout: float = QUIET_TIMEOUT_S) -> None:
    """SIGKILL the bot at a moment with no copy to the destination in flight (or, past the
    deadline, as it is): the kill is to catch the backfill mid-way, not the outbox mid-send
    (``bench.faults`` does that). The process is frozen with SIGSTOP while the outbox is looked
    at, so nothing can be claimed between the look and the kill (a claim not committed when it
    froze dies with it); if a send is in flight it runs on and is looked at again."""
    conn = await asyncpg.connect(url)
    sql = "SELECT EXISTS (SELECT 1 FROM deliveries WHERE status = 'in_flight')"
    try:
        deadline = time.monotonic() + timeout
        while True:
            bot.process.send_signal(signal.SIGSTOP)
            if not await conn.fetchval(sql) or time.monotonic() > deadline:
                break
            bot.process.send_signal(signal.SIGCONT)
            await asyncio.sleep(0.01)  # let the send finish; the next look decides
    finally:
        await conn.close()
    bot.kill()  # SIGKILL ends a stopped process as well


async def in_flight_sends(url: str) -> set[int]:
    """The source posts whose copies a killed process had claimed: the outbox sends them again
    (one may have reached Telegram just before the kill: the outbox's known way to send twice,
    measured apart by ``bench.faults``)."""
    conn = await asyncpg.connect(url)
    try:
        rows = await conn.fetch(
            "SELECT source_message_ids FROM deliveries WHERE status = 'in_flight'"
        )
    finally:
        await conn.close()
    return {int(n) for row in rows for n in json.loads(row["source_message_ids"])}


async def arrivals(tg: StandIn, texts: list[str]) -> tuple[int, list[int], int]:
    """(lost, the indexes of the texts that arrived more than once, out_of_order) at the
    destination."""
    got = [m.get("text") or "" for m in await tg.call("bot_messages", chat_id=DEST)]
    seen = Counter(got)
    lost = sum(1 for text in texts if not seen[text])
    order = {text: n for n, text in enumerate(texts)}
    twice = [
        order[text] for text, n in seen.items() if n > 1 and text in order for _ in range(n - 1)
    ]
    firsts: list[int] = []
    for text in got:
        if text in order and order[text] not in firsts:
            firsts.append(order[text])
    out_of_order = sum(1 for a, b in itertools.pairwise(firsts) if b < a)
    return lost, twice, out_of_order


async def delivered(tg: StandIn, count: int, timeout: float) -> float:
    """Wait until ``count`` messages are at the destination; the time.perf_counter() then."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stats = await tg.call("bot_messages", chat_id=DEST)
        if len(stats) >= count:
            break
        await asyncio.sleep(0.25)
    return time.perf_counter()


async def measure(posts: int = 5000, pace: int = 40) -> dict[str, float | int]:
    say(
        f"backfill benchmark: {posts} history posts through the fake user account at "
        f"{pace:g} copies/s, the bot (a process) killed halfway and started again"
    )
    say_load()
    with private_cluster() as cluster:
        url = sibling_database(cluster.url, "bench_backfill")
        await prepare_database(url)
        async with StandIn(flood=False) as tg:
            await tg.basic_world()
            await tg.call("add_chat", type="channel", title="History", chat_id=HISTORY)
            await tg.channel(DEST, "Archive")
            texts = [post_text(n) for n in range(posts)]
            ids = [  # one by one: their ids are their order
                int((await tg.call("channel_post", chat_id=HISTORY, text=text))["message_id"])
                for text in texts
            ]
            # The account joins after the history was written: it is history, not live posts.
            session = (await tg.call("add_account", user_id=OWNER))["session"]
            await tg.call(
                "set_member", chat_id=HISTORY, user_id=OWNER, status="member", notify=False
            )
            await tg.call("set_account_limits", sends_per_s=pace, send_burst=max(1, int(pace)))
            await create_job(url, posts)
            env = bot_environment(url, tg.url, limits=False)
            env.update(API_ID="12345", API_HASH="0" * 32, PYROGRAM_SESSION_STRING=session)
            job = Job(url)

            began = time.perf_counter()
            first = await AccountBot.start(env, "backfill-1")
            try:
                at_kill = await job.wait(lambda row: row.get("done", 0) >= posts // 2, TIMEOUT_S)
                await kill_when_quiet(first, url)
            finally:
                first.kill()
                await first.wait()
            in_flight = await in_flight_sends(url)
            say(
                f"  SIGKILL at {at_kill.get('done')} of {at_kill.get('total')} posts relayed, "
                f"{len(in_flight)} copies to the destination in flight"
            )
            second = await AccountBot.start(env, "backfill-2")
            try:
                final = await job.wait(lambda row: row.get("status") != "running", TIMEOUT_S)
                ended = await delivered(tg, posts, TIMEOUT_S)
            finally:
                await second.stop()
            lost, twice, out_of_order = await arrivals(tg, texts)
            stats = await tg.call("account_stats", user_id=OWNER)
    took = ended - began
    say(
        f"  job {final.get('status')}: {final.get('done')} of {final.get('total')} posts, "
        f"{final.get('flood_waits')} flood waits obeyed ({final.get('flood_seconds', 0):.0f} s; "
        f"the fake answered {stats['flood_waits']}), {stats['copies']} copies by the account"
    )
    say(
        f"  at the destination after {took:.1f} s: lost {lost}, duplicated {len(twice)}, "
        f"out of order {out_of_order}"
    )
    doubled_in_flight = sum(1 for n in twice if ids[n] in in_flight)
    if twice:
        say(f"  of the {len(twice)} doubled, {doubled_in_flight} were sends in flight at the kill")
    figures = report(
        posts_per_s=round((posts - lost) / took, 1) if took > 0 else 0.0,
        flood_waits_obeyed=int(final.get("flood_waits") or 0),
        lost=lost,
        duplicated=len(twice),
    )
    return {**figures, "doubled_in_flight": doubled_in_flight, "out_of_order": out_of_order}


if __name__ == "__main__":
    cli("backfill", __doc__ or "", measure, posts=5000, pace=40)
