"""Rules as a service: create, update, pause, resume and delete, one module for every caller.

Validation happens before anything is written: a malformed rule, an invalid or catastrophic regex
(in a filter or a step), an oversized step setting, a rule with no destination, or a chat the bot
cannot read or write raises ``RuleError`` with a message the owner can act on, and nothing is
saved.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from pydantic import ValidationError
from tortoise.transactions import in_transaction

from bot.forwarding.delivery.outbox import Outbox
from bot.forwarding.rules.chats import check_destination, check_source
from bot.forwarding.rules.index import RuleIndex, RuleView
from bot.forwarding.rules.spec import ChatRef, RuleSpec
from bot.runtime.i18n import _
from bot.runtime.logging import get_logger
from models import Rule

log = get_logger(__name__)


class RuleError(ValueError):
    """A rule that can't be saved; ``str()`` says why in words the owner understands."""


def explain(error: ValidationError) -> str:
    lines = []
    for item in error.errors(include_input=False, include_url=False):
        message = str(item.get("msg", "")).removeprefix("Value error, ")
        where = ".".join(str(part) for part in item.get("loc", ()) if not isinstance(part, int))
        lines.append(f"{where}: {message}" if where and "\n" not in message else message)
    return "\n".join(lines)


def parse_spec(data: dict[str, Any]) -> RuleSpec:
    try:
        return RuleSpec.model_validate(data)
    except ValidationError as error:
        raise RuleError(explain(error)) from None


class RulesService:
    def __init__(
        self,
        bot: Bot,
        index: RuleIndex,
        outbox: Outbox,
        on_change: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.bot = bot
        self.index = index
        self.outbox = outbox
        self._on_change = on_change

    async def check_chats(self, spec: RuleSpec) -> RuleSpec:
        """Refuse chats the bot can't use; fill in titles Telegram knows and the caller didn't."""
        # a source read through the user account was checked with the account by the wizard
        problems = [await check_source(self.bot, s) for s in spec.sources if s.via != "account"]
        problems += [await check_destination(self.bot, d) for d in spec.destinations]
        found = [p for p in problems if p]
        if found:
            raise RuleError("\n".join(dict.fromkeys(found)))
        return spec.model_copy(
            update={
                "sources": [await self._titled(s) for s in spec.sources],
                "destinations": [await self._titled(d) for d in spec.destinations],
            }
        )

    async def _titled(self, ref: ChatRef) -> ChatRef:
        if ref.title:
            return ref
        try:
            chat = await self.bot.get_chat(ref.chat_id)
        except TelegramAPIError:
            return ref
        return ref.model_copy(update={"title": chat.title or chat.username or ""})

    async def validate(self, data: dict[str, Any]) -> RuleSpec:
        """Everything ``create`` checks, nothing written: the spec, then the bot's chats."""
        return await self.check_chats(parse_spec(data))

    async def save_all(
        self, rules: Sequence[tuple[int | None, RuleSpec, bool]], created_by: int | None = None
    ) -> None:
        """Create (``None``) or replace (an id) each validated rule, active or paused, in one
        transaction and one reload: a batch such as an import is written whole or not at all."""
        resumed = []
        async with in_transaction():
            for rule_id, spec, active in rules:
                if rule_id is None:
                    await Rule.create(**_columns(spec), active=active, created_by=created_by)
                    continue
                row = await self._row(rule_id)
                if active and not row.active:
                    resumed.append(rule_id)
                paused_reason = None if active else row.paused_reason
                await Rule.filter(id=rule_id).update(
                    **_columns(spec), active=active, paused_reason=paused_reason
                )
        for rule_id in resumed:  # what waited while the rule was paused goes out now, in order
            await self.outbox.resume_rule(rule_id)
        log.info("rules_saved", count=len(rules))
        await self._changed()

    async def create(
        self, data: dict[str, Any] | RuleSpec, created_by: int | None = None
    ) -> RuleView:
        spec = data if isinstance(data, RuleSpec) else parse_spec(data)
        spec = await self.check_chats(spec)
        row = await Rule.create(**_columns(spec), created_by=created_by)
        log.info("rule_created", rule_id=row.id, name=row.name)
        await self._changed()
        return RuleView.from_row(row)

    async def update(self, rule_id: int, changes: dict[str, Any]) -> RuleView:
        row = await self._row(rule_id)
        spec = parse_spec({**_stored(row), **changes})
        if {"sources", "destinations"} & changes.keys():
            spec = await self.check_chats(spec)
        await Rule.filter(id=rule_id).update(**_columns(spec))
        log.info("rule_updated", rule_id=rule_id, fields=sorted(changes))
        await self._changed()
        return await self.get(rule_id)

    async def set_active(self, rule_id: int, active: bool, reason: str | None = None) -> RuleView:
        await self._row(rule_id)
        await Rule.filter(id=rule_id).update(
            active=active, paused_reason=None if active else reason
        )
        if active:  # what waited while the rule was paused goes out now, in order
            await self.outbox.resume_rule(rule_id)
        log.info("rule_resumed" if active else "rule_paused", rule_id=rule_id, reason=reason)
        await self._changed()
        return await self.get(rule_id)

    async def delete(self, rule_id: int) -> None:
        row = await self._row(rule_id)
        await row.delete()
        log.info("rule_deleted", rule_id=rule_id)
        await self._changed()

    async def get(self, rule_id: int) -> RuleView:
        return RuleView.from_row(await self._row(rule_id))

    async def all(self) -> list[RuleView]:
        return [RuleView.from_row(row) for row in await Rule.all().order_by("id")]

    async def _row(self, rule_id: int) -> Rule:
        row = await Rule.get_or_none(id=rule_id)
        if row is None:
            raise RuleError(
                _("Rule #{rule} does not exist (it may have been deleted).").format(rule=rule_id)
            )
        return row

    async def _changed(self) -> None:
        await self.index.reload()
        if self._on_change is not None:
            await self._on_change()


_FIELDS = tuple(RuleSpec.model_fields)  # each is a column of the same name


def _columns(spec: RuleSpec) -> dict[str, Any]:
    data = spec.model_dump(mode="json")
    return {name: data[name] for name in _FIELDS}


def _stored(row: Rule) -> dict[str, Any]:
    """A rule's columns as saved: validated again with the changes (an old rule that is no longer
    valid is refused with the reason, never half-read)."""
    return {name: getattr(row, name) for name in _FIELDS}
