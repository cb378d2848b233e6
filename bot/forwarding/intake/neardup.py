"""Near-duplicates: the same story from another source (reworded a little, other hashtags, links,
emoji, another footer, sentences in another order) is recognised and reaches a destination once.

A post's :class:`Fingerprint` is a 64-bit SimHash over its words, plus two small sets of "facts":
the numbers it states and the names it mentions (capitalised words not opening a sentence). Two
posts are near-duplicates when their SimHashes differ in at most :data:`MAX_BITS` bits *and*
neither states a number or a name the other lacks while lacking one the other states: "Zenit beat
CSKA 2:1" is not "Zenit beat CSKA 3:0", "Rain in Madrid" is not "Rain in Seville", however alike
the rest of the wording is.

Decisions, taken on the labelled pairs in ``tests/data/near_duplicates.jsonl``:

* Normalisation: NFKC and casefold; URLs, ``@mentions``, ``#hashtags`` and emoji removed
  (channels add their own); a line that is mostly a link or a mention (a footer: "Subscribe:
  @channel") and a short last line without digits ("Source: Reuters") are dropped; punctuation
  vanishes with the split into words. Digits stay: numbers tell one result or forecast from the
  next. Words, not word pairs, make the SimHash: reordered sentences and a reworded headline
  move it less.
* Posts with fewer than :data:`MIN_WORDS` words get no fingerprint: too little to judge.
* Own SimHash rather than a library: MinHash/LSH (``datasketch``) needs ~1 kB per post where this
  needs ~100 bytes, and the ``simhash`` package hashes with MD5 per feature; the algorithm is the
  twenty lines below.
* :class:`NearIndex` keeps each destination's recent fingerprints in memory, oldest first, and
  compares a new post with every one inside the window (~90 ns each): a destination receives
  hundreds of posts a day, not hundreds of thousands. :class:`NearDuplicates` adds the database
  copy (``models.RecentFingerprint``), so several processes and a restart see the same history.
"""

from __future__ import annotations

import bisect
import hashlib
import operator
import unicodedata
from array import array
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from itertools import repeat

import regex

from models import RecentFingerprint

MIN_WORDS = 6
MAX_BITS = 13
BORDER_BITS = 5  # this many bits further apart: borderline, the AI may judge (samestory.py)
NAME_PREFIX = 4  # names compare by their first letters: "Москва", "Москве"; "Sevilla", "Seville"
FACTS = 24  # at most this many numbers and names per post
_CLOSE = bytes(int(bits <= MAX_BITS) for bits in range(256))  # bit distance -> 1 when near
_BORDER = bytes(int(MAX_BITS < bits <= MAX_BITS + BORDER_BITS) for bits in range(256))

_URL = regex.compile(r"(?:https?://|www\.|t\.me/)\S+", regex.IGNORECASE)
_MENTION = regex.compile(r"(?<!\w)[@#][\w.]+")
_WORD = regex.compile(r"\w+")
_NUMBER = regex.compile(r"\d+(?:[.,]\d+)?")
_SENTENCE_END = regex.compile(r"[.!?…:;]$|^[\W_]+$")
_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad\ufe0e\ufe0f"))
_EMOJI = regex.compile(r"[\p{Extended_Pictographic}\p{Emoji_Modifier}\u20e3]")

# The 64 lanes of a SimHash's bit counts, 16 bits each, packed into one integer: LANES[j][b]
# adds one to lane 8j+i for every bit i set in byte b. One feature costs eight additions.
_LANE = 16
_LANES = [
    [sum(1 << ((8 * j + i) * _LANE) for i in range(8) if b >> i & 1) for b in range(256)]
    for j in range(8)
]


@dataclass(frozen=True)
class Fingerprint:
    signature: int  # unsigned 64-bit SimHash
    numbers: bytes  # hashes of the numbers, 4 bytes each
    names: bytes  # hashes of the names, 4 bytes each


