"""The texts of the /rules menu: the list, a rule's card, the delete question, a test's result.

Pure functions of plain data (no database, no Bot): the router gathers the data and sends what
these return. Every text is HTML; everything a user or a channel wrote (rule names, chat titles,
keywords, transform settings, pause reasons, sample posts) is escaped here, and every screen is
built from whole lines so that shortening one to Telegram's 4096 characters never cuts a tag.
"""

from __future__ import annotations

import html
import importlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from aiogram.utils.text_decorations import html_decoration

from bot.forwarding.post import Post
from bot.forwarding.rules.filters import FilterVerdict, check, describe
from bot.forwarding.rules.index import RuleView
from bot.forwarding.rules.spec import ChatRef

MAX_TEXT = 4096  # Telegram's limit for a message text (UTF-16 code units after parsing)
PER_PAGE = 8
MAX_CHATS_SHOWN = 10
MAX_TITLE = 64
MAX_LINE = 300

NOT_FOUND = "That rule no longer exists."
NO_LAST_POST = "No post has reached this rule yet: send a sample text instead."
OUTDATED = "This button is out of date. Send /rules again."
EMPTY_LIST = (
    "<b>Your rules</b>\n\n"
    "You have no rules yet. A rule forwards the posts of source chats to destination chats, "
    "with filters and transforms on the way.\n\n"
    "Send /newrule to create one."
)
NEW_RULE_HINT = "Send /newrule to create a rule."

MODES = {
    "copy": "copy (sent as the bot's own post)",
    "forward": "forward (with “Forwarded from”)",
}
EDIT_POLICIES = {
    "edit": "edit the copies",
    "repost": "post the new version again",
    "ignore": "ignore edits",
}
AI_FAILURES = {
    "hold": "hold posts until it is back",
    "original": "send the original post",
    "skip": "skip the post",
}

T = TypeVar("T")


def esc(text: object) -> str:
    return html_decoration.quote(str(text))


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def clip(text: str, limit: int) -> str:
    """``text`` shortened to at most ``limit`` characters, with an ellipsis when cut."""
    text = text.strip()
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)].rstrip() + "…"


def fit(lines: Sequence[str], limit: int = MAX_TEXT) -> str:
    """Join whole HTML lines, dropping trailing ones (marked "…") to stay within ``limit``."""
    text = "\n".join(lines)
    if utf16_len(text) <= limit:
        return text
    kept: list[str] = []
    used = utf16_len("\n…")
    for line in lines:
        size = utf16_len(line) + 1
        if used + size > limit:
            break
        kept.append(line)
        used += size
    return "\n".join([*kept, "…"])


# -- the list -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list: its items, its 0-based number and how many pages there are."""

    items: tuple[Any, ...]
    number: int
    pages: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.number > 0

    @property
    def has_next(self) -> bool:
        return self.number < self.pages - 1


