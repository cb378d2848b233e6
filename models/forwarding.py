"""Rules, the delivery outbox and its statuses, the links from source to sent messages, reviews."""

from __future__ import annotations

from typing import Any

from tortoise import fields
from tortoise.models import Model

# The states of a delivery, as stored in ``Delivery.status``.
PENDING = "pending"
IN_FLIGHT = "in_flight"
SENT = "sent"
DEAD = "dead"
SKIPPED = "skipped"
REVIEW = "review"  # waiting for a reviewer's decision
HELD = "held"  # its rule is paused; goes back to pending when the rule resumes


class Rule(Model):
    """Where posts go: sources → destinations, with filters and transform steps.

    ``sources`` and ``destinations`` are lists of ``{"chat_id": int, "thread_id": int | None,
    "title": str}`` (a source read through the owner's user account also has ``"via": "account"``);
    ``filters`` is a FilterSpec and ``steps`` the ordered transform steps, all
    validated by the rules service before they are saved.
    """

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64)
    active = fields.BooleanField(default=True)
    paused_reason = fields.CharField(max_length=500, null=True)
    mode = fields.CharField(max_length=16, default="copy")  # copy | forward
    sources: list[dict[str, Any]] = fields.JSONField(default=list)
    destinations: list[dict[str, Any]] = fields.JSONField(default=list)
    filters: dict[str, Any] = fields.JSONField(default=dict)
    steps: list[dict[str, Any]] = fields.JSONField(default=list)
    edit_policy = fields.CharField(max_length=16, default="edit")  # edit | repost | ignore
    review = fields.BooleanField(default=False)
    ai_failure = fields.CharField(max_length=16, default="hold")  # hold | original | skip
    ai_model = fields.CharField(max_length=100, null=True)
    allow_new_links = fields.BooleanField(default=False)  # may AI output add links?
    delay_minutes = fields.IntField(default=0)  # posts go this long after the source posted
    sync_deletions = fields.BooleanField(default=False)  # a source deletion deletes the copies
    created_by = fields.BigIntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "rules"


class Delivery(Model):
    """One unit of work in the outbox: a post (or an album, or an edit) for one destination.

    Unique on (rule, destination, source chat, unit): a replayed update never enqueues twice.
    ``unit`` is ``m:<message_id>`` for a post, ``g:<media_group_id>`` for an album and
    ``e:<message_id>:<edit_date>`` for an edit. Times are epoch seconds so that due-ness compares
    the same way on Postgres and SQLite.
    """

    id = fields.BigIntField(primary_key=True)
    rule: fields.ForeignKeyRelation[Rule] = fields.ForeignKeyField(
        "models.Rule", related_name="deliveries", on_delete=fields.CASCADE
    )
    rule_id: int
    dest_chat_id = fields.BigIntField()
    dest_thread_id = fields.BigIntField(default=0)  # 0: no topic (part of the unique key)
    source_chat_id = fields.BigIntField()
    unit = fields.CharField(max_length=96)
    source_message_ids: list[int] = fields.JSONField(default=list)
    kind = fields.CharField(max_length=8, default="post")  # post | album | edit | delete | digest
    payload: dict[str, Any] = fields.JSONField(default=dict)
    content_hash = fields.CharField(max_length=64, null=True)
    status = fields.CharField(max_length=12, default=PENDING)
    attempts = fields.IntField(default=0)
    due_at = fields.FloatField()
    lease_until = fields.FloatField(null=True)
    claimed_by = fields.CharField(max_length=64, null=True)
    last_error = fields.CharField(max_length=1000, null=True)
    created_at = fields.FloatField()
    finished_at = fields.FloatField(null=True)

    class Meta:
        table = "deliveries"
        unique_together = (("rule", "dest_chat_id", "dest_thread_id", "source_chat_id", "unit"),)
        indexes = (("status", "dest_chat_id", "id"), ("dest_chat_id", "content_hash"))


class MessageLink(Model):
    """A message the bot sent for a source message, so edits and replies can follow it."""

    id = fields.BigIntField(primary_key=True)
    rule_id = fields.IntField()
    source_chat_id = fields.BigIntField()
    source_message_id = fields.BigIntField()
    dest_chat_id = fields.BigIntField()
    dest_thread_id = fields.BigIntField(default=0)
    dest_message_id = fields.BigIntField()
    part = fields.SmallIntField(default=0)  # >0 for the follow-ups of a split text
    created_at = fields.FloatField()

    class Meta:
        table = "message_links"
        indexes = (("source_chat_id", "source_message_id"),)
        unique_together = (
            (
                "rule_id",
                "source_chat_id",
                "source_message_id",
                "dest_chat_id",
                "dest_thread_id",
                "part",
            ),
        )


class ReviewDecision(Model):
    """What a reviewer decided for a delivery of a rule in review mode."""

    id = fields.BigIntField(primary_key=True)
    delivery_id = fields.BigIntField(db_index=True)
    rule_id = fields.IntField()
    user_id = fields.BigIntField()
    action = fields.CharField(max_length=16)  # approve | edit | skip
    text = fields.TextField(null=True)  # the edited text, for "edit"
    decided_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "review_decisions"
