"""Latency: from a post being available in getUpdates to its copy arriving, against a bare bot.

``python -m bench.latency [--posts 300] [--rate 5] [--destinations 25] [--warmup 5]``

Posts go in at a steady ``--rate`` a second (300 posts at 5/s: a minute, 300 samples for the p99),
after ``--warmup`` posts that are not measured (connections, first queries). Telegram allows about
one message a second in a chat and 20 a minute in a channel, and our bot's rate limiter keeps to
that, so at 5 posts/s into one chat the limiter, not the bot, would set the latency. Each post
therefore goes to a destination of its own: there are ``--destinations`` source → destination
channel pairs, the posts go round them in turn (at 5/s and 25 pairs each destination gets one post
every 5 s, 12 a minute), and a post matches exactly one rule.

1. Our ``BotApp`` (eight delivery workers, as in production) with one plain copy rule (no
   filters, no steps) per pair: long polling, ingest into the outbox in Postgres, a worker claims
   the delivery and calls copyMessage.
2. A bare aiogram bot in the same run, afterwards: a Dispatcher with one ``channel_post`` handler
   calling ``copy_message`` to the same destinations, aiogram's own ``start_polling`` with the
   polling timeout our bot's poller uses. It has its own source channels (each bot is admin of its
   own sources only), so neither finds the other's posts waiting when it starts.

Clock: the stand-in (a child process, ``bench/_timed_standin.py``) notes ``time.time()`` when it
queues a post's update (from then a getUpdates can have it; a waiting one is woken) and its
record of each copyMessage call holds ``time.time()`` of the call's arrival. Both ends are taken
by the stand-in in one process on one clock, so no clock is compared across processes.

Prints both distributions, the lost posts (posts with no copy; every post must arrive), then
``RESULT p50_ms=… p99_ms=… bare_p99_ms=… p99_added_ms=…`` (p99 minus the bare bot's p99).
Target: p99_added_ms ≤ 100.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.types import Message

from bench.common import (
    BOT_ID,
    TOKEN,
    StandIn,
    bot_settings,
    cli,
    database_url,
    insert_rules,
    measured_destinations,
    prepare_database,
    rate,
    report,
    rule_record,
    running_bot,
    say,
    say_load,
    wait_for,
)
from bench.ingest import BASE_ID, BASE_TOKEN, post_text

BOT_SOURCE_BASE = -1001000300000
BARE_SOURCE_BASE = -1001000400000
SETTLE_S = 15.0  # after the last post, how long the copies may take before the rest count lost
TARGET_ADDED_MS = 100.0


def chats(base: int, count: int) -> list[int]:
    return [base - n for n in range(count)]


@dataclass
class Latencies:
    """What one bot did with its measured posts."""

    posts: int
    ms: list[float]  # post queued → copy arrived, of each post that arrived
    lost: int
    duplicates: int
    wrong_chat: int

    def percentile(self, p: int) -> float:
        if len(self.ms) < 2:
            return self.ms[0] if self.ms else 0.0
        return statistics.quantiles(self.ms, n=100, method="inclusive")[p - 1]

    def describe(self) -> str:
        top = max(self.ms, default=0.0)
        return (
            f"{len(self.ms)}/{self.posts} arrived, lost {self.lost}, duplicates {self.duplicates}, "
            f"wrong chat {self.wrong_chat}; ms p50 {self.percentile(50):.1f}, "
            f"p90 {self.percentile(90):.1f}, p99 {self.percentile(99):.1f}, max {top:.1f}"
        )


async def latencies(tg: StandIn, bot_id: int, dest_of: dict[int, int], warmup: int) -> Latencies:
    """Match the stand-in's records: each post on ``dest_of``'s sources with the bot's copies."""
    records = await tg.call("latency_records")
    posts = [(chat, mid, at) for chat, mid, at in records["posts"] if chat in dest_of][warmup:]
    copies: dict[tuple[int, int], list[tuple[int, float]]] = {}
    for by, from_chat, mid, chat, at in records["copies"]:
        if by == bot_id:
            copies.setdefault((from_chat, mid), []).append((chat, at))
    ms, lost, duplicates, wrong = [], 0, 0, 0
    for chat, mid, queued in posts:
        found = sorted(copies.get((chat, mid), []), key=lambda copy: copy[1])
        if not found:
            lost += 1
            continue
        duplicates += len(found) - 1
        wrong += found[0][0] != dest_of[chat]
        ms.append(1000 * (found[0][1] - queued))
    return Latencies(len(posts), ms, lost, duplicates, wrong)


async def until_polling(tg: StandIn, token: str, timeout: float = 30.0) -> None:
    deadline = time.perf_counter() + timeout
    while not await tg.call("is_polling", bot=token):
        if time.perf_counter() >= deadline:
            raise RuntimeError(f"bot {token.split(':')[0]} did not start polling")
        await asyncio.sleep(0.02)


async def feed(
    tg: StandIn, sources: Sequence[int], count: int, per_s: int, copied: Callable[[], int]
) -> float:
    """Post ``count`` posts at ``per_s`` a second round the sources; the seconds it took."""
    begin = time.perf_counter()
    every = 10 * per_s
    for n in range(count):
        delay = begin + n / per_s - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        await tg.call("channel_post", chat_id=sources[n % len(sources)], text=post_text(n))
        if n and n % every == 0:
            say(f"  posted {n}/{count}, copies so far {copied()}")
    return time.perf_counter() - begin


