"""Flood limits of the Telegram stand-in, enforced with sliding windows.

Telegram's Bot FAQ gives three limits (the real ones are undisclosed and
flexible; these are the documented ones):

* one chat: "avoid sending more than one message per second. We may allow
  short bursts that go over this limit, but eventually you'll begin receiving
  429 errors" -> at most ``per_chat_burst`` requests in any window of
  ``per_chat_burst / per_chat_per_s`` seconds (default 3 in 3 s);
* one group: "not able to send more than 20 messages per minute to the same
  group" -> at most ``per_group_per_min`` messages in any 60 s window; applied to
  groups, supergroups and channels (channels are not named by the FAQ; the
  stand-in stays on the strict side);
* overall: about 30 messages per second -> at most ``global_per_s`` messages in
  any 1 s window, per bot.

Only sending methods are counted (``send*``, ``copy*``, ``forward*``). A request
that sends N messages (``sendMediaGroup``, ``copyMessages``,
``forwardMessages``) counts as one request for the per-chat window and as N
messages for the group and global windows (each album item is a message to
Telegram), capped at the window size so that a legal request can always pass
once the window is empty. A refused request is not counted and not performed;
its ``retry_after`` is the whole number of seconds (at least 1) after which the
same request would pass.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class FloodLimits:
    per_chat_per_s: float = 1.0
    per_group_per_min: int = 20
    global_per_s: int = 30
    enabled: bool = True
    per_chat_burst: int = 3

    @classmethod
    def disabled(cls) -> FloodLimits:
        return cls(enabled=False)


class _Window:
    """Events of the last ``span`` seconds; at most ``capacity`` of them."""

    def __init__(self, capacity: int, span: float) -> None:
        self.capacity = max(1, capacity)
        self.span = span
        self.events: deque[float] = deque()

    def wait_time(self, now: float, cost: int) -> float:
        while self.events and self.events[0] <= now - self.span:
            self.events.popleft()
        cost = min(cost, self.capacity)
        excess = len(self.events) + cost - self.capacity
        if excess <= 0:
            return 0.0
        return self.events[excess - 1] + self.span - now

    def add(self, now: float, cost: int) -> None:
        self.events.extend([now] * min(cost, self.capacity))


class FloodControl:
    """Sliding windows per bot, per (bot, chat) and per (bot, group)."""

    def __init__(self, limits: FloodLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self.clock = clock
        self._windows: dict[tuple[object, ...], _Window] = {}

    def _window(self, key: tuple[object, ...], capacity: int, span: float) -> _Window:
        window = self._windows.get(key)
        if window is None:
            window = self._windows[key] = _Window(capacity, span)
        return window

    def charge(self, bot_id: int, chat_id: int, chat_type: str, messages: int = 1) -> int:
        """Record a send of ``messages`` messages, or return ``retry_after`` (> 0) instead."""
        limits = self.limits
        if not limits.enabled:
            return 0
        now = self.clock()
        burst = max(1, limits.per_chat_burst)
        checks = [
            (self._window(("chat", bot_id, chat_id), burst, burst / limits.per_chat_per_s), 1),
            (self._window(("all", bot_id), limits.global_per_s, 1.0), messages),
        ]
        if chat_type in ("group", "supergroup", "channel"):
            group = self._window(("group", bot_id, chat_id), limits.per_group_per_min, 60.0)
            checks.append((group, messages))
        wait = max(window.wait_time(now, cost) for window, cost in checks)
        if wait > 0:
            return max(1, math.ceil(wait - 1e-9))
        for window, cost in checks:
            window.add(now, cost)
        return 0
