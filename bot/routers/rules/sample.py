"""A rule's Test: what the rule would make of a sample post, as the pipeline previews it, in words."""

from __future__ import annotations

from dataclasses import dataclass

from bot.forwarding.html import clip, html_to_text, utf16_len
from bot.forwarding.rules.index import RuleView
from bot.forwarding.steps.pipeline import Preview
from bot.routers.rules.card import MAX_LINE
from bot.routers.rules.texts import MAX_TEXT, esc, fit
from bot.runtime.i18n import _, __

_REASONS = {
    "forwarded": __("it is a forward and the rule takes only original posts"),
    "not_forwarded": __("it is not a forward and the rule takes only forwarded posts"),
    "sender_not_allowed": __("its author is not among the allowed users"),
    "sender_excluded": __("its author is excluded"),
    "too_short": __("it is too short"),
    "too_long": __("it is too long"),
    "no_include_keyword": __("it contains none of the required keywords"),
    "no_include_regex": __("it matches none of the required patterns"),
}
_REASON_PREFIXES = {
    "exclude_keyword": __("it contains the excluded keyword “{detail}”"),
    "exclude_regex": __("it matches the excluded pattern {detail}"),
    "media_type": __("its kind ({detail}) is not allowed"),
    "regex_timeout": __("the pattern {detail} took too long"),
    "regex_invalid": __("the pattern {detail} is invalid"),
}


def explain_reason(reason: str) -> str:
    """A filter verdict's snake_case reason in words (plain text, not escaped)."""
    if reason in _REASONS:
        return str(_REASONS[reason])
    prefix, _colon, detail = reason.partition(":")
    template = _REASON_PREFIXES.get(prefix)
    return str(template).format(detail=detail) if template and detail else reason.replace("_", " ")


@dataclass(frozen=True, slots=True)
class SampleResult:
    """What a rule would do with a sample post.

    ``html`` is the result as Telegram HTML (already safe, from the pipeline); ``text`` a plain
    result to be escaped. ``effects`` are (step description, result) pairs, plain text.
    """

    html: str | None = None
    text: str | None = None
    effects: tuple[tuple[str, str], ...] = ()
    filtered_by: str | None = None
    error: str | None = None


def outcome_of_preview(preview: Preview) -> SampleResult:
    """The pipeline's preview as a :class:`SampleResult` (each step's effect as plain text)."""
    effects = tuple((what, html_to_text(result or "")) for what, result in preview.effects)
    return SampleResult(
        html=preview.html,
        effects=effects,
        filtered_by=explain_reason(preview.filtered_by) if preview.filtered_by else None,
        error=preview.error,
    )


def render_test_result(rule: RuleView, outcome: SampleResult, limit: int = MAX_TEXT) -> str:
    """The result of a test, the result post last and shortened to fit ``limit``."""
    head = [_("🧪 Test of <b>{name}</b>").format(name=esc(rule.name))]
    if outcome.error:
        head.append(f"⚠️ {esc(clip(outcome.error, 1000))}")
    elif outcome.filtered_by:
        reason = esc(clip(outcome.filtered_by, MAX_LINE))
        head.append(_("🚫 Filtered out: {reason}").format(reason=reason))
    else:
        head.append(_("✅ Passes the filters."))
    if outcome.effects:
        head += ["", _("<b>Steps</b>")]
        head += [
            f"{n}. {esc(clip(what, 100))} → {esc(clip(result, 200))}"
            for n, (what, result) in enumerate(outcome.effects, 1)
        ]
    text = fit(head, limit)
    title = _("<b>Result</b>")
    body = _result_body(outcome, limit - utf16_len(text) - utf16_len(f"\n\n{title}\n"))
    return f"{text}\n\n{title}\n{body}" if body else text


def _result_body(outcome: SampleResult, room: int) -> str:
    if outcome.error or outcome.filtered_by or room < 20:
        return ""
    if outcome.html and outcome.html.strip():
        if utf16_len(outcome.html) <= room:
            return outcome.html
        plain = html_to_text(outcome.html)
    elif outcome.text and outcome.text.strip():
        plain = outcome.text
    else:
        return _("<i>(empty)</i>")
    # Escaping can only lengthen the text: shrink until the escaped form fits.
    size = room
    while True:
        body = esc(clip(plain, size))
        if utf16_len(body) <= room:
            return body
        size = max(size - (utf16_len(body) - room) - 1, 0)
