"""Ingest throughput: posts per second from update to enqueued deliveries, against a bare bot.

``python -m bench.ingest [--posts 3000] [--rules 10000]``

The database holds ``--rules`` rules: 10 watch the measured source channel (one destination each,
a keyword filter the posts pass), the rest watch other chats. The stand-in runs without flood
limits and has two bots that are admins of the source channel, so every post queues one update
for each: the same backlog for both runs.

1. Baseline: a bare aiogram bot (one ``channel_post`` handler calling ``copy_message`` to one chat,
   aiogram's own ``start_polling``) works through its backlog; the clock runs from polling start
   to the last copy answered.
2. The real ``BotApp`` with no delivery workers (``worker_count=0``) works through its backlog; the
   clock runs from its start line (when polling begins) until the delivery rows of every post are
   written (``Ingest.stats``, checked against the table afterwards).

Prints ``RESULT posts_per_s=… baseline_posts_per_s=… ratio=… rules=…``. Targets: ratio ≥ 0.7 and
≥ 1,000 posts/s.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message

from bench.common import (
    BOT_ID,
    SOURCE,
    TOKEN,
    StandIn,
    bot_settings,
    cli,
    count_rows,
    database_url,
    insert_rules,
    measured_destinations,
    prepare_database,
    rate,
    report,
    running_bot,
    say,
    say_load,
    standard_rules,
    wait_for,
)

MEASURED_RULES = 10
BASE_TOKEN = "654321:BASELINE-TOKEN-abcdefghijklmnop"
BASE_ID = 654321
BASE_DEST = -1001000200000
TARGET_RATIO = 0.7
TARGET_POSTS_PER_S = 1000.0
RUN_TIMEOUT_S = 60.0


@dataclass
class Run:
    done: int
    seconds: float
    cpu_s: float = 0.0  # CPU time of this process over the run (the stand-in is another one)

    @property
    def per_s(self) -> float:
        return rate(self.done, self.seconds)

    def describe(self, what: str) -> str:
        busy = self.cpu_s / self.seconds if self.seconds > 0 else 0.0
        return (
            f"{self.done} posts in {self.seconds:.2f} s = {self.per_s:.0f} {what}/s; "
            f"CPU {self.cpu_s:.2f} s ({busy:.0%} of one core, "
            f"{1000 * self.cpu_s / max(1, self.done):.2f} ms a post)"
        )


def post_text(n: int) -> str:
    return (
        f"<b>Breaking news</b> #{n}: the central bank held rates at 4.5% today, "
        "citing <i>sticky</i> services inflation; markets had priced a cut. "
        "Full story: https://example.com/markets/rates"
    )


async def _progress(label: str, done: Callable[[], int], total: int, stop: asyncio.Event) -> None:
    while True:
        try:
            await asyncio.wait_for(stop.wait(), 2.0)
            return
        except asyncio.TimeoutError:
            say(f"  {label}: {done()}/{total}")


async def run_baseline(telegram_url: str, posts: int, timeout: float = RUN_TIMEOUT_S) -> Run:
    """A bare aiogram bot that copies each channel post to one chat."""
    bot = Bot(BASE_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(telegram_url)))
    dp = Dispatcher()
    copied = 0
    finished = asyncio.Event()
    clock = {"start": 0.0, "end": 0.0, "cpu_start": 0.0, "cpu_end": 0.0}

    @dp.channel_post()
    async def copy(message: Message, bot: Bot) -> None:
        nonlocal copied
        await bot.copy_message(
            chat_id=BASE_DEST, from_chat_id=message.chat.id, message_id=message.message_id
        )
        copied += 1
        if copied >= posts:
            clock["end"] = time.perf_counter()
            clock["cpu_end"] = time.process_time()
            finished.set()

    async def on_startup() -> None:
        clock["start"] = time.perf_counter()
        clock["cpu_start"] = time.process_time()

    dp.startup.register(on_startup)
    await bot.me()  # cached: polling starts without a getMe round trip, as the real bot's does
    polling = asyncio.create_task(dp.start_polling(bot, handle_signals=False))
    progress = asyncio.create_task(_progress("baseline copied", lambda: copied, posts, finished))
    try:
        await asyncio.wait_for(finished.wait(), timeout)
    except asyncio.TimeoutError:
        clock["end"] = time.perf_counter()
        clock["cpu_end"] = time.process_time()
        say(f"  baseline: timed out after {timeout:.0f} s")
    finally:
        finished.set()
        await progress
        await dp.stop_polling()
        await polling
    return Run(copied, clock["end"] - clock["start"], clock["cpu_end"] - clock["cpu_start"])


async def run_bot(
    db_url: str, telegram_url: str, posts: int, timeout: float = RUN_TIMEOUT_S
) -> tuple[Run, float]:
    """The real bot, no delivery workers: until every post's delivery rows are written."""
    expected = posts * MEASURED_RULES
    async with running_bot(bot_settings(db_url, telegram_url), worker_count=0) as up:
        services = up.app.services
        assert services is not None
        stats = services.ingest.stats
        cpu = time.process_time()
        say(f"  bot up in {up.startup_s:.2f} s ({len(services.index)} rules in the index)")
        done = asyncio.Event()
        progress = asyncio.create_task(
            _progress("bot delivery rows", lambda: stats.enqueued, expected, done)
        )
        await wait_for(lambda: stats.enqueued >= expected, up.at + timeout)
        end = time.perf_counter()
        cpu = time.process_time() - cpu
        done.set()
        await progress
        if stats.enqueued < expected:
            say(f"  bot: timed out after {timeout:.0f} s")
        return Run(stats.enqueued // MEASURED_RULES, end - up.at, cpu), up.startup_s


async def measure(
    posts: int = 3000, rules: int = 10_000, db_url: str | None = None
) -> dict[str, float | int]:
    """Run both and print the RESULT line; returns its figures."""
    url = db_url or database_url()
    say(f"ingest benchmark: {posts} posts, {rules} rules ({MEASURED_RULES} on the source)")
    say_load()
    say(f"database {url.rsplit('/', 1)[-1]}: reset and migrate")
    await prepare_database(url)
    began = time.perf_counter()
    await insert_rules(url, standard_rules(rules, MEASURED_RULES))
    say(f"inserted {rules} rules in {time.perf_counter() - began:.2f} s")

    async with StandIn((TOKEN, BASE_TOKEN), flood=False) as tg:
        say(f"Telegram stand-in (flood limits off) at {tg.url}, pid {tg.pid}")
        await tg.basic_world()
        await tg.channel(SOURCE, "Source", admins=(BOT_ID, BASE_ID))
        for n, dest in enumerate(measured_destinations(MEASURED_RULES)):
            await tg.channel(dest, f"Dest {n}")
        await tg.channel(BASE_DEST, "Baseline dest", admins=(BASE_ID,))
        began = time.perf_counter()
        await tg.post_many(SOURCE, [post_text(n) for n in range(posts)])
        say(f"queued {posts} posts for each bot in {time.perf_counter() - began:.2f} s")

        say("run 1: bare aiogram bot (copy_message of each post)")
        base = await run_baseline(tg.url, posts)
        say(f"  baseline: {base.describe('posts')}")

        say("run 2: the real bot, workers off")
        run, startup_s = await run_bot(url, tg.url, posts)
        say(f"  bot: {run.describe('posts')}")
        rows = await count_rows(
            url, "SELECT COUNT(*) FROM deliveries WHERE source_chat_id = $1", SOURCE
        )
        say(f"  delivery rows in the table: {rows} (expected {posts * MEASURED_RULES})")
        invalid = await tg.invalid_calls()
        if invalid:
            say(f"  WARNING: {invalid} calls the real Bot API would refuse")

    ratio = run.per_s / base.per_s if base.per_s else 0.0
    say(
        f"posts/s {run.per_s:.0f} (target ≥ {TARGET_POSTS_PER_S:.0f}), "
        f"ratio to the bare bot {ratio:.2f} (target ≥ {TARGET_RATIO}); bot startup {startup_s:.2f} s"
    )
    return report(
        posts_per_s=round(run.per_s, 1),
        baseline_posts_per_s=round(base.per_s, 1),
        ratio=round(ratio, 2),
        rules=rules,
    )


if __name__ == "__main__":
    cli("ingest", __doc__ or "", measure, posts=3000, rules=10_000)
