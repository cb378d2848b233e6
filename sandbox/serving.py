"""Running a stand-in on its own (``python -m sandbox.telegram.standin``, ``sandbox.groq.server``)."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Awaitable, Callable


async def serve_until_signalled(stop: Callable[[], Awaitable[None]]) -> None:
    """Serve until SIGINT or SIGTERM, then ``stop``."""
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stopping.set)
    try:
        await stopping.wait()
    finally:
        await stop()
