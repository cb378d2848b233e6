"""Digest plans: when each digest rule publishes, and the period a post falls in.

A plan is "every N hours" (periods aligned on midnight of the owner's time zone, so every 6 h
publishes at 00:00, 06:00, 12:00 and 18:00 there) or "daily at HH:MM" in that zone. A post
collected at ``t`` belongs to the period that ends at the first publication time after ``t``.

:class:`Plans` holds every digest rule's plan in memory (a handful of rows), so ingest decides
"collect or send" without a query; it is reloaded at start, by each scheduler tick and when the
owner changes a plan. One instance per process (:data:`PLANS`): the rule card reads it to show
the current value and the next publication time.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from tortoise.expressions import Subquery

from models import DigestPlan, Rule

EVERY_HOURS = (1, 3, 6, 12)  # the card's presets
_HHMM = re.compile(r"^\s*([01]?\d|2[0-3])[:.h ]?([0-5]\d)\s*$")
UTC = ZoneInfo("UTC")


@dataclass(frozen=True, slots=True)
class Plan:
    every_hours: int | None = None
    daily_at: str | None = None  # "HH:MM"

    def __post_init__(self) -> None:
        if (self.every_hours is None) == (self.daily_at is None):
            raise ValueError("a digest plan is either every N hours or daily at a time")
        if self.every_hours is not None and not 1 <= self.every_hours <= 24:
            raise ValueError("every 1 to 24 hours")
        if self.daily_at is not None and parse_hhmm(self.daily_at) is None:
            raise ValueError("a time of day as HH:MM")

    def next_end(self, now: float, zone: ZoneInfo = UTC) -> float:
        """The first publication time strictly after ``now`` (epoch seconds)."""
        local = datetime.fromtimestamp(now, zone)
        midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
        if self.every_hours is not None:
            step = timedelta(hours=self.every_hours)
            end = midnight + step
            while end.timestamp() <= now:
                end += step
            return min(end, midnight + timedelta(days=1)).timestamp()
        hhmm = parse_hhmm(self.daily_at or "")
        assert hhmm is not None
        end = midnight.replace(hour=hhmm[0], minute=hhmm[1])
        if end.timestamp() <= now:
            end = (midnight + timedelta(days=1)).replace(hour=hhmm[0], minute=hhmm[1])
        return end.timestamp()


def parse_hhmm(text: str) -> tuple[int, int] | None:
    """(hour, minute) of a typed time of day: "8:30", "08:30", "0830", "20.15"; None otherwise."""
    found = _HHMM.match(text)
    return (int(found.group(1)), int(found.group(2))) if found else None


def hhmm(text: str) -> str | None:
    """A typed time of day in the stored form "HH:MM", or None."""
    parsed = parse_hhmm(text)
    return f"{parsed[0]:02d}:{parsed[1]:02d}" if parsed else None


async def owner_zone() -> ZoneInfo:
    """The owner's time zone (set with quiet hours, ``models.pacing``); UTC when unset or unknown."""
    from models.pacing import OwnerSettings

    row = await OwnerSettings.get_or_none(id=1)
    try:
        return ZoneInfo(row.timezone) if row is not None and row.timezone else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


class Plans:
    """The digest rules' plans, in memory; the owner's time zone with them."""

    def __init__(self) -> None:
        self._plans: dict[int, Plan] = {}
        self.zone: ZoneInfo = UTC

    async def reload(self) -> None:
        # the plans of deleted rules go (what they collected is published or dropped anyway)
        await DigestPlan.exclude(rule_id__in=Subquery(Rule.all().values("id"))).delete()
        plans = {}
        for row in await DigestPlan.all():
            try:
                plans[row.rule_id] = Plan(row.every_hours, row.daily_at)
            except ValueError:
                continue  # a row written by hand; the rule sends as usual
        self._plans, self.zone = plans, await owner_zone()

    def clear(self) -> None:
        """Forget every plan (the process's database is gone: a test's end)."""
        self._plans = {}

    def get(self, rule_id: int) -> Plan | None:
        return self._plans.get(rule_id)

    def period_end(self, rule_id: int, now: float) -> float | None:
        """When the period a post of ``rule_id`` collected now ends; None: not a digest rule."""
        plan = self._plans.get(rule_id)
        return plan.next_end(now, self.zone) if plan is not None else None

    async def set(self, rule_id: int, plan: Plan | None) -> None:
        """Save the rule's plan (None: digest off; what was collected is still published at its
        period's end) and use it at once."""
        if plan is None:
            await DigestPlan.filter(rule_id=rule_id).delete()
        else:
            await DigestPlan.update_or_create(
                defaults={
                    "every_hours": plan.every_hours,
                    "daily_at": plan.daily_at,
                    "updated_at": time.time(),
                },
                rule_id=rule_id,
            )
        await self.reload()


PLANS = Plans()
