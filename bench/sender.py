"""Sender throughput under Telegram's flood limits: 2,000 deliveries to 200 channels.

``python -m bench.sender [--posts 10] [--destinations 200]``

The stand-in enforces the documented limits (``FloodLimits()``: 3 in 3 s per chat, 20 a minute
per channel, 30 a second per bot) and answers 429 past them. The source channel's rules send to
200 channels where the bot is admin (four rules of 50: a rule holds at most 50 destinations);
10 posts are queued before the bot starts, so 2,000 deliveries go out. The clock runs from the
bot's start line (workers running, polling begins) until the last delivery is recorded as sent.

Prints ``RESULT msgs_per_s=… ceiling=30 http_429=… sent=…``. Target: ≥ 27 msgs/s with no 429.
"""

from __future__ import annotations

import asyncio
import time

from bench.common import (
    SOURCE,
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
    rule_record,
    running_bot,
    say,
    say_load,
)

CEILING = 30  # Telegram's documented overall limit, messages a second per bot
TARGET_MSGS_PER_S = 27.0
MAX_DESTINATIONS_PER_RULE = 50  # RuleSpec's limit
RUN_TIMEOUT_S = 110.0


def post_text(n: int) -> str:
    return f"Bulletin #{n}: <b>storm warning</b> for the coast tonight; ferries suspended."


async def measure(
    posts: int = 10,
    destinations: int = 200,
    db_url: str | None = None,
    timeout: float = RUN_TIMEOUT_S,
) -> dict[str, float | int]:
    """Send everything and print the RESULT line; returns its figures."""
    url = db_url or database_url()
    expected = posts * destinations
    say(f"sender benchmark: {posts} posts x {destinations} channels = {expected} messages")
    say_load()
    say(f"database {url.rsplit('/', 1)[-1]}: reset and migrate")
    await prepare_database(url)
    dests = measured_destinations(destinations)
    groups = [
        dests[i : i + MAX_DESTINATIONS_PER_RULE]
        for i in range(0, len(dests), MAX_DESTINATIONS_PER_RULE)
    ]
    await insert_rules(
        url, (rule_record(f"fan-out {n}", [SOURCE], group) for n, group in enumerate(groups))
    )
    say(f"{len(groups)} rules on the source channel, {destinations} destinations in all")

    async with StandIn(flood=True) as tg:
        say(f"Telegram stand-in (flood limits on) at {tg.url}, pid {tg.pid}")
        await tg.basic_world()
        await tg.channel(SOURCE, "Source")
        for n, dest in enumerate(dests):
            await tg.channel(dest, f"Dest {n}")
        await tg.post_many(SOURCE, [post_text(n) for n in range(posts)], concurrency=1)
        say(f"{destinations} channels made, {posts} posts queued")

        async with running_bot(bot_settings(url, tg.url)) as up:
            services = up.app.services
            assert services is not None
            workers = services.workers
            say(f"bot up in {up.startup_s:.2f} s, {workers.concurrency} delivery workers")
            deadline = up.at + timeout
            next_report = time.perf_counter() + 5.0
            while workers.sent < expected and time.perf_counter() < deadline:
                await asyncio.sleep(0.01)
                if time.perf_counter() >= next_report:
                    next_report += 5.0
                    elapsed = time.perf_counter() - up.at
                    refusals = (await tg.stats())["responses_429"]
                    say(
                        f"  sent {workers.sent}/{expected} in {elapsed:.0f} s "
                        f"({rate(workers.sent, elapsed):.1f} msgs/s), 429s so far: {refusals}"
                    )
            seconds = time.perf_counter() - up.at
            sent = workers.sent
            waited = services.limiter.waited_s
            if sent < expected:
                say(f"  timed out after {timeout:.0f} s")
        stats = await tg.stats()
        invalid = await tg.invalid_calls()
    in_table = await count_rows(url, "SELECT COUNT(*) FROM deliveries WHERE status = 'sent'")

    per_s = rate(sent, seconds)
    say(f"sent {sent} in {seconds:.2f} s; delivery rows marked sent: {in_table}")
    say(
        f"stand-in: {stats['calls']} calls, {stats['responses_429']} answered 429; "
        f"the bot's own limiter waited {waited:.1f} s in all"
    )
    if invalid:
        say(f"WARNING: {invalid} calls the real Bot API would refuse")
    say(
        f"msgs/s {per_s:.1f} (target ≥ {TARGET_MSGS_PER_S:.0f}, ceiling {CEILING}); "
        f"429s {stats['responses_429']} (target 0)"
    )
    return report(
        msgs_per_s=round(per_s, 1),
        ceiling=CEILING,
        http_429=stats["responses_429"],
        sent=sent,
    )


if __name__ == "__main__":
    cli("sender", __doc__ or "", measure, posts=10, destinations=200)
