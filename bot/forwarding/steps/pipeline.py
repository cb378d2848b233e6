"""The transform pipeline: a rule's ordered steps run on a post's Telegram HTML.

Each step runs as its kind says (``catalogue``). AI answers are sanitised back to the HTML
Telegram accepts, with links limited to those of the source unless the rule allows new ones.
When AI output is longer than Telegram allows, the model is asked for brevity first, and only
then is it cut. ``preview`` is the same run on a sample, for the wizard's "try it" and the rule
card's Test.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from html import escape
from typing import Any

from bot.forwarding.delivery.payload import Payload
from bot.forwarding.html import fit, html_to_text, links_of, sanitize_html, visible_length
from bot.forwarding.post import Post
from bot.forwarding.rules.filters import FilterSpec, check
from bot.forwarding.steps.ai.errors import AiUnavailable
from bot.forwarding.steps.base import AiRunner, Env, StepContext
from bot.forwarding.steps.catalogue import load_steps, uses_ai
from bot.forwarding.steps.kinds.summarize import Summarize
from bot.runtime.i18n import _

TEXT_LIMIT, CAPTION_LIMIT = 4096, 1024


@dataclass
class Outcome:
    html: str | None  # None: the post was filtered out by a step
    effects: list[tuple[str, str]] = field(default_factory=list)  # (step, HTML after it)
    filtered_by: str | None = None
    ai_calls: int = 0
    cut: bool = False


async def run(
    raw_steps: Sequence[Mapping[str, Any]],
    html: str,
    *,
    ctx: StepContext,
    ai: AiRunner | None,
    model: str | None = None,
    limit: int = TEXT_LIMIT,
    allow_new_links: bool = False,
    post: Post | None = None,
) -> Outcome:
    """Run the steps in order. AiUnavailable / AiRejected propagate: the caller applies the
    rule's failure policy. A regex that runs too long raises regexguard.RegexTimeout."""
    allowed = None if allow_new_links else links_of(html)
    env = Env(
        ctx=ctx,
        post=post or Post(chat_id=ctx.source_chat_id, message_ids=(ctx.message_id,)),
        ai=ai,
        model=model,
        allowed_links=allowed,
    )
    outcome = Outcome(html=html)
    for step in load_steps(raw_steps):
        effect = await step.run(outcome.html or "", env)
        outcome.ai_calls += effect.ai_calls
        outcome.effects.append((step.describe(), effect.shown))
        outcome.html = effect.html
        if effect.html is None:
            outcome.filtered_by = effect.filtered_by
            return outcome
    if outcome.html is not None and uses_ai(raw_steps):
        await _fit(outcome, limit, ai, model, allowed)
    return outcome


async def _fit(
    outcome: Outcome,
    limit: int,
    ai: AiRunner | None,
    model: str | None,
    allowed: Collection[str] | None,
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
            outcome.effects.append((_("Shortened to fit Telegram"), html))
    if visible_length(html) > limit:
        html, _cut = fit(html, limit)
        outcome.cut = True
    outcome.html = html


def context_of(payload: Payload, chat_id: int, message_id: int) -> StepContext:
    return StepContext(
        source_chat_id=chat_id,
        source_title=payload.chat_title,
        source_username=payload.chat_username,
        message_id=message_id,
        date=datetime.fromtimestamp(payload.date, tz=timezone.utc),
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
    filters: dict[str, Any], steps: Sequence[Mapping[str, Any]], html: str, services: Any
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
        shown = _("The steps could not run: {reason}").format(reason=reason)
        return Preview(html=None, effects=[], error=shown)
    return Preview(html=outcome.html, effects=outcome.effects, filtered_by=outcome.filtered_by)


async def preview(rule: Any, text: str, services: Any) -> Preview:
    """The rule card's Test: ``text`` is Telegram HTML (or plain text, escaped by the caller)."""
    filters = (
        rule.filters.model_dump(mode="json")
        if hasattr(rule.filters, "model_dump")
        else rule.filters
    )
    return await preview_steps(filters, list(rule.steps), text, services)
