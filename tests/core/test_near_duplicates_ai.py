"""The AI's word on borderline near-duplicates, for a rule that asks for it: a reworded story a
little too far for the SimHash alone is suppressed when the AI says "the same story", goes when it
says no or is down, costs one call per pair, and a rule that did not ask never calls it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from bot.forwarding.delivery.outbox import Outbox
from bot.forwarding.intake import neardup
from bot.forwarding.intake.ingest import Ingest
from bot.forwarding.intake.samestory import SameStoryJudge
from bot.forwarding.rules.index import RuleIndex
from bot.forwarding.steps.ai.client import AiClient
from models import Delivery
from models.forwarding import PENDING, SKIPPED
from sandbox.groq.server import GroqStandIn
from tests.core.conftest import DEST_A, DEST_B, add_rule, channel_message

KEY = "gsk_test"
EARLIER = (
    "Tesla shares jump 8% after the company reported record quarterly deliveries. The carmaker "
    "delivered 510,000 vehicles in the third quarter, beating analyst estimates."
)
LATER = (
    "Tesla stock jumps 8% on record deliveries. The carmaker delivered 510,000 vehicles in the "
    "third quarter, beating what analysts had estimated. #stocks"
)
NEAR = {"near_duplicates_minutes": 60}


class Verdicts:
    """The stand-in's answers to "the same story?", and the pairs it was asked about."""

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.asked: list[str] = []

    def __call__(self, body: dict[str, Any]) -> str:
        system = next(m["content"] for m in body["messages"] if m["role"] == "system")
        assert "TASK: classify same story" in system and "Tesla shares jump 8%" in system
        self.asked.append(body["messages"][-1]["content"])
        return self.answer


@pytest.fixture
def verdicts() -> Verdicts:
    return Verdicts("yes")


@pytest.fixture
async def groq(verdicts: Verdicts) -> AsyncIterator[GroqStandIn]:
    async with GroqStandIn(api_keys={KEY}, responder=verdicts) as standin:
        yield standin


@pytest.fixture
async def ai(groq: GroqStandIn) -> AsyncIterator[AiClient]:
    client = AiClient(
        api_key=KEY,
        base_url=groq.base_url,
        default_model="openai/gpt-oss-20b",
        max_attempts=1,
        backoff=(0.0,),
    )
    yield client
    await client.close()


async def two_posts(ingest: Ingest) -> dict[str, str]:
    """The earlier post, then the reworded one; each delivery's unit and status."""
    await ingest.post(channel_message(1, text=EARLIER))
    await ingest.post(channel_message(2, text=LATER))
    rows = await Delivery.filter(dest_chat_id=DEST_A).order_by("id")
    return {row.unit: row.status for row in rows}


def test_the_pair_is_borderline_for_the_simhash() -> None:
    a, b = neardup.fingerprint(EARLIER), neardup.fingerprint(LATER)
    assert a is not None and b is not None
    apart = neardup.distance(a.signature, b.signature)
    assert neardup.MAX_BITS < apart <= neardup.MAX_BITS + neardup.BORDER_BITS
    assert not neardup.near(a, b)


async def test_the_ai_saying_same_story_suppresses_the_reworded_post(
    db: str, ai: AiClient, verdicts: Verdicts
) -> None:
    index = RuleIndex()
    await add_rule(index, dests=(DEST_A, DEST_B), filters={**NEAR, "near_duplicates_ai": True})
    ingest = Ingest(index, Outbox("t"), clock=lambda: 1_800_000_000.0)
    ingest.same_story = SameStoryJudge(ai).same

    assert await two_posts(ingest) == {"m:1": PENDING, "m:2": SKIPPED}
    skipped = await Delivery.get(dest_chat_id=DEST_B, unit="m:2")
    assert skipped.status == SKIPPED and skipped.last_error is not None
    assert skipped.last_error.startswith("near-duplicate of")
    assert len(verdicts.asked) == 1  # one call for the pair, both destinations
    assert "Tesla stock jumps 8%" in verdicts.asked[0]


async def test_the_ai_saying_no_lets_the_post_go(db: str, ai: AiClient, verdicts: Verdicts) -> None:
    verdicts.answer = "no"
    index = RuleIndex()
    await add_rule(index, filters={**NEAR, "near_duplicates_ai": True})
    ingest = Ingest(index, Outbox("t"), clock=lambda: 1_800_000_000.0)
    ingest.same_story = SameStoryJudge(ai).same

    assert await two_posts(ingest) == {"m:1": PENDING, "m:2": PENDING}
    assert len(verdicts.asked) == 1


async def test_an_ai_that_is_down_counts_the_pair_as_different(
    db: str, ai: AiClient, groq: GroqStandIn, verdicts: Verdicts
) -> None:
    groq.set_outage(True)
    index = RuleIndex()
    await add_rule(index, filters={**NEAR, "near_duplicates_ai": True})
    ingest = Ingest(index, Outbox("t"), clock=lambda: 1_800_000_000.0)
    judge = SameStoryJudge(ai)
    ingest.same_story = judge.same

    assert await two_posts(ingest) == {"m:1": PENDING, "m:2": PENDING}
    assert verdicts.asked == []
    calls = groq.count
    assert calls >= 1
    assert not await judge.same(EARLIER, LATER)
    assert groq.count == calls  # resting: the polling path does not wait for a dead AI again


async def test_a_rule_that_did_not_ask_never_calls_the_ai(
    db: str, ai: AiClient, verdicts: Verdicts
) -> None:
    index = RuleIndex()
    await add_rule(index, filters=NEAR)
    ingest = Ingest(index, Outbox("t"), clock=lambda: 1_800_000_000.0)
    ingest.same_story = SameStoryJudge(ai).same

    assert await two_posts(ingest) == {"m:1": PENDING, "m:2": PENDING}
    assert verdicts.asked == []
