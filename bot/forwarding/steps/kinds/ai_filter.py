"""AI filter: only posts about a topic go on (the model answers yes or no)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from bot.forwarding.steps.base import Ask, Effect, Env
from bot.forwarding.steps.prompts import AiStep, parse_yes_no, single_line
from bot.runtime.i18n import _, __

MAX_TOPIC = 200


class AiFilter(AiStep, label=__("AI filter"), icon="🤖"):
    """Forward only posts about ``topic`` (the model answers yes or no)."""

    ask = Ask(
        field="topic",
        prompt=__("Send the topic: only posts about it will go, for example “electric cars”."),
    )
    example: ClassVar[Mapping[str, Any]] = {"topic": "electric cars"}

    verdict: ClassVar[bool] = True
    type: Literal["ai_filter"] = "ai_filter"
    topic: Annotated[str, single_line("topic", 2, MAX_TOPIC)]

    def job(self) -> tuple[str, str]:
        return (
            f"Decide whether the post is about this topic: {self.topic}. Say yes only if the "
            "post is clearly about it.",
            f"TASK: classify {self.topic}",
        )

    def answer_tokens(self, post_tokens: int) -> int:
        return 32

    async def run(self, html: str, env: Env) -> Effect:
        answer = await self.call_ai(html, env)
        calls = 0 if answer.cached else 1
        if parse_yes_no(answer.text):
            return Effect(html=html, shown=_("yes"), ai_calls=calls)
        return Effect(
            html=None, shown=_("no"), filtered_by=f"ai_filter:{self.topic}", ai_calls=calls
        )

    def describe(self) -> str:
        return _("AI filter: only posts about “{topic}”").format(topic=self.topic)
