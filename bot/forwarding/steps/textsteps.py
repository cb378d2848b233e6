"""The transform steps that need no model: regex replace, link / mention / hashtag removal,
header and footer.

Each step is a pydantic model (``type`` is the discriminator, so the pipeline can put these and the
AI steps in one discriminated union) and is applied by :func:`apply_text_step` to Telegram HTML.
Steps edit the visible text only: tags and attribute values are never matched or changed, and the
result stays balanced. An owner's regex is validated when the step is built (``compile_pattern``:
invalid and catastrophic patterns are refused) and stopped by a timeout when run
(:class:`~bot.forwarding.rules.regexguard.RegexTimeout` propagates: the pipeline decides).

Building a step from stored data that was validated once can skip the slow regex probe:
``TextStepAdapter.validate_python(data, context={"trusted": True})``.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from html import escape
from typing import Annotated, Literal, TypeAlias

import regex
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationInfo, model_validator

from bot.forwarding.html.formatting import (
    edit_text,
    html_to_text,
    remove_links,
    sanitize_html,
    unwrap_links,
)
from bot.forwarding.rules.regexguard import (
    SUB_TIMEOUT,
    RegexRejected,
    RegexTimeout,
    check_syntax,
    compile_pattern,
)

TEMPLATE_LIMIT = 1000
PLACEHOLDERS = ("source_title", "source_link", "source_name_link", "date")

# Telegram usernames: 5-32 of [A-Za-z0-9_]; not inside an e-mail address or a longer word.
_MENTION = re.compile(r"(?<![\w@/.])@[A-Za-z0-9_]{5,32}(?![\w@])")
# A hashtag has a letter (digits alone are no tag); "#tag@channel" is one tag.
_HASHTAG = re.compile(r"(?<![\w#&])#\w*[^\W\d]\w*(?:@[A-Za-z0-9_]{5,32})?(?![\w#])")


@dataclass(frozen=True, slots=True)
class StepContext:
    """What the steps know about the source post."""

    source_chat_id: int
    source_title: str
    source_username: str | None  # None for a private chat
    message_id: int
    date: datetime  # of the post; a naive one is taken as UTC


class _Step(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- regex replace -------------------------------------------------------------------------------


def _check_replacement(compiled: regex.Pattern[str], replacement: str) -> None:
    """Refuse a replacement whose group references or escapes the pattern cannot fill."""
    names = {index: name for name, index in compiled.groupindex.items()}
    groups = "".join(
        f"(?P<{names[index]}>)" if index in names else "()"
        for index in range(1, compiled.groups + 1)
    )
    try:
        regex.compile(groups).sub(replacement, "", count=1)  # matches once: expands the template
    except (regex.error, IndexError) as exc:
        raise ValueError(
            f"The replacement {replacement!r} is invalid ({exc}). Refer to groups as \\1 or "
            "\\g<name>, and write \\\\ for a backslash."
        ) from None


class RegexReplace(_Step):
    """Replace what a regex matches in the visible text with plain text (``\\1`` allowed)."""

    type: Literal["regex_replace"] = "regex_replace"
    pattern: str
    replacement: str = ""
    ignore_case: bool = True

    @model_validator(mode="after")
    def _valid_regex(self, info: ValidationInfo) -> RegexReplace:
        trusted = bool(info.context and info.context.get("trusted"))
        try:
            if trusted:
                compiled = check_syntax(self.pattern, ignore_case=self.ignore_case)
            else:
                compiled = compile_pattern(self.pattern, ignore_case=self.ignore_case)
        except RegexRejected as exc:
            raise ValueError(str(exc)) from None
        _check_replacement(compiled, self.replacement)
        return self


def _regex_replace(html: str, step: RegexReplace, ctx: StepContext) -> str:
    compiled = check_syntax(step.pattern, ignore_case=step.ignore_case)

    def find(text: str) -> Iterator[tuple[int, int, str]]:
        try:
            for match in compiled.finditer(text, timeout=SUB_TIMEOUT):
                yield match.start(), match.end(), match.expand(step.replacement)
        except TimeoutError:
            raise RegexTimeout(step.pattern, SUB_TIMEOUT) from None

    return edit_text(html, find)


# --- removals ------------------------------------------------------------------------------------


class RemoveLinks(_Step):
    """Unwrap every link (dropping its text when that is the URL) and remove written-out URLs."""

    type: Literal["remove_links"] = "remove_links"


class RemoveMentions(_Step):
    """Remove @usernames; a mention of a user without a username keeps its text, unlinked."""

    type: Literal["remove_mentions"] = "remove_mentions"


class RemoveHashtags(_Step):
    """Remove #hashtags."""

    type: Literal["remove_hashtags"] = "remove_hashtags"


def _remove_links(html: str, step: RemoveLinks, ctx: StepContext) -> str:
    return remove_links(html)


def _removing(pattern: re.Pattern[str]) -> Callable[[str], Iterator[tuple[int, int, str]]]:
    def find(text: str) -> Iterator[tuple[int, int, str]]:
        for match in pattern.finditer(text):
            yield match.start(), match.end(), ""

    return find


def _remove_mentions(html: str, step: RemoveMentions, ctx: StepContext) -> str:
    html = unwrap_links(html, lambda href: href.lower().startswith("tg://user"))
    return edit_text(html, _removing(_MENTION), skip_code=True)


