"""Ingest: a source message becomes outbox rows, one per (rule, destination), in one transaction.

Messages from chats that are no rule's source cost one set lookup. Album items (same
``media_group_id``) join one delivery per destination while it is still waiting for its short
grace period, so an album leaves as one album; an item that arrives after its album left goes on
its own rather than being lost. The unique key on deliveries makes a replayed update a no-op.

A message a rule cannot deliver at all (a service message, content the Bot API will not copy or
forward: ``forwardable.py``) becomes no delivery to send: it is recorded as a skipped one with
the reason, counted on the rule's card and in /status, and reported through ``on_skip``.

A rule in digest mode (``bot/forwarding/digest/``) filters the post as usual, then collects it
for its period instead of enqueueing it; an edit changes the collected text.

A post of the user account's relay channel is read as the source post it is a copy of
(``RelaySource``): the same rules, filters and keys as a post of that chat, with its payload
saying where the bot copies it from.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from aiogram.types import Message

from bot.forwarding.delivery.outbox import Outbox
from bot.forwarding.delivery.payload import Payload, Relayed
from bot.forwarding.delivery.rows import NewDelivery
from bot.forwarding.digest.collect import Collector
from bot.forwarding.intake import neardup, samestory
from bot.forwarding.intake.enqueue import current_batch
from bot.forwarding.intake.forwardable import refusal
from bot.forwarding.intake.reading import payload_of, post_of
from bot.forwarding.post import Post
from bot.forwarding.rules.filters import MAX_DEDUP_WINDOW_MINUTES, check, content_fingerprint
from bot.forwarding.rules.index import RuleIndex, RuleView
from bot.forwarding.rules.spec import ChatRef
from bot.runtime.logging import get_logger
from models import Delivery

log = get_logger(__name__)

ALBUM_GRACE_S = 1.5  # how long an album's first item waits for its siblings


class RelaySource(Protocol):
    """The user account's relay channel (``bot/userbot/relay.py``): each of its posts is the
    account's copy of a post of a chat the bot cannot read, and is read as that post."""

    def is_relay(self, chat_id: int) -> bool: ...

    async def source_of(self, message: Message) -> tuple[Message, Relayed] | None:
        """The post it is a copy of (chat and ids of the source), and where to copy it from;
        None when it is no copy."""


class IngestError(Exception):
    """A post could not be stored; its update must be fetched again, not confirmed."""


@dataclass
class IngestStats:
    seen: int = 0
    ignored: int = 0
    filtered: int = 0
    enqueued: int = 0  # rows offered to the outbox; a replayed one is ignored there
    skipped: int = 0  # posts a rule could not deliver at all (a service message, …)
    duplicates: int = 0


