"""What an import would do: each rule of a backup validated as the wizard's are, then matched.

A rule matches the existing rule of the same name (names, unlike ids, are the same on every
deployment): an unknown name is added, a known one is changed when anything differs, and nothing
is ever deleted. A rule that fails validation (the spec, the bot's rights in its chats), shares
its name with another rule of the file, or names several existing rules is a problem; an import
with any problem writes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from bot.forwarding.rules.service import RuleError, RulesService
from bot.forwarding.rules.spec import RuleSpec
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
    changes: tuple[str, ...] = ()  # the RuleSpec fields (and "active") that differ
    rule_id: int | None = None
    spec: RuleSpec | None = None
    active: bool = True


@dataclass(frozen=True)
class Plan:
    entries: list[Entry] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for e in self.entries if e.action == action)

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
        shape = [
            (
                e.name,
                e.action,
                e.rule_id,
                e.active,
                e.problem,
                e.spec and e.spec.model_dump(mode="json"),
            )
            for e in self.entries
        ]
        return hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:16]


async def make_plan(rules: RulesService, items: list[Any]) -> Plan:
    by_name: dict[str, list[Rule]] = defaultdict(list)
    for row in await Rule.all().order_by("id"):
        by_name[row.name].append(row)
    seen: set[str] = set()
    entries = []
    for number, item in enumerate(items, 1):
        entry = await _entry(rules, number, item, by_name, seen)
        seen.add(entry.name)
        entries.append(entry)
    return Plan(entries)


async def _entry(
    rules: RulesService,
    number: int,
    item: Any,
    by_name: dict[str, list[Rule]],
    seen: set[str],
) -> Entry:
    if not isinstance(item, dict):
        return Entry(f"rule {number}", PROBLEM, "This entry is not a rule.")
    data = dict(item)
    raw_name = data.get("name")
    name = raw_name.strip() if isinstance(raw_name, str) and raw_name.strip() else f"rule {number}"
    active = data.pop("active", True)
    if not isinstance(active, bool):
        return Entry(name, PROBLEM, "“active” must be true or false.")
    if name in seen:
        return Entry(name, PROBLEM, "Another rule in the file has this name.")
    try:
        spec = await rules.validate(data)
    except RuleError as error:
        return Entry(name, PROBLEM, str(error))
    matches = by_name.get(spec.name, [])
    if len(matches) > 1:
        return Entry(
            name,
            PROBLEM,
            f"{len(matches)} of your rules have this name: rename all but one, so I know which "
            "one to change.",
        )
    if not matches:
        return Entry(name, ADD, spec=spec, active=active)
    row = matches[0]
    changes = _differences(row, spec, active)
    return Entry(
        name, CHANGE if changes else SAME, changes=changes, rule_id=row.id, spec=spec, active=active
    )


def _differences(row: Rule, spec: RuleSpec, active: bool) -> tuple[str, ...]:
    new = spec.model_dump(mode="json")
    changed = [name for name in RuleSpec.model_fields if getattr(row, name) != new[name]]
    if row.active != active:
        changed.append("active")
    return tuple(changed)
