"""The long-lived services of a running bot, and the one factory that builds them.

Routers receive them as Dispatcher keyword arguments; tests and /status reach them through
:class:`Services`. Nothing here imports a router.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from aiogram import Bot

from bot.forwarding.delivery.cluster_limits import ClusterRateLimiter
from bot.forwarding.delivery.outbox import Claimed, Outbox
from bot.forwarding.delivery.ratelimit import Limits, RateLimiter
from bot.forwarding.delivery.sender import Sender
from bot.forwarding.delivery.worker import Workers
from bot.forwarding.digest.collect import Collector
from bot.forwarding.digest.plans import PLANS
from bot.forwarding.digest.publish import DigestScheduler
from bot.forwarding.intake.ingest import Ingest
from bot.forwarding.intake.polling import Poller
from bot.forwarding.intake.samestory import SameStoryJudge
from bot.forwarding.reasons import reason_text
from bot.forwarding.rules.index import RuleIndex, RuleView
from bot.forwarding.rules.service import RulesService
from bot.forwarding.steps.ai.client import AiClient
from bot.runtime.access import Access
from bot.runtime.alerts import Alerts
from bot.runtime.cluster import Cluster
from bot.runtime.config import Settings
from bot.runtime.db import is_postgres
from bot.runtime.i18n import _, __, lazy_text
from bot.userbot.backfill import Backfills
from bot.userbot.relay import Relay
from bot.userbot.runner import AccountFactory, AccountRunner
from bot.userbot.sources import AccountSources

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
    backfill: Backfills | None = None  # history backfills, where a user account is set up
    # The optional user account (inert, ``configured`` False, without its settings).
    account: AccountRunner = field(default_factory=AccountRunner.inert)
    digests: DigestScheduler | None = None  # publishes the digest rules' periods
    relay: Relay | None = None  # the account's relay channel, where a user account is set up
    account_sources: AccountSources | None = None  # what the account sees, relayed


async def build_services(
    settings: Settings,
    bot: Bot,
    alerts: Alerts,
    access: Access,
    *,
    notify_review: ReviewNotifier,
    worker_count: int,
    account_factory: AccountFactory | None = None,
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
        await alerts.report("ai_outage", __("The AI (Groq) is unavailable"), reason)

    async def ai_back(duration: float) -> None:
        await alerts.report(
            "ai_back",
            __("The AI (Groq) is back"),
            lazy_text(lambda: _("after {seconds} s").format(seconds=f"{duration:.0f}")),
        )

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
            f"filter:{rule.id}",
            lazy_text(lambda: _("A filter of rule #{rule} could not run").format(rule=rule.id)),
            reason,
        )

    async def post_skipped(rule: RuleView, reason: str) -> None:
        await alerts.report(
            f"skipped:{rule.id}",
            lazy_text(
                lambda: _("Rule #{rule} skipped a post it cannot forward").format(rule=rule.id)
            ),
            lazy_text(
                lambda: (
                    reason_text(reason)
                    + "\n"
                    + _("Skipped posts are counted on the rule's card and in /status.")
                )
            ),
        )

    await PLANS.reload()
    ingest = Ingest(
        index,
        outbox,
        on_enqueue=workers.wake,
        on_filter_error=filter_failed,
        on_skip=post_skipped,
        digests=Collector(PLANS),
    )
    digests = DigestScheduler(
        outbox=outbox, index=index, ai=ai, worker_id=cluster.name, on_enqueue=workers.wake
    )
    account = AccountRunner(settings, alerts, factory=account_factory)
    relay, account_sources = await _account_sources(bot, alerts, account, index, outbox, workers)
    ingest.relay = relay
    ingest.same_story = SameStoryJudge(ai).same
    return Services(
        index,
        rules,
        outbox,
        limiter,
        workers,
        ingest,
        cluster,
        ai,
        digests=digests,
        account=account,
        relay=relay,
        account_sources=account_sources,
        backfill=_backfills(bot, account, relay),
    )


def _backfills(bot: Bot, account: AccountRunner, relay: Relay | None) -> Backfills | None:
    """History backfills: resumed each time the account connects (after the relay is loaded)."""
    if relay is None:
        return None
    backfills = Backfills(bot, account, relay)
    account.on_start(backfills.resume)
    return backfills


async def _account_sources(
    bot: Bot,
    alerts: Alerts,
    account: AccountRunner,
    index: RuleIndex,
    outbox: Outbox,
    workers: Workers,
) -> tuple[Relay | None, AccountSources | None]:
    """The relay and the account's events turned into work, when the account is configured."""
    if not account.configured:
        return None, None
    me = await bot.me()
    relay = Relay(me.username or "")
    await relay.load()

    async def protected(rule: RuleView, reason: str) -> None:
        await alerts.report(
            f"protected:{rule.id}",
            lazy_text(
                lambda: _("Rule #{rule}: a source has protected content").format(rule=rule.id)
            ),
            lazy_text(
                lambda: _(
                    "Telegram forbids copying and forwarding that chat's posts, so they are not "
                    "delivered; the bot does not get around it (no downloading and uploading "
                    "again). Skipped posts are counted on the rule's card."
                )
            ),
        )

    sources = AccountSources(index, outbox, relay, on_enqueue=workers.wake, on_protected=protected)

    async def started(_account: object) -> None:
        await relay.load()  # made by another process while it led, perhaps

    account.on_start(started)
    account.on_event(sources.on_event)
    return relay, sources
