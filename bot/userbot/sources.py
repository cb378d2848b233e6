"""What the user account sees, turned into work: new posts relayed, edits followed, deletions
synced, protected chats reported.

- A new post (or album) in a chat that is a source of an active rule marked "via account"
  (``{"via": "account"}`` in the rule's source): a service message is skipped; a protected one
  (the chat forbids copying and forwarding) is recorded as a skipped delivery of each rule and
  reported, never circumvented; anything else is copied once into the relay channel
  (``Relay.relay``), from where the bot delivers it as a post of the source. A FloodWait is
  obeyed: the post waits, and the ones after it too, so the source's order is kept.
- An edit: the relay copy is edited (``Account.edit_copy``); the bot then sees an edited channel
  post and the rules' edit policies apply as for any source.
- A deletion, in any chat the account reads: for rules of that chat with ``sync_deletions`` on,
  deliveries of it that did not go out yet are skipped ("deleted in the source") and a ``delete``
  delivery per destination that got a copy goes through the outbox (durable and rate-limited like
  any send; ``Sender._delete``). The relay copy is deleted by the account when every rule reading
  the chat syncs deletions (a rule that keeps its copies may still need to copy it: a delay).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from bot.forwarding.delivery.claimed import stored_ids
from bot.forwarding.delivery.outbox import Outbox
from bot.forwarding.delivery.payload import Payload
from bot.forwarding.delivery.rows import NewDelivery
from bot.forwarding.rules.index import RuleIndex, RuleView
from bot.runtime.logging import get_logger
from bot.userbot.interface import (
    Account,
    AccountError,
    AccountEvent,
    AccountMessage,
    DeletedMessages,
    EditedMessage,
    FloodWait,
    NewMessages,
    ProtectedContent,
)
from bot.userbot.relay import Relay
from models import Delivery, MessageLink
from models.forwarding import IN_FLIGHT

log = get_logger(__name__)

PROTECTED = "cannot be copied: protected content"
DELETED = "deleted in the source"
MAX_FLOOD_WAIT_S = 900.0  # a live post waits this long in all for the account's flood waits

OnSkip = Callable[[RuleView, str], Awaitable[Any]]


def reads_through_account(rule: RuleView, chat_id: int) -> bool:
    return any(s.chat_id == chat_id and s.via == "account" for s in rule.sources)


class AccountSources:
    def __init__(
        self,
        index: RuleIndex,
        outbox: Outbox,
        relay: Relay,
        *,
        on_enqueue: Callable[[], None] = lambda: None,
        on_protected: OnSkip | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.index = index
        self.outbox = outbox
        self.relay = relay
        self.on_enqueue = on_enqueue
        self.on_protected = on_protected
        self.clock = clock
        self.sleep = sleep

    async def on_event(self, account: Account, event: AccountEvent) -> None:
        """The runner's callback: each event the account sees, in order."""
        if isinstance(event, NewMessages):
            await self.new(account, event.messages)
        elif isinstance(event, EditedMessage):
            await self.edited(account, event.message)
        elif isinstance(event, DeletedMessages):
            await self.deleted(account, event.chat_id, event.message_ids)

    def rules_of(self, chat_id: int) -> list[RuleView]:
        """The active rules that read ``chat_id`` through the account."""
        return [r for r in self.index.match(chat_id, None) if reads_through_account(r, chat_id)]

    # -- new posts ---------------------------------------------------------------------------

    async def new(self, account: Account, messages: Sequence[AccountMessage]) -> bool:
        """A new post (or album) seen by the account; True when it was relayed."""
        if not messages:
            return False
        first = messages[0]
        rules = self.rules_of(first.chat_id)
        if not rules:
            return False
        content = [m for m in messages if not m.service]
        if not content:
            log.info("account_service_message_skipped", chat_id=first.chat_id)
            return False
        if any(m.protected for m in content):
            await self.protected(rules, content)
            return False
        waited = 0.0
        while True:
            try:
                return await self.relay.relay(account, content)
            except ProtectedContent:
                await self.protected(rules, content)
                return False
            except FloodWait as error:
                if waited + error.seconds > MAX_FLOOD_WAIT_S:
                    raise
                log.warning("account_flood_wait", seconds=error.seconds, chat_id=first.chat_id)
                waited += error.seconds
                await self.sleep(error.seconds)

    async def protected(self, rules: Sequence[RuleView], messages: Sequence[AccountMessage]) -> int:
        """The chat forbids copying and forwarding: a skipped delivery per destination of each
        rule (counted on its card and in /status), and a report; how many were new."""
        first = messages[0]
        now = self.clock()
        unit = f"g:{first.media_group_id}" if first.media_group_id else f"m:{first.message_id}"
        payload = Payload(text=first.text, date=int(first.date))
        added = 0
        for rule in rules:
            rows = [
                NewDelivery(
                    rule_id=rule.id,
                    dest_chat_id=dest.chat_id,
                    dest_thread_id=dest.thread_id or 0,
                    source_chat_id=first.chat_id,
                    unit=unit,
                    source_message_ids=[m.message_id for m in messages],
                    kind="post",
                    payload=payload,
                    content_hash=None,
                    due_at=now,
                    created_at=now,
                )
                for dest in rule.destinations
            ]
            new = await self.outbox.add_skipped(rows, PROTECTED)
            added += new
            if new:
                log.info("account_post_protected", rule_id=rule.id, message_id=first.message_id)
                if self.on_protected is not None:
                    await self.on_protected(rule, PROTECTED)
        return added

    # -- edits -------------------------------------------------------------------------------

    async def edited(self, account: Account, message: AccountMessage) -> bool:
        if not self.rules_of(message.chat_id) or message.service:
            return False
        try:
            return await self.relay.edit(account, message)
        except FloodWait as error:
            await self.sleep(min(error.seconds, MAX_FLOOD_WAIT_S))
            return await self.relay.edit(account, message)
        except AccountError as error:  # the copy is gone, the source is protected now, …
            log.warning("account_edit_not_followed", chat_id=message.chat_id, error=str(error))
            return False

    # -- deletions ---------------------------------------------------------------------------

    async def deleted(
        self, account: Account, chat_id: int | None, message_ids: Sequence[int]
    ) -> int:
        """Source messages deleted; the number of delete deliveries enqueued."""
        copies = await self.relay.copies_of(chat_id, message_ids)
        if chat_id is None:  # a basic group: the chat is known only from the relay's record
            if not copies:
                return 0
            chat_id = copies[0].source_chat_id
            copies = [c for c in copies if c.source_chat_id == chat_id]
        rules = list(self.index.match(chat_id, None))
        syncing = [r for r in rules if r.sync_deletions]
        enqueued = 0
        if syncing:
            ids = list(message_ids)
            cancelled = await self.outbox.cancel_unsent(
                [r.id for r in syncing], chat_id, ids, DELETED
            )
            rows = await self._deletions(syncing, chat_id, ids)
            if rows:
                await self.outbox.add(rows)
                self.on_enqueue()
            enqueued = len(rows)
            log.info(
                "source_deleted", chat_id=chat_id, n=len(ids), cancelled=cancelled, deletes=enqueued
            )
        if copies and all(r.sync_deletions for r in rules):
            try:
                await self.relay.delete(account, copies)
            except AccountError as error:
                log.warning("relay_copy_not_deleted", chat_id=chat_id, error=str(error))
        return enqueued

    async def _deletions(
        self, rules: Sequence[RuleView], chat_id: int, message_ids: list[int]
    ) -> list[NewDelivery]:
        """A delete delivery per (rule, destination) that has a copy of these messages, or a
        delivery of them being sent right now (its copy will exist when the delete's turn
        comes: the outbox keeps a chat's order)."""
        rule_ids = [r.id for r in rules]
        linked = await MessageLink.filter(
            rule_id__in=rule_ids, source_chat_id=chat_id, source_message_id__in=message_ids
        ).values_list("rule_id", "dest_chat_id", "dest_thread_id")
        sending = await Delivery.filter(
            rule_id__in=rule_ids, source_chat_id=chat_id, status=IN_FLIGHT
        ).values_list("rule_id", "dest_chat_id", "dest_thread_id", "source_message_ids")
        wanted = set(message_ids)
        where = {(r, c, t or 0) for r, c, t in linked}
        where |= {(r, c, t or 0) for r, c, t, ids in sending if wanted & set(stored_ids(ids))}
        now = self.clock()
        unit = f"x:{min(message_ids)}:{len(message_ids)}"
        payload = Payload()
        return [
            NewDelivery(
                rule_id=rule_id,
                dest_chat_id=dest_chat,
                dest_thread_id=thread,
                source_chat_id=chat_id,
                unit=unit,
                source_message_ids=sorted(wanted),
                kind="delete",
                payload=payload,
                content_hash=None,
                due_at=now,
                created_at=now,
            )
            for rule_id, dest_chat, thread in sorted(where)
        ]
