"""The long-lived services of a running bot, and the one factory that builds them.

Routers receive them as Dispatcher keyword arguments; tests and /status reach them through
:class:`Services`. Nothing here imports a router.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiogram import Bot

from bot.forwarding.delivery.cluster_limits import ClusterRateLimiter
from bot.forwarding.delivery.outbox import Claimed, Outbox
from bot.forwarding.delivery.ratelimit import Limits, RateLimiter
from bot.forwarding.delivery.sender import Sender
from bot.forwarding.delivery.worker import Workers
from bot.forwarding.intake.ingest import Ingest
from bot.forwarding.intake.polling import Poller
from bot.forwarding.rules.index import RuleIndex, RuleView
from bot.forwarding.rules.service import RulesService
from bot.forwarding.steps.ai.client import AiClient
from bot.runtime.access import Access
from bot.runtime.alerts import Alerts
from bot.runtime.cluster import Cluster
from bot.runtime.config import Settings
from bot.runtime.db import is_postgres

ReviewNotifier = Callable[[Bot, Access, Claimed, RuleView, RateLimiter], Awaitable[int]]
"""Sends a delivery waiting for review to the reviewers (the review feature supplies it)."""


@dataclass
class Services:
    """The long-lived parts of a running bot, reachable from tests and /status."""

    index: RuleIndex
    rules: RulesService
    outbox: Outbox
    limiter: RateLimiter
    workers: Workers
    ingest: Ingest
    cluster: Cluster
    ai: AiClient
    poller: Poller | None = None


async def build_services(
    settings: Settings,
    bot: Bot,
    alerts: Alerts,
    access: Access,
    *,
    notify_review: ReviewNotifier,
    worker_count: int,
) -> Services:
    index = RuleIndex()
    await index.reload()
    cluster = Cluster(settings.effective_database_url, on_rules_changed=index.reload)
    await cluster.start()
    outbox = Outbox(cluster.name)
    rules = RulesService(bot, index, outbox, on_change=cluster.notify_rules_changed)
    limits = Limits() if settings.telegram_flood_limits else Limits.lifted()
    limiter = ClusterRateLimiter(limits) if is_postgres() else RateLimiter(limits)

    async def ai_down(reason: str) -> None:
        await alerts.report("ai_outage", "The AI (Groq) is unavailable", reason)

    async def ai_back(duration: float) -> None:
        await alerts.report("ai_back", "The AI (Groq) is back", f"after {duration:.0f} s")

    ai = AiClient(
        api_key=settings.groq_api_key.get_secret_value() if settings.groq_api_key else None,
        base_url=settings.groq_base_url,
        default_model=settings.groq_model,
        on_outage_start=ai_down,
        on_outage_end=ai_back,
    )
    workers = Workers(
        outbox=outbox,
        index=index,
        sender=Sender(bot),
        limiter=limiter,
        alerts=alerts,
        ai=ai,
        on_review=lambda item, rule: notify_review(bot, access, item, rule, limiter),
        pause_rule=lambda rule_id, reason: rules.set_active(rule_id, False, reason),
        concurrency=worker_count,
    )

    async def filter_failed(rule: RuleView, reason: str) -> None:
        await alerts.report(
            f"filter:{rule.id}", f"A filter of rule #{rule.id} could not run", reason
        )

    async def post_skipped(rule: RuleView, reason: str) -> None:
        await alerts.report(
            f"skipped:{rule.id}",
            f"Rule #{rule.id} skipped a post it cannot forward",
            f"{reason}\nSkipped posts are counted on the rule's card and in /status.",
        )

    ingest = Ingest(
        index,
        outbox,
        on_enqueue=workers.wake,
        on_filter_error=filter_failed,
        on_skip=post_skipped,
    )
    return Services(index, rules, outbox, limiter, workers, ingest, cluster, ai)
