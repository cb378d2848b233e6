"""The scale benchmark runs end to end at a tiny size (1 and 2 bot processes, a few dozen
messages) and ends with its one RESULT line.

It measures nothing here; this only proves the script still works against the current bot. It
uses its own database (``bench_smoke_scale`` next to the benchmark database).
"""

from __future__ import annotations

import pytest

from bench import scale
from bench.common import database_url, sibling_database
from tests.test_bench_smoke import result_of

SMOKE_DB = sibling_database(database_url(), "bench_smoke_scale")


async def test_the_scale_benchmark_runs_several_bot_processes_on_one_database(
    capsys: pytest.CaptureFixture[str],
) -> None:
    figures = await scale.measure(
        posts=2, destinations=20, latency_ms=20, db_url=SMOKE_DB, timeout=20, processes=(1, 2)
    )

    result = result_of(capsys.readouterr().out)
    assert list(result) == ["msgs_per_s", "http_429", "efficiency_4"]
    assert figures["msgs_per_s"] > 0 and figures["efficiency_4"] > 0
    assert figures["http_429"] == 0
