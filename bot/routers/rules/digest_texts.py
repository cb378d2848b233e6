"""How the card says a rule's digest plan: the button's label and the card's line with the next
publication time (read from the process's plans, ``digest/plans.py``)."""

from __future__ import annotations

import time
from datetime import datetime

from bot.forwarding.digest.plans import PLANS, Plan
from bot.runtime.i18n import _


def plan_label(plan: Plan | None) -> str:
    """off · every 3 h · daily at 08:30"""
    if plan is None:
        return _("off")
    if plan.every_hours is not None:
        return _("every {hours} h").format(hours=plan.every_hours)
    return _("daily at {time}").format(time=plan.daily_at)


def next_label(plan: Plan, now: float | None = None) -> str:
    """The next publication time in the owner's zone: "14:00 (UTC)", with the date when it is
    not today."""
    now = time.time() if now is None else now
    zone = PLANS.zone
    end = datetime.fromtimestamp(plan.next_end(now, zone), zone)
    today = datetime.fromtimestamp(now, zone).date()
    shown = end.strftime("%H:%M") if end.date() == today else end.strftime("%Y-%m-%d %H:%M")
    return f"{shown} ({zone})"


def digest_line(rule_id: int, now: float | None = None) -> str:
    """The card's line: "Digest: off", or the plan and the next publication."""
    plan = PLANS.get(rule_id)
    if plan is None:
        return _("Digest: off (each post is sent)")
    return _("Digest: {plan} · next {next}").format(
        plan=plan_label(plan), next=next_label(plan, now)
    )
