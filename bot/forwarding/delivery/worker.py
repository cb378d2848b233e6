"""Delivery workers: claim, send, record; classify what went wrong and act on it.

- 429: wait ``retry_after`` (the delivery is postponed, the attempt does not count).
- Network trouble and 5xx: retry with exponential backoff; after ``MAX_ATTEMPTS`` the delivery
  is dead (visible in /status, can be retried from there) and one alert goes out.
- The destination refuses for good (the bot was kicked, the chat is gone, no right to post):
  the rule is paused with the reason, its deliveries wait in ``held``, one alert goes out.
- Anything else a delivery did wrong (the source post was deleted, …): dead, with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)

from bot.forwarding.delivery.outbox import Claimed, Outbox
from bot.forwarding.delivery.payload import Payload
from bot.forwarding.delivery.ratelimit import RateLimiter
from bot.forwarding.delivery.sender import Sender, SkipDelivery
from bot.forwarding.html import to_html
from bot.forwarding.post import Post
from bot.forwarding.rules.index import RuleIndex, RuleView
from bot.forwarding.rules.regexguard import RegexRejected
from bot.forwarding.steps import pipeline
from bot.forwarding.steps.ai.client import AiClient
from bot.forwarding.steps.ai.errors import AiRejected, AiUnavailable
from bot.runtime.alerts import Alerts
from bot.runtime.logging import get_logger
from models import Delivery
from models.forwarding import PENDING

log = get_logger(__name__)

MAX_ATTEMPTS = 8
LOOK_AHEAD = 500  # queued deliveries looked at for AI steps to run early (warming the cache)
LOOK_AHEAD_IDLE_S = 0.5
AI_HOLD_S = 30.0  # a held post asks the AI again after this long
IDLE_POLL_S = 1.0
REAP_EVERY_S = 30.0

# Bad requests that mean the destination itself is unusable, not this one post.
_DESTINATION_GONE = (
    "chat not found",
    "message thread not found",
    "not enough rights",
    "have no rights",
    "need administrator rights",
    "chat_write_forbidden",
    "topic_closed",
    "topic was deleted",
)


def backoff(attempt: int) -> float:
    return float(min(300, 2 ** max(1, attempt)))


class Workers:
    def __init__(
        self,
        *,
        outbox: Outbox,
        index: RuleIndex,
        sender: Sender,
        limiter: RateLimiter,
        alerts: Alerts,
        pause_rule: Callable[[int, str], Awaitable[object]],
        ai: AiClient | None = None,
        on_review: Callable[[Claimed, RuleView], Awaitable[object]] | None = None,
        concurrency: int = 8,
    ) -> None:
        self.outbox = outbox
        self.index = index
        self.sender = sender
        self.limiter = limiter
        self.alerts = alerts
        self.pause_rule = pause_rule
        self.ai = ai
        self.ai_hold_s = AI_HOLD_S
        self.on_review = on_review
        self.concurrency = concurrency
        self.sent = 0
        self.failed = 0
        self._wake = asyncio.Event()
        self._ahead = asyncio.Event()
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def wake(self) -> None:
        self._wake.set()
        self._ahead.set()

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._loop(n)) for n in range(self.concurrency)]
        self._tasks.append(asyncio.create_task(self._reaper()))
        self._tasks.append(asyncio.create_task(self._look_ahead()))

    async def stop(self, timeout: float) -> None:
        """Stop claiming, let sends in progress finish, hand back the rest."""
        self._stopping.set()
        self._wake.set()
        _, pending = await asyncio.wait(self._tasks, timeout=timeout) if self._tasks else ((), ())
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        released = await self.outbox.release_mine()
        log.info("workers_stopped", released=released, cut_short=len(pending))

    async def _loop(self, number: int) -> None:
        while not self._stopping.is_set():
            try:
                claimed = await self.outbox.claim(1, exclude_chats=self.limiter.cooling())
            except Exception:
                log.exception("claim_failed")
                claimed = []
            if not claimed:
                await self._idle()
                continue
            for item in claimed:
                await self._process(item)

    async def _idle(self) -> None:
        self._wake.clear()
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._wake.wait(), IDLE_POLL_S)

    async def _reaper(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(Exception):
                if await self.outbox.reap():
                    self.wake()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), REAP_EVERY_S)

    async def _process(self, item: Claimed) -> None:
        rule = self.index.get(item.rule_id)
        if rule is None:
            await self.index.reload()  # created on another dyno, or deleted
            rule = self.index.get(item.rule_id)
        if rule is None:
            await self.outbox.skip(item, "rule deleted")
            return
        if not rule.active:
            await self.outbox.hold(item)
            return
        transformed = await self._transform(item, rule)
        if transformed is None:
            return  # postponed, skipped or dead: already recorded
        item = transformed
        if rule.review and item.kind != "edit" and not item.payload.approved:
            await self._to_review(item, rule)
            return
        count = len(item.source_message_ids) if item.kind != "edit" else 1
        await self.limiter.acquire(item.dest_chat_id, count)
        try:
            links = await self.sender.send(item, rule)
        except SkipDelivery as reason:
            await self.outbox.skip(item, str(reason))
            return
        except TelegramRetryAfter as error:
            self.limiter.penalize(item.dest_chat_id, error.retry_after)
            await self.outbox.postpone(item, error.retry_after, f"flood wait {error.retry_after}s")
            log.info("flood_wait", dest=item.dest_chat_id, retry_after=error.retry_after)
            return
        except (TelegramNetworkError, TelegramServerError) as error:
            await self._transient(item, str(error))
            return
        except (TelegramForbiddenError, TelegramNotFound) as error:
            await self._destination_gone(item, error.message)
            return
        except TelegramBadRequest as error:
            lowered = error.message.lower()
            if any(marker in lowered for marker in _DESTINATION_GONE):
                await self._destination_gone(item, error.message)
            else:
                await self._dead(item, error.message)
            return
        await self.outbox.done(item, links)
        self.sent += 1
        log.info("delivery_sent", delivery_id=item.id, rule_id=item.rule_id, dest=item.dest_chat_id)

    async def _transform(self, item: Claimed, rule: RuleView) -> Claimed | None:
        """Run the rule's steps; None when the delivery was dealt with here instead."""
        payload = item.payload
        needs = rule.steps and rule.mode == "copy" and payload.transformed is None
        if not needs or (item.kind == "edit" and rule.edit_policy == "ignore"):
            return item
        try:
            outcome = await self._run_steps(
                rule, payload, item.source_chat_id, item.source_message_ids
            )
        except AiUnavailable as error:
            return await self._ai_down(item, rule, error.reason)
        except AiRejected as error:
            if rule.ai_failure == "original":
                log.warning(
                    "ai_rejected_sending_original", delivery_id=item.id, reason=error.reason
                )
                return item
            await self._dead(item, f"the AI could not transform this post: {error.reason}")
            return None
        except RegexRejected as error:
            await self._dead(item, f"a regex step failed: {error}")
            return None
        if outcome.html is None:
            await self.outbox.skip(item, f"filtered by a step: {outcome.filtered_by}")
            log.info("delivery_filtered", delivery_id=item.id, reason=outcome.filtered_by)
            return None
        return dataclasses.replace(item, payload=payload.with_html(outcome.html))

    async def _run_steps(
        self,
        rule: RuleView,
        payload: Payload,
        chat_id: int,
        message_ids: tuple[int, ...],
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
            ai=self.ai,
            model=rule.ai_model,
            limit=pipeline.CAPTION_LIMIT if payload.has_media else pipeline.TEXT_LIMIT,
            allow_new_links=rule.allow_new_links,
            post=post,
        )

    async def _look_ahead(self) -> None:
        """Warm the AI cache for deliveries still queued behind others of their chat.

        Order per destination means a delivery is transformed only when it is at the head of
        its chat's queue; with a slow model that would serialise the queue. Running the same
        steps early for what waits (each distinct post once: the client shares identical calls)
        makes the transform at the head a cache hit. Nothing is written: failures here are
        ignored and met again, with the rule's policy, when the delivery is claimed.
        """
        running: set[asyncio.Task[None]] = set()
        warmed: set[tuple[int, int, str]] = set()  # posts of the current window already warmed
        while not self._stopping.is_set():
            rules = {r.id: r for r in self.index.with_ai_steps()} if self.ai else {}
            if rules:
                window: dict[tuple[int, int, str], int] = {}
                for row in (
                    await Delivery.filter(
                        status=PENDING, rule_id__in=list(rules), kind__in=("post", "album")
                    )
                    .order_by("id")
                    .limit(LOOK_AHEAD)
                    .values("id", "rule_id", "source_chat_id", "unit")
                ):  # keys only: a post's payload is read once, when it enters the window
                    window.setdefault(
                        (row["rule_id"], row["source_chat_id"], row["unit"]), row["id"]
                    )
                warmed &= window.keys()
                fresh = [delivery_id for key, delivery_id in window.items() if key not in warmed]
                if fresh:
                    for row in await Delivery.filter(id__in=fresh).values(
                        "rule_id", "source_chat_id", "unit", "source_message_ids", "payload"
                    ):
                        warmed.add((row["rule_id"], row["source_chat_id"], row["unit"]))
                        payload = Payload.load(row["payload"])
                        if payload.transformed is not None or row["rule_id"] not in rules:
                            continue
                        task = asyncio.create_task(self._warm(rules[row["rule_id"]], payload, row))
                        running.add(task)
                        task.add_done_callback(running.discard)
            self._ahead.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._ahead.wait(), LOOK_AHEAD_IDLE_S)
        for task in running:
            task.cancel()

    async def _warm(self, rule: RuleView, payload: Payload, row: dict[str, Any]) -> None:
        with contextlib.suppress(Exception):
            await self._run_steps(
                rule, payload, row["source_chat_id"], tuple(row["source_message_ids"])
            )

    async def _ai_down(self, item: Claimed, rule: RuleView, reason: str) -> Claimed | None:
        """The rule's policy for a post whose AI step can't run now."""
        if rule.ai_failure == "original":
            log.warning("ai_down_sending_original", delivery_id=item.id, reason=reason)
            return item
        if rule.ai_failure == "skip":
            await self.outbox.skip(item, f"AI unavailable: {reason}")
            return None
        await self.outbox.postpone(item, self.ai_hold_s, f"waiting for the AI: {reason}")
        log.warning("ai_down_holding", delivery_id=item.id, retry_in=self.ai_hold_s, reason=reason)
        return None

    async def _to_review(self, item: Claimed, rule: RuleView) -> None:
        await self.outbox.to_review(item)
        log.info("delivery_in_review", delivery_id=item.id, rule_id=rule.id)
        if self.on_review is not None:
            await self.on_review(item, rule)

    async def _transient(self, item: Claimed, error: str) -> None:
        if item.attempts >= MAX_ATTEMPTS:
            await self._dead(item, f"gave up after {item.attempts} tries: {error}")
            return
        delay = backoff(item.attempts)
        await self.outbox.retry(item, error, delay)
        log.warning(
            "delivery_retry", delivery_id=item.id, attempt=item.attempts, delay=delay, error=error
        )

    async def _dead(self, item: Claimed, error: str) -> None:
        await self.outbox.dead(item, error)
        self.failed += 1
        log.error("delivery_dead", delivery_id=item.id, rule_id=item.rule_id, error=error)
        await self.alerts.report(
            f"dead:{item.rule_id}:{error[:60]}",
            f"A post could not be delivered (rule #{item.rule_id})",
            f"{error}\nRetry it from /status.",
        )

    async def _destination_gone(self, item: Claimed, error: str) -> None:
        reason = f"destination {item.dest_chat_id} refused: {error}"
        await self.pause_rule(item.rule_id, reason)  # first, so no other worker tries it too
        await self.outbox.hold(item)
        log.error("rule_paused_destination_refused", rule_id=item.rule_id, error=error)
        await self.alerts.report(
            f"gone:{item.rule_id}:{item.dest_chat_id}",
            f"Rule #{item.rule_id} paused",
            f"{reason}\nFix the bot's rights there, then resume the rule in /rules.",
        )
