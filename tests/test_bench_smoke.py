"""The benchmarks run end to end at tiny sizes and end with their one RESULT line.

They measure nothing here; this only proves each script still works against the current bot. They
use their own database (``bench_smoke`` next to the benchmark database) so a real benchmark run
at the same time is not disturbed.
"""

from __future__ import annotations

import pytest

from bench import dedup, ingest, memory, sender
from bench.common import database_url, sibling_database

SMOKE_DB = sibling_database(database_url(), "bench_smoke")


def result_of(output: str) -> dict[str, str]:
    lines = [line for line in output.splitlines() if line.startswith("RESULT ")]
    assert len(lines) == 1, output
    assert output.rstrip().splitlines()[-1] == lines[0]  # the RESULT line comes last
    return dict(pair.split("=", 1) for pair in lines[0].split()[1:])


async def test_the_ingest_benchmark_compares_the_bot_with_a_bare_bot(
    capsys: pytest.CaptureFixture[str],
) -> None:
    figures = await ingest.measure(posts=50, rules=200, db_url=SMOKE_DB)

    result = result_of(capsys.readouterr().out)
    assert list(result) == ["posts_per_s", "baseline_posts_per_s", "ratio", "rules"]
    assert result["rules"] == "200"
    assert figures["posts_per_s"] > 0 and figures["baseline_posts_per_s"] > 0


async def test_the_sender_benchmark_sends_everything_under_the_flood_limits(
    capsys: pytest.CaptureFixture[str],
) -> None:
    figures = await sender.measure(posts=1, destinations=20, db_url=SMOKE_DB, timeout=15)

    result = result_of(capsys.readouterr().out)
    assert list(result) == ["msgs_per_s", "ceiling", "http_429", "sent"]
    assert figures["sent"] == 20
    assert result["ceiling"] == "30"


async def test_the_memory_benchmark_reads_the_running_bots_rss(
    capsys: pytest.CaptureFixture[str],
) -> None:
    figures = await memory.measure(rules=100, links=1000, warmup=1, db_url=SMOKE_DB, settle_s=0.1)

    result = result_of(capsys.readouterr().out)
    assert list(result) == ["rss_mb", "rules", "links"]
    assert result["links"] == "1000"
    assert float(figures["rss_mb"]) > 0


async def test_the_dedup_benchmark_scores_the_labelled_pairs_and_checks_held_fingerprints(
    capsys: pytest.CaptureFixture[str],
) -> None:
    await dedup.measure(fingerprints=2000, destinations=10, posts=200)

    result = result_of(capsys.readouterr().out)
    assert list(result) == ["posts_per_s", "precision", "recall", "rss_mb"]
    assert float(result["posts_per_s"]) > 0
    assert float(result["precision"]) >= 0.95 and float(result["recall"]) >= 0.9