async def run_bot(
    url: str, tg: StandIn, dest_of: dict[int, int], posts: int, per_s: int, warmup: int
) -> tuple[Latencies, int]:
    """Our bot: its latencies and the polling timeout its poller used."""
    total = posts + warmup
    async with running_bot(bot_settings(url, tg.url)) as up:
        services = up.app.services
        assert services is not None
        await until_polling(tg, TOKEN)
        poller = services.poller
        assert poller is not None
        workers = services.workers
        say(f"  bot up in {up.startup_s:.2f} s, {workers.concurrency} workers, polling")
        seconds = await feed(tg, list(dest_of), total, per_s, lambda: workers.sent)
        say(f"  fed {total} posts in {seconds:.2f} s ({rate(total - 1, seconds):.2f}/s)")
        await wait_for(lambda: workers.sent >= total, time.perf_counter() + SETTLE_S)
        say(f"  bot sent {workers.sent}, failed {workers.failed}")
        return await latencies(tg, BOT_ID, dest_of, warmup), poller.timeout


async def run_bare(
    tg: StandIn, dest_of: dict[int, int], posts: int, per_s: int, warmup: int, poll_timeout: int
) -> Latencies:
    """A bare aiogram bot copying each channel post to its destination."""
    bot = Bot(BASE_TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(tg.url)))
    dp = Dispatcher()
    copied = 0

    @dp.channel_post()
    async def copy(message: Message, bot: Bot) -> None:
        nonlocal copied
        await bot.copy_message(
            chat_id=dest_of[message.chat.id],
            from_chat_id=message.chat.id,
            message_id=message.message_id,
        )
        copied += 1

    total = posts + warmup
    await bot.me()  # cached: polling starts without a getMe round trip, as in bench.ingest
    polling = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, polling_timeout=poll_timeout)
    )
    try:
        await until_polling(tg, BASE_TOKEN)
        seconds = await feed(tg, list(dest_of), total, per_s, lambda: copied)
        say(f"  fed {total} posts in {seconds:.2f} s ({rate(total - 1, seconds):.2f}/s)")
        await wait_for(lambda: copied >= total, time.perf_counter() + SETTLE_S)
        say(f"  bare bot copied {copied}")
    finally:
        await dp.stop_polling()
        await polling
        await bot.session.close()
    return await latencies(tg, BASE_ID, dest_of, warmup)


async def set_up(tg: StandIn, url: str, destinations: int) -> tuple[dict[int, int], dict[int, int]]:
    """Channels and rules; each bot's map from its sources to the shared destinations."""
    dests = measured_destinations(destinations)
    ours = dict(zip(chats(BOT_SOURCE_BASE, destinations), dests, strict=True))
    bare = dict(zip(chats(BARE_SOURCE_BASE, destinations), dests, strict=True))
    await tg.basic_world()
    for source in ours:
        await tg.channel(source, f"Source {source}", admins=(BOT_ID,))
    for source in bare:
        await tg.channel(source, f"Bare source {source}", admins=(BASE_ID,))
    for dest in dests:
        await tg.channel(dest, f"Dest {dest}", admins=(BOT_ID, BASE_ID))
    rules = [rule_record(f"latency {n}", [s], [d]) for n, (s, d) in enumerate(ours.items())]
    await insert_rules(url, rules)
    return ours, bare


async def measure(
    posts: int = 300,
    rate: int = 5,
    destinations: int = 25,
    warmup: int = 5,
    db_url: str | None = None,
) -> dict[str, Any]:
    """Run both and print the RESULT line; returns its figures with the lost counts."""
    url = db_url or database_url()
    say(
        f"latency benchmark: {posts} posts (+{warmup} warm-up) at {rate}/s for each bot, "
        f"round {destinations} source → destination channel pairs (one destination per post, "
        "so the per-chat flood limit of ~1/s does not set the pace)"
    )
    say_load()
    say(f"database {url.rsplit('/', 1)[-1]}: reset and migrate")
    await prepare_database(url)
    async with StandIn((TOKEN, BASE_TOKEN), module="bench._timed_standin") as tg:
        say(f"Telegram stand-in (flood limits on, timing posts) at {tg.url}, pid {tg.pid}")
        ours, bare_sources = await set_up(tg, url, destinations)
        say(f"{destinations} plain copy rules (no filters, no steps), one per pair")

        say("run 1: the real bot")
        mine, poll_timeout = await run_bot(url, tg, ours, posts, rate, warmup)
        say(f"  bot: {mine.describe()}")
        http_429 = (await tg.stats())["responses_429"]

        say(f"run 2: bare aiogram bot (copy_message, start_polling, timeout {poll_timeout} s)")
        bare = await run_bare(tg, bare_sources, posts, rate, warmup, poll_timeout)
        say(f"  bare: {bare.describe()}")
        say(f"  HTTP 429 answers: bot {http_429}, both {(await tg.stats())['responses_429']}")
        invalid = await tg.invalid_calls()
        if invalid:
            say(f"  WARNING: {invalid} calls the real Bot API would refuse")

    p99, bare_p99 = mine.percentile(99), bare.percentile(99)
    say(
        f"lost: bot {mine.lost}, bare {bare.lost} (of {posts} each); "
        f"bare_p50_ms {bare.percentile(50):.1f}"
    )
    say(f"p99 added {p99 - bare_p99:.1f} ms (target ≤ {TARGET_ADDED_MS:.0f})")
    figures = report(
        p50_ms=round(mine.percentile(50), 1),
        p99_ms=round(p99, 1),
        bare_p99_ms=round(bare_p99, 1),
        p99_added_ms=round(p99 - bare_p99, 1),
    )
    return {**figures, "lost": mine.lost, "bare_lost": bare.lost}


if __name__ == "__main__":
    cli("latency", __doc__ or "", measure, posts=300, rate=5, destinations=25, warmup=5)