def _remove_hashtags(html: str, step: RemoveHashtags, ctx: StepContext) -> str:
    return edit_text(html, _removing(_HASHTAG), skip_code=True)


# --- header and footer ---------------------------------------------------------------------------


def _check_template(template: str) -> str:
    if not template.strip():
        raise ValueError("The template is empty.")
    if len(template) > TEMPLATE_LIMIT:
        raise ValueError(
            f"The template is too long ({len(template)} characters; at most {TEMPLATE_LIMIT})."
        )
    known = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        raise ValueError(
            "The template has a lone { or }. Write {{ and }} for literal braces; "
            f"placeholders are {known}."
        ) from None
    for _, field, spec, conversion in parsed:
        if field is not None and (field not in PLACEHOLDERS or spec or conversion):
            raise ValueError(f"Unknown placeholder {{{field}}}. Known placeholders: {known}.")
    return template


class Header(_Step):
    """Telegram HTML put before the post; ``{source_title}`` and the like are filled in."""

    type: Literal["header"] = "header"
    template: str

    @model_validator(mode="after")
    def _valid_template(self) -> Header:
        _check_template(self.template)
        return self


class Footer(_Step):
    """Telegram HTML put after the post; ``{source_title}`` and the like are filled in."""

    type: Literal["footer"] = "footer"
    template: str

    @model_validator(mode="after")
    def _valid_template(self) -> Footer:
        _check_template(self.template)
        return self


def source_link(ctx: StepContext) -> str:
    """The post's t.me link: public by username, private supergroup or channel by ``/c/``; ""
    when Telegram has none (a basic group, a private chat)."""
    if ctx.source_username:
        return f"https://t.me/{ctx.source_username}/{ctx.message_id}"
    chat = str(ctx.source_chat_id)
    if chat.startswith("-100") and len(chat) > 4:
        return f"https://t.me/c/{chat[4:]}/{ctx.message_id}"
    return ""


def render_template(template: str, ctx: StepContext) -> str:
    """A header / footer template filled in (values escaped) and sanitized."""
    title = ctx.source_title or (f"@{ctx.source_username}" if ctx.source_username else "")
    link = source_link(ctx)
    date = ctx.date if ctx.date.tzinfo else ctx.date.replace(tzinfo=timezone.utc)
    name_link = f'<a href="{escape(link)}">{escape(title)}</a>' if link and title else escape(title)
    values = {
        "source_title": escape(title),
        "source_link": escape(link),
        "source_name_link": name_link,
        "date": date.astimezone(timezone.utc).strftime("%Y-%m-%d"),
    }
    return sanitize_html(template.format_map(values))


def _has_text(html: str) -> bool:
    return bool(html_to_text(html).strip())


def _header(html: str, step: Header, ctx: StepContext) -> str:
    head = render_template(step.template, ctx)
    if not _has_text(head):
        return html
    return f"{head}\n\n{html}" if _has_text(html) else head


def _footer(html: str, step: Footer, ctx: StepContext) -> str:
    foot = render_template(step.template, ctx)
    if not _has_text(foot):
        return html
    return f"{html}\n\n{foot}" if _has_text(html) else foot


# --- the union -----------------------------------------------------------------------------------

TextStep: TypeAlias = RegexReplace | RemoveLinks | RemoveMentions | RemoveHashtags | Header | Footer
TEXT_STEP_MODELS: tuple[type[BaseModel], ...] = (
    RegexReplace,
    RemoveLinks,
    RemoveMentions,
    RemoveHashtags,
    Header,
    Footer,
)
TEXT_STEPS = Annotated[TextStep, Field(discriminator="type")]
TextStepAdapter: TypeAdapter[TextStep] = TypeAdapter(TEXT_STEPS)


def apply_text_step(html: str, step: TextStep, ctx: StepContext) -> str:
    """``html`` with ``step`` applied. A regex that runs too long raises ``RegexTimeout``."""
    if isinstance(step, RegexReplace):
        return _regex_replace(html, step, ctx)
    if isinstance(step, RemoveLinks):
        return _remove_links(html, step, ctx)
    if isinstance(step, RemoveMentions):
        return _remove_mentions(html, step, ctx)
    if isinstance(step, RemoveHashtags):
        return _remove_hashtags(html, step, ctx)
    if isinstance(step, Header):
        return _header(html, step, ctx)
    return _footer(html, step, ctx)


def _short(text: str, limit: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def describe_step(step: TextStep) -> str:
    """One short line for the rule card (plain text: escape it for HTML)."""
    if isinstance(step, RegexReplace):
        case = "" if step.ignore_case else " (case-sensitive)"
        if not step.replacement:
            return f"Remove /{_short(step.pattern)}/{case}"
        return f"Replace /{_short(step.pattern)}/ with “{_short(step.replacement, 30)}”{case}"
    if isinstance(step, RemoveLinks):
        return "Remove links"
    if isinstance(step, RemoveMentions):
        return "Remove mentions"
    if isinstance(step, RemoveHashtags):
        return "Remove hashtags"
    kind = "Header" if isinstance(step, Header) else "Footer"
    return f"{kind}: {_short(html_to_text(step.template))}"
