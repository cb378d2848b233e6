"""A rule's filters: what they are (:class:`FilterSpec`, stored as JSON) and how a post is judged.

:func:`check` is pure and runs at ingest for every (rule, post) pair, so its checks go cheapest
first: flags and ids, then media kinds and length, then keywords, then regular expressions (each
under a timeout). A regex that times out or cannot be compiled gives a verdict with ``error=True``:
the engine alerts the owner instead of silently dropping the post.

Decisions:

* Keywords are matched case-insensitively on a normalised text: NFKC (so composed and decomposed
  "café", full-width letters and ligatures compare equal), casefold ("Straße" == "STRASSE"),
  zero-width characters removed, whitespace runs collapsed ("free\\n money" contains
  "free money"). ``whole_word`` means no Unicode word character (letter, mark, digit, underscore,
  in any script) touches the keyword on either side; an edge of the keyword that is itself not a
  word character ("#sale", "c++", "🔥") needs no boundary there.
* Regexes run on the post's text as written, case-insensitively (see regexguard), exclusions first:
  a post that an exclusion definitely drops is dropped even if another regex timed out.
* Media: a post passes ``media_types`` only if *all* its kinds are allowed ("only photos" refuses
  an album of photos and a video). "text" is the kind of a post without media; a caption does not
  make a photo a "text" post.
* Length counts the characters (code points) of the text or caption, without leading and trailing
  whitespace.
* ``senders`` apply to posts with a known author (groups); a channel post has none, so a rule that
  lists senders lets no channel post through.
"""

from __future__ import annotations

import hashlib
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

import regex
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.forwarding.post import MEDIA_KINDS, Post
from bot.forwarding.rules.regexguard import (
    RegexRejected,
    RegexTimeout,
    check_syntax,
    compile_pattern,
    safe_search,
)
from bot.runtime.i18n import _, ngettext

MAX_KEYWORDS = 200
MAX_KEYWORD_LENGTH = 200
MAX_REGEXES = 20
MAX_SENDERS = 500
MAX_DEDUP_WINDOW_MINUTES = 30 * 24 * 60

# Validation context for specs read back from the database: their regexes were probed when saved,
# so only their syntax is checked again (a stricter probe in a later version must not make stored
# rules unreadable). ``FilterSpec.model_validate(data, context=TRUSTED)``
TRUSTED: dict[str, Any] = {"trusted": True}

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))
_WHITESPACE = regex.compile(r"\s+")
_WORD_CHAR = regex.compile(r"\w")


class FilterSpec(BaseModel):
    """A rule's filters. Every field is optional; its default means "no restriction"."""

    model_config = ConfigDict(extra="forbid")

    include_keywords: list[str] = Field(default_factory=list)  # any must occur
    exclude_keywords: list[str] = Field(default_factory=list)  # none may occur
    whole_word: bool = False
    include_regex: list[str] = Field(default_factory=list)  # any must match
    exclude_regex: list[str] = Field(default_factory=list)  # none may match
    media_types: list[str] = Field(default_factory=list)  # allowed kinds; empty = all
    origin: Literal["any", "original", "forwarded"] = "any"
    min_length: int | None = Field(default=None, ge=0)
    max_length: int | None = Field(default=None, ge=0)
    senders: list[int] = Field(default_factory=list)  # only these authors; empty = anyone
    exclude_senders: list[int] = Field(default_factory=list)
    dedup_window_minutes: int | None = Field(default=None, ge=1, le=MAX_DEDUP_WINDOW_MINUTES)
    # the same story from any source, reworded a little (intake/neardup.py), within this window
    near_duplicates_minutes: int | None = Field(default=None, ge=1, le=MAX_DEDUP_WINDOW_MINUTES)
    near_duplicates_ai: bool = False  # borderline pairs judged by the AI (intake/samestory.py)

    @field_validator("include_keywords", "exclude_keywords")
    @classmethod
    def _clean_keywords(cls, value: list[str]) -> list[str]:
        cleaned: list[str] = []
        seen: set[str] = set()
        for raw in value:
            keyword = " ".join(raw.split())
            if not keyword:
                continue
            if len(keyword) > MAX_KEYWORD_LENGTH:
                raise ValueError(
                    _("Keyword too long ({length} characters; at most {limit}).").format(
                        length=len(keyword), limit=MAX_KEYWORD_LENGTH
                    )
                )
            key = _normalise(keyword)
            if key and key not in seen:
                seen.add(key)
                cleaned.append(keyword)
        if len(cleaned) > MAX_KEYWORDS:
            raise ValueError(
                _("Too many keywords ({count}; at most {limit}).").format(
                    count=len(cleaned), limit=MAX_KEYWORDS
                )
            )
        return cleaned

    @field_validator("include_regex", "exclude_regex")
    @classmethod
    def _check_regexes(cls, value: list[str], info: ValidationInfo) -> list[str]:
        trusted = bool(info.context and info.context.get("trusted"))
        cleaned: list[str] = []
        for pattern in value:
            if pattern in cleaned:
                continue
            # RegexRejected is a ValueError: pydantic reports its message for the owner.
            if trusted:
                check_syntax(pattern)
            else:
                compile_pattern(pattern)
            cleaned.append(pattern)
        if len(cleaned) > MAX_REGEXES:
            raise ValueError(
                _("Too many regexes ({count}; at most {limit}).").format(
                    count=len(cleaned), limit=MAX_REGEXES
                )
            )
        return cleaned

    @field_validator("media_types")
    @classmethod
    def _check_media_types(cls, value: list[str]) -> list[str]:
        cleaned: list[str] = []
        for raw in value:
            kind = raw.strip().lower()
            if kind not in MEDIA_KINDS:
                raise ValueError(
                    _("Unknown media type {kind}. Choose from: {kinds}.").format(
                        kind=repr(raw), kinds=", ".join(MEDIA_KINDS)
                    )
                )
            if kind not in cleaned:
                cleaned.append(kind)
        return cleaned

    @field_validator("senders", "exclude_senders")
    @classmethod
    def _unique_ids(cls, value: list[int]) -> list[int]:
        cleaned = list(dict.fromkeys(value))
        if len(cleaned) > MAX_SENDERS:
            raise ValueError(
                _("Too many users ({count}; at most {limit}).").format(
                    count=len(cleaned), limit=MAX_SENDERS
                )
            )
        return cleaned

    @model_validator(mode="after")
    def _check_lengths(self) -> FilterSpec:
        if (
            self.min_length is not None
            and self.max_length is not None
            and self.min_length > self.max_length
        ):
            raise ValueError(
                _("The minimum length ({low}) is greater than the maximum length ({high}).").format(
                    low=self.min_length, high=self.max_length
                )
            )
        return self

    @classmethod
    def from_stored(cls, data: dict[str, Any] | str | None) -> FilterSpec:
        """Read a spec saved earlier (a dict, or its JSON text); regexes are not probed again."""
        if data is None:
            return cls()
        if isinstance(data, str):
            return cls.model_validate_json(data, context=TRUSTED)
        return cls.model_validate(data, context=TRUSTED)

    def is_unrestricted(self) -> bool:
        """True when every post passes and duplicates are not suppressed."""
        return self == FilterSpec.model_construct()


