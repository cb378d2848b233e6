"""AI summary: the post in at most a number of characters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import Field

from bot.forwarding.steps.base import Ask
from bot.forwarding.steps.prompts import AiStep
from bot.runtime.i18n import _, __

MIN_SUMMARY_CHARS = 50
MAX_SUMMARY_CHARS = 4000
LENGTHS = (200, 400, 800, 1500)


def _read(text: str) -> dict[str, Any]:
    if not text.strip().isdigit():
        raise ValueError(_("Send a number of characters, for example 400."))
    return {"max_chars": int(text.strip())}


class Summarize(AiStep, label=__("Summarize"), icon="📝"):
    """Summarise the post in at most ``max_chars`` characters."""

    ask = Ask(
        field="max_chars",
        question=__("How long may the summary be (characters)?"),
        choices=LENGTHS,
        prompt=__("Send the maximum length of the summary in characters (50–4000)."),
        read=_read,
    )
    example: ClassVar[Mapping[str, Any]] = {"max_chars": 400}

    type: Literal["summarize"] = "summarize"
    max_chars: int = Field(default=400, ge=MIN_SUMMARY_CHARS, le=MAX_SUMMARY_CHARS)

    def job(self) -> tuple[str, str]:
        return (
            f"Summarize the post in at most {self.max_chars} characters, keeping the most "
            "important facts and the language it is written in. If the post already fits, "
            "return it unchanged.",
            f"TASK: summarize {self.max_chars}",
        )

    def answer_tokens(self, post_tokens: int) -> int:
        return min(2 * post_tokens + 256, self.max_chars // 2 + 128)

    def describe(self) -> str:
        return _("AI summary (at most {count} characters)").format(count=self.max_chars)
