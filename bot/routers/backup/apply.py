"""Writing a confirmed import: the time zone, the rules, then their digest plans and the
destinations' settings.

The rules go through the rules service in one transaction (``save_all``: written whole or not at
all, the index reloaded and the other dynos told). The digest plans are keyed by rule id, so they
are written after it, with the destinations' settings, in a second transaction. The time zone is
set first because the database may still refuse a zone name (``pacing.set_timezone``): then
nothing at all is written. Should the rules then fail (a rule deleted between the check and the
write), the time zone is put back.
"""

from __future__ import annotations

from tortoise.transactions import in_transaction

from bot.forwarding.delivery import pacing
from bot.forwarding.digest.plans import Plan as DigestPlan
from bot.forwarding.rules.service import RulesService
from bot.routers.backup import digests
from bot.routers.backup.destinations import write_chats
from bot.routers.backup.plan import ADD, Plan
from models import Rule


async def apply(rules: RulesService, plan: Plan, created_by: int | None) -> None:
    """Write what ``plan`` says. ``ValueError`` (``RuleError`` among them): nothing written."""
    zone = plan.chats.timezone
    if zone is not None:
        await pacing.set_timezone(zone)
    last = await Rule.all().order_by("-id").first()
    last_id = last.id if last is not None else 0
    try:
        if plan.writes():
            await rules.save_all(plan.writes(), created_by=created_by)
    except ValueError:
        if zone is not None:
            await pacing.set_timezone(plan.chats.was_timezone)
        raise
    plans: list[tuple[int, DigestPlan | None]] = []
    for entry in plan.digest_writes():
        rule_id = entry.rule_id
        if entry.action == ADD:  # its id is the new row's of that name
            assert entry.spec is not None
            row = await Rule.filter(name=entry.spec.name, id__gt=last_id).order_by("-id").first()
            if row is None:  # deleted by someone else already
                continue
            rule_id = row.id
        assert rule_id is not None
        plans.append((rule_id, entry.digest))
    async with in_transaction():
        await digests.write(plans)
        await write_chats(plan.chats)
    if plans:
        await digests.reload()