def validation_message(exc: ValidationError) -> str:
    """The first error of a spec's validation as one line for the owner."""
    errors = exc.errors()
    if not errors:
        return str(exc)
    first = errors[0]
    ctx = first.get("ctx") or {}
    cause = ctx.get("error")
    message = str(cause) if isinstance(cause, BaseException) else str(first.get("msg", ""))
    field = ".".join(str(part) for part in first.get("loc", ()) if isinstance(part, str))
    return f"{field}: {message}" if field else message


@dataclass(frozen=True, slots=True)
class FilterVerdict:
    """The result of :func:`check`.

    ``reason`` is a short snake_case fact for the log and the rule's Test button, ``None`` when the
    post passed. ``error`` is True when a filter could not be evaluated (a regex timed out or is
    invalid): the post did not pass, but it was not judged either, and the owner must be told.
    """

    passed: bool
    reason: str | None = None
    error: bool = False


PASSED = FilterVerdict(passed=True)


def _fail(reason: str) -> FilterVerdict:
    return FilterVerdict(passed=False, reason=reason)


@lru_cache(maxsize=1024)
def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH).casefold()
    return _WHITESPACE.sub(" ", text).strip()


@lru_cache(maxsize=2048)
def _whole_word_pattern(keyword: str) -> regex.Pattern[str]:
    """A literal pattern for an already normalised keyword, bounded where its edge is a word."""
    left = r"(?<!\w)" if _WORD_CHAR.match(keyword[0]) else ""
    right = r"(?!\w)" if _WORD_CHAR.match(keyword[-1]) else ""
    return regex.compile(left + regex.escape(keyword) + right)


def _contains(text: str, keyword: str, whole_word: bool) -> bool:
    """Whether the normalised ``text`` contains ``keyword`` (normalised here)."""
    needle = _normalise(keyword)
    if not needle:
        return False
    if needle not in text:
        return False
    if not whole_word:
        return True
    return _whole_word_pattern(needle).search(text) is not None


def content_kinds(post: Post) -> frozenset[str]:
    """The kinds a post is judged by: its media kinds, or "text" for a post without media."""
    kinds = frozenset(post.media_kinds) - {"text"}
    if kinds:
        return kinds
    return frozenset({"text"}) if post.text.strip() or "text" in post.media_kinds else kinds


def _regex_error(pattern: str, exc: RegexRejected) -> FilterVerdict:
    kind = "regex_timeout" if isinstance(exc, RegexTimeout) else "regex_invalid"
    return FilterVerdict(passed=False, reason=f"{kind}:{pattern}", error=True)


def _check_regexes(spec: FilterSpec, text: str) -> FilterVerdict:
    unknown: FilterVerdict | None = None  # the first regex that could not be evaluated
    for pattern in spec.exclude_regex:
        try:
            if safe_search(pattern, text) is not None:
                return _fail(f"exclude_regex:{pattern}")
        except RegexRejected as exc:
            unknown = unknown or _regex_error(pattern, exc)
    if spec.include_regex:
        matched = False
        include_unknown: FilterVerdict | None = None
        for pattern in spec.include_regex:
            try:
                if safe_search(pattern, text) is not None:
                    matched = True
                    break
            except RegexRejected as exc:
                include_unknown = include_unknown or _regex_error(pattern, exc)
        if not matched:
            return unknown or include_unknown or _fail("no_include_regex")
    return unknown or PASSED


