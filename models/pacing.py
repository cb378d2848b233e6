"""When a destination chat takes posts: its quiet hours and minimum interval, and the owner's time
zone those hours are read in.

``DestinationPacing.next_at`` is the cluster's memory of the interval: the time (epoch seconds)
before which the chat takes no new post, written in the same transaction that records a post as
sent, and read by the outbox's claim.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class DestinationPacing(Model):
    """A destination chat's quiet window (minutes of the day in the owner's time zone, from
    ``quiet_start`` to ``quiet_end``, wrapping midnight when start > end; none when null) and the
    least number of seconds between two of its posts (0: none)."""

    chat_id = fields.BigIntField(primary_key=True, generated=False)
    quiet_start = fields.SmallIntField(null=True)
    quiet_end = fields.SmallIntField(null=True)
    interval_s = fields.IntField(default=0)
    next_at = fields.FloatField(default=0)

    class Meta:
        table = "destination_pacing"


class OwnerSettings(Model):
    """Settings of the bot's owner that hold for every rule: one row, id 1."""

    id = fields.SmallIntField(primary_key=True, generated=False)
    timezone = fields.CharField(max_length=64, default="UTC")  # an IANA name: Europe/Moscow

    class Meta:
        table = "owner_settings"
