"""The AI answers cache (LRU) and single flight: identical concurrent runs share one request.

A flight runs in its own task, so a caller that is cancelled does not cancel it for the others; a
failed flight is not cached.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import replace

from bot.forwarding.steps.ai.errors import AiAnswer

Key = tuple[str, str]  # (the step's fingerprint, the post)


class Flights:
    """Answers by key: from the cache, from a flight in progress, or from a new flight."""

    def __init__(self, cache_size: int) -> None:
        self.cache_size = cache_size
        self.hits = 0  # answers served without a request: cache hits and shared flights
        self._cache: OrderedDict[Key, AiAnswer] = OrderedDict()
        self._flights: dict[Key, asyncio.Task[AiAnswer]] = {}

    async def answer(self, key: Key, fly: Callable[[], Awaitable[AiAnswer]]) -> AiAnswer:
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            self.hits += 1
            return replace(hit, cached=True)
        flight = self._flights.get(key)
        if flight is not None:
            self.hits += 1
            return replace(await asyncio.shield(flight), cached=True)
        flight = asyncio.ensure_future(self._fly(key, fly))
        self._flights[key] = flight
        flight.add_done_callback(lambda done: self._landed(key, done))
        return await asyncio.shield(flight)

    async def _fly(self, key: Key, fly: Callable[[], Awaitable[AiAnswer]]) -> AiAnswer:
        answer = await fly()
        if self.cache_size > 0:
            self._cache[key] = answer
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)
        return answer

    def _landed(self, key: Key, flight: asyncio.Task[AiAnswer]) -> None:
        if self._flights.get(key) is flight:
            del self._flights[key]
        if not flight.cancelled():
            flight.exception()  # retrieved here, so a flight nobody awaits any more stays quiet

    async def cancel(self) -> None:
        """Cancel the flights in progress and wait for them to end."""
        flights = list(self._flights.values())
        for flight in flights:
            flight.cancel()
        if flights:
            await asyncio.gather(*flights, return_exceptions=True)