def check(spec: FilterSpec, post: Post) -> FilterVerdict:
    """Judge one post against a rule's filters (duplicate suppression is done elsewhere)."""
    if spec.origin == "original" and post.is_forwarded:
        return _fail("forwarded")
    if spec.origin == "forwarded" and not post.is_forwarded:
        return _fail("not_forwarded")
    if spec.senders and post.sender_id not in spec.senders:
        return _fail("sender_not_allowed")
    if spec.exclude_senders and post.sender_id in spec.exclude_senders:
        return _fail("sender_excluded")
    if spec.media_types:
        refused = sorted(content_kinds(post) - set(spec.media_types))
        if refused:
            return _fail(f"media_type:{refused[0]}")
    if spec.min_length is not None or spec.max_length is not None:
        length = len(post.text.strip())
        if spec.min_length is not None and length < spec.min_length:
            return _fail("too_short")
        if spec.max_length is not None and length > spec.max_length:
            return _fail("too_long")
    if spec.include_keywords or spec.exclude_keywords:
        text = _normalise(post.text)
        for keyword in spec.exclude_keywords:
            if _contains(text, keyword, spec.whole_word):
                return _fail(f"exclude_keyword:{keyword}")
        if spec.include_keywords and not any(
            _contains(text, keyword, spec.whole_word) for keyword in spec.include_keywords
        ):
            return _fail("no_include_keyword")
    if spec.include_regex or spec.exclude_regex:
        return _check_regexes(spec, post.text)
    return PASSED


def content_fingerprint(post: Post, media_ids: Iterable[str] = ()) -> str:
    """A stable hash of what a post says, for duplicate suppression (32 hex characters).

    The text is normalised as for keywords (case, spacing, Unicode forms), then the post's kinds
    are added, and for media without text the number of items. ``media_ids`` (Telegram's
    ``file_unique_id`` of each item, when the caller has them) tell captionless media apart;
    without them every captionless single photo has the same fingerprint.
    """
    text = _normalise(post.text)
    kinds = sorted(content_kinds(post))
    parts = ["v1", text, ",".join(kinds)]
    if not text:
        parts.append(str(len(post.message_ids)))
    ids = sorted(set(media_ids))
    if ids:
        parts.append(",".join(ids))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def _listing(items: Iterable[object], limit: int = 10) -> str:
    values = [str(item) for item in items]
    shown = ", ".join(values[:limit])
    if len(values) <= limit:
        return shown
    return _("{items} and {count} more").format(items=shown, count=len(values) - limit)


def _listed(label: str, items: Iterable[object], limit: int = 10, note: str = "") -> str:
    """``label`` (a text with ``{items}``) filled with ``a, b and 3 more`` and ``note``; "" when
    there are no items."""
    listing = _listing(items, limit)
    return label.format(items=listing + note) if listing else ""


def _length(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return _("Length: {low}–{high} characters").format(low=low, high=high)
    if low is not None:
        return _("Length: at least {low} characters").format(low=low)
    return _("Length: at most {high} characters").format(high=high) if high is not None else ""


def describe(spec: FilterSpec) -> list[str]:
    """Short plain-text lines for the rule card, in the order :func:`check` applies them."""
    origins = {
        "original": _("Only original posts (no forwards)"),
        "forwarded": _("Only forwarded posts"),
    }
    words = _(" (whole words)") if spec.whole_word else ""
    dedup = spec.dedup_window_minutes
    near = spec.near_duplicates_minutes
    lines = [
        origins.get(spec.origin, ""),
        _listed(_("Only from users: {items}"), spec.senders),
        _listed(_("Not from users: {items}"), spec.exclude_senders),
        _listed(_("Only: {items}"), (kind.replace("_", " ") for kind in spec.media_types)),
        _length(spec.min_length, spec.max_length),
        _listed(_("Must contain: {items}"), spec.include_keywords, note=words),
        _listed(_("Must not contain: {items}"), spec.exclude_keywords, note=words),
        _listed(_("Must match: {items}"), spec.include_regex, 5),
        _listed(_("Must not match: {items}"), spec.exclude_regex, 5),
        (
            _("Skip duplicates within {window}").format(window=_window(dedup))
            if dedup is not None
            else ""
        ),
        (
            _("Skip the same story from other sources within {window}").format(window=_window(near))
            if near
            else ""
        ),
        _("Borderline look-alikes: the AI decides") if near and spec.near_duplicates_ai else "",
    ]
    return [line for line in lines if line] or [_("No filters: every post passes")]


def _window(minutes: int) -> str:
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return ngettext("{count} day", "{count} days", days).format(count=days)
    if minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("{count} hour", "{count} hours", hours).format(count=hours)
    return _("{count} min").format(count=minutes)
