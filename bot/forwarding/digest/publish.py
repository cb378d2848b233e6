"""The digest scheduler: when a period ends, one summary per rule goes to the outbox.

Every dyno runs one; any may notice that a period ended, exactly one publishes it. A period is
claimed through its ``DigestRun`` row (unique on rule and period end): the row is created if
missing, then taken by a conditional UPDATE (pending, or held and due, or claimed by a scheduler
whose lease ran out), which only one scheduler can win. The winner summarises and enqueues one
``digest`` delivery per destination, whose unit names the period, so even a winner that dies
after enqueueing and is replaced cannot enqueue twice: the outbox's unique key refuses the copy.
Then the run is marked published and the period's posts are deleted, in one transaction.

When the AI can't summarise (Groq down after the client's retries), the rule's policy applies:
``hold`` keeps the posts and tries again after ``hold_s``; ``original`` publishes the plain list
of the posts' first lines with their links; ``skip`` drops the period's posts, the run recorded
as skipped with the reason. An answer the AI refuses (``AiRejected``) is not going to change:
the plain list goes out, except under ``skip``.

A post that arrives for a period already published (a replay, a clock a little behind) is moved
to the rule's next period rather than forgotten. A paused rule's digest waits until it resumes.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from tortoise.exceptions import IntegrityError
from tortoise.expressions import F, Q
from tortoise.transactions import in_transaction

from bot.forwarding.delivery.outbox import Outbox
from bot.forwarding.delivery.payload import LinkPreview, Payload
from bot.forwarding.delivery.rows import NewDelivery
from bot.forwarding.digest.layout import plain_list, render
from bot.forwarding.digest.plans import PLANS, Plans
from bot.forwarding.digest.summarise import CHUNK_TOKENS, items_of, language_of, summarise
from bot.forwarding.rules.index import RuleIndex, RuleView
from bot.forwarding.steps.ai.errors import AiRejected, AiUnavailable
from bot.forwarding.steps.ai.usage import Metered
from bot.forwarding.steps.base import AiRunner
from bot.runtime.db import log_unavailable, unavailable
from bot.runtime.logging import get_logger
from models import DigestPost, DigestRun
from models.digest import (
    FINAL_RUN_STATES,
    RUN_CLAIMED,
    RUN_EMPTY,
    RUN_HELD,
    RUN_PENDING,
    RUN_PUBLISHED,
    RUN_SKIPPED,
)

log = get_logger(__name__)

TICK_S = 5.0  # how often a scheduler looks for ended periods
LEASE_S = 300.0  # a claimed period another scheduler may take over after this long
HOLD_S = 60.0  # a held digest (AI down, or its rule paused) is tried again after this long
KIND = "digest"  # the deliveries' kind: their payload's HTML goes out as text


def unit_of(period_end: float) -> str:
    """The deliveries' unit: the period, so that one period is enqueued once per destination."""
    return f"digest:{int(period_end)}"


def header_of(rule: RuleView, period_end: float, zone: ZoneInfo) -> str:
    """The digest's first line: the rule's name and the period's end in the owner's zone."""
    end = datetime.fromtimestamp(period_end, zone).strftime("%Y-%m-%d %H:%M")
    return f"<b>🗞 {escape(rule.name)}</b> · {end}"


