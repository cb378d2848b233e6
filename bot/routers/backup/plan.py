"""What an import would do: each rule of a backup validated as the wizard's are, then matched.

A rule matches the existing rule of the same name (names, unlike ids, are the same on every
deployment): an unknown name is added, a known one is changed when anything differs (its digest
plan included), and nothing is ever deleted. A rule that fails validation (the spec, the bot's
rights in its chats, its digest plan), shares its name with another rule of the file, or names
several existing rules is a problem, and so is a destination setting or time zone that does not
read (``destinations.py``); an import with any problem writes nothing.

A source read through the user account is checked by the wizard with the account, so here it is
taken as the file says; where no account is configured the rule is imported all the same and the
preview says that those sources wait for the account.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from bot.forwarding.digest.plans import Plan as DigestPlan
from bot.forwarding.rules.service import RuleError, RulesService
from bot.forwarding.rules.spec import ChatRef, RuleSpec
from bot.routers.backup import digests
from bot.routers.backup.destinations import ChatsPlan, make_chats_plan
from bot.routers.backup.fileformat import SPEC_KEYS, Backup, stored_spec
from bot.runtime.i18n import _
from models import Rule

ADD = "add"
CHANGE = "change"
SAME = "same"
PROBLEM = "problem"


@dataclass(frozen=True)
class Entry:
    name: str
    action: str
    problem: str = ""
    changes: tuple[str, ...] = ()  # the RuleSpec fields (and "active", "digest") that differ
    rule_id: int | None = None
    spec: RuleSpec | None = None
    active: bool = True
    digest: DigestPlan | None = None

    def account_sources(self) -> list[ChatRef]:
        return [s for s in self.spec.sources if s.via == "account"] if self.spec else []


@dataclass(frozen=True)
class Plan:
    entries: list[Entry] = field(default_factory=list)
    chats: ChatsPlan = field(default_factory=ChatsPlan)
    account: bool = True  # the user account is configured on this deployment

    def count(self, action: str) -> int:
        return sum(1 for e in self.entries if e.action == action)

    def problems(self) -> int:
        return self.count(PROBLEM) + len(self.chats.problems)

    def writes_anything(self) -> bool:
        return bool(self.writes()) or self.chats.writes()

    def digest_writes(self) -> list[Entry]:
        """The entries whose digest plan is written: new rules with one, changed plans."""
        return [
            e
            for e in self.entries
            if (e.action == ADD and e.digest is not None)
            or (e.action == CHANGE and "digest" in e.changes)
        ]

    def waiting_for_account(self) -> list[Entry]:
        """Rules written with sources read through an account this deployment does not have."""
        if self.account:
            return []
        return [e for e in self.entries if e.action in (ADD, CHANGE) and e.account_sources()]

    def of(self, action: str) -> list[Entry]:
        return [e for e in self.entries if e.action == action]

    def writes(self) -> list[tuple[int | None, RuleSpec, bool]]:
        return [
            (e.rule_id, e.spec, e.active)
            for e in self.entries
            if e.action in (ADD, CHANGE) and e.spec is not None
        ]

    def fingerprint(self) -> str:
        """Equal for two plans that would write the same: a confirm checks it is still so."""
        shape: list[Any] = [
            (
                e.name,
                e.action,
                e.rule_id,
                e.active,
                e.problem,
                e.spec and e.spec.model_dump(mode="json"),
                digests.entry(e.digest),
            )
            for e in self.entries
        ]
        shape.append(self.chats.shape())
        return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class _Now:
    """The rules and digest plans stored now, as the entries are matched against them."""

    by_name: dict[str, list[Rule]]
    digests: dict[int, DigestPlan]


async def make_plan(rules: RulesService, backup: Backup, account: bool = True) -> Plan:
    """What importing ``backup`` would do now; ``account``: the user account is configured."""
    by_name: dict[str, list[Rule]] = defaultdict(list)
    for row in await Rule.all().order_by("id"):
        by_name[row.name].append(row)
    now = _Now(by_name, await digests.current())
    seen: set[str] = set()
    entries = []
    for number, item in enumerate(backup.rules, 1):
        entry = await _entry(rules, number, item, now, seen)
        seen.add(entry.name)
        entries.append(entry)
    chats = await make_chats_plan(backup.destinations, backup.owner)
    return Plan(entries, chats, account)


async def _entry(
    rules: RulesService,
    number: int,
    item: Any,
    now: _Now,
    seen: set[str],
) -> Entry:
    if not isinstance(item, dict):
        return Entry(
            _("rule {number}").format(number=number), PROBLEM, _("This entry is not a rule.")
        )
    data = dict(item)
    raw_name = data.get("name")
    name = (
        raw_name.strip()
        if isinstance(raw_name, str) and raw_name.strip()
        else _("rule {number}").format(number=number)
    )
    active = data.pop("active", True)
    if not isinstance(active, bool):
        return Entry(name, PROBLEM, _("“active” must be true or false."))
    if name in seen:
        return Entry(name, PROBLEM, _("Another rule in the file has this name."))
    try:
        digest = digests.parse(data.pop(digests.KEY, None))
    except ValueError as error:
        return Entry(name, PROBLEM, str(error))
    try:
        spec = await rules.validate(data)
    except RuleError as error:
        return Entry(name, PROBLEM, str(error))
    matches = now.by_name.get(spec.name, [])
    if len(matches) > 1:
        return Entry(
            name,
            PROBLEM,
            _(
                "{count} of your rules have this name: rename all but one, so I know which "
                "one to change."
            ).format(count=len(matches)),
        )
    if not matches:
        return Entry(name, ADD, spec=spec, active=active, digest=digest)
    row = matches[0]
    changes = _differences(row, spec, active)
    if now.digests.get(row.id) != digest:
        changes += ("digest",)
    return Entry(
        name,
        CHANGE if changes else SAME,
        changes=changes,
        rule_id=row.id,
        spec=spec,
        active=active,
        digest=digest,
    )


def _differences(row: Rule, spec: RuleSpec, active: bool) -> tuple[str, ...]:
    old, new = stored_spec(row), spec.model_dump(mode="json")
    changed = [name for name in SPEC_KEYS if old[name] != new[name]]
    if row.active != active:
        changed.append("active")
    return tuple(changed)
