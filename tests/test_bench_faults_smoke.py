"""The faults benchmark runs end to end at a tiny size and ends with its one RESULT line.

It proves the script still works against the current bot, and that even at this size nothing is
lost and the bot rides out the database restart. It runs on a private PostgreSQL cluster of its
own (``sandbox/postgres.py``), as the benchmark does.
"""

from __future__ import annotations

import pytest

from bench import faults
from sandbox.postgres import server_binaries
from tests.test_bench_smoke import result_of

pytestmark = pytest.mark.skipif(
    server_binaries() is None, reason="PostgreSQL's server binaries are not installed"
)


async def test_the_faults_benchmark_kills_restarts_and_poisons_and_loses_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    figures = await faults.measure(posts=4, destinations=4, outage_s=1, after=2)

    result = result_of(capsys.readouterr().out)
    assert list(result) == [
        "lost",
        "duplicated",
        "in_flight_at_kill",
        "recovery_s",
        "survived",
        "stall_s",
    ]
    assert figures["lost"] == 0 and figures["survived"] == 1
    assert figures["duplicated"] <= figures["in_flight_at_kill"]
