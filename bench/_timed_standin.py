"""The Telegram stand-in with a clock on channel posts, for ``bench/latency.py``.

``python -m bench._timed_standin`` takes the options of ``python -m sandbox.telegram.standin``.
Besides what the stand-in records anyway it notes, on its own ``time.time()``, when each channel
post's update was queued, which is when long polling can have it (a waiting getUpdates is woken
then). The control route ``latency_records`` answers those times and, from the stand-in's record
of calls, the time each successful ``copyMessage`` arrived: both ends of a latency on one clock in
one process. (The name starts with ``_`` so that ``./dev bench`` does not run it as a benchmark.)
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Callable
from typing import Any

from sandbox.serving import serve_until_signalled
from sandbox.telegram.flood import FloodLimits
from sandbox.telegram.standin import TelegramStandIn
from sandbox.telegram.state import ApiDict


class TimedStandIn(TelegramStandIn):
    def __init__(self, flood: FloodLimits | None = None) -> None:
        super().__init__(flood)
        self.posted_at: list[tuple[int, int, float]] = []  # chat, message id, when queued

    def channel_post(self, chat_id: int, text: str | None = None, **kwargs: Any) -> ApiDict:
        message = super().channel_post(chat_id, text, **kwargs)
        self.posted_at.append((chat_id, message["message_id"], time.time()))
        return message

    def latency_records(self) -> dict[str, list[list[Any]]]:
        """Posts as ``[chat, message_id, queued_at]``; copies as ``[bot_id, from_chat,
        message_id, chat, arrived_at]``."""
        copies = [
            [
                int(call.token.split(":", 1)[0]),
                int(call.params["from_chat_id"]),
                int(call.params["message_id"]),
                int(call.params["chat_id"]),
                call.started_at,
            ]
            for call in self.calls_to("copyMessage")
            if call.ok
        ]
        return {"posts": [list(post) for post in self.posted_at], "copies": copies}

    def _control_actions(self) -> dict[str, Callable[..., Any]]:
        return {**super()._control_actions(), "latency_records": self.latency_records}


async def _serve(args: argparse.Namespace) -> None:
    tg = TimedStandIn(FloodLimits.disabled() if args.no_flood else FloodLimits())
    for token in args.token or []:
        tg.add_bot(token)
    url = await tg.start(args.host, args.port)
    print(f"Timed Telegram stand-in listening on {url} (bots: {len(tg.state.bots)})", flush=True)
    await serve_until_signalled(tg.stop)


def main() -> None:
    parser = argparse.ArgumentParser(description="The Telegram stand-in, timing channel posts.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", action="append")
    parser.add_argument("--no-flood", action="store_true")
    asyncio.run(_serve(parser.parse_args()))


if __name__ == "__main__":
    main()
