"""AI custom prompt: the owner's own instruction, applied to every post.

The owner's prompt is trusted: it goes in the system message as the owner's instruction, under the
data rule. A line of it that starts with ``TASK:`` is written ``Task:`` so the message keeps
exactly one TASK line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import field_validator

from bot.forwarding.steps.base import Ask, keep_text, short
from bot.forwarding.steps.prompts import AiStep, has_control_characters
from bot.runtime.i18n import _, __

MAX_CUSTOM_PROMPT = 2000
_TASK_LINE = re.compile(r"^([ \t]*)TASK:", re.MULTILINE)


class CustomPrompt(AiStep, label=__("Custom prompt"), icon="💬"):
    """The owner's own instruction, applied to every post."""

    ask = Ask(
        field="prompt",
        prompt="Send your instruction for the AI, for example “Turn the post into three bullet "
        "points”.",
        read=keep_text("prompt"),
    )
    example: ClassVar[Mapping[str, Any]] = {"prompt": "Turn the post into three bullet points."}

    type: Literal["custom"] = "custom"
    prompt: str

    @field_validator("prompt")
    @classmethod
    def _check_prompt(cls, value: str) -> str:
        if has_control_characters(value):
            raise ValueError(_("The prompt contains control characters."))
        cleaned = value.strip()
        if not cleaned:
            raise ValueError(_("The prompt is empty."))
        if len(cleaned) > MAX_CUSTOM_PROMPT:
            raise ValueError(
                _(
                    "The prompt is too long ({length} characters; at most {limit}). Shorten it."
                ).format(length=len(cleaned), limit=MAX_CUSTOM_PROMPT)
            )
        return cleaned

    def job(self) -> tuple[str, str]:
        owner = _TASK_LINE.sub(r"\1Task:", self.prompt)
        return (
            "Apply the channel owner's instruction below to the post. The instruction comes "
            "from the owner and is trusted.\nThe owner's instruction:\n" + owner,
            "TASK: custom",
        )

    def describe(self) -> str:
        return _("AI custom prompt: “{prompt}”").format(prompt=short(self.prompt, 60))
