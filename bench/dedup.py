"""Near-duplicate suppression: how fast a new post is checked, how well, and what memory it takes.

``python -m bench.dedup [--fingerprints 100000] [--destinations 100] [--posts 5000]``

The index (``bot/forwarding/intake/neardup.py``) is filled with ``--fingerprints`` fingerprints of
synthetic news posts (words drawn from a fixed vocabulary, numbers, capitalised names), spread
over ``--destinations`` destinations, all inside the window. Then ``--posts`` new posts are
fingerprinted and checked against their destination, half of them reworked copies of stored posts
(a word changed, hashtags, a footer, an emoji), half new. The same is timed with every
fingerprint at one destination, the worst case, and reported as a progress line. Precision and
recall come from the labelled pairs in ``tests/data/near_duplicates.jsonl``. No database: the
database copy of the fingerprints is read once per destination and then only for new rows.

Prints ``RESULT posts_per_s=… precision=… recall=… rss_mb=…``; ``rss_mb`` is the growth of this
process's resident memory for holding the fingerprints. Targets: ≥ 1,000 posts/s; ≤ 50 MB.
"""

from __future__ import annotations

import gc
import random
import time

from bench.common import cli, rate, report, rss_mb, say
from bot.forwarding.intake.neardup import NearIndex, Seen, fingerprint
from tests.unit.test_neardup import labelled_pairs, scores

WINDOW_S = 24 * 3600
_rng = random.Random(20261201)
VOCABULARY = [
    "".join(_rng.choice("abcdefghijklmnoprstuvwy") for _ in range(_rng.randint(2, 9)))
    for _ in range(6000)
]
NAMES = [word.capitalize() for word in VOCABULARY[:800]]


def synthetic_post(rng: random.Random) -> str:
    sentences = []
    for _ in range(rng.randint(2, 4)):
        words = rng.sample(VOCABULARY, rng.randint(8, 16))
        words[rng.randrange(1, len(words))] = rng.choice(NAMES)
        words[rng.randrange(1, len(words))] = str(rng.randint(1, 5000))
        sentences.append(" ".join(words).capitalize() + ".")
    return " ".join(sentences)


def reworked(text: str, rng: random.Random) -> str:
    words = text.split(" ")
    words[rng.randrange(len(words))] = rng.choice(VOCABULARY)
    return "🔥 " + " ".join(words) + "\n\n#news #breaking\nSubscribe: @wire_channel"


def filled(count: int, destinations: int, rng: random.Random) -> tuple[NearIndex, list[str]]:
    """The index holding ``count`` fingerprints; a sample of the stored texts to rework."""
    index = NearIndex(keep_s=WINDOW_S)
    kept: list[str] = []
    start = time.time() - WINDOW_S / 2
    for number in range(count):
        text = synthetic_post(rng)
        fp = fingerprint(text)
        assert fp is not None
        at = start + number * (WINDOW_S / 4) / count
        index.add(number % destinations, fp, Seen(at, fp.numbers, fp.names, -1, number))
        if number % 50 == 0:
            kept.append(text)
    return index, kept


def timed_checks(
    index: NearIndex, kept: list[str], posts: int, destinations: int, rng: random.Random
) -> tuple[float, float]:
    """Posts per second of fingerprinting and checking; the share of reworked copies found."""
    since = time.time() - WINDOW_S
    work = []
    for number in range(posts):
        if number % 2:
            stored = rng.randrange(len(kept))
            work.append((stored * 50 % destinations, reworked(kept[stored], rng), True))
        else:
            work.append((rng.randrange(destinations), synthetic_post(rng), False))
    found = copies = 0
    began = time.perf_counter()
    for dest, text, copy in work:
        fp = fingerprint(text)
        hit = fp is not None and index.match(dest, fp, since) is not None
        copies += copy
        found += hit and copy
    return rate(posts, time.perf_counter() - began), found / max(copies, 1)


async def measure(fingerprints: int, destinations: int, posts: int) -> None:
    precision, recall = scores(labelled_pairs())
    say(f"labelled pairs: precision {precision:.3f}, recall {recall:.3f}")

    gc.collect()
    before = rss_mb()
    index, kept = filled(fingerprints, destinations, random.Random(1))
    gc.collect()
    growth = rss_mb() - before
    say(f"{len(index):,} fingerprints over {destinations} destinations: +{growth:.1f} MB RSS")
    speed, found = timed_checks(index, kept, posts, destinations, random.Random(2))
    say(f"checked {posts:,} posts: {speed:,.0f} posts/s, reworked copies found {found:.1%}")
    del index
    gc.collect()

    one, kept = filled(fingerprints, 1, random.Random(1))
    worst, _ = timed_checks(one, kept, max(posts // 10, 10), 1, random.Random(3))
    say(f"worst case, all {fingerprints:,} at one destination: {worst:,.0f} posts/s")

    report(posts_per_s=round(speed), precision=precision, recall=recall, rss_mb=growth)


if __name__ == "__main__":
    cli("dedup", __doc__ or "", measure, fingerprints=100_000, destinations=100, posts=5000)