def lines_of(text: str) -> list[str]:
    """The post's lines without links, mentions, hashtags and footer lines."""
    text = _EMOJI.sub(" ", unicodedata.normalize("NFKC", text).translate(_ZERO_WIDTH))
    kept: list[str] = []
    footers: list[str] = []
    for raw in text.splitlines():
        line = _MENTION.sub(" ", _URL.sub(" ", raw))
        words = _WORD.findall(line)
        if not words:
            continue
        if line != raw and len(words) <= 5 and len(_WORD.findall(raw)) > len(words):
            footers.append(line)  # "Subscribe: @channel", "Read more: https://…"
        else:
            kept.append(line)
    if not kept:
        return footers  # the post is that one line
    if len(kept) > 1:
        last = _WORD.findall(kept[-1])
        if len(last) <= 4 and not any(w.isdigit() for w in last):
            kept.pop()  # a signature line: "Source: Reuters", "— TASS"
    return kept


def words_of(text: str) -> list[str]:
    """Normalised words: casefolded, no links, mentions, hashtags, emoji or punctuation."""
    return [w.casefold() for line in lines_of(text) for w in _WORD.findall(line)]


def facts_of(lines: Iterable[str]) -> tuple[bytes, bytes]:
    """Hashes of the numbers and of the names (capitalised words not opening a sentence)."""
    numbers: set[int] = set()
    names: set[int] = set()
    for line in lines:
        for found in _NUMBER.findall(line):
            numbers.add(_hash32(found.replace(",", ".")))
        if line.isupper():
            continue  # a shouted headline: every word is capitalised
        opening = True
        for token in line.split():
            word = _WORD.search(token)
            if word is not None:
                text = word.group()
                if not opening and text[0].isupper():
                    names.add(_hash32(text.casefold()[:NAME_PREFIX]))
                opening = bool(_SENTENCE_END.search(token))
    return _first(numbers), _first(names)


def fingerprint(text: str) -> Fingerprint | None:
    """The post's fingerprint, or None when its text is too short to judge."""
    lines = lines_of(text)
    words = [w.casefold() for line in lines for w in _WORD.findall(line)]
    if len(words) < MIN_WORDS:
        return None
    numbers, names = facts_of(lines)
    return Fingerprint(simhash(set(words)), numbers, names)


def simhash(features: Iterable[str]) -> int:
    counts = 0
    total = 0
    lanes = _LANES
    for feature in features:
        d = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
        counts += (
            lanes[0][d[0]] + lanes[1][d[1]] + lanes[2][d[2]] + lanes[3][d[3]]
            + lanes[4][d[4]] + lanes[5][d[5]] + lanes[6][d[6]] + lanes[7][d[7]]
        )  # fmt: skip
        total += 1
    lane_mask = (1 << _LANE) - 1
    signature = 0
    for bit in range(64):
        if 2 * ((counts >> (bit * _LANE)) & lane_mask) > total:
            signature |= 1 << bit
    return signature


def distance(a: int, b: int) -> int:
    return (a ^ b).bit_count()


def near(a: Fingerprint, b: Fingerprint) -> bool:
    """The same story: close SimHashes and no contradicting numbers or names."""
    return (
        distance(a.signature, b.signature) <= MAX_BITS
        and not _contradict(a.numbers, b.numbers)
        and not _contradict(a.names, b.names)
    )


def _contradict(a: bytes, b: bytes) -> bool:
    """Each states something the other does not: other numbers, other places, other teams."""
    if a == b or not a or not b:
        return False
    mine, theirs = set(memoryview(a).cast("I")), set(memoryview(b).cast("I"))
    return bool(mine - theirs) and bool(theirs - mine)


@dataclass(frozen=True, slots=True)
class Seen:
    """One recent post at a destination."""

    at: float
    numbers: bytes
    names: bytes
    source_chat_id: int
    message_id: int


@dataclass
class _Destination:
    signatures: array[int] = field(default_factory=lambda: array("Q"))
    seen: list[Seen] = field(default_factory=list)


