"""The latency benchmark runs end to end at a tiny size and ends with its one RESULT line.

It measures nothing here; this only proves the script still works against the current bot, and
that every post reaches its destination through both bots. It uses its own database
(``bench_smoke_latency``) so other benchmark runs at the same time are not disturbed.
"""

from __future__ import annotations

import pytest

from bench import latency
from bench.common import database_url, sibling_database
from tests.test_bench_smoke import result_of

SMOKE_DB = sibling_database(database_url(), "bench_smoke_latency")


async def test_the_latency_benchmark_times_every_post_through_both_bots(
    capsys: pytest.CaptureFixture[str],
) -> None:
    figures = await latency.measure(posts=10, rate=5, destinations=10, warmup=1, db_url=SMOKE_DB)

    result = result_of(capsys.readouterr().out)
    assert list(result) == ["p50_ms", "p99_ms", "bare_p99_ms", "p99_added_ms"]
    assert figures["lost"] == 0 and figures["bare_lost"] == 0
    assert 0 < figures["p50_ms"] <= figures["p99_ms"]
    assert figures["bare_p99_ms"] > 0
