"""Delivery workers: claim, send, record; classify what went wrong and act on it.

- 429: wait ``retry_after`` (the delivery is postponed, the attempt does not count).
- Network trouble and 5xx: retry with exponential backoff; after ``MAX_ATTEMPTS`` the delivery
  is dead (visible in /status, can be retried from there) and one alert goes out.
- The destination refuses for good (the bot was kicked, the chat is gone, no right to post):
  the rule is paused with the reason, its deliveries wait in ``held``, one alert goes out.
- Anything else a delivery did wrong (the source post was deleted, …): dead, with the reason.
- An unexpected error while processing one delivery (a bug, a payload the code can't handle):
  logged with its traceback, one throttled alert per rule, tried again after 1 s and 2 s, then
  dead with the error as its reason (``CRASH_ATTEMPTS``): its destination waits seconds, not
  minutes. The worker goes on with the next delivery. A worker task never dies of one delivery.
- The database can't be reached: the worker rests (0.5 s doubling up to ``MAX_REST_S``) and tries
  again; a send that already happened is recorded as soon as the database answers, never sent
  twice (``_record_sent``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)

from bot.forwarding.delivery.lease import HEARTBEAT_S, Heartbeat
from bot.forwarding.delivery.outbox import Claimed, ClaimLost, Link, Outbox
from bot.forwarding.delivery.ratelimit import RateLimiter
from bot.forwarding.delivery.sender import Sender, SkipDelivery
from bot.forwarding.delivery.transform import LookAhead, run_steps
from bot.forwarding.reasons import reason_text
from bot.forwarding.rules.index import RuleIndex, RuleView
from bot.forwarding.rules.regexguard import RegexRejected
from bot.forwarding.steps.ai.client import AiClient
from bot.forwarding.steps.ai.errors import AiRejected, AiUnavailable
from bot.runtime.alerts import Alerts
from bot.runtime.db import log_unavailable, unavailable
from bot.runtime.i18n import _, lazy_text
from bot.runtime.logging import get_logger, redactor

log = get_logger(__name__)

T = TypeVar("T")

MAX_ATTEMPTS = 8
CRASH_ATTEMPTS = 3  # an unexpected error: tried this many times in all …
CRASH_RETRY_S = 1.0  # … after 1 s, then 2 s
AI_HOLD_S = 30.0  # a held post asks the AI again after this long
IDLE_POLL_S = 1.0
REAP_EVERY_S = 3.0  # expired claims handed back (an indexed UPDATE of the few in flight)
PURGE_EVERY_S = 600.0  # old finished deliveries dropped
REST_S = 0.5  # a worker whose database calls fail rests this long, doubling in a row …
MAX_REST_S = 4.0  # … up to this, so it is back at work within seconds of the database

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
        heartbeat_s: float = HEARTBEAT_S,
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
        self._ahead = LookAhead(index, ai)
        self._stopping = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._loops: list[asyncio.Task[None]] = []
        self._heartbeat = Heartbeat(outbox, heartbeat_s)
        self._beating: asyncio.Task[None] | None = None

    def wake(self) -> None:
        self._wake.set()
        self._ahead.wake()

    @property
    def alive(self) -> int:
        """How many worker tasks are running."""
        return sum(not task.done() for task in self._loops)

    def start(self) -> None:
        self._loops = [asyncio.create_task(self._loop(n)) for n in range(self.concurrency)]
        self._beating = asyncio.create_task(self._heartbeat.run())
        self._tasks = [*self._loops]
        self._tasks.append(asyncio.create_task(self._reaper()))
        self._tasks.append(asyncio.create_task(self._ahead.run()))

    async def stop(self, timeout: float) -> None:
        """Stop claiming, let sends in progress finish, hand back the rest."""
        self._stopping.set()
        self._wake.set()
        self._ahead.stop()
        _, pending = await asyncio.wait(self._tasks, timeout=timeout) if self._tasks else ((), ())
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._heartbeat.stop()
        if self._beating is not None:
            await self._beating
        try:
            released = await self.outbox.release_mine()
        except Exception as error:
            # Their leases run out instead: another dyno (or our next start) takes them over.
            log_unavailable("claims_not_released", error, held=len(self._heartbeat.held))
            released = 0
        log.info("workers_stopped", released=released, cut_short=len(pending))

    async def _loop(self, number: int) -> None:
        failures = 0  # in a row, of the outbox itself
        while not self._stopping.is_set():
            try:
                self._wake.clear()  # before claiming: a wake-up during the claim is not missed
                claimed = await self.outbox.claim(1, exclude_chats=self.limiter.cooling())
                if not claimed:
                    await self._idle()
                for item in claimed:
                    await self._supervised(item)
                failures = 0
            except Exception as error:
                if unavailable(error):
                    if not failures:
                        log_unavailable("worker_waits_for_database", error, worker=number)
                else:
                    log.exception("worker_failed", worker=number)
                failures += 1
                with contextlib.suppress(asyncio.TimeoutError):
                    rest = min(MAX_REST_S, REST_S * 2 ** (failures - 1))
                    await asyncio.wait_for(self._stopping.wait(), rest)

    async def _supervised(self, item: Claimed) -> None:
        """Process one delivery, its lease renewed meanwhile; an unexpected error is retried a
        few times, soon, then the delivery is dead: a post that breaks the code must not hold up
        its destination for long. A database that can't be reached is not the post's fault: the
        error goes to the loop, which rests, and the claim's lease runs out (nothing was sent,
        or ``_record_sent`` would still be trying)."""
        self._heartbeat.held.add(item.id)
        try:
            await self._process(item)
        except Exception as error:
            if unavailable(error):
                raise
            reason = redactor.text(f"{type(error).__name__}: {error}")
            log.exception("delivery_crashed", delivery_id=item.id, rule_id=item.rule_id)
            if item.attempts >= CRASH_ATTEMPTS:
                await self._dead(item, f"failed {item.attempts} times: {reason}")
            else:
                await self.outbox.retry(item, reason, CRASH_RETRY_S * item.attempts)
                await self.alerts.report(
                    f"crash:{item.rule_id}",
                    lazy_text(
                        lambda: _("A post of rule #{rule} failed unexpectedly").format(
                            rule=item.rule_id
                        )
                    ),
                    lazy_text(
                        lambda: (
                            reason
                            + "\n"
                            + _(
                                "It is tried again; after {tries} tries it waits in /status."
                            ).format(tries=CRASH_ATTEMPTS)
                        )
                    ),
                )
        finally:
            self._heartbeat.held.discard(item.id)

    async def _record_sent(self, item: Claimed, links: Sequence[Link]) -> None:
        """Record a send that happened, come what may (``_durably``)."""
        await self._durably(item, lambda: self.outbox.done(item, links))

    async def part_sent(self, item: Claimed, piece: int, links: Sequence[Link]) -> Claimed:
        """One piece of a split post went out (the sender's ``Progress``), recorded durably."""
        return await self._durably(item, lambda: self.outbox.part_sent(item, piece, links))

    async def _durably(self, item: Claimed, write: Callable[[], Awaitable[T]]) -> T:
        """Record what was sent; while the database can't be reached, keep trying (the lease
        renewed meanwhile, and not reaped after a server restart: outbox.reap), so that what was
        sent is never sent again; at a stop, until the drain's deadline."""
        rest = REST_S
        while True:
            try:
                return await write()
            except Exception as error:
                if not unavailable(error):
                    raise
                log_unavailable("sent_not_recorded_yet", error, delivery_id=item.id)
            await asyncio.sleep(rest)
            rest = min(rest * 2, MAX_REST_S)

    async def _idle(self) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._wake.wait(), IDLE_POLL_S)

    async def _reaper(self) -> None:
        """Hand back the claims of workers that died; now and then drop old finished rows."""
        purged_at = -PURGE_EVERY_S
        while not self._stopping.is_set():
            with contextlib.suppress(Exception):
                if await self.outbox.reap():
                    self.wake()
                if time.monotonic() - purged_at >= PURGE_EVERY_S:
                    purged_at = time.monotonic()
                    await self.outbox.purge()
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
        if rule.review and item.kind not in ("edit", "delete") and not item.payload.approved:
            await self._to_review(item, rule)
            return
        count = len(item.source_message_ids) if item.kind not in ("edit", "delete") else 1
        await self.limiter.acquire(item.dest_chat_id, count)
        try:
            links = await self.sender.send(item, rule, progress=self)
        except ClaimLost:
            log.warning("delivery_claim_lost", delivery_id=item.id, rule_id=item.rule_id)
            return
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
        await self._record_sent(item, links)
        self.sent += 1
        log.info("delivery_sent", delivery_id=item.id, rule_id=item.rule_id, dest=item.dest_chat_id)

    async def _transform(self, item: Claimed, rule: RuleView) -> Claimed | None:
        """Run the rule's steps; None when the delivery was dealt with here instead."""
        payload = item.payload
        needs = rule.steps and rule.mode == "copy" and payload.transformed is None
        needs = needs and item.kind != "delete"
        if not needs or (item.kind == "edit" and rule.edit_policy == "ignore"):
            return item
        try:
            outcome = await run_steps(
                rule, payload, item.source_chat_id, item.source_message_ids, self.ai
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
            lazy_text(
                lambda: _("A post could not be delivered (rule #{rule})").format(rule=item.rule_id)
            ),
            lazy_text(lambda: reason_text(error) + "\n" + _("Retry it from /status.")),
        )

    async def _destination_gone(self, item: Claimed, error: str) -> None:
        reason = f"destination {item.dest_chat_id} refused: {error}"
        await self.pause_rule(item.rule_id, reason)  # first, so no other worker tries it too
        await self.outbox.hold(item)
        log.error("rule_paused_destination_refused", rule_id=item.rule_id, error=error)
        await self.alerts.report(
            f"gone:{item.rule_id}:{item.dest_chat_id}",
            lazy_text(lambda: _("Rule #{rule} paused").format(rule=item.rule_id)),
            lazy_text(
                lambda: (
                    reason_text(reason)
                    + "\n"
                    + _("Fix the bot's rights there, then resume the rule in /rules.")
                )
            ),
        )
