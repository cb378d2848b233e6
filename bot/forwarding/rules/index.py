"""RuleIndex: the active rules by source chat and topic, in memory, O(1) per post.

Rebuilt from the database whenever rules change (the rules service calls ``reload``; other dynos
hear about it through Postgres NOTIFY). Lookups never touch the database.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.forwarding.rules.filters import FilterSpec
from bot.forwarding.rules.memory import give_back_memory as _give_back_memory
from bot.forwarding.rules.spec import ChatRef, RuleSpec
from bot.forwarding.steps.catalogue import AI_STEP_TYPES
from models import Rule


@dataclass(frozen=True, slots=True)
class RuleView:
    """An immutable snapshot of a rule, as ingest and the workers use it."""

    id: int
    name: str
    active: bool
    mode: str
    sources: tuple[ChatRef, ...]
    destinations: tuple[ChatRef, ...]
    filters: FilterSpec
    steps: tuple[dict[str, Any], ...]
    edit_policy: str
    review: bool
    ai_failure: str
    ai_model: str | None
    allow_new_links: bool = False
    delay_minutes: int = 0
    sync_deletions: bool = False

    @classmethod
    def from_row(cls, row: Rule | dict[str, Any], shared: _Shared | None = None) -> RuleView:
        data = row if isinstance(row, dict) else {f: getattr(row, f) for f in _FIELDS}
        shared = shared or _Shared()
        return cls(
            id=data["id"],
            name=data["name"],
            active=data["active"],
            mode=data["mode"],
            sources=tuple(shared.chat(s) for s in data["sources"]),
            destinations=tuple(shared.chat(d) for d in data["destinations"]),
            filters=shared.filters(data["filters"]),
            steps=tuple(data["steps"]),
            edit_policy=data["edit_policy"],
            review=data["review"],
            ai_failure=data["ai_failure"],
            ai_model=data["ai_model"],
            allow_new_links=data["allow_new_links"],
            delay_minutes=data["delay_minutes"],
            sync_deletions=data.get("sync_deletions", False),
        )


_FIELDS = ("id", "active", *RuleSpec.model_fields)  # the columns a RuleView is built from


class _Shared:
    """One object for equal filters and equal chats while an index is built: thousands of rules
    usually share a handful of filter settings and chats, and each would otherwise hold its own
    copy (a frozen pydantic model costs about a kilobyte)."""

    def __init__(self) -> None:
        self._filters: dict[str, FilterSpec] = {}
        self._chats: dict[tuple[int, int, str, str | None], ChatRef] = {}

    def filters(self, raw: dict[str, Any]) -> FilterSpec:
        key = json.dumps(raw, sort_keys=True)
        found = self._filters.get(key)
        if found is None:
            found = self._filters[key] = FilterSpec.from_stored(raw)
        return found

    def chat(self, raw: dict[str, Any]) -> ChatRef:
        key = (raw["chat_id"], raw.get("thread_id") or 0, raw.get("title") or "", raw.get("via"))
        found = self._chats.get(key)
        if found is None:
            found = self._chats[key] = ChatRef.model_validate(raw)
        return found


_NO_RULES: tuple[RuleView, ...] = ()


class RuleIndex:
    def __init__(self) -> None:
        self._by_source: dict[tuple[int, int], tuple[RuleView, ...]] = {}
        self._chats: frozenset[int] = frozenset()
        self._by_id: dict[int, RuleView] = {}
        self._with_ai: list[RuleView] = []
        self.version = 0

    def build(self, rules: Iterable[RuleView]) -> None:
        by_source: dict[tuple[int, int], list[RuleView]] = {}
        by_id: dict[int, RuleView] = {}
        for rule in rules:
            by_id[rule.id] = rule
            if not rule.active:
                continue
            for source in rule.sources:
                by_source.setdefault(source.key, []).append(rule)
        # Swap whole structures: a reader never sees a half-built index.
        self._by_source = {key: tuple(value) for key, value in by_source.items()}
        self._chats = frozenset(chat for chat, _ in self._by_source)
        self._by_id = by_id
        self._with_ai = [
            r
            for r in by_id.values()
            if r.active
            and r.mode == "copy"
            and any(s.get("type") in AI_STEP_TYPES for s in r.steps)
        ]
        self.version += 1

    async def reload(self) -> None:
        shared = _Shared()
        rows = await Rule.all().values(*_FIELDS)  # plain dicts: no model objects for 10,000 rules
        self.build(RuleView.from_row(row, shared) for row in rows)
        del rows
        _give_back_memory()

    def is_source(self, chat_id: int) -> bool:
        return chat_id in self._chats

    def match(self, chat_id: int, thread_id: int | None) -> tuple[RuleView, ...]:
        """Active rules for a post: those on the whole chat plus those on its topic."""
        whole = self._by_source.get((chat_id, 0), _NO_RULES)
        if not thread_id:
            return whole
        topic = self._by_source.get((chat_id, thread_id), _NO_RULES)
        return whole + topic if whole and topic else whole or topic

    def with_ai_steps(self) -> list[RuleView]:
        """Active copy-mode rules with at least one AI step (the workers look ahead for them)."""
        return self._with_ai

    def get(self, rule_id: int) -> RuleView | None:
        return self._by_id.get(rule_id)

    def __len__(self) -> int:
        return len(self._by_id)
