"""Collecting: a post of a digest rule that passed the rule's filters is stored for its period.

Ingest calls :meth:`Collector.collect` instead of enqueueing a delivery. The row is written at
once (it survives a restart); the unique key (rule, source chat, message) turns a replayed update
into a no-op. An edit of a collected post that is still waiting changes the text the digest
will summarise; after the digest went out, an edit changes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from tortoise.exceptions import IntegrityError

from bot.forwarding.digest.plans import PLANS, Plans
from bot.forwarding.post import Post
from bot.forwarding.rules.index import RuleView
from bot.runtime.logging import get_logger
from models import DigestPost

log = get_logger(__name__)

MAX_STORED_TEXT = 8192  # a post's text as kept for the digest (a caption or a long text)


def media_of(post: Post) -> str:
    """The post's media as one word for the digest ("photo"), "" for a text."""
    kinds = sorted(kind for kind in post.media_kinds if kind not in ("text", "other"))
    return ",".join(kinds)[:32]


class Collector:
    def __init__(self, plans: Plans = PLANS, clock: Callable[[], float] = time.time) -> None:
        self.plans = plans
        self.clock = clock
        self.collected = 0

    def wants(self, rule: RuleView) -> bool:
        """True when ``rule`` is in digest mode: its posts are collected, not sent."""
        return self.plans.get(rule.id) is not None

    async def collect(self, rule: RuleView, post: Post, posted_at: float) -> bool:
        """Store the post for the rule's current period; False when it was there already."""
        now = self.clock()
        end = self.plans.period_end(rule.id, now)
        if end is None:
            return False
        try:
            await DigestPost.create(
                rule_id=rule.id,
                source_chat_id=post.chat_id,
                message_id=post.message_ids[0],
                media_group_id=post.media_group_id,
                chat_title=post.chat_title[:256],
                chat_username=post.chat_username,
                text=post.text[:MAX_STORED_TEXT],
                media=media_of(post),
                posted_at=posted_at or now,
                period_end=end,
                created_at=now,
            )
        except IntegrityError:
            return False  # a replay
        self.collected += 1
        log.debug("digest_post_collected", rule_id=rule.id, period_end=end)
        return True

    async def edited(self, rule: RuleView, chat_id: int, message_id: int, text: str) -> None:
        """A collected post was edited in the source before its digest went out."""
        await DigestPost.filter(
            rule_id=rule.id, source_chat_id=chat_id, message_id=message_id
        ).update(text=text[:MAX_STORED_TEXT])
