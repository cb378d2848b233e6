"""Groq tokens per rule per day (UTC): counted from each real call, read for the card and /status.

:class:`Metered` is the AI client as one rule's deliveries use it (the worker's run and the
look-ahead that warms the cache for it): an answer that cost a request adds its tokens to the
rule's row of the day; a cached answer or a shared flight (``cached=True``) adds nothing, so
each request is counted once, for the rule whose delivery made it. Counting never fails a
delivery: an error is logged and the answer goes on.

The row is an upsert, ``INSERT … ON CONFLICT (rule_id, day) DO UPDATE``, which Postgres and the
embedded SQLite (3.24+) both run; only the placeholders and the type of the day differ.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from tortoise import connections

from bot.forwarding.steps.ai.errors import AiAnswer
from bot.forwarding.steps.base import AiRunner
from bot.runtime.db import is_postgres
from bot.runtime.logging import get_logger
from models import AiUsage

log = get_logger(__name__)

_UPSERT = """
INSERT INTO ai_usage (rule_id, day, prompt_tokens, completion_tokens, calls)
VALUES ({0}, {1}, {2}, {3}, 1)
ON CONFLICT (rule_id, day) DO UPDATE SET
    prompt_tokens = ai_usage.prompt_tokens + excluded.prompt_tokens,
    completion_tokens = ai_usage.completion_tokens + excluded.completion_tokens,
    calls = ai_usage.calls + 1
"""
UPSERT_PG = _UPSERT.format("$1", "$2", "$3", "$4")
UPSERT_SQLITE = _UPSERT.format("?", "?", "?", "?")


def today() -> date:
    return datetime.now(timezone.utc).date()


@dataclass(frozen=True, slots=True)
class Tokens:
    """Tokens Groq counted, and the requests they took."""

    prompt: int = 0
    completion: int = 0
    calls: int = 0

    @property
    def total(self) -> int:
        return self.prompt + self.completion

    def __add__(self, other: Tokens) -> Tokens:
        return Tokens(
            self.prompt + other.prompt,
            self.completion + other.completion,
            self.calls + other.calls,
        )


@dataclass(frozen=True, slots=True)
class Spent:
    """Tokens of one day and of its month so far."""

    today: Tokens = Tokens()
    month: Tokens = Tokens()


def compact(number: int) -> str:
    """A count in at most four characters and a unit: 950, 12.3k, 1.2M."""
    for scale, unit in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")):
        if number >= scale * 0.9995:
            shown = f"{number / scale:.1f}".removesuffix(".0")
            if len(shown) > 4:
                shown = f"{number / scale:.0f}"
            return shown + unit
    return str(number)


async def record(rule_id: int, prompt_tokens: int, completion_tokens: int) -> None:
    """Add one request's tokens to the rule's row of today; an error is logged, never raised."""
    day = today()
    try:
        conn = connections.get("default")
        if is_postgres():
            await conn.execute_query(UPSERT_PG, [rule_id, day, prompt_tokens, completion_tokens])
        else:
            params = [rule_id, day.isoformat(), prompt_tokens, completion_tokens]
            await conn.execute_query(UPSERT_SQLITE, params)
    except Exception:
        log.exception(
            "ai_usage_not_recorded",
            rule_id=rule_id,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
        )


@dataclass(frozen=True, slots=True)
class Metered:
    """The AI client for one rule: the tokens of each request it makes are that rule's."""

    client: AiRunner
    rule_id: int

    async def run(self, step: Any, post_html: str, *, model: str | None = None) -> AiAnswer:
        answer = await self.client.run(step, post_html, model=model)
        if not answer.cached:
            await record(self.rule_id, answer.prompt_tokens, answer.completion_tokens)
        return answer


# -- reading ----------------------------------------------------------------------------------


def _month_rows(day: date, **where: Any) -> Any:
    return AiUsage.filter(day__gte=day.replace(day=1), day__lte=day, **where).values(
        "rule_id", "day", "prompt_tokens", "completion_tokens", "calls"
    )


def _tokens(row: Mapping[str, Any]) -> Tokens:
    return Tokens(int(row["prompt_tokens"]), int(row["completion_tokens"]), int(row["calls"]))


def _spent(rows: Iterable[Mapping[str, Any]], day: date) -> Spent:
    spent = Spent()
    for row in rows:
        tokens = _tokens(row)
        on_day = tokens if _as_date(row["day"]) == day else Tokens()
        spent = Spent(spent.today + on_day, spent.month + tokens)
    return spent


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


async def rule_spent(rule_id: int, day: date | None = None) -> Spent:
    """One rule's tokens today and this month (UTC)."""
    day = day or today()
    return _spent(await _month_rows(day, rule_id=rule_id), day)


@dataclass(frozen=True, slots=True)
class UsageSummary:
    """Every rule's tokens today and this month, and the rules that used most this month."""

    total: Spent
    top: tuple[tuple[int, Spent], ...]  # (rule_id, its tokens), most this month first


async def summary(top: int = 3, day: date | None = None) -> UsageSummary:
    day = day or today()
    by_rule: dict[int, list[Mapping[str, Any]]] = {}
    for row in await _month_rows(day):
        by_rule.setdefault(int(row["rule_id"]), []).append(row)
    spent = {rule_id: _spent(rows, day) for rule_id, rows in by_rule.items()}
    total = _spent((row for rows in by_rule.values() for row in rows), day)
    ranked = sorted(spent.items(), key=lambda item: (-item[1].month.total, item[0]))
    return UsageSummary(total, tuple(item for item in ranked[:top] if item[1].month.total))
