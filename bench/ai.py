"""bench.ai: 100 posts × 5 destinations through one AI rewrite step, the model taking 400 ms.

The real bot runs in this process against the Telegram stand-in (a child process, Telegram's
flood limits on) and the Groq stand-in (latency 400 ms). Measured:

- groq_calls: requests the Groq stand-in received (one per post is the target: the five
  destinations of a post share one call through the cache and single-flight);
- ai_stage_s: from the first post queued until every post's transform has its answer;
- posts_per_s: posts transformed per second (posts / ai_stage_s);
- speedup_vs_serial: a forwarder that calls the model once per delivery, one at a time, needs
  posts × destinations × latency for the same work; divided by ai_stage_s.

Sending is not part of it: Telegram allows 20 messages a minute in a channel, so 100 posts into
one channel take five minutes whatever the AI does (bench.sender measures sending). The run stops
once the AI stage is over and prints how many deliveries were sent by then.

Run: ``python -m bench.ai`` (BENCH_DATABASE_URL to use another database).
"""

from __future__ import annotations

import asyncio
import time

from pydantic import SecretStr

from bench.common import (
    SOURCE,
    StandIn,
    bot_settings,
    count_rows,
    database_url,
    measured_destinations,
    prepare_database,
    rate,
    result_line,
    running_bot,
    say,
    sibling_database,
    wait_for,
)
from sandbox.groq.server import GroqStandIn

POSTS = 100
DESTINATIONS = 5
LATENCY_S = 0.4


async def measure(
    posts: int = POSTS, destinations: int = DESTINATIONS, latency: float = LATENCY_S
) -> dict[str, float]:
    url = sibling_database(database_url(), "bench_ai")
    await prepare_database(url)
    dests = measured_destinations(destinations)
    groq = GroqStandIn(api_keys=("gsk_bench",), latency=latency)
    await groq.start()
    try:
        async with StandIn() as tg:
            await tg.basic_world()
            await tg.channel(SOURCE, "Source")
            for n, dest in enumerate(dests):
                await tg.channel(dest, f"Destination {n}")
            settings = bot_settings(url, tg.url).model_copy(
                update={"groq_api_key": SecretStr("gsk_bench"), "groq_base_url": groq.base_url}
            )
            async with running_bot(settings) as up:
                services = up.app.services
                assert services is not None
                await services.rules.create(
                    {
                        "name": "bench ai",
                        "sources": [{"chat_id": SOURCE}],
                        "destinations": [{"chat_id": d} for d in dests],
                        "steps": [{"type": "rewrite", "tone": "friendly"}],
                    }
                )
                say(
                    f"queueing {posts} posts for {destinations} destinations, model latency {latency} s"
                )
                begin = time.perf_counter()
                await tg.post_many(
                    SOURCE, [f"Post number {n}: markets moved today." for n in range(posts)]
                )
                deadline = begin + 170
                answered = lambda: sum(1 for r in groq.requests if r.status == 200)  # noqa: E731
                await wait_for(lambda: answered() >= posts, deadline, interval=0.02)
                ai_stage = time.perf_counter() - begin
                sent = await count_rows(
                    url, "SELECT COUNT(*) FROM deliveries WHERE status = 'sent'"
                )
                invalid = await tg.invalid_calls()
                stats = await tg.stats()
    finally:
        await groq.stop()
    serial = posts * destinations * latency
    figures = {
        "groq_calls": groq.count,
        "posts_per_s": rate(posts, ai_stage),
        "speedup_vs_serial": round(serial / ai_stage, 1),
        "ai_stage_s": round(ai_stage, 2),
        "sent_meanwhile": sent,
        "http_429": stats.get("http_429", stats.get("count_429", 0)),
        "invalid_calls": invalid,
    }
    say(
        f"AI stage {ai_stage:.2f} s for {groq.count} calls; one call per delivery one at a time "
        f"would take {serial:.0f} s, one per post one at a time {posts * latency:.0f} s. "
        f"{sent} of {posts * destinations} deliveries sent meanwhile (Telegram: 20/min per channel)"
    )
    say("targets: groq_calls = posts, speedup_vs_serial ≥ 10")
    return figures


def main() -> None:
    result_line(**asyncio.run(measure()))


if __name__ == "__main__":
    main()
