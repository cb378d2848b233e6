"""Digests: a rule's plan, the posts it collected for a period, and one run per period.

A rule with a ``DigestPlan`` collects its sources' posts (``DigestPost``) instead of sending
them; when a period ends, one ``DigestRun`` row per (rule, period end) is claimed by one
scheduler of the cluster, which publishes the summary through the outbox and deletes the posts.
The unique key on the run is what makes "exactly one digest per period" hold across dynos.
Times are epoch seconds, as in the outbox.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

# The states of a digest run, as stored in ``DigestRun.status``.
RUN_PENDING = "pending"  # written, nobody works on it yet
RUN_CLAIMED = "claimed"  # a scheduler summarises it (until ``lease_until``)
RUN_HELD = "held"  # the AI was down and the rule says hold: tried again at ``retry_at``
RUN_PUBLISHED = "published"  # its digest is in the outbox
RUN_SKIPPED = "skipped"  # dropped (the AI was down and the rule says skip, or the rule is gone)
RUN_EMPTY = "empty"  # nothing was collected: nothing published
FINAL_RUN_STATES = (RUN_PUBLISHED, RUN_SKIPPED, RUN_EMPTY)


class DigestPlan(Model):
    """When a rule in digest mode publishes: every ``every_hours`` hours (aligned on midnight of
    the owner's time zone) or daily at ``daily_at`` ("HH:MM" in that zone). No row: not a digest
    rule, posts are sent one by one."""

    rule_id = fields.IntField(primary_key=True, generated=False)
    every_hours = fields.SmallIntField(null=True)
    daily_at = fields.CharField(max_length=5, null=True)
    updated_at = fields.FloatField()

    class Meta:
        table = "digest_plans"


class DigestPost(Model):
    """A source post collected for the digest of the period ending at ``period_end``."""

    id = fields.BigIntField(primary_key=True)
    rule_id = fields.IntField()
    source_chat_id = fields.BigIntField()
    message_id = fields.BigIntField()
    media_group_id = fields.CharField(max_length=64, null=True)
    chat_title = fields.CharField(max_length=256, default="")
    chat_username = fields.CharField(max_length=64, null=True)
    text = fields.TextField()
    media = fields.CharField(max_length=32, default="")  # "photo", "video", … ("" for a text)
    posted_at = fields.FloatField()
    period_end = fields.FloatField()
    created_at = fields.FloatField()

    class Meta:
        table = "digest_posts"
        unique_together = (("rule_id", "source_chat_id", "message_id"),)
        indexes = (("period_end", "rule_id"),)


class DigestRun(Model):
    """The one publication of a rule's period, claimed by one scheduler at a time."""

    id = fields.BigIntField(primary_key=True)
    rule_id = fields.IntField()
    period_end = fields.FloatField()
    status = fields.CharField(max_length=12, default=RUN_PENDING)
    claimed_by = fields.CharField(max_length=64, null=True)
    lease_until = fields.FloatField(null=True)
    retry_at = fields.FloatField(null=True)
    attempts = fields.IntField(default=0)
    posts = fields.IntField(default=0)  # how many posts it published (or dropped)
    ai_calls = fields.IntField(default=0)  # the Groq requests it took
    how = fields.CharField(max_length=12, null=True)  # summary | list (the AI policy "original")
    last_error = fields.CharField(max_length=500, null=True)
    created_at = fields.FloatField()
    finished_at = fields.FloatField(null=True)

    class Meta:
        table = "digest_runs"
        unique_together = (("rule_id", "period_end"),)