class Ingest:
    def __init__(
        self,
        index: RuleIndex,
        outbox: Outbox,
        *,
        on_enqueue: Callable[[], None] = lambda: None,
        on_filter_error: Callable[[RuleView, str], Any] | None = None,
        on_skip: Callable[[RuleView, str], Any] | None = None,
        clock: Callable[[], float] = time.time,
        relay: RelaySource | None = None,
        digests: Collector | None = None,
    ) -> None:
        self.relay = relay
        self.digests = digests
        self.same_story: samestory.Judge | None = None  # the AI on borderline near-duplicates
        self.index = index
        self.outbox = outbox
        self.on_enqueue = on_enqueue
        self.on_filter_error = on_filter_error
        self.on_skip = on_skip
        self.clock = clock
        self.stats = IngestStats()
        self.near = neardup.NearDuplicates(keep_s=MAX_DEDUP_WINDOW_MINUTES * 60)

    async def post(self, message: Message) -> int:
        """A new post in a source chat; returns the number of deliveries enqueued."""
        self.stats.seen += 1
        read = await self._read(message)
        if read is None:
            self.stats.ignored += 1
            return 0
        message, relayed = read
        thread = message.message_thread_id if message.is_topic_message else None
        rules = self.index.match(message.chat.id, thread)
        if not rules:
            self.stats.ignored += 1
            return 0
        post = post_of(message)
        payload = _relayed(payload_of(message, post), relayed)
        wanted = [rule for rule in rules if await self._passes(rule, post)]
        chosen = [rule for rule in wanted if not await self._skipped(rule, message, payload)]
        chosen = await self._not_collected(chosen, post, payload)
        if not chosen:
            return 0
        fingerprint = content_fingerprint(post, post.media_ids)
        near = None
        if not post.media_group_id and any(r.filters.near_duplicates_minutes for r in chosen):
            near = neardup.fingerprint(post.text)
        now = self.clock()
        rows = []
        for rule in chosen:
            window = rule.filters.dedup_window_minutes
            for dest in rule.destinations:
                if window and await self._seen_recently(
                    dest.chat_id, fingerprint, now - window * 60
                ):
                    self.stats.duplicates += 1
                    continue
                if near is not None and await self._near_duplicate(
                    rule, dest, message, payload, near, now
                ):
                    continue
                due = due_at(rule, payload.date, now) + (
                    ALBUM_GRACE_S if post.media_group_id else 0.0
                )
                rows.append(
                    _row(
                        rule, dest, message, f"m:{message.message_id}", "post", payload, due, now
                    )._replace(content_hash=fingerprint)
                )
        if post.media_group_id:
            added = await self._join_albums(rows, post.media_group_id, message.message_id)
        else:
            added = await self._insert(rows)
        self.stats.enqueued += added
        return added

    async def edit(self, message: Message) -> int:
        """An edited source post: one edit delivery per destination of rules that follow edits,
        except where the post has not left yet (a delay, a queue): there the waiting delivery
        takes the edited content instead."""
        read = await self._read(message)
        if read is None:
            return 0
        message, relayed = read
        thread = message.message_thread_id if message.is_topic_message else None
        rules = [r for r in self.index.match(message.chat.id, thread) if r.edit_policy != "ignore"]
        rules = await self._not_collected_edit(rules, message)
        if not rules:
            return 0
        post = post_of(message)
        payload = _relayed(payload_of(message, post), relayed)
        stamp = message.edit_date or int(self.clock())
        now = self.clock()
        unit = f"e:{message.message_id}:{stamp}"
        pending = current_batch.get()
        if pending is not None:
            await pending.flush()  # the post may still be in this batch, not yet written
        rows = []
        for rule in rules:
            waiting = await self.outbox.update_pending(
                rule.id, message.chat.id, f"m:{message.message_id}", payload
            )
            rows += [
                _row(rule, dest, message, unit, "edit", payload, now, now)
                for dest in rule.destinations
                if (dest.chat_id, dest.thread_id or 0) not in waiting
            ]
        return await self._insert(rows)

    async def _not_collected(
        self, rules: list[RuleView], post: Post, payload: Payload
    ) -> list[RuleView]:
        """Rules in digest mode collect the post for their period (``digest/collect.py``) instead
        of enqueueing it; the rules that send it."""
        if self.digests is None:
            return rules
        sending = []
        for rule in rules:
            if self.digests.wants(rule):
                await self.digests.collect(rule, post, float(payload.date))
            else:
                sending.append(rule)
        return sending

    async def _not_collected_edit(self, rules: list[RuleView], message: Message) -> list[RuleView]:
        """An edit reaches a digest rule's collected post (its text), never a delivery."""
        if self.digests is None:
            return rules
        text = message.text or message.caption or ""
        sending = []
        for rule in rules:
            if self.digests.wants(rule):
                await self.digests.edited(rule, message.chat.id, message.message_id, text)
            else:
                sending.append(rule)
        return sending

    async def _read(self, message: Message) -> tuple[Message, Relayed | None] | None:
        """A post of the relay channel is read as the source post it copies (None: no copy, so
        ignored); any other post as it is."""
        if self.relay is None or not self.relay.is_relay(message.chat.id):
            return message, None
        return await self.relay.source_of(message)

    async def _skipped(self, rule: RuleView, message: Message, payload: Payload) -> bool:
        """True when the rule cannot deliver this message at all: then recorded as skipped with
        the reason, once per destination (a replay adds nothing), and reported."""
        reason = refusal(message, rule.mode)
        if reason is None:
            return False
        now = self.clock()
        unit = f"m:{message.message_id}"
        rows = [
            _row(rule, dest, message, unit, "post", payload, now, now) for dest in rule.destinations
        ]
        if await self.outbox.add_skipped(rows, reason):
            self.stats.skipped += 1
            log.info("post_skipped", rule_id=rule.id, message_id=message.message_id, reason=reason)
            if self.on_skip is not None:
                await self.on_skip(rule, reason)
        return True

    async def _near_duplicate(
        self,
        rule: RuleView,
        dest: ChatRef,
        message: Message,
        payload: Payload,
        near: neardup.Fingerprint,
        now: float,
    ) -> bool:
        """True when the destination had the same story from any source within the rule's
        window: then recorded as skipped with the original's place, not reported as a fault."""
        minutes = rule.filters.near_duplicates_minutes
        if not minutes:
            return False
        confirm = None
        if rule.filters.near_duplicates_ai and self.same_story is not None:
            confirm = samestory.confirmer(
                self.same_story, dest.chat_id, payload.text, rule.ai_model
            )
        seen = await self.near.original(
            dest.chat_id,
            near,
            message.chat.id,
            message.message_id,
            now - minutes * 60,
            now,
            confirm,
        )
        if seen is None:
            return False
        reason = f"near-duplicate of {seen.source_chat_id}/{seen.message_id}"
        unit = f"m:{message.message_id}"
        row = _row(rule, dest, message, unit, "post", payload, now, now)
        if await self.outbox.add_skipped([row], reason):
            self.stats.duplicates += 1
            log.info("post_near_duplicate", rule_id=rule.id, message_id=message.message_id)
        return True

    async def _passes(self, rule: RuleView, post: Post) -> bool:
        verdict = check(rule.filters, post)
        if verdict.passed:
            return True
        self.stats.filtered += 1
        if verdict.error and self.on_filter_error is not None:
            await self.on_filter_error(rule, verdict.reason or "filter error")
        log.debug("post_filtered", rule_id=rule.id, reason=verdict.reason)
        return False

    @staticmethod
    async def _seen_recently(dest_chat_id: int, fingerprint: str, since: float) -> bool:
        pending = current_batch.get()
        if pending is not None:
            if (dest_chat_id, fingerprint) in pending.fingerprints:
                return True
            pending.fingerprints.add((dest_chat_id, fingerprint))
        return await Delivery.filter(
            dest_chat_id=dest_chat_id, content_hash=fingerprint, created_at__gte=since
        ).exists()

    async def _insert(self, rows: list[NewDelivery]) -> int:
        """Into the polling batch's single statement, or at once outside a batch. A row already
        there (a replay) is left alone by the database. Workers are woken once it is written."""
        pending = current_batch.get()
        if pending is not None:
            pending.rows.extend(rows)
            pending.after_flush.add(self.on_enqueue)
        elif rows:
            await self.outbox.add(rows)
            self.on_enqueue()
        return len(rows)

    async def _join_albums(self, new: list[NewDelivery], group_id: str, message_id: int) -> int:
        pending = current_batch.get()
        if pending is not None:
            await pending.flush()  # what came before the album is written before it: order kept
        added = 0
        for row in new:
            album = row._replace(unit=f"g:{group_id}")
            added += await self.outbox.join_album(album, message_id, ALBUM_GRACE_S / 2)
        self.on_enqueue()
        return added


def _relayed(payload: Payload, relayed: Relayed | None) -> Payload:
    return payload if relayed is None else payload.model_copy(update={"relayed": relayed})


def due_at(rule: RuleView, posted_at: float, now: float) -> float:
    """When a new post of ``rule`` goes out: ``delay_minutes`` after the source posted it, or now
    for a post that is older than that (replayed late, or no delay)."""
    return max(now, posted_at + rule.delay_minutes * 60) if rule.delay_minutes else now


def _row(
    rule: RuleView,
    dest: ChatRef,
    message: Message,
    unit: str,
    kind: str,
    payload: Payload,
    due_at: float,
    now: float,
) -> NewDelivery:
    return NewDelivery(
        rule_id=rule.id,
        dest_chat_id=dest.chat_id,
        dest_thread_id=dest.thread_id or 0,
        source_chat_id=message.chat.id,
        unit=unit,
        source_message_ids=[message.message_id],
        kind=kind,
        payload=payload,
        content_hash=None,
        due_at=due_at,
        created_at=now,
    )
