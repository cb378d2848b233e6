"""A rule's digest plan in the backup file: ``"digest"`` in the rule's entry.

``null`` (or no key, as in files of format version 1) is "off, each post is sent";
``{"every_hours": 6}`` publishes every 6 hours, ``{"daily_at": "08:30"}`` daily at that time,
both in the owner's time zone (``bot/forwarding/digest/plans.py``). The plans live in their own
table keyed by rule id, so they are written after the rules, once the new rules have ids.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from bot.forwarding.digest.plans import PLANS, Plan, hhmm
from bot.runtime.i18n import _
from models import DigestPlan

KEY = "digest"
EXAMPLE_EVERY = '{"every_hours": 6}'
EXAMPLE_DAILY = '{"daily_at": "08:30"}'


def entry(plan: Plan | None) -> dict[str, Any] | None:
    if plan is None:
        return None
    if plan.every_hours is not None:
        return {"every_hours": plan.every_hours}
    return {"daily_at": plan.daily_at}


def parse(value: Any) -> Plan | None:
    """The plan a file's ``"digest"`` says; ValueError says what is expected instead."""
    if value is None:
        return None
    if isinstance(value, dict) and len(value) == 1:
        every = value.get("every_hours")
        if isinstance(every, int) and not isinstance(every, bool) and 1 <= every <= 24:
            return Plan(every_hours=every)
        daily = value.get("daily_at")
        at = hhmm(daily) if isinstance(daily, str) else None
        if at is not None:
            return Plan(daily_at=at)
    raise ValueError(
        _(
            "“digest” must be null (off), every 1 to 24 hours ({every}) or daily at a time "
            "({daily})."
        ).format(every=EXAMPLE_EVERY, daily=EXAMPLE_DAILY)
    )


async def current() -> dict[int, Plan]:
    """Every rule's stored plan (a row that does not read as a plan counts as none, as for the
    scheduler)."""
    plans = {}
    for row in await DigestPlan.all():
        try:
            plans[row.rule_id] = Plan(row.every_hours, row.daily_at)
        except ValueError:
            continue
    return plans


async def write(plans: Sequence[tuple[int, Plan | None]]) -> None:
    """Store each rule's plan (None: off), as the card's 🗞 screen does (run in the caller's
    transaction); :func:`reload` then makes this process use them."""
    for rule_id, plan in plans:
        if plan is None:
            await DigestPlan.filter(rule_id=rule_id).delete()
            continue
        await DigestPlan.update_or_create(
            defaults={
                "every_hours": plan.every_hours,
                "daily_at": plan.daily_at,
                "updated_at": time.time(),
            },
            rule_id=rule_id,
        )


async def reload() -> None:
    """This process's plans from the table (other dynos reload at their scheduler's next tick)."""
    await PLANS.reload()
