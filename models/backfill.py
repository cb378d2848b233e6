"""History backfill jobs: the last N posts of a source, or those since a date, copied again.

A job is durable work: its plan (the source posts to do, oldest first) is saved before the first
copy, and its cursor after each one, so a restart (SIGKILL included) resumes where it stopped.
Times are epoch seconds, as in the outbox.
"""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

# The states of a job, as stored in ``BackfillJob.status``.
RUNNING = "running"
CANCELLED = "cancelled"
DONE = "done"
FAILED = "failed"

LAST = "last"  # the last ``limit`` posts
SINCE = "since"  # the posts since ``since`` (epoch seconds)


class BackfillJob(Model):
    """One backfill of one source of one rule; at most one runs per (rule, source) at a time
    (a partial unique index on Postgres).

    ``units`` is the plan: one list per post of its messages (an album is one post with all its
    items), each ``{"id", "date", "group"?, "reply"?}``, oldest first, enough to hand the relay
    again after a restart without asking the account; ``planned`` says the plan is complete. ``cursor`` is the last source
    message id done (0: none yet); ``done`` counts the posts done, ``total`` those planned.
    """

    id = fields.BigIntField(primary_key=True)
    rule_id = fields.IntField()
    source_chat_id = fields.BigIntField()
    source_title = fields.CharField(max_length=256, default="")
    mode = fields.CharField(max_length=8, default=LAST)  # last | since
    limit = fields.IntField(null=True)
    since = fields.FloatField(null=True)
    planned = fields.BooleanField(default=False)
    units: list[list[dict[str, Any]]] = fields.JSONField(default=list)
    cursor = fields.BigIntField(default=0)
    done = fields.IntField(default=0)
    total = fields.IntField(default=0)
    skipped = fields.IntField(default=0)  # already copied, protected or gone
    flood_waits = fields.IntField(default=0)
    flood_seconds = fields.FloatField(default=0)
    status = fields.CharField(max_length=12, default=RUNNING)
    error = fields.CharField(max_length=500, null=True)
    progress_chat_id = fields.BigIntField(null=True)
    progress_message_id = fields.BigIntField(null=True)
    created_by = fields.BigIntField(null=True)
    created_at = fields.FloatField()
    started_at = fields.FloatField(null=True)  # when the first copy began (for the rate)
    updated_at = fields.FloatField()
    finished_at = fields.FloatField(null=True)

    class Meta:
        table = "backfill_jobs"
        indexes = (("status", "id"),)
