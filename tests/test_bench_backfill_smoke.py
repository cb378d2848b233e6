"""The backfill benchmark runs end to end at a small size and ends with its one RESULT line.

It proves the script still works against the current bot: history read through the fake user
account at its FloodWait pace, the bot process killed with SIGKILL halfway and started again,
and every history post at the destination once. It runs on a private PostgreSQL cluster of its
own (``sandbox/postgres.py``), as the benchmark does.
"""

from __future__ import annotations

import pytest

from bench import backfill
from sandbox.postgres import server_binaries
from tests.test_bench_smoke import result_of

pytestmark = pytest.mark.skipif(
    server_binaries() is None, reason="PostgreSQL's server binaries are not installed"
)


async def test_the_backfill_benchmark_survives_a_sigkill_and_loses_and_doubles_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    figures = await backfill.measure(posts=200, pace=15)

    result = result_of(capsys.readouterr().out)
    assert list(result) == ["posts_per_s", "flood_waits_obeyed", "lost", "duplicated"]
    assert figures["lost"] == 0
    assert figures["duplicated"] == 0
    assert figures["out_of_order"] == 0
    assert figures["flood_waits_obeyed"] >= 1  # 200 posts at 15 a second must wait
    assert figures["posts_per_s"] > 0
