"""Edits of the visible text of HTML that leave tags and attribute values alone.

Replacements land in the element where their range starts; where text is removed, the
whitespace left behind is tidied.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TypeAlias

from bot.forwarding.html.lexer import clean_text
from bot.forwarding.html.parse import CODE_TAGS, parse
from bot.forwarding.html.tokens import Open, Token, serialize, tidy, visible_text

_Span: TypeAlias = "tuple[int, int, str]"
_CLOSING_PUNCTUATION = frozenset(".,;:!?)]}…»")


def _replace(tokens: list[Token], spans: list[_Span]) -> tuple[list[Token], list[int]]:
    """Replace visible ``[start, end)`` ranges, sorted and disjoint; tags stay where they are.

    A replacement goes into the text where its range starts. Returns the new tokens and the
    positions (in the new text) where something was removed without replacement.
    """
    out: list[Token] = []
    seams: list[int] = []
    pos = new_pos = k = 0
    for token in tokens:
        if not isinstance(token, str):
            out.append(token)
            continue
        end = pos + len(token)
        pieces: list[str] = []
        cursor = pos
        while k < len(spans) and spans[k][0] < end:
            start, stop, repl = spans[k]
            if start >= cursor:
                pieces += [token[cursor - pos : start - pos], repl]
                new_pos += start - cursor + len(repl)
                if not repl:
                    seams.append(new_pos)
                cursor = start
            cursor = max(cursor, min(stop, end))
            if stop > end:
                break
            k += 1
        pieces.append(token[cursor - pos :])
        new_pos += end - cursor
        out.append("".join(pieces))
        pos = end
    for start, _, repl in spans[k:]:  # insertions at the very end
        if start >= pos:
            out.append(repl)
            if not repl:
                seams.append(new_pos)
            new_pos += len(repl)
    return out, seams


def _disjoint(spans: Iterable[_Span]) -> list[_Span]:
    result: list[_Span] = []
    for start, end, repl in sorted(spans, key=lambda span: (span[0], span[1])):
        if result and start < result[-1][1]:
            continue  # overlaps one already taken
        if end > start or repl:
            result.append((start, end, repl))
    return result


def merged(spans: Iterable[tuple[int, int]]) -> list[_Span]:
    result: list[list[int]] = []
    for start, end in sorted(spans):
        if result and start <= result[-1][1]:
            result[-1][1] = max(result[-1][1], end)
        elif end > start:
            result.append([start, end])
    return [(start, end, "") for start, end in result]


def _runs(text: str, chars: str) -> tuple[list[int], list[int]]:
    """``left[i]``: where the run of ``chars`` that ends at ``i`` starts; ``right[i]``: where the
    run that starts at ``i`` ends."""
    n = len(text)
    left = list(range(n + 1))
    right = list(range(n + 1))
    for i in range(1, n + 1):
        if text[i - 1] in chars:
            left[i] = left[i - 1]
    for i in range(n - 1, -1, -1):
        if text[i] in chars:
            right[i] = right[i + 1]
    return left, right


def _cleanup_spans(text: str, seams: Iterable[int]) -> Iterator[tuple[int, int]]:
    """Whitespace a removal left behind: a doubled space, a space at a line's edge, an empty line."""
    n = len(text)
    space_left, space_right = _runs(text, " \t")
    newline_left, newline_right = _runs(text, "\n")
    for p in sorted(set(seams)):
        a, b = space_left[p], space_right[p]
        line_start = a == 0 or text[a - 1] == "\n"
        line_end = b == n or text[b] == "\n"
        if line_start and line_end:
            before, after = a - newline_left[a], newline_right[b] - b
            if before == a:  # nothing above: drop the blank lines below too
                yield 0, b + after
            elif b + after == n:
                yield a - before, n
            else:
                yield a, b + min(before, after)
        elif line_start:
            yield p, b
        elif line_end or (a < p == b and text[p] in _CLOSING_PUNCTUATION):
            yield a, p  # "see URL." -> "see."
        elif a < p < b:
            yield p, b


def _code_ranges(tokens: list[Token]) -> list[tuple[int, int]]:
    ranges: list[tuple[int, int]] = []
    pos = depth = 0
    for token in tokens:
        if isinstance(token, str):
            if depth:
                ranges.append((pos, pos + len(token)))
            pos += len(token)
        elif token.name in CODE_TAGS:
            depth += 1 if isinstance(token, Open) else -1
    return ranges


def edit(tokens: list[Token], spans: Iterable[_Span]) -> list[Token]:
    tokens, seams = _replace(tokens, _disjoint(spans))
    if seams:
        tokens, _ = _replace(tokens, merged(_cleanup_spans(visible_text(tokens), seams)))
    return tidy(tokens)


def edit_text(
    html: str,
    find: Callable[[str], Iterable[tuple[int, int, str]]],
    *,
    skip_code: bool = False,
) -> str:
    """Replace parts of the visible text of ``html``; tags and attributes are never touched.

    ``find`` gets the visible text (entities decoded) and yields ``(start, end, replacement)``
    in code points; the replacement is plain text (it is escaped) and lands in the element where
    its range starts; a range may cross tags. Overlapping ranges: the first wins. Where text is
    removed (empty replacement), the whitespace left behind is tidied: no doubled space, no space
    at a line's edge, no empty line. With ``skip_code``, ranges touching ``code`` / ``pre`` are
    ignored. Exceptions of ``find`` propagate.
    """
    tokens = parse(html)
    text = visible_text(tokens)
    spans = [(a, b, clean_text(repl)) for a, b, repl in find(text) if 0 <= a <= b <= len(text)]
    if skip_code:
        code = _code_ranges(tokens)
        spans = [s for s in spans if not any(s[0] < hi and lo < s[1] for lo, hi in code)]
    return serialize(edit(tokens, spans)) if spans else html