class DigestScheduler:
    def __init__(
        self,
        *,
        outbox: Outbox,
        index: RuleIndex,
        ai: AiRunner | None,
        worker_id: str,
        plans: Plans = PLANS,
        on_enqueue: Callable[[], None] = lambda: None,
        clock: Callable[[], float] = time.time,
        tick_s: float = TICK_S,
        lease_s: float = LEASE_S,
        hold_s: float = HOLD_S,
        chunk_tokens: int = CHUNK_TOKENS,
    ) -> None:
        self.outbox = outbox
        self.index = index
        self.ai = ai
        self.worker_id = worker_id
        self.plans = plans
        self.on_enqueue = on_enqueue
        self.clock = clock
        self.tick_s = tick_s
        self.lease_s = lease_s
        self.hold_s = hold_s
        self.chunk_tokens = chunk_tokens
        self.published = 0
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop())

    def wake(self) -> None:
        self._wake.set()

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop looking; a summary in progress may finish within ``timeout``, else its lease
        runs out and another scheduler (or the next start) takes the period."""
        self._stopping.set()
        self._wake.set()
        if self._task is None:
            return
        with contextlib.suppress(asyncio.TimeoutError, asyncio.CancelledError):
            await asyncio.wait_for(asyncio.shield(self._task), timeout)
        if not self._task.done():
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _loop(self) -> None:
        failing = False
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                await self.plans.reload()
                await self.run_once()
                failing = False
            except Exception as error:
                if not unavailable(error):
                    log.exception("digest_tick_failed")
                elif not failing:
                    log_unavailable("digest_waits_for_database", error)
                failing = True
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self.tick_s)

    # -- one look ----------------------------------------------------------------------------

    async def run_once(self) -> list[str]:
        """Publish every period that has ended; what happened to each (see :meth:`publish`)."""
        now = self.clock()
        due = (
            await DigestPost.filter(period_end__lte=now)
            .distinct()
            .order_by("period_end")
            .values_list("rule_id", "period_end")
        )
        outcomes = []
        for rule_id, end in due:
            if self._stopping.is_set():
                break
            try:
                outcomes.append(await self.publish(rule_id, end))
            except Exception as error:
                if unavailable(error):
                    raise
                # a bug, not the period's fault forever: its claim's lease runs out and the
                # period is tried again then; the other periods go on meanwhile
                log.exception("digest_failed", rule_id=rule_id, period_end=end)
                outcomes.append("failed")
        return outcomes

    async def publish(self, rule_id: int, period_end: float) -> str:
        """The rule's period ending at ``period_end``: ``published`` (a summary), ``list`` (the
        plain list), ``held``, ``skipped``, ``empty``, ``busy`` (another scheduler has it, or it
        is held for later) or ``moved`` (late posts of a published period, moved on)."""
        run = await self._claim(rule_id, period_end)
        if run is None:
            return await self._late_posts(rule_id, period_end)
        posts = list(
            await DigestPost.filter(rule_id=rule_id, period_end=period_end).order_by(
                "posted_at", "id"
            )
        )
        if not posts:
            await self._finish(run, RUN_EMPTY)
            return "empty"
        rule = self.index.get(rule_id)
        if rule is None:
            await self.index.reload()
            rule = self.index.get(rule_id)
        ids = [post.id for post in posts]
        if rule is None:
            await self._finish(run, RUN_SKIPPED, ids, error="rule deleted")
            return "skipped"
        if not rule.active:
            await self._hold(run, "rule paused")
            return "held"
        items = items_of(posts)
        header = header_of(rule, period_end, self.plans.zone)
        how, calls = "summary", 0
        try:
            if self.ai is None:
                raise AiUnavailable("no AI client")
            summary = await summarise(
                items,
                Metered(self.ai, rule.id),
                model=rule.ai_model,
                language=language_of(rule.steps),
                budget=self.chunk_tokens,
            )
            messages, calls = render(header, summary.html, items), summary.ai_calls
        except (AiUnavailable, AiRejected) as error:
            down = isinstance(error, AiUnavailable)
            if rule.ai_failure == "skip":
                reason = f"AI unavailable: {error.reason}" if down else error.reason
                await self._finish(run, RUN_SKIPPED, ids, error=reason)
                log.warning("digest_skipped", rule_id=rule_id, posts=len(ids), reason=reason)
                return "skipped"
            if down and rule.ai_failure == "hold":
                await self._hold(run, f"waiting for the AI: {error.reason}")
                log.warning("digest_held", rule_id=rule_id, retry_in=self.hold_s)
                return "held"
            messages, how = plain_list(header, items), "list"
            log.warning("digest_without_ai", rule_id=rule_id, reason=error.reason)
        await self.outbox.add(self._rows(rule, period_end, messages))
        await self._finish(run, RUN_PUBLISHED, ids, how=how, ai_calls=calls)
        self.published += 1
        self.on_enqueue()
        log.info("digest_enqueued", rule_id=rule_id, posts=len(items), how=how, ai_calls=calls)
        return "published" if how == "summary" else "list"

    # -- the run row -------------------------------------------------------------------------

    async def _claim(self, rule_id: int, period_end: float) -> DigestRun | None:
        now = self.clock()
        with contextlib.suppress(IntegrityError):
            await DigestRun.create(rule_id=rule_id, period_end=period_end, created_at=now)
        takeable = (
            Q(status=RUN_PENDING)
            | Q(status=RUN_HELD, retry_at__lte=now)
            | Q(status=RUN_CLAIMED, lease_until__lt=now)
        )
        won = await DigestRun.filter(takeable, rule_id=rule_id, period_end=period_end).update(
            status=RUN_CLAIMED,
            claimed_by=self.worker_id,
            lease_until=now + self.lease_s,
            attempts=F("attempts") + 1,
        )
        if not won:
            return None
        return await DigestRun.get(rule_id=rule_id, period_end=period_end)

    async def _late_posts(self, rule_id: int, period_end: float) -> str:
        """Posts left in a period that is already over and done go to the rule's next one."""
        done = await DigestRun.filter(
            rule_id=rule_id, period_end=period_end, status__in=FINAL_RUN_STATES
        ).exists()
        if not done:
            return "busy"
        now = self.clock()
        later = self.plans.period_end(rule_id, now) or now
        await DigestPost.filter(rule_id=rule_id, period_end=period_end).update(period_end=later)
        return "moved"

    async def _hold(self, run: DigestRun, reason: str) -> None:
        await DigestRun.filter(id=run.id, status=RUN_CLAIMED, claimed_by=self.worker_id).update(
            status=RUN_HELD,
            retry_at=self.clock() + self.hold_s,
            lease_until=None,
            claimed_by=None,
            last_error=reason[:500],
        )

    async def _finish(
        self,
        run: DigestRun,
        status: str,
        post_ids: list[int] | None = None,
        *,
        error: str | None = None,
        how: str | None = None,
        ai_calls: int = 0,
    ) -> None:
        """The run ends (published, skipped or empty) and its posts go, in one transaction."""
        async with in_transaction() as conn:
            ended = await (
                DigestRun.filter(id=run.id, status=RUN_CLAIMED, claimed_by=self.worker_id)
                .using_db(conn)
                .update(
                    status=status,
                    finished_at=self.clock(),
                    lease_until=None,
                    posts=len(post_ids or ()),
                    how=how,
                    ai_calls=ai_calls,
                    last_error=error[:500] if error else None,
                )
            )
            if ended and post_ids:  # else another scheduler took the period over: its posts
                await DigestPost.filter(id__in=post_ids).using_db(conn).delete()

    def _rows(self, rule: RuleView, period_end: float, messages: list[str]) -> list[NewDelivery]:
        now = self.outbox.clock()  # due now by the outbox's clock, which its claims compare to
        payload = Payload(
            chat_title=rule.name,
            date=int(period_end),
            approved=True,  # a digest goes as it is, also for a rule in review mode
            link_preview=LinkPreview(is_disabled=True),  # dozens of links: no preview
            pieces=tuple(messages),  # sent as they are, one message each
        ).with_html("\n\n".join(messages))
        return [
            NewDelivery(
                rule_id=rule.id,
                dest_chat_id=dest.chat_id,
                dest_thread_id=dest.thread_id or 0,
                source_chat_id=0,  # many sources: the period is the unit
                unit=unit_of(period_end),
                source_message_ids=[int(period_end)],
                kind=KIND,
                payload=payload,
                content_hash=None,
                due_at=now,
                created_at=now,
            )
            for dest in rule.destinations
        ]
