"""AI rewrite: the post in another tone ("neutral", "friendly", "formal", …)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, ClassVar, Literal

from bot.forwarding.steps.base import Ask
from bot.forwarding.steps.prompts import AiStep, single_line
from bot.runtime.i18n import _, __

MAX_TONE = 40
TONES = ("neutral", "formal", "friendly", "concise", "enthusiastic")


class Rewrite(AiStep, label=__("Rewrite"), icon="✍️"):
    """Rewrite the post in a tone ("neutral", "friendly", "formal", …)."""

    ask = Ask(
        field="tone",
        question=__("Which tone for the rewrite?"),
        choices=TONES,
        prompt=__("Send the tone for the rewrite, for example “calm and factual”."),
    )
    example: ClassVar[Mapping[str, Any]] = {"tone": "friendly"}

    type: Literal["rewrite"] = "rewrite"
    tone: Annotated[str, single_line("tone", 1, MAX_TONE)] = "neutral"

    def job(self) -> tuple[str, str]:
        return (
            f"Rewrite the post in a {self.tone} tone. Keep its meaning, facts, numbers, names, "
            "@mentions, #hashtags and links; keep it in the language it is written in.",
            f"TASK: rewrite {self.tone}",
        )

    def describe(self) -> str:
        return _("AI rewrite (tone: {tone})").format(tone=self.tone)
