"""The AI model of a rule, chosen on its card among the models Groq lists, and the Groq tokens each
rule used, as the owner sees them on the card and in /status."""

from __future__ import annotations

from typing import Any

import pytest

from bot.forwarding.steps.ai.usage import compact
from bot.routers.rules.keyboards import RuleModelCb
from bot.routers.rules.texts import UNKNOWN_MODEL
from models import AiUsage, Rule
from sandbox.groq.logic import DEFAULT_MODELS
from tests.conftest import wait_until
from tests.e2e.conftest import World, running
from tests.e2e.test_rules_menu import DEST, SRC, buttons, create_rule, open_card, press, send

pytestmark = pytest.mark.no_flood

TRANSLATE = [{"type": "translate", "language": "es"}]
NOT_CHAT = ("whisper-large-v3", "playai-tts", "meta-llama/llama-guard-4-12b")


@pytest.fixture
def chats(world: World) -> World:
    world.channel("Source <i>news</i>", SRC)
    world.channel("Dest", DEST)
    world.groq.models = [*DEFAULT_MODELS, *NOT_CHAT]
    return world


def answered(world: World) -> list[dict[str, Any]]:
    """The usage of every completion the Groq stand-in answered."""
    return [r.usage for r in world.groq.requests if r.usage is not None]


def tokens(world: World) -> int:
    return sum(u["prompt_tokens"] + u["completion_tokens"] for u in answered(world))


async def counted() -> int:
    rows = await AiUsage.all().values("prompt_tokens", "completion_tokens")
    return sum(r["prompt_tokens"] + r["completion_tokens"] for r in rows)


async def test_owner_picks_a_listed_model_and_the_next_post_uses_it(chats: World) -> None:
    async with running(chats) as app:
        rule_id = await create_rule(app, steps=TRANSLATE)
        card = await open_card(chats, app, "news")
        assert "AI model: the default" in card["text"]

        screen = (await press(chats, app, card, "🤖 Model")).message
        assert "the default, openai/gpt-oss-20b (GROQ_MODEL)" in screen["text"]
        assert list(buttons(screen)) == [
            "✓ Default (openai/gpt-oss-20b)",
            *sorted(DEFAULT_MODELS),  # no speech, text-to-speech or guard model
            "« Back to rule",
        ]
        assert all(len(data.encode()) <= 64 for data in buttons(screen).values())

        pressed = await press(chats, app, screen, "qwen/qwen3-32b")
        assert pressed.notice == "AI model: qwen/qwen3-32b."
        assert "AI model: qwen/qwen3-32b" in pressed.message["text"]
        assert (await Rule.get(id=rule_id)).ai_model == "qwen/qwen3-32b"

        chats.tg.channel_post(SRC, "hola")
        await chats.tg.wait_for(lambda: chats.replies(DEST))
        (request,) = chats.groq.requests
        assert request.body is not None and request.body["model"] == "qwen/qwen3-32b"

        screen = (await press(chats, app, pressed.message, "🤖 Model")).message
        assert "✓ qwen/qwen3-32b" in buttons(screen)
        back = await press(chats, app, screen, "Default (openai/gpt-oss-20b)")
        assert back.notice == "AI model: the default (openai/gpt-oss-20b)."
        assert (await Rule.get(id=rule_id)).ai_model is None


async def test_a_forged_model_button_is_refused_and_nothing_changes(chats: World) -> None:
    async with running(chats) as app:
        rule_id = await create_rule(app, steps=TRANSLATE, ai_model="openai/gpt-oss-120b")
        card = await open_card(chats, app, "news")
        forged = RuleModelCb(rule_id=rule_id, key="0123456789").pack()
        pressed = await press(chats, app, card, data=forged)
        assert pressed.notice == UNKNOWN_MODEL
        assert pressed.message["text"] == card["text"]
        assert (await Rule.get(id=rule_id)).ai_model == "openai/gpt-oss-120b"


async def test_a_rule_without_ai_steps_has_no_model_button(chats: World) -> None:
    async with running(chats) as app:
        await create_rule(app)
        card = await open_card(chats, app, "news")
        assert "🤖 Model" not in buttons(card)
        assert "AI model" not in card["text"] and "AI tokens" not in card["text"]


async def test_when_groq_cannot_list_its_models_the_owner_is_told_and_the_default_stays(
    chats: World,
) -> None:
    async with running(chats) as app:
        rule_id = await create_rule(app, steps=TRANSLATE)
        card = await open_card(chats, app, "news")
        await chats.groq.stop()
        pressed = await press(chats, app, card, "🤖 Model")
        assert pressed.notice.startswith("Groq can't say which models there are now")
        assert "Nothing changed" in pressed.notice
        assert pressed.message["text"] == card["text"]
        assert (await Rule.get(id=rule_id)).ai_model is None


async def test_the_card_and_status_show_the_tokens_groq_counted_and_a_cache_hit_adds_none(
    chats: World,
) -> None:
    async with running(chats) as app:
        rule_id = await create_rule(app, steps=TRANSLATE)
        for text in ("first post", "a second, longer post"):
            chats.tg.channel_post(SRC, text)
        await chats.tg.wait_for(lambda: len(chats.replies(DEST)) == 2)
        assert chats.groq.count == 2
        spent = tokens(chats)

        async def all_counted() -> bool:
            return await counted() == spent

        await wait_until(all_counted, message=f"{spent} tokens counted")

        card = await open_card(chats, app, "news")
        shown = f"AI tokens: today {compact(spent)} · this month {compact(spent)}"
        assert shown in card["text"]
        status = await send(chats, app, "/status")
        assert shown in status["text"]
        assert f"most this month: #{rule_id} news {compact(spent)}" in status["text"]

        chats.tg.channel_post(SRC, "first post")  # the same text: Groq's answer is cached
        await chats.tg.wait_for(lambda: len(chats.replies(DEST)) == 3)
        assert chats.groq.count == 2
        (row,) = await AiUsage.filter(rule_id=rule_id)
        assert (row.prompt_tokens + row.completion_tokens, row.calls) == (spent, 2)
        assert shown in (await open_card(chats, app, "news"))["text"]
