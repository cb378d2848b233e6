"""RuleIndex: the active rules by source chat and topic, in memory, O(1) per post.

Rebuilt from the database whenever rules change (the rules service calls ``reload``; other dynos
hear about it through Postgres NOTIFY). Lookups never touch the database.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.forwarding.filters import FilterSpec
from bot.forwarding.prompts import AI_STEP_TYPES
from bot.forwarding.spec import ChatRef
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

    @classmethod
    def from_row(cls, row: Rule) -> RuleView:
        return cls(
            id=row.id,
            name=row.name,
            active=row.active,
            mode=row.mode,
            sources=tuple(ChatRef.model_validate(s) for s in row.sources),
            destinations=tuple(ChatRef.model_validate(d) for d in row.destinations),
            filters=FilterSpec.from_stored(row.filters),
            steps=tuple(row.steps),
            edit_policy=row.edit_policy,
            review=row.review,
            ai_failure=row.ai_failure,
            ai_model=row.ai_model,
            allow_new_links=row.allow_new_links,
        )


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
        rows = await Rule.all()
        self.build(RuleView.from_row(row) for row in rows)

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