def paginate(items: Sequence[T], page: int, per_page: int = PER_PAGE) -> Page:
    """The page ``page`` of ``items``, clamped to the pages that exist (at least one)."""
    pages = max(1, -(-len(items) // per_page))
    number = min(max(page, 0), pages - 1)
    start = number * per_page
    return Page(tuple(items[start : start + per_page]), number, pages, len(items))


def state_icon(active: bool) -> str:
    return "▶" if active else "⏸"


def list_text(page: Page) -> str:
    if not page.total:
        return EMPTY_LIST
    title = f"<b>Your rules</b> ({page.total})"
    if page.pages > 1:
        title += f" · page {page.number + 1}/{page.pages}"
    return f"{title}\n▶ active · ⏸ paused. Choose a rule to open its card."


# -- the card -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Counts:
    """What the outbox holds for a rule."""

    sent_24h: int = 0
    pending: int = 0  # pending or being sent
    held: int = 0  # waiting for the rule to resume
    review: int = 0  # waiting for approval
    failed_24h: int = 0


def chat_line(ref: ChatRef) -> str:
    title = clip(ref.title, MAX_TITLE)
    line = (
        f"• {esc(title)} <code>{ref.chat_id}</code>" if title else f"• <code>{ref.chat_id}</code>"
    )
    if ref.thread_id:
        line += f" · topic {ref.thread_id}"
    return line


def chat_lines(refs: Sequence[ChatRef]) -> list[str]:
    lines = [chat_line(ref) for ref in refs[:MAX_CHATS_SHOWN]]
    if len(refs) > MAX_CHATS_SHOWN:
        lines.append(f"• and {len(refs) - MAX_CHATS_SHOWN} more")
    return lines


_STEP_NAMES = {
    "regex_replace": "Replace",
    "replace": "Replace",
    "remove_links": "Remove links",
    "remove_mentions": "Remove mentions",
    "clean_links": "Clean links",
    "clean_mentions": "Clean mentions",
    "header": "Header",
    "footer": "Footer",
    "rewrite": "Rewrite",
    "summarize": "Summarize",
    "translate": "Translate",
    "custom_prompt": "Custom prompt",
    "prompt": "Custom prompt",
}
# The setting that says most about a step, in order of preference.
_MAIN_SETTINGS = (
    "language",
    "target_language",
    "lang",
    "style",
    "prompt",
    "instruction",
    "text",
    "pattern",
    "max_length",
    "max_words",
    "mode",
)


def describe_step(step: Mapping[str, Any]) -> str:
    """A best-effort one-liner for a transform step: its type and its main setting."""
    kind = str(step.get("type") or "step")
    name = _STEP_NAMES.get(kind) or kind.replace("_", " ").capitalize()
    keys = [k for k in _MAIN_SETTINGS if k in step]
    keys += [k for k in step if k != "type" and k not in keys]
    for key in keys:
        value = step[key]
        if isinstance(value, bool) or value is None or value == "":
            continue
        if isinstance(value, str | int | float):
            shown = clip(" ".join(str(value).split()), 60)
            if key == "pattern" and "replacement" in step:
                shown += f" → {clip(str(step['replacement']), 30)}"
            return f"{name}: {shown}"
    return name


def pipeline_function(name: str) -> Callable[..., Any] | None:
    """A function of ``bot.forwarding.steps.pipeline`` if that module exists and has it."""
    try:
        module = importlib.import_module("bot.forwarding.steps.pipeline")
    except ModuleNotFoundError as error:
        if error.name != "bot.forwarding.steps.pipeline":
            raise
        return None
    function = getattr(module, name, None)
    return function if callable(function) else None


def describe_steps(steps: Iterable[Mapping[str, Any]]) -> list[str]:
    """The pipeline's own descriptions when it has them, else :func:`describe_step` for each."""
    steps = list(steps)
    if not steps:
        return []
    describe_all = pipeline_function("describe_steps")
    if describe_all is not None:
        try:
            return [str(line) for line in describe_all([dict(step) for step in steps])]
        except ValueError:  # a step the pipeline no longer reads: the card still shows it
            pass
    return [describe_step(step) for step in steps]


def render_card(
    rule: RuleView,
    *,
    paused_reason: str | None = None,
    counts: Counts | None = None,
    steps: Sequence[str] | None = None,
) -> str:
    """The rule card. ``steps`` are the step descriptions (plain text; described if omitted)."""
    counts = counts or Counts()
    if steps is None:
        steps = describe_steps(rule.steps)
    if rule.active:
        state = "▶ active"
    else:
        state = "⏸ paused" + (f": {esc(clip(paused_reason, MAX_LINE))}" if paused_reason else "")
    lines = [f"<b>{esc(rule.name)}</b> · rule #{rule.id}", f"State: {state}", ""]
    lines += ["<b>Sources</b>", *chat_lines(rule.sources)]
    lines += ["<b>Destinations</b>", *chat_lines(rule.destinations), ""]
    lines.append(f"Mode: {MODES.get(rule.mode, esc(rule.mode))}")
    lines.append(f"Edits: {EDIT_POLICIES.get(rule.edit_policy, esc(rule.edit_policy))}")
    lines.append(f"If the AI fails: {AI_FAILURES.get(rule.ai_failure, esc(rule.ai_failure))}")
    if rule.ai_model:
        lines.append(f"AI model: <code>{esc(rule.ai_model)}</code>")
    lines.append("Review: " + ("on (you approve each post)" if rule.review else "off"))
    lines += ["", "<b>Filters</b>"]
    lines += [f"• {esc(clip(line, MAX_LINE))}" for line in describe(rule.filters)]
    lines.append("<b>Steps</b>")
    if steps:
        lines += [f"{n}. {esc(clip(line, MAX_LINE))}" for n, line in enumerate(steps, 1)]
    else:
        lines.append("• None: posts go as they are")
    lines += ["", counts_line(counts)]
    return fit(lines)


def counts_line(counts: Counts) -> str:
    parts = [f"{counts.sent_24h} sent in 24 h", f"{counts.pending} pending"]
    if counts.held:
        parts.append(f"{counts.held} held")
    if counts.review:
        parts.append(f"{counts.review} in review")
    if counts.failed_24h:
        parts.append(f"{counts.failed_24h} failed in 24 h")
    return "Deliveries: " + " · ".join(parts)


def delete_question(rule: RuleView) -> str:
    return f"Delete rule “{esc(rule.name)}”? Its pending deliveries are dropped."


def edit_menu_text(rule: RuleView) -> str:
    return f"<b>{esc(rule.name)}</b> · rule #{rule.id}\nWhat do you want to change?"


def error_text(error: Exception) -> str:
    return f"⚠️ {esc(clip(str(error), 3000))}"


# -- testing a rule -------------------------------------------------------------------------

_REASONS = {
    "forwarded": "it is a forward and the rule takes only original posts",
    "not_forwarded": "it is not a forward and the rule takes only forwarded posts",
    "sender_not_allowed": "its author is not among the allowed users",
    "sender_excluded": "its author is excluded",
    "too_short": "it is too short",
    "too_long": "it is too long",
    "no_include_keyword": "it contains none of the required keywords",
    "no_include_regex": "it matches none of the required patterns",
}
_REASON_PREFIXES = {
    "exclude_keyword": "it contains the excluded keyword “{}”",
    "exclude_regex": "it matches the excluded pattern {}",
    "media_type": "its kind ({}) is not allowed",
    "regex_timeout": "the pattern {} took too long",
    "regex_invalid": "the pattern {} is invalid",
}


def explain_reason(reason: str) -> str:
    """A filter verdict's snake_case reason in words (plain text, not escaped)."""
    if reason in _REASONS:
        return _REASONS[reason]
    prefix, _, detail = reason.partition(":")
    template = _REASON_PREFIXES.get(prefix)
    return template.format(detail) if template and detail else reason.replace("_", " ")


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
    note: str | None = None


def sample_post(rule: RuleView, text: str) -> Post:
    source = rule.sources[0] if rule.sources else None
    return Post(
        chat_id=source.chat_id if source else 0,
        message_ids=(0,),
        text=text,
        media_kinds=frozenset({"text"}),
        thread_id=source.thread_id if source else None,
        chat_title=source.title if source else "",
    )


def filters_only(rule: RuleView, text: str) -> SampleResult:
    """The outcome when the transform pipeline can't be previewed: the filters' verdict only."""
    verdict: FilterVerdict = check(rule.filters, sample_post(rule, text))
    if verdict.error:
        return SampleResult(error=f"A filter could not run: {explain_reason(verdict.reason or '')}")
    if not verdict.passed:
        return SampleResult(filtered_by=explain_reason(verdict.reason or ""))
    note = (
        "Transforms are not configured in this version: this is the post after the filters only."
        if rule.steps
        else "No transform steps: the post goes as it is."
    )
    return SampleResult(text=text, note=note)


def outcome_of_preview(preview: Any) -> SampleResult:
    """The pipeline's ``Preview`` as a :class:`SampleResult`.

    ``Preview`` has ``html`` (the result, Telegram HTML), ``effects`` ((step description, HTML
    after the step) pairs), ``filtered_by`` and ``error``.
    """
    effects = tuple(
        (str(what), html_to_plain(str(result or "")))
        for what, result in getattr(preview, "effects", ())
    )
    filtered_by = getattr(preview, "filtered_by", None)
    return SampleResult(
        html=getattr(preview, "html", None),
        effects=effects,
        filtered_by=explain_reason(str(filtered_by)) if filtered_by else None,
        error=getattr(preview, "error", None),
    )


_TAG = re.compile(r"<[^>]*>")


def html_to_plain(source: str) -> str:
    return html.unescape(_TAG.sub("", source))


def render_test_result(rule: RuleView, outcome: SampleResult, limit: int = MAX_TEXT) -> str:
    """The result of a test, the result post last and shortened to fit ``limit``."""
    head = [f"🧪 Test of <b>{esc(rule.name)}</b>"]
    if outcome.error:
        head.append(f"⚠️ {esc(clip(outcome.error, 1000))}")
    elif outcome.filtered_by:
        head.append(f"🚫 Filtered out: {esc(clip(outcome.filtered_by, MAX_LINE))}")
    else:
        head.append("✅ Passes the filters.")
    if outcome.effects:
        head += ["", "<b>Steps</b>"]
        head += [
            f"{n}. {esc(clip(what, 100))} → {esc(clip(result, 200))}"
            for n, (what, result) in enumerate(outcome.effects, 1)
        ]
    if outcome.note:
        head += ["", f"<i>{esc(outcome.note)}</i>"]
    text = fit(head, limit)
    body = _result_body(outcome, limit - utf16_len(text) - utf16_len("\n\n<b>Result</b>\n"))
    return f"{text}\n\n<b>Result</b>\n{body}" if body else text


def _result_body(outcome: SampleResult, room: int) -> str:
    if outcome.error or outcome.filtered_by or room < 20:
        return ""
    if outcome.html and outcome.html.strip():
        if utf16_len(outcome.html) <= room:
            return outcome.html
        plain = html_to_plain(outcome.html)
    elif outcome.text and outcome.text.strip():
        plain = outcome.text
    else:
        return "<i>(empty)</i>"
    # Escaping can only lengthen the text: shrink until the escaped form fits.
    size = room
    while True:
        body = esc(clip(plain, size))
        if utf16_len(body) <= room:
            return body
        size = max(size - (utf16_len(body) - room) - 1, 0)


def sample_prompt(rule: RuleView) -> str:
    return (
        f"🧪 Test of <b>{esc(rule.name)}</b>\n\n"
        "Send me a sample post as text, or use the last post one of its sources sent. "
        "Nothing is forwarded. /cancel to stop."
    )


TEST_HINT = "Send the post as text (a photo with a caption works too), or /cancel."
