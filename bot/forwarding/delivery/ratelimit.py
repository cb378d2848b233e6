"""Telegram's flood limits applied before sending, so a 429 is the exception, not the rhythm.

Published limits: about one message per second in a chat, 20 messages a minute in a group or
channel, 30 messages a second overall. Windows are kept a little wider than the published ones so
that jitter between our clock and Telegram's arrival times does not tip a send over.

This limiter counts the sends of one process: the SQLite default (one process) and the fallback of
the cluster-wide limiter (``cluster_limits.py``) when the database can't be reached.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Limits:
    per_chat_interval: float = 1.05
    group_per_window: int = 20
    group_window: float = 61.0
    global_per_window: int = 30
    global_window: float = 1.05

    @classmethod
    def lifted(cls) -> Limits:
        """No limit worth the name: for a Bot API server that has none (benchmarks)."""
        return cls(per_chat_interval=0.0, group_per_window=1_000_000, global_per_window=1_000_000)


@dataclass
class RateLimiter:
    limits: Limits = field(default_factory=Limits)
    clock: Callable[[], float] = time.monotonic
    _global: deque[float] = field(default_factory=deque)
    _chat_next: dict[int, float] = field(default_factory=dict)
    _group: dict[int, deque[float]] = field(default_factory=dict)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    waited_s: float = 0.0

    def cooling(self) -> list[int]:
        """Chats that can't take a message right now (claim other chats' deliveries first)."""
        now = self.clock()
        stale = [chat for chat, at in self._chat_next.items() if at <= now]
        for chat in stale:
            del self._chat_next[chat]
        cooling = set(self._chat_next)
        limits = self.limits
        for chat, sent in self._group.items():
            while sent and now - sent[0] >= limits.group_window:
                sent.popleft()
            if len(sent) >= limits.group_per_window:
                cooling.add(chat)
        return list(cooling)

    def penalize(self, chat_id: int, retry_after: float) -> None:
        """Telegram said wait: nothing goes to that chat before then."""
        until = self.clock() + retry_after
        self._chat_next[chat_id] = max(self._chat_next.get(chat_id, 0.0), until)

    async def acquire(self, chat_id: int, count: int = 1) -> None:
        """Wait until ``count`` messages may go to ``chat_id`` and reserve them."""
        limits = self.limits
        count = max(1, min(count, limits.global_per_window))
        async with self._lock:  # reservations are granted in arrival order
            while True:
                now = self.clock()
                wait = self._wait_for(chat_id, count, now)
                if wait <= 0:
                    break
                self.waited_s += wait
                await asyncio.sleep(wait)
            self._record(chat_id, count, now)

    def _record(self, chat_id: int, count: int, now: float) -> None:
        window = self._global
        while window and now - window[0] >= self.limits.global_window:
            window.popleft()
        window.extend([now] * count)
        next_at = now + self.limits.per_chat_interval * count
        self._chat_next[chat_id] = max(self._chat_next.get(chat_id, 0.0), next_at)
        if chat_id < 0:
            self._group.setdefault(chat_id, deque()).extend([now] * count)

    def _wait_for(self, chat_id: int, count: int, now: float) -> float:
        limits = self.limits
        waits = [self._chat_next.get(chat_id, 0.0) - now]
        window = self._global
        while window and now - window[0] >= limits.global_window:
            window.popleft()
        if len(window) + count > limits.global_per_window:
            oldest_needed = window[len(window) + count - limits.global_per_window - 1]
            waits.append(oldest_needed + limits.global_window - now)
        sent = self._group.get(chat_id)
        if chat_id < 0 and sent:
            while sent and now - sent[0] >= limits.group_window:
                sent.popleft()
            if len(sent) + count > limits.group_per_window:
                waits.append(
                    sent[len(sent) + count - limits.group_per_window - 1]
                    + limits.group_window
                    - now
                )
        return max(waits)
