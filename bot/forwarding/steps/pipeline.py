"""The transform pipeline: a rule's ordered steps run on a post's Telegram HTML.

Text steps (regex replace, link/mention/hashtag cleaning, header, footer) are local and exact. AI
steps go through the ``AiClient`` (cached per step and input, so one post to many destinations
costs one call); the model's answer is sanitised back to the HTML Telegram accepts, with links
limited to those of the source unless the rule allows new ones. An AI filter answers yes or no;
a ``filter`` step runs the ordinary filters again on the text the AI produced. When AI output is
longer than Telegram allows, the model is asked for brevity first, and only then is it cut.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html import escape
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from bot.forwarding.html.formatting import (
    fit,
    html_to_text,
    links_of,
    sanitize_html,
    visible_length,
)
from bot.forwarding.post import Post
from bot.forwarding.rules.filters import FilterSpec, check, validation_message
from bot.forwarding.steps.ai import AiClient, AiUnavailable
from bot.forwarding.steps.prompts import (
    AI_STEP_TYPES,
    AiFilter,
    CustomPrompt,
    Rewrite,
    Summarize,
    Translate,
    parse_yes_no,
)
from bot.forwarding.steps.prompts import describe_step as describe_ai_step
from bot.forwarding.steps.textsteps import (
    Footer,
    Header,
    RegexReplace,
    RemoveHashtags,
    RemoveLinks,
    RemoveMentions,
    StepContext,
    apply_text_step,
)
from bot.forwarding.steps.textsteps import describe_step as describe_text_step

TEXT_LIMIT, CAPTION_LIMIT = 4096, 1024


class FilterAgain(BaseModel):
    """The ordinary filters once more, on the text as the steps before left it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    type: Literal["filter"] = "filter"
    filters: FilterSpec


Step = Annotated[
    Union[  # noqa: UP007 (a discriminated union needs the Union spelling on 3.10)
        RegexReplace,
        RemoveLinks,
        RemoveMentions,
        RemoveHashtags,
        Header,
        Footer,
        Rewrite,
        Summarize,
        Translate,
        CustomPrompt,
        AiFilter,
        FilterAgain,
    ],
    Field(discriminator="type"),
]
_STEP: TypeAdapter[Any] = TypeAdapter(Step)
_STEPS: TypeAdapter[list[Any]] = TypeAdapter(list[Step])
TEXT_STEP_TYPES = (RegexReplace, RemoveLinks, RemoveMentions, RemoveHashtags, Header, Footer)


def parse_step(raw: dict[str, Any]) -> dict[str, Any]:
    """Validate one step as the owner gave it; its stored form, or ValueError saying why not."""
    try:
        step = _STEP.validate_python(raw)
    except ValidationError as error:
        raise ValueError(validation_message(error)) from None
    return step.model_dump(mode="json")


def load_steps(raw: Sequence[dict[str, Any]]) -> list[Any]:
    """Stored steps back to models (they were validated when saved)."""
    return _STEPS.validate_python(list(raw), context={"trusted": True})


def describe_steps(raw: Sequence[dict[str, Any]]) -> list[str]:
    lines = []
    for step in load_steps(raw):
        if isinstance(step, TEXT_STEP_TYPES):
            lines.append(describe_text_step(step))
        elif isinstance(step, FilterAgain):
            lines.append("Filters again: " + "; ".join(_filter_lines(step.filters)))
        else:
            lines.append(describe_ai_step(step))
    return lines


def uses_ai(raw: Sequence[dict[str, Any]]) -> bool:
    return any(step.get("type") in AI_STEP_TYPES for step in raw)


def _filter_lines(spec: FilterSpec) -> list[str]:
    from bot.forwarding.rules.filters import describe

    return describe(spec)


@dataclass
class Outcome:
    html: str | None  # None: the post was filtered out by a step
    effects: list[tuple[str, str]] = field(default_factory=list)  # (step, HTML after it)
    filtered_by: str | None = None
    ai_calls: int = 0
    cut: bool = False


