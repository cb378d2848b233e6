"""A delivery's rule steps: run for the delivery at its chat's head, and early for what waits.

:func:`run_steps` is what a worker runs on the delivery it claimed. :class:`LookAhead` runs the
same steps early for queued deliveries, so the run at the head is an AI cache hit. Either way the
Groq tokens a run costs are counted for the delivery's rule (``usage.Metered``).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from bot.forwarding.delivery.payload import Payload
from bot.forwarding.html import to_html
from bot.forwarding.post import Post
from bot.forwarding.rules.index import RuleIndex, RuleView
from bot.forwarding.steps import pipeline
from bot.forwarding.steps.ai.client import AiClient
from bot.forwarding.steps.ai.usage import Metered
from bot.runtime.logging import get_logger
from models import Delivery
from models.forwarding import PENDING

log = get_logger(__name__)

LOOK_AHEAD = 500  # queued deliveries looked at for AI steps to run early (warming the cache)
LOOK_AHEAD_IDLE_S = 0.5


async def run_steps(
    rule: RuleView,
    payload: Payload,
    chat_id: int,
    message_ids: tuple[int, ...],
    ai: AiClient | None,
) -> pipeline.Outcome:
    html = to_html(payload.text, payload.message_entities)
    post = Post(
        chat_id=chat_id,
        message_ids=message_ids,
        text=payload.text,
        media_kinds=frozenset(payload.media_kinds),
    )
    return await pipeline.run(
        rule.steps,
        html,
        ctx=pipeline.context_of(payload, chat_id, message_ids[0]),
        ai=Metered(ai, rule.id) if ai is not None else None,
        model=rule.ai_model,
        limit=pipeline.CAPTION_LIMIT if payload.has_media else pipeline.TEXT_LIMIT,
        allow_new_links=rule.allow_new_links,
        post=post,
    )


class LookAhead:
    """Warm the AI cache for deliveries still queued behind others of their chat.

    Order per destination means a delivery is transformed only when it is at the head of
    its chat's queue; with a slow model that would serialise the queue. Running the same
    steps early for what waits (each distinct post once: the client shares identical calls)
    makes the transform at the head a cache hit. Nothing is written: failures here are
    logged or ignored and met again, with the rule's policy, when the delivery is claimed.
    """

    def __init__(self, index: RuleIndex, ai: AiClient | None) -> None:
        self.index = index
        self.ai = ai
        self._wake = asyncio.Event()
        self._stopped = asyncio.Event()
        self._running: set[asyncio.Task[None]] = set()
        self._warmed: set[tuple[int, int, str]] = set()  # posts of the current window warmed

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopped.set()
        self._wake.set()

    async def run(self) -> None:
        while not self._stopped.is_set():
            try:
                await self._look()
            except Exception:  # the database is away: look again next time
                log.exception("look_ahead_failed")
            self._wake.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), LOOK_AHEAD_IDLE_S)
        for task in self._running:
            task.cancel()

    async def _look(self) -> None:
        rules = {r.id: r for r in self.index.with_ai_steps()} if self.ai else {}
        if not rules:
            return
        window: dict[tuple[int, int, str], int] = {}
        for row in (
            await Delivery.filter(
                status=PENDING, rule_id__in=list(rules), kind__in=("post", "album")
            )
            .order_by("id")
            .limit(LOOK_AHEAD)
            .values("id", "rule_id", "source_chat_id", "unit")
        ):  # keys only: a post's payload is read once, when it enters the window
            window.setdefault((row["rule_id"], row["source_chat_id"], row["unit"]), row["id"])
        self._warmed &= window.keys()
        fresh = [delivery_id for key, delivery_id in window.items() if key not in self._warmed]
        if not fresh:
            return
        for row in await Delivery.filter(id__in=fresh).values(
            "rule_id", "source_chat_id", "unit", "source_message_ids", "payload"
        ):
            self._warmed.add((row["rule_id"], row["source_chat_id"], row["unit"]))
            payload = Payload.load(row["payload"])
            if payload.transformed is not None or row["rule_id"] not in rules:
                continue
            task = asyncio.create_task(self._warm(rules[row["rule_id"]], payload, row))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _warm(self, rule: RuleView, payload: Payload, row: dict[str, Any]) -> None:
        with contextlib.suppress(Exception):
            await run_steps(
                rule, payload, row["source_chat_id"], tuple(row["source_message_ids"]), self.ai
            )
