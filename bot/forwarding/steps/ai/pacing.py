"""Pacing from Groq's rate-limit headers: calls wait for a reset instead of earning a 429.

The ``x-ratelimit-*`` headers of every answer (errors too) are remembered; the counts are spent
locally per request sent, so when no request (or not enough tokens for the next request's prompt)
is left, calls wait for the reset. A 429's ``retry-after`` pauses every call of the process. On
Groq the request headers count the daily quota, so a wait longer than ``max_wait`` is not slept
through: :meth:`Pacer.pace` raises :class:`TooLong` at once.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Callable, Mapping

from bot.runtime.logging import get_logger

log = get_logger(__name__)

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)(ms|us|µs|ns|h|m|s)")
_DURATION_UNITS = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


class TooLong(Exception):
    """The wait for Groq's rate limit to reset is longer than the client may wait."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"Groq rate limit reached; it resets in {wait:.0f} s")
        self.wait = wait


def parse_duration(value: str | None) -> float | None:
    """Seconds in Groq's (Go's) duration format: "2m59.56s", "7.66s", "450ms"; None if not one."""
    if not value:
        return None
    text = value.strip()
    parts = _DURATION_PART.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text:
        try:
            return max(0.0, float(text))  # a bare number of seconds
        except ValueError:
            return None
    return sum(float(n) * _DURATION_UNITS[u] for n, u in parts)


def _int_header(headers: Mapping[str, str], name: str) -> int | None:
    value = headers.get(name)
    if value is None:
        return None
    try:
        return int(float(value))
    except ValueError:
        return None


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds from ``retry-after-ms`` (preferred, as the SDK does) or ``retry-after``."""
    for name, scale in (("retry-after-ms", 1e-3), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) * scale
        except ValueError:
            continue
        if math.isfinite(seconds) and seconds >= 0:
            return seconds
    return None


class _Budget:
    """One of Groq's counts (requests or tokens): what is left and when it resets."""

    def __init__(self) -> None:
        self.left: int | None = None
        self.reset_at = 0.0

    def note(self, headers: Mapping[str, str], name: str, now: float) -> None:
        left = _int_header(headers, f"x-ratelimit-remaining-{name}")
        if left is not None:
            self.left = left
            self.reset_at = now + (parse_duration(headers.get(f"x-ratelimit-reset-{name}")) or 0.0)

    def spend(self, amount: int) -> None:
        if self.left is not None:
            self.left -= amount

    def wait(self, need: int, now: float) -> float:
        """How long until ``need`` is available (0 when it is, or nothing is known)."""
        if self.left is None or self.left >= need:
            return 0.0
        if self.reset_at > now:
            return self.reset_at - now
        self.left = None  # the reset has passed: the next answer says how much there is
        return 0.0


class Pacer:
    """What the last answers said about Groq's limits, spent locally per request sent."""

    def __init__(self, clock: Callable[[], float]) -> None:
        self._clock = clock
        self._pause_until = 0.0
        self._requests = _Budget()
        self._tokens = _Budget()

    def note(self, headers: Mapping[str, str]) -> None:
        now = self._clock()
        self._requests.note(headers, "requests", now)
        self._tokens.note(headers, "tokens", now)

    def pause(self, seconds: float) -> None:
        """A 429's wait: every call of the process waits for it."""
        self._pause_until = max(self._pause_until, self._clock() + seconds)

    def spend(self, tokens: int) -> None:
        self._requests.spend(1)
        self._tokens.spend(tokens)

    def _wait(self, tokens: int) -> float:
        now = self._clock()
        return max(
            self._pause_until - now, self._requests.wait(1, now), self._tokens.wait(tokens, now)
        )

    async def pace(self, tokens: int, max_wait: float) -> None:
        """Wait while Groq's last answers say no request (or not enough tokens) is left."""
        while (wait := self._wait(tokens)) > 0:
            if wait > max_wait:
                raise TooLong(wait)
            log.info("groq_paced", wait_s=round(wait, 3))
            await asyncio.sleep(wait)