class NearIndex:
    """Recent fingerprints per destination, oldest first, for ``keep_s`` seconds."""

    def __init__(self, keep_s: float) -> None:
        self.keep_s = keep_s
        self._dests: dict[int, _Destination] = {}

    def __len__(self) -> int:
        return sum(len(dest.seen) for dest in self._dests.values())

    def add(self, dest_chat_id: int, fp: Fingerprint, seen: Seen) -> None:
        dest = self._dests.setdefault(dest_chat_id, _Destination())
        stale = bisect.bisect_left(dest.seen, seen.at - self.keep_s, key=lambda s: s.at)
        if stale:
            del dest.signatures[:stale], dest.seen[:stale]
        dest.signatures.append(fp.signature)
        dest.seen.append(seen)

    def match(self, dest_chat_id: int, fp: Fingerprint, since: float) -> Seen | None:
        """The earliest post seen at the destination since ``since`` that ``fp`` is near."""
        return self._first(dest_chat_id, fp, since, _CLOSE)

    def borderline(self, dest_chat_id: int, fp: Fingerprint, since: float) -> Seen | None:
        """The earliest post seen since ``since`` that ``fp`` is a little too far from to call
        it near, contradicting none of its numbers and names: one for the AI to judge."""
        return self._first(dest_chat_id, fp, since, _BORDER)

    def _first(self, dest_chat_id: int, fp: Fingerprint, since: float, band: bytes) -> Seen | None:
        dest = self._dests.get(dest_chat_id)
        if dest is None:
            return None
        first = bisect.bisect_left(dest.seen, since, key=lambda s: s.at)
        apart = map(operator.xor, dest.signatures[first:], repeat(fp.signature))
        close = bytes(map(int.bit_count, apart)).translate(band)
        at = close.find(1)
        while at >= 0:
            seen = dest.seen[first + at]
            if not _contradict(fp.numbers, seen.numbers) and not _contradict(fp.names, seen.names):
                return seen
            at = close.find(1, at + 1)
        return None


def _hash32(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=4).digest(), "big")


def _first(values: set[int]) -> bytes:
    return array("I", sorted(values)[:FACTS]).tobytes()


class NearDuplicates:
    """The near-duplicate check of ingest: the in-memory index, brought up to date from
    ``recent_fingerprints`` before each check so that what another process delivered counts too,
    and each delivered post's fingerprint written there."""

    def __init__(self, keep_s: float) -> None:
        self.index = NearIndex(keep_s)
        self._read_up_to: dict[int, int] = {}

    async def original(
        self, dest_chat_id: int, fp: Fingerprint, source_chat_id: int, message_id: int,
        since: float, now: float, confirm: Callable[[Seen], Awaitable[bool]] | None = None,
    ) -> Seen | None:  # fmt: skip
        """The earlier post at the destination this one repeats, or None: then this one is
        remembered as delivered there. A replay of the same message is no duplicate of itself.
        With ``confirm``, a borderline earlier post counts when ``confirm`` says it is the same
        story (the AI, ``samestory.py``)."""
        await self._read(dest_chat_id, now)
        seen = self.index.match(dest_chat_id, fp, since)
        if seen is None and confirm is not None:
            seen = self.index.borderline(dest_chat_id, fp, since)
            if seen is not None and (seen.source_chat_id, seen.message_id) != (
                source_chat_id, message_id,
            ) and not await confirm(seen):  # fmt: skip
                seen = None
        if seen is not None and (seen.source_chat_id, seen.message_id) == (
            source_chat_id, message_id,
        ):  # fmt: skip
            return None
        if seen is None:
            await RecentFingerprint.create(
                dest_chat_id=dest_chat_id, at=now, signature=_signed(fp.signature),
                numbers=fp.numbers, names=fp.names, source_chat_id=source_chat_id,
                message_id=message_id,
            )  # fmt: skip
        return seen

    async def _read(self, dest_chat_id: int, now: float) -> None:
        since = now - self.index.keep_s
        last = self._read_up_to.get(dest_chat_id)
        if last is None:
            await RecentFingerprint.filter(dest_chat_id=dest_chat_id, at__lt=since).delete()
        rows = (
            await RecentFingerprint.filter(
                dest_chat_id=dest_chat_id, id__gt=last or 0, at__gte=since
            )
            .order_by("id")
            .values_list(
                "id", "at", "signature", "numbers", "names", "source_chat_id", "message_id"
            )
        )
        for row_id, at, signature, numbers, names, source, message in rows:
            fp = Fingerprint(signature % (1 << 64), bytes(numbers), bytes(names))
            self.index.add(dest_chat_id, fp, Seen(at, fp.numbers, fp.names, source, message))
            last = row_id
        self._read_up_to[dest_chat_id] = last or 0


def _signed(signature: int) -> int:
    return signature - (1 << 64) if signature >= 1 << 63 else signature
