"""Resident memory of the running bot with 10,000 rules and 100,000 message links stored.

``python -m bench.memory [--rules 10000] [--links 100000] [--warmup 3]``

The rows are written by a child process (``COPY`` through asyncpg), so building them costs this
process nothing; the Telegram stand-in is another child. This process then starts the real
``BotApp``, lets ``--warmup`` posts go through ingest, the outbox and the sender (10 rules on the
source channel, one destination each), and reads its own ``VmRSS``. For context it also reports
the RSS of a bare Python process with the same imports (``--bare``) and of this process before
the bot started.

Prints ``RESULT rss_mb=… rules=… links=…`` (MiB). Target: ≤ 150 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import sys
import time

from bench.common import (
    ROOT,
    SOURCE,
    StandIn,
    bot_settings,
    count_rows,
    database_url,
    insert_links,
    insert_rules,
    measured_destinations,
    peak_rss_mb,
    prepare_database,
    report,
    rss_mb,
    run_logged,
    running_bot,
    say,
    say_load,
    standard_rules,
    wait_for,
)

MEASURED_RULES = 10
TARGET_MB = 150.0
WARMUP_TIMEOUT_S = 30.0


async def seed(url: str, rules: int, links: int) -> None:
    """Reset the database and write the rules and the links (run in a child process)."""
    began = time.perf_counter()
    await prepare_database(url)
    await insert_rules(url, standard_rules(rules, MEASURED_RULES))
    await insert_links(url, links, rules)
    print(f"seeded {rules} rules and {links} links in {time.perf_counter() - began:.1f} s")


async def _child(*args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bench.memory", *args, cwd=ROOT, stdout=asyncio.subprocess.PIPE
    )
    out, _ = await asyncio.wait_for(process.communicate(), 120)
    if process.returncode != 0:
        raise RuntimeError(f"bench.memory {' '.join(args)} failed with code {process.returncode}")
    return out.decode().strip()


async def measure(
    rules: int = 10_000,
    links: int = 100_000,
    warmup: int = 3,
    db_url: str | None = None,
    settle_s: float = 1.0,
) -> dict[str, float | int]:
    """Seed, start the bot, warm it up, read the RSS and print the RESULT line."""
    url = db_url or database_url()
    at_start = rss_mb()
    say(f"memory benchmark: {rules} rules, {links} message links, {warmup} warm-up posts")
    say_load()
    say(f"this process before anything: {at_start:.1f} MB")
    say(f"database {url.rsplit('/', 1)[-1]}: reset, migrate and seed (child process)")
    # The bare process only imports and reads its RSS: it runs alongside everything else.
    bare_child = asyncio.create_task(_child("--bare"))
    try:
        seeded = await _child("--seed", "--db", url, "--rules", str(rules), "--links", str(links))
        say("  " + seeded.splitlines()[-1])
        stored = await count_rows(url, "SELECT COUNT(*) FROM message_links")

        async with StandIn(flood=False) as tg:
            say(f"Telegram stand-in at {tg.url}, pid {tg.pid}")
            await tg.basic_world()
            await tg.channel(SOURCE, "Source")
            for n, dest in enumerate(measured_destinations(MEASURED_RULES)):
                await tg.channel(dest, f"Dest {n}")
            async with running_bot(bot_settings(url, tg.url)) as up:
                services = up.app.services
                assert services is not None
                after_start = rss_mb()
                say(
                    f"bot up in {up.startup_s:.2f} s with {len(services.index)} rules in the index: "
                    f"RSS {after_start:.1f} MB"
                )
                expected = warmup * MEASURED_RULES
                await tg.post_many(
                    SOURCE, [f"Warm-up news #{n}: all quiet." for n in range(warmup)], concurrency=1
                )
                workers = services.workers
                await wait_for(
                    lambda: workers.sent >= expected, time.perf_counter() + WARMUP_TIMEOUT_S, 0.05
                )
                say(f"warm-up: {workers.sent}/{expected} deliveries sent")
                await asyncio.sleep(settle_s)  # let the last sends' buffers go
                rss = rss_mb()
                peak = peak_rss_mb()
            standin_rss = rss_mb(tg.pid)
    except BaseException:
        bare_child.cancel()  # the child ends by itself once it has imported
        raise
    bare = float(await bare_child)
    say(f"bare Python with the same imports: {bare:.1f} MB")

    say(
        f"RSS of the running bot: {rss:.1f} MB (peak so far {peak:.1f} MB; target ≤ {TARGET_MB:.0f})"
    )
    say(
        f"  bare Python with the bot's imports {bare:.1f} MB; right after start {after_start:.1f} MB; "
        f"the running bot's own data {rss - bare:+.1f} MB on top of its imports"
    )
    say(f"  (the stand-in, a separate process, held {standin_rss:.1f} MB)")
    figures: dict[str, float | int] = {"rss_mb": round(rss, 1), "rules": rules, "links": stored}
    return report(**figures)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rules", type=int, default=10_000)
    parser.add_argument("--links", type=int, default=100_000)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--bare", action="store_true", help="print the RSS after imports; exit")
    parser.add_argument("--seed", action="store_true", help="only reset and seed the database")
    parser.add_argument("--db", default=None, help="database URL (default: BENCH_DATABASE_URL)")
    args = parser.parse_args()
    if args.bare:
        importlib.import_module("bot.app")  # what this process imports to start the bot
        print(f"{rss_mb():.1f}")
        return
    if args.seed:
        from bot.runtime.logging import configure_logging

        configure_logging("WARNING")
        asyncio.run(seed(args.db or database_url(), args.rules, args.links))
        return
    run_logged("memory", measure(args.rules, args.links, args.warmup, args.db))


if __name__ == "__main__":
    main()
