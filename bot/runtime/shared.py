"""State shared by the processes through Postgres, with this process's own state as the fallback.

The flood limiter and the alert throttle keep their state in the database so that every dyno obeys
one limit and sends one alert. If the database can't be reached (refused, gone, slower than
``timeout_s``), they must go on alone rather than hang: :class:`SharedLink` runs their queries,
answers ``None`` on such a failure (or any other: an alert must not be lost to a fault in the
shared state), logs the change once, and keeps them local for ``retry_s``
before trying the database again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from bot.runtime.logging import get_logger

log = get_logger(__name__)

T = TypeVar("T")


@dataclass
class SharedLink:
    what: str  # for the log lines: "flood_limits", "alerts"
    timeout_s: float = 2.0
    retry_s: float = 5.0
    clock: Callable[[], float] = time.monotonic
    _local_until: float = 0.0
    _local: bool = False

    @property
    def local(self) -> bool:
        """Whether the last attempt failed (the caller is on its own state)."""
        return self._local

    async def run(self, query: Callable[[], Awaitable[T]]) -> T | None:
        """``query()``'s result (never None itself), or None when the database can't serve it."""
        if self._local and self.clock() < self._local_until:
            return None
        try:
            result = await asyncio.wait_for(query(), self.timeout_s)
        except Exception as error:  # whatever went wrong there, the caller must go on here
            self._local_until = self.clock() + self.retry_s
            if not self._local:
                self._local = True
                log.warning(
                    "shared_state_unreachable",
                    what=self.what,
                    error=f"{type(error).__name__}: {error}",
                    local_for_s=self.retry_s,
                )
            return None
        if self._local:
            self._local = False
            log.info("shared_state_back", what=self.what)
        return result
