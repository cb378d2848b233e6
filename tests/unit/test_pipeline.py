"""A rule's steps run on a post's HTML with no Dispatcher: text steps, filters again, and AI steps
against the Groq stand-in over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timezone
from typing import Any

import pytest

from bot.forwarding.post import Post
from bot.forwarding.steps import pipeline
from bot.forwarding.steps.ai.client import AiClient
from bot.forwarding.steps.ai.errors import AiUnavailable
from bot.forwarding.steps.base import StepContext
from sandbox.groq.server import GroqStandIn

KEY = "gsk_test"
CTX = StepContext(
    source_chat_id=-1001234567890,
    source_title="Daily News",
    source_username="dailynews",
    message_id=42,
    date=datetime(2024, 5, 6, tzinfo=timezone.utc),
)
POST = 'Bitcoin is <b>up</b> today, see <a href="https://spam.example/x">this</a> #crypto'


@pytest.fixture
async def ai() -> AsyncIterator[AiClient]:
    async with GroqStandIn(api_keys={KEY}) as server:
        client = AiClient(
            api_key=KEY,
            base_url=server.base_url,
            default_model="openai/gpt-oss-20b",
            timeout=5.0,
            backoff=(0.01, 0.02, 0.04),
        )
        yield client
        await client.close()


async def run(steps: list[dict[str, Any]], html: str = POST, **kwargs: Any) -> pipeline.Outcome:
    kwargs.setdefault("ai", None)
    return await pipeline.run(steps, html, ctx=CTX, **kwargs)


async def test_text_steps_run_in_order_on_the_visible_text() -> None:
    outcome = await run(
        [
            {"type": "remove_links"},
            {"type": "remove_hashtags"},
            {"type": "regex_replace", "pattern": "Bitcoin", "replacement": "BTC"},
            {"type": "footer", "template": "via {source_name_link}"},
        ]
    )
    assert outcome.html == (
        'BTC is <b>up</b> today, see this\n\nvia <a href="https://t.me/dailynews/42">Daily News</a>'
    )
    assert [what for what, _ in outcome.effects] == [
        "Remove links",
        "Remove hashtags",
        "Replace /Bitcoin/ with “BTC”",
        "Footer: via {source_name_link}",
    ]
    assert outcome.ai_calls == 0 and outcome.filtered_by is None


async def test_filters_again_judge_the_text_the_steps_produced() -> None:
    again = {"type": "filter", "filters": {"exclude_keywords": ["BTC"]}}
    replace = {"type": "regex_replace", "pattern": "Bitcoin", "replacement": "BTC"}
    post = Post(chat_id=CTX.source_chat_id, message_ids=(42,), text="Bitcoin")
    passed = await run([again, replace], post=post)
    assert passed.html is not None and passed.html.startswith("BTC is")
    stopped = await run([replace, again], post=post)
    assert stopped.html is None and stopped.filtered_by
    assert stopped.effects[-1][1].startswith("filtered out:")


async def test_an_ai_translation_keeps_only_the_links_of_the_source(ai: AiClient) -> None:
    outcome = await run([{"type": "translate", "language": "es"}], ai=ai)
    assert outcome.html is not None and outcome.html.startswith("[Spanish] Bitcoin is <b>up</b>")
    assert "https://spam.example/x" in outcome.html
    assert outcome.ai_calls == 1
    again = await run([{"type": "translate", "language": "es"}], ai=ai)
    assert again.html == outcome.html and again.ai_calls == 0  # cached


async def test_an_ai_filter_lets_on_topic_posts_through_and_stops_the_rest(ai: AiClient) -> None:
    kept = await run([{"type": "ai_filter", "topic": "bitcoin"}], ai=ai)
    assert kept.html == POST and kept.effects == [("AI filter: only posts about “bitcoin”", "yes")]
    dropped = await run([{"type": "ai_filter", "topic": "football"}], ai=ai)
    assert dropped.html is None and dropped.filtered_by == "ai_filter:football"


async def test_ai_steps_without_a_client_are_unavailable() -> None:
    with pytest.raises(AiUnavailable):
        await run([{"type": "rewrite", "tone": "calm"}])


async def test_a_preview_shows_each_step_and_what_would_be_published() -> None:
    result = await pipeline.preview_steps(
        {"include_keywords": ["bitcoin"]}, [{"type": "remove_links"}], POST, services=None
    )
    text = result.render()
    assert "1. Remove links →" in text and "Would publish" in text
    assert "spam.example" not in text
    skipped = await pipeline.preview_steps({"include_keywords": ["gold"]}, [], POST, None)
    assert skipped.html is None and "Filtered out" in skipped.render()
