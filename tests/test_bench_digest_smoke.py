"""The digest benchmark runs end to end at a small size and ends with its one RESULT line.

It measures nothing here; this only proves the script still works against the current bot: the
period's posts become a digest whose messages carry every post's link within Telegram's limits.
It uses its own database (``bench_smoke_digest``) so other benchmark runs are not disturbed.
"""

from __future__ import annotations

import pytest

from bench import digest
from bench.common import database_url, sibling_database
from tests.test_bench_smoke import result_of

SMOKE_DB = sibling_database(database_url(), "bench_smoke_digest")


async def test_the_digest_benchmark_publishes_every_posts_link_within_limits(
    capsys: pytest.CaptureFixture[str],
) -> None:
    figures = await digest.measure(posts=60, db_url=SMOKE_DB)

    result = result_of(capsys.readouterr().out)
    assert {"groq_calls", "messages", "lost"} <= set(result)
    assert figures["lost"] == 0
    assert figures["within_limits"] == "yes"
    assert figures["messages"] >= 1
    assert 1 <= figures["groq_calls"] < 60
