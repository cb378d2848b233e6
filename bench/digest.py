"""bench.digest: 500 posts collected in one period, published as one digest.

The real bot runs in this process against the Telegram stand-in (a child process, Telegram's
flood limits on) and the Groq stand-in. A rule in digest mode (every hour) watches one private
channel; 500 posts of varied length arrive; once every one is collected the scheduler's clock
is moved past the period's end (nobody waits an hour) and the digest goes out. Measured:

- groq_calls: requests the Groq stand-in received (map over chunks of posts, then reduce);
- messages: the messages the destination received (the digest, split to Telegram's limits);
- lost: posts of the period whose link is not in the published digest (target 0);
- within_limits: every message's text at most 4096 UTF-16 units after entities parsing, at most
  100 entities (Telegram formats no more; the rest would show as plain text, links lost), and no
  call the real Bot API would refuse;
- publish_s: from the period's end to the last digest message in the destination.

Run: ``python -m bench.digest [--posts 500]`` (BENCH_DATABASE_URL to use another database).
"""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

from pydantic import SecretStr

from bench.common import (
    SOURCE,
    StandIn,
    bot_settings,
    cli,
    count_rows,
    database_url,
    measured_destinations,
    prepare_database,
    report,
    running_bot,
    say,
    sibling_database,
)
from bot.forwarding.digest.plans import PLANS, Plan
from bot.forwarding.digest.summarise import post_link
from bot.forwarding.html import TEXT_LIMIT, utf16_len
from sandbox.groq.server import GroqStandIn

POSTS = 500
TOPICS = ("markets", "weather", "elections", "football", "science", "transport", "culture")
SENTENCES = (
    "Officials confirmed the figures this morning.",
    "Analysts expect the trend to continue into next week.",
    "Residents were advised to follow the updates.",
    "The full report is due on Friday.",
    "Several sources described the situation as unusual.",
    "More details will follow as they become available.",
)


def post_texts(count: int, seed: int = 11) -> list[str]:
    """Posts of 1 to 8 sentences (about 50 to 400 characters), each naming its number."""
    chance = random.Random(seed)
    texts = []
    for n in range(count):
        topic = chance.choice(TOPICS)
        body = " ".join(chance.choice(SENTENCES) for _ in range(chance.randint(1, 8)))
        texts.append(f"Story {n} on {topic}. {body}")
    return texts


def links_of(message: dict[str, Any]) -> set[str]:
    return {
        entity["url"]
        for entity in message.get("entities") or []
        if entity.get("type") == "text_link"
    }


async def rows_reach(url: str, sql: str, count: int, timeout: float) -> None:
    """Poll the database (from outside the bot) until ``sql`` counts ``count`` rows."""
    deadline = time.perf_counter() + timeout
    while await count_rows(url, sql) < count:
        if time.perf_counter() > deadline:
            raise RuntimeError(f"not {count} rows within {timeout:.0f} s: {sql}")
        await asyncio.sleep(0.05)


async def measure(posts: int = POSTS, db_url: str | None = None) -> dict[str, Any]:
    url = db_url or sibling_database(database_url(), "bench_digest")
    await prepare_database(url)
    (dest,) = measured_destinations(1)
    groq = GroqStandIn(api_keys=("gsk_bench",))
    await groq.start()
    try:
        async with StandIn() as tg:
            await tg.basic_world()
            await tg.channel(SOURCE, "Source")
            await tg.channel(dest, "Digest")
            settings = bot_settings(url, tg.url).model_copy(
                update={"groq_api_key": SecretStr("gsk_bench"), "groq_base_url": groq.base_url}
            )
            async with running_bot(settings) as up:
                services = up.app.services
                assert services is not None and services.digests is not None
                rule = await services.rules.create(
                    {
                        "name": "bench digest",
                        "sources": [{"chat_id": SOURCE, "title": "Source"}],
                        "destinations": [{"chat_id": dest}],
                    }
                )
                await PLANS.set(rule.id, Plan(every_hours=1))
                say(f"posting {posts} posts into one hourly period")
                await tg.post_many(SOURCE, post_texts(posts))
                await rows_reach(url, "SELECT COUNT(*) FROM digest_posts", posts, 120)
                ids = [m["message_id"] for m in await tg.call("messages", chat_id=SOURCE)]
                say(f"{posts} posts collected; the period ends now")
                begin = time.perf_counter()
                services.digests.clock = lambda: time.time() + 3600
                services.digests.wake()
                finished = (
                    "SELECT COUNT(*) FROM deliveries WHERE kind = 'digest' "
                    "AND status IN ('sent', 'dead')"
                )
                await rows_reach(url, finished, 1, 170)
                publish_s = time.perf_counter() - begin
                sent = await tg.call("bot_messages", chat_id=dest)
                invalid = await tg.invalid_calls()
                PLANS.clear()
    finally:
        await groq.stop()
    published = set().union(*(links_of(m) for m in sent)) if sent else set()
    lost = sum(1 for n in ids if post_link(SOURCE, None, n) not in published)
    sizes = [utf16_len(m.get("text") or "") for m in sent]
    entities = [len(m.get("entities") or []) for m in sent]
    within = bool(sent) and max(sizes) <= TEXT_LIMIT and max(entities) <= 100 and invalid == 0
    say(
        f"{len(sent)} digest messages ({', '.join(map(str, sizes))} characters, at most "
        f"{max(entities, default=0)} entities each) in "
        f"{publish_s:.2f} s after {groq.count} Groq calls; {lost} of {posts} links missing"
    )
    say("targets: lost = 0, every message within 4096 characters, groq_calls ≪ posts")
    return report(
        groq_calls=groq.count,
        messages=len(sent),
        lost=lost,
        within_limits="yes" if within else "no",  # type: ignore[arg-type]
        publish_s=round(publish_s, 2),
    )


if __name__ == "__main__":
    cli("digest", __doc__ or "", measure, posts=POSTS)
