"""Regex replace: what a regex matches in the visible text becomes plain text (``\\1`` allowed).

An owner's regex is validated when the step is built (``compile_pattern``: invalid and catastrophic
patterns are refused) and stopped by a timeout when run (:class:`RegexTimeout` propagates: the
pipeline decides). Stored steps, validated once, skip the slow probe (``context={"trusted": True}``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, Literal

import regex
from pydantic import ValidationInfo, model_validator

from bot.forwarding.html import edit_text
from bot.forwarding.rules.regexguard import (
    SUB_TIMEOUT,
    RegexRejected,
    RegexTimeout,
    check_syntax,
    compile_pattern,
)
from bot.forwarding.steps.base import Ask, StepContext, TextStep, short
from bot.runtime.i18n import _, __

MAX_REPLACEMENT = 1000


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
            _(
                "The replacement {replacement} is invalid ({error}). Refer to groups as \\1 or "
                "\\g<name>, and write \\\\ for a backslash."
            ).format(replacement=repr(replacement), error=exc)
        ) from None


def _check_length(replacement: str) -> None:
    """Refuse an oversized replacement when the step is saved (stored ones still load)."""
    if len(replacement) > MAX_REPLACEMENT:
        raise ValueError(
            _("The replacement is too long ({length} characters; at most {limit}).").format(
                length=len(replacement), limit=MAX_REPLACEMENT
            )
        )


def _read(text: str) -> dict[str, Any]:
    pattern, _newline, replacement = text.partition("\n")
    return {"pattern": pattern.strip(), "replacement": replacement.strip("\n")}


class RegexReplace(TextStep, label=__("Regex replace"), icon="🔁"):
    """Replace what a regex matches in the visible text with plain text (``\\1`` allowed)."""

    ask = Ask(
        field="pattern",
        prompt=__(
            "Send the pattern and its replacement on two lines: the regex first, then the new "
            "text (an empty second line removes the matches)."
        ),
        read=_read,
    )
    example: ClassVar[Mapping[str, Any]] = {"pattern": r"\bBTC\b", "replacement": "Bitcoin"}

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
                _check_length(self.replacement)
        except RegexRejected as exc:
            raise ValueError(str(exc)) from None
        _check_replacement(compiled, self.replacement)
        return self

    def apply(self, html: str, ctx: StepContext) -> str:
        compiled = check_syntax(self.pattern, ignore_case=self.ignore_case)

        def find(text: str) -> Iterator[tuple[int, int, str]]:
            try:
                for match in compiled.finditer(text, timeout=SUB_TIMEOUT):
                    yield match.start(), match.end(), match.expand(self.replacement)
            except TimeoutError:
                raise RegexTimeout(self.pattern, SUB_TIMEOUT) from None

        return edit_text(html, find)

    def describe(self) -> str:
        case = "" if self.ignore_case else _(" (case-sensitive)")
        pattern = short(self.pattern, 40)
        if not self.replacement:
            return _("Remove /{pattern}/").format(pattern=pattern) + case
        return (
            _("Replace /{pattern}/ with “{replacement}”").format(
                pattern=pattern, replacement=short(self.replacement, 30)
            )
            + case
        )
