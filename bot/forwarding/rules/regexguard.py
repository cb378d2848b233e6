"""Owner-supplied regular expressions, made safe to store and to run.

A pattern is checked once, when the owner saves it (:func:`compile_pattern`): empty, over-long,
invalid and *catastrophic* patterns are refused with a message fit to show in Telegram. The real
guard against catastrophic backtracking is a timed probe: the compiled pattern is run against
adversarial inputs built from its own characters (long runs of a character it matches, then one it
does not, then its literals), each under a small timeout; a timeout refuses the pattern. A cheap
static scan only words the message and refuses absurd repeat counts, which cost time and memory at
compile, where no timeout applies.

At run time :func:`safe_search` and :func:`safe_sub` never run longer than their timeout: they raise
:class:`RegexTimeout` and let the caller decide (the engine reports "could not evaluate" and alerts;
it never drops a post silently).
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass

import regex

from bot.runtime.i18n import _

MAX_PATTERN_LENGTH = 500
MAX_REPEAT_PRODUCT = 10_000  # a{100}{100} is refused: compiling it alone takes seconds and memory
# (input length, timeout): catastrophic patterns grow at least cubically here (1024 chars: over a
# second), ordinary quadratic ones such as \w+@\w+ stay under 5 ms at 1024 chars.
PROBES = ((32, 0.005), (256, 0.01), (1024, 0.05))
PROBE_BUDGET = 0.8  # seconds for all probes of one pattern; beyond it the pattern is refused

SEARCH_TIMEOUT = 0.05
SUB_TIMEOUT = 0.1

# Representatives of the usual character classes, tried as the repeated character of a probe.
_BASE_PUMPS = ("a", "1", " ", "\n", "_", ".", ",", "-", "я", "é")
_BREAKERS = ("!", "\x00")
# Escaped letters that stand for a class or an assertion, not for the letter itself.
_CLASS_ESCAPES = frozenset("wWdDsSbBAZzGhHvVnrtfaeNpPXxuUgLmMQEKk0123456789")
_MAX_PUMPS = 24


class RegexRejected(ValueError):
    """A pattern that cannot be used; ``str(exc)`` is a message for the owner."""

    def __init__(self, message: str, pattern: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.pattern = pattern

    def __str__(self) -> str:
        return self.message


class RegexTimeout(RegexRejected):
    """A search or substitution stopped by its timeout: the result is unknown, not "no match"."""

    def __init__(self, pattern: str, timeout: float) -> None:
        super().__init__(
            _("The regex {pattern} took longer than {ms} ms on this post and was stopped.").format(
                pattern=repr(pattern), ms=f"{timeout * 1000:.0f}"
            ),
            pattern,
        )
        self.timeout = timeout


def _flags(ignore_case: bool) -> int:
    return int(regex.IGNORECASE) if ignore_case else 0


@functools.lru_cache(maxsize=1024)
def _compile(pattern: str, ignore_case: bool) -> regex.Pattern[str]:
    """Compile without probing (for patterns already accepted once, or run under a timeout)."""
    try:
        return regex.compile(pattern, _flags(ignore_case))
    except regex.error as exc:
        raise RegexRejected(_("Invalid regex: {error}").format(error=exc), pattern) from None
    except (OverflowError, RecursionError, MemoryError, ValueError) as exc:
        raise RegexRejected(_("Invalid regex: {error}").format(error=exc), pattern) from None


# --- static scan ---------------------------------------------------------------------------------


@dataclass
class _Frame:
    unbounded: bool = False  # contains * + or {n,}
    alternation: bool = False  # contains |
    product: int = 1  # the largest product of nested repeat counts inside


@dataclass
class StaticFindings:
    """What a cheap scan of the pattern text tells, without running it."""

    nested_repetition: bool = False  # (a+)+ : a repeated group that itself repeats
    repeated_alternation: bool = False  # (a|ab)* : a repeated group with alternatives
    repeat_product: int = 1
    literals: tuple[str, ...] = ()  # runs of fixed literal characters, in order
    chars: tuple[str, ...] = ()  # every literal character, repeated ones too


_QUANT_RE = regex.compile(r"\{(\d*)(?:(,)(\d*))?\}")


def _skip_group_prefix(pattern: str, i: int) -> int:
    """Index after the ``?...`` that may follow ``(`` (named, lookaround, flags, atomic ...)."""
    if not pattern.startswith("?", i):
        return i
    for prefix, closer in (("?P<", ">"), ("?<=", ""), ("?<!", ""), ("?<", ">"), ("?'", "'")):
        if pattern.startswith(prefix, i):
            if not closer:
                return i + len(prefix)
            close = pattern.find(closer, i + len(prefix))
            return len(pattern) if close < 0 else close + 1
    if pattern.startswith(("?:", "?=", "?!", "?>", "?|"), i):
        return i + 2
    i += 1
    while i < len(pattern) and (pattern[i].isalnum() or pattern[i] in "-&^"):
        i += 1  # inline flags (?i) (?-i:...), recursion (?R) (?1) (?&name)
    if i < len(pattern) and pattern[i] == ":":
        i += 1
    return i


def _scan(pattern: str) -> StaticFindings:
    """Heuristic scan of the pattern text; approximate by design, it decides nothing alone."""
    found = StaticFindings()
    stack: list[_Frame] = [_Frame()]
    literals: list[str] = []
    chars: list[str] = []
    run: list[str] = []
    # The last atom: (is_group, its frame when a group)
    last: tuple[bool, _Frame | None] | None = None
    i, n = 0, len(pattern)

    def end_run() -> None:
        if run:
            literals.append("".join(run))
            run.clear()

    while i < n:
        c = pattern[i]
        if c == "\\" and i + 1 < n:
            nxt = pattern[i + 1]
            if nxt in _CLASS_ESCAPES:
                end_run()
                i += 2
                if nxt in "pPNgLxuU" and i < n and pattern[i] in "{<":
                    close = pattern.find("}" if pattern[i] == "{" else ">", i)
                    i = n if close < 0 else close + 1
            else:
                run.append(nxt)
                chars.append(nxt)
                i += 2
            last = (False, None)
            continue
        if c == "[":
            end_run()
            j = i + 1
            if j < n and pattern[j] == "^":
                j += 1
            if j < n and pattern[j] == "]":
                j += 1
            while j < n and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            i = j + 1
            last = (False, None)
            continue
        if c == "(":
            end_run()
            i += 1
            if pattern.startswith("?#", i):
                close = pattern.find(")", i)
                i = n if close < 0 else close + 1
                continue
            i = _skip_group_prefix(pattern, i)
            stack.append(_Frame())
            last = None
            continue
        if c == ")":
            end_run()
            i += 1
            if len(stack) > 1:
                frame = stack.pop()
                parent = stack[-1]
                parent.unbounded |= frame.unbounded
                parent.product = max(parent.product, frame.product)
                last = (True, frame)
            continue
        if c == "|":
            end_run()
            stack[-1].alternation = True
            last = None
            i += 1
            continue
        quant = None  # (max count or None for unbounded)
        m = _QUANT_RE.match(pattern, i) if c == "{" else None
        if c in "*+":
            quant, i = None, i + 1
        elif c == "?":
            i += 1
            if run:
                run.pop()
            end_run()
            last = None
            continue
        elif m is not None:
            low, comma, high = m.group(1), m.group(2), m.group(3)
            quant = int(high) if (comma and high) else (None if comma else int(low or "0"))
            i = m.end()
        elif c in "^$.":
            end_run()
            last = (False, None)
            i += 1
            continue
        else:
            run.append(c)
            chars.append(c)
            last = (False, None)
            i += 1
            continue
        # a quantifier: it repeats the last atom
        if i < n and pattern[i] in "?+":
            i += 1  # lazy / possessive suffix
        if run:
            run.pop()  # a repeated character is not a fixed literal
        end_run()
        frame = stack[-1]
        if last is not None:
            is_group, inner = last
            count = quant if quant is not None else 1
            inner_product = inner.product if inner is not None else 1
            frame.product = max(frame.product, inner_product * max(count, 1))
            if quant is None:
                frame.unbounded = True
                if is_group and inner is not None:
                    if inner.unbounded:
                        found.nested_repetition = True
                    if inner.alternation:
                        found.repeated_alternation = True
            elif is_group and inner is not None and inner.unbounded and quant > 1:
                found.nested_repetition = True
        last = None
    end_run()
    found.repeat_product = stack[0].product
    found.literals = tuple(literals)
    found.chars = tuple(chars)
    return found


# --- timed probe ---------------------------------------------------------------------------------


def _probe_inputs(findings: StaticFindings) -> list[tuple[float, str]]:
    """Adversarial inputs as (timeout, text), shortest first."""
    pumps: list[str] = []
    seen: set[str] = set()
    for candidate in (*_BASE_PUMPS, *findings.chars, *findings.literals):
        key = candidate.casefold()
        if candidate and len(candidate) <= 8 and key not in seen:
            seen.add(key)
            pumps.append(candidate)
    pumps = pumps[:_MAX_PUMPS]
    literal_tail = "".join(findings.literals)[:64]
    tails = [_BREAKERS[0], _BREAKERS[1]]
    if literal_tail:
        tails += [_BREAKERS[0] + literal_tail, literal_tail + _BREAKERS[0]]
    prefixes = [""]
    if findings.literals:
        prefixes.append(findings.literals[0])
    inputs: list[tuple[float, str]] = []
    for length, timeout in PROBES:
        for pump in pumps:
            body = pump * max(1, length // len(pump))
            for prefix in prefixes:
                for tail in tails:
                    inputs.append((timeout, prefix + body + tail))
    return inputs


def _catastrophic_message(findings: StaticFindings) -> str:
    if findings.nested_repetition:
        why = _("nested repetition like (a+)+")
    elif findings.repeated_alternation:
        why = _("repeated alternatives that overlap, like (a|a)* or (a|ab)*")
    else:
        why = _("parts that can match the same text in many ways")
    return _("This regex can take exponential time on some posts ({why}). Simplify it.").format(
        why=why
    )


def _finishes(compiled: regex.Pattern[str], text: str, timeout: float) -> bool:
    try:
        compiled.search(text, timeout=timeout)
    except TimeoutError:
        return False
    return True


def _probe(compiled: regex.Pattern[str], pattern: str, findings: StaticFindings) -> None:
    deadline = time.monotonic() + PROBE_BUDGET
    for timeout, text in _probe_inputs(findings):
        if not _finishes(compiled, text, timeout) and not _finishes(compiled, text, timeout):
            # twice: a pause of the machine may stop one run, a catastrophic pattern stops both
            raise RegexRejected(_catastrophic_message(findings), pattern)
        if time.monotonic() > deadline:
            raise RegexRejected(
                _(
                    "This regex is too slow on long posts. Simplify it "
                    "(avoid repeated groups such as (\\w+\\s*)+ )."
                ),
                pattern,
            )


@functools.lru_cache(maxsize=512)
def compile_pattern(pattern: str, *, ignore_case: bool = True) -> regex.Pattern[str]:
    """Validate an owner's pattern and return it compiled (a ``regex.Pattern[str]``).

    Raises :class:`RegexRejected` with a message for the owner when the pattern is empty, longer
    than :data:`MAX_PATTERN_LENGTH`, invalid, or catastrophic. Accepted patterns are cached.
    """
    if not pattern or not pattern.strip():
        raise RegexRejected(_("The regex is empty."), pattern)
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise RegexRejected(
            _("The regex is too long ({length} characters; at most {limit}).").format(
                length=len(pattern), limit=MAX_PATTERN_LENGTH
            ),
            pattern,
        )
    findings = _scan_or_default(pattern)
    if findings.repeat_product > MAX_REPEAT_PRODUCT:
        raise RegexRejected(
            _(
                "The repetition counts in this regex are too large "
                "(at most {limit} in total, nested counts multiply). Use smaller numbers."
            ).format(limit=MAX_REPEAT_PRODUCT),
            pattern,
        )
    compiled = _compile(pattern, ignore_case)
    _probe(compiled, pattern, findings)
    return compiled


def check_syntax(pattern: str, *, ignore_case: bool = True) -> regex.Pattern[str]:
    """Compile without the timed probe: for patterns accepted by :func:`compile_pattern` before."""
    return _compile(pattern, ignore_case)


def _scan_or_default(pattern: str) -> StaticFindings:
    try:
        return _scan(pattern)
    except (ValueError, IndexError):  # the scan is a heuristic: never let it fail a valid pattern
        return StaticFindings()


def _as_compiled(
    pattern: str | regex.Pattern[str], ignore_case: bool
) -> tuple[regex.Pattern[str], str]:
    if isinstance(pattern, str):
        return _compile(pattern, ignore_case), pattern
    return pattern, str(pattern.pattern)


def safe_search(
    pattern: str | regex.Pattern[str],
    text: str,
    timeout: float = SEARCH_TIMEOUT,
    *,
    ignore_case: bool = True,
) -> regex.Match[str] | None:
    """``pattern.search(text)`` stopped after ``timeout`` seconds (then :class:`RegexTimeout`).

    ``pattern`` is a string (compiled and cached here; ``ignore_case`` applies) or a compiled
    pattern. Returns a ``regex.Match[str]`` or ``None``. An invalid string raises
    :class:`RegexRejected`.
    """
    compiled, source = _as_compiled(pattern, ignore_case)
    try:
        return compiled.search(text, timeout=timeout)
    except TimeoutError:
        raise RegexTimeout(source, timeout) from None


def safe_sub(
    pattern: str | regex.Pattern[str],
    repl: str,
    text: str,
    count: int = 0,
    timeout: float = SUB_TIMEOUT,
    *,
    ignore_case: bool = True,
) -> str:
    """``pattern.sub(repl, text, count)`` stopped after ``timeout`` seconds.

    ``repl`` is a template (``\\1``, ``\\g<name>``); a bad group reference raises
    :class:`RegexRejected`, a timeout :class:`RegexTimeout`.
    """
    compiled, source = _as_compiled(pattern, ignore_case)
    try:
        return str(compiled.sub(repl, text, count=count, timeout=timeout))
    except TimeoutError:
        raise RegexTimeout(source, timeout) from None
    except (regex.error, IndexError) as exc:
        raise RegexRejected(
            _("Invalid replacement {replacement}: {error}").format(
                replacement=repr(repl), error=exc
            ),
            source,
        ) from None