async def run(
    raw_steps: Sequence[dict[str, Any]],
    html: str,
    *,
    ctx: StepContext,
    ai: AiClient | None,
    model: str | None = None,
    limit: int = TEXT_LIMIT,
    allow_new_links: bool = False,
    post: Post | None = None,
) -> Outcome:
    """Run the steps in order. AiUnavailable / AiRejected propagate: the caller applies the
    rule's failure policy. A regex that runs too long raises regexguard.RegexTimeout."""
    steps = load_steps(raw_steps)
    descriptions = describe_steps(raw_steps)
    allowed = None if allow_new_links else links_of(html)
    outcome = Outcome(html=html)
    for step, description in zip(steps, descriptions, strict=True):
        current = outcome.html or ""
        if isinstance(step, TEXT_STEP_TYPES):
            outcome.html = apply_text_step(current, step, ctx)
        elif isinstance(step, FilterAgain):
            base = post or Post(chat_id=ctx.source_chat_id, message_ids=(ctx.message_id,))
            verdict = check(step.filters, dataclasses.replace(base, text=html_to_text(current)))
            if not verdict.passed:
                outcome.effects.append((description, f"filtered out: {verdict.reason}"))
                return _filtered(outcome, verdict.reason or "filter")
        else:
            if ai is None:
                raise AiUnavailable("no AI client")
            answer = await ai.run(step, current, model=model)
            outcome.ai_calls += 0 if answer.cached else 1
            if isinstance(step, AiFilter):
                verdict_yes = parse_yes_no(answer.text)
                outcome.effects.append((description, "yes" if verdict_yes else "no"))
                if not verdict_yes:
                    return _filtered(outcome, f"ai_filter:{step.topic}")
                continue
            outcome.html = sanitize_html(answer.text, allowed_links=allowed)
        outcome.effects.append((description, outcome.html or ""))
    if outcome.html is not None and uses_ai(raw_steps):
        await _fit(outcome, limit, ai, model, allowed)
    return outcome


def _filtered(outcome: Outcome, reason: str) -> Outcome:
    outcome.html = None
    outcome.filtered_by = reason
    return outcome


async def _fit(
    outcome: Outcome, limit: int, ai: AiClient | None, model: str | None, allowed: Any
) -> None:
    """AI output over Telegram's limit: ask the model for brevity, then cut if still needed."""
    html = outcome.html or ""
    if visible_length(html) <= limit:
        return
    if ai is not None:
        brief = Summarize(max_chars=max(50, min(4000, int(limit * 0.9))))
        try:
            answer = await ai.run(brief, html, model=model)
        except AiUnavailable:
            answer = None
        if answer is not None:
            outcome.ai_calls += 0 if answer.cached else 1
            html = sanitize_html(answer.text, allowed_links=allowed)
            outcome.effects.append(("Shortened to fit Telegram", html))
    if visible_length(html) > limit:
        html, _ = fit(html, limit)
        outcome.cut = True
    outcome.html = html


def context_of(payload: dict[str, Any], chat_id: int, message_id: int) -> StepContext:
    return StepContext(
        source_chat_id=chat_id,
        source_title=payload.get("chat_title") or "",
        source_username=payload.get("chat_username"),
        message_id=message_id,
        date=datetime.fromtimestamp(payload.get("date") or 0, tz=timezone.utc),
    )


# -- preview: the wizard's "try it" and the rule card's Test -------------------------------------


@dataclass
class Preview:
    html: str | None
    effects: list[tuple[str, str]]
    filtered_by: str | None = None
    error: str | None = None

    def render(self, limit: int = 3800) -> str:
        """A Telegram HTML message: each step's effect, then the result (or why there is none)."""
        lines = ["<b>Preview</b>"]
        for n, (step, after) in enumerate(self.effects, 1):
            shown = html_to_text(after) if after else after
            lines.append(f"{n}. {escape(step)} → {escape(_short(shown, 300))}")
        if self.error:
            lines.append(f"\n⚠️ {escape(self.error)}")
        elif self.html is None:
            lines.append(f"\n🚫 Filtered out: {escape(self.filtered_by or 'a filter')}")
        else:
            budget = max(200, limit - sum(len(line) for line in lines))
            body = (
                self.html
                if len(self.html) <= budget
                else escape(_short(html_to_text(self.html), budget))
            )
            lines.append(f"\n<b>Would publish:</b>\n{body}")
        return "\n".join(lines)


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def preview_steps(
    filters: dict[str, Any], steps: Sequence[dict[str, Any]], html: str, services: Any
) -> Preview:
    """What a rule with these filters and steps would publish for a sample post."""
    post = Post(
        chat_id=0, message_ids=(0,), text=html_to_text(html), media_kinds=frozenset({"text"})
    )
    verdict = check(FilterSpec.from_stored(filters), post)
    if not verdict.passed:
        return Preview(html=None, effects=[], filtered_by=verdict.reason)
    ctx = StepContext(
        source_chat_id=0,
        source_title="Sample",
        source_username=None,
        message_id=0,
        date=datetime.now(timezone.utc),
    )
    ai = getattr(services, "ai", None)
    try:
        outcome = await run(steps, html, ctx=ctx, ai=ai, post=post)
    except Exception as error:  # shown to the owner, not raised: a preview never breaks the wizard
        reason = getattr(error, "reason", None) or str(error) or type(error).__name__
        return Preview(html=None, effects=[], error=f"The steps could not run: {reason}")
    return Preview(html=outcome.html, effects=outcome.effects, filtered_by=outcome.filtered_by)


async def preview(rule: Any, text: str, services: Any) -> Preview:
    """The rule card's Test: ``text`` is Telegram HTML (or plain text, escaped by the caller)."""
    filters = (
        rule.filters.model_dump(mode="json")
        if hasattr(rule.filters, "model_dump")
        else rule.filters
    )
    return await preview_steps(filters, list(rule.steps), text, services)
