"""Filters again: the rule's ordinary filters once more, on the text the steps before produced."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from bot.forwarding.html import html_to_text
from bot.forwarding.rules.filters import FilterSpec, check, describe
from bot.forwarding.steps.base import Ask, Effect, Env, StepModel
from bot.runtime.i18n import _, __


class FilterAgain(StepModel, label=__("Filters again"), icon="🔁"):
    """The ordinary filters once more, on the text as the steps before left it."""

    ask = Ask(
        field="filters",
        from_rule=True,
        unset=__("Set some filters in step 4 first: this step runs them again."),
    )
    example: ClassVar[Mapping[str, Any]] = {"filters": {"include_keywords": ["bitcoin"]}}

    type: Literal["filter"] = "filter"
    filters: FilterSpec

    async def run(self, html: str, env: Env) -> Effect:
        verdict = check(self.filters, dataclasses.replace(env.post, text=html_to_text(html)))
        if verdict.passed:
            return Effect.kept(html)
        return Effect(
            html=None,
            shown=_("filtered out: {reason}").format(reason=verdict.reason),
            filtered_by=verdict.reason or "filter",
        )

    def describe(self) -> str:
        return _("Filters again: {filters}").format(filters="; ".join(describe(self.filters)))
