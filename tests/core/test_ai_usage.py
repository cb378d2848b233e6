"""Groq tokens counted per rule per day, on Postgres and on the embedded SQLite: each real call
once, for the rule that made it; cached answers free; a failure to count never fails the run. And
the list of models a rule may choose, from the stand-in through the real SDK."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from structlog.testing import capture_logs
from tortoise import connections

from bot.forwarding.steps.ai.client import AiClient
from bot.forwarding.steps.ai.errors import AiUnavailable
from bot.forwarding.steps.ai.usage import Metered, Tokens, record, rule_spent, summary, today
from bot.forwarding.steps.kinds.translate import Translate
from bot.runtime.db import close_db, open_db, upgrade_schema
from models import AiUsage
from sandbox.groq.server import GroqStandIn
from tests.conftest import PG_URL, truncate_all

KEY = "gsk_test"
MID_DECEMBER = date(2026, 12, 15)


@pytest.fixture(params=["postgres", "sqlite"])
async def database(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_database: None
) -> AsyncIterator[str]:
    """Tortoise opened on an emptied Postgres, or on a new SQLite file."""
    if request.param == "postgres":
        await truncate_all()
        url = PG_URL
    else:
        url = f"sqlite://{tmp_path}/bot.sqlite3"
        await upgrade_schema(url)
    await open_db(url)
    try:
        yield url
    finally:
        await close_db()


@pytest.fixture
async def groq() -> AsyncIterator[GroqStandIn]:
    async with GroqStandIn(api_keys={KEY}) as standin:
        yield standin


@pytest.fixture
async def client(groq: GroqStandIn) -> AsyncIterator[AiClient]:
    ai = AiClient(api_key=KEY, base_url=groq.base_url, default_model="openai/gpt-oss-20b")
    yield ai
    await ai.close()


def spent_by_groq(groq: GroqStandIn) -> Tokens:
    usages = [r.usage for r in groq.requests if r.usage is not None]
    return Tokens(
        sum(u["prompt_tokens"] for u in usages),
        sum(u["completion_tokens"] for u in usages),
        len(usages),
    )


async def test_each_real_call_counts_for_its_rule_and_a_cached_answer_for_none(
    database: str, client: AiClient, groq: GroqStandIn
) -> None:
    news, digest = Metered(client, 1), Metered(client, 2)

    await news.run(Translate(language="es"), "first post")
    await news.run(Translate(language="es"), "second post")
    after_news = spent_by_groq(groq)
    await digest.run(Translate(language="es"), "first post")  # the same call: cached

    spent = await rule_spent(1)
    assert spent.today == spent.month == after_news and after_news.calls == 2
    assert (await rule_spent(2)).month == Tokens()
    assert groq.count == 2


async def test_the_month_sums_its_days_and_leaves_the_other_months_out(database: str) -> None:
    for day, prompt in ((date(2026, 11, 30), 1_000), (date(2026, 12, 1), 100), (MID_DECEMBER, 10)):
        await AiUsage.create(rule_id=5, day=day, prompt_tokens=prompt, completion_tokens=1, calls=1)
    await AiUsage.create(rule_id=6, day=MID_DECEMBER, prompt_tokens=7, completion_tokens=0, calls=1)

    spent = await rule_spent(5, MID_DECEMBER)
    assert spent.today == Tokens(10, 1, 1)
    assert spent.month == Tokens(110, 2, 2)
    every = await summary(top=1, day=MID_DECEMBER)
    assert every.total.month == Tokens(117, 2, 3) and every.total.today == Tokens(17, 1, 2)
    assert [rule_id for rule_id, _ in every.top] == [5]


async def test_records_of_one_day_add_up_in_one_row(database: str) -> None:
    await record(4, 100, 20)
    await record(4, 50, 5)
    (row,) = await AiUsage.filter(rule_id=4).values()
    assert row["day"] == today()
    assert (row["prompt_tokens"], row["completion_tokens"], row["calls"]) == (150, 25, 2)


async def test_a_failure_to_count_is_logged_and_the_answer_still_comes(
    tmp_path: Path, client: AiClient
) -> None:
    url = f"sqlite://{tmp_path}/bot.sqlite3"  # a database of its own: its table is dropped
    await upgrade_schema(url)
    await open_db(url)
    try:
        await connections.get("default").execute_script("DROP TABLE ai_usage")
        with capture_logs() as logs:
            answer = await Metered(client, 1).run(Translate(language="es"), "a post")
    finally:
        await close_db()
    assert answer.text == "[Spanish] a post"
    assert [e["event"] for e in logs if e["log_level"] == "error"] == ["ai_usage_not_recorded"]


async def test_the_model_list_is_the_chat_models_groq_lists_cached_an_hour(
    groq: GroqStandIn,
) -> None:
    now = [0.0]
    groq.models = ["qwen/qwen3-32b", "whisper-large-v3", "openai/gpt-oss-20b", "playai-tts"]
    ai = AiClient(api_key=KEY, base_url=groq.base_url, default_model="m", clock=lambda: now[0])
    try:
        assert await ai.chat_models() == ("openai/gpt-oss-20b", "qwen/qwen3-32b")
        groq.models.append("moonshotai/kimi-k2-instruct")
        now[0] = 3599.0
        assert len(await ai.chat_models()) == 2  # still the cached list
        now[0] = 3601.0
        assert "moonshotai/kimi-k2-instruct" in await ai.chat_models()
    finally:
        await ai.close()


async def test_without_a_key_or_with_a_refused_one_there_is_no_model_list(
    groq: GroqStandIn,
) -> None:
    keyless = AiClient(api_key=None, base_url=groq.base_url, default_model="m")
    with pytest.raises(AiUnavailable, match="no GROQ_API_KEY"):
        await keyless.chat_models()
    refused = AiClient(api_key="gsk_wrong", base_url=groq.base_url, default_model="m")
    try:
        with pytest.raises(AiUnavailable, match="401") as error:
            await refused.chat_models()
        assert "gsk_wrong" not in error.value.reason
    finally:
        await refused.close()


async def test_groq_unreachable_gives_no_list_and_the_next_ask_tries_again(
    groq: GroqStandIn, client: AiClient
) -> None:
    port = int(groq.base_url.rsplit(":", 1)[1])
    await groq.stop()
    with pytest.raises(AiUnavailable, match="cannot reach Groq"):
        await client.chat_models()
    await groq.start(port=port)
    assert "openai/gpt-oss-20b" in await client.chat_models()
