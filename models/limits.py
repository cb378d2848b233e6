"""What the processes of one bot share to stay inside Telegram's limits and send each alert once.

Times are the database's clock in seconds since the epoch, so every process reads the same clock.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class FloodSend(Model):
    """Messages the flood limiter let go to a chat, kept a minute for the windows."""

    id = fields.BigIntField(primary_key=True)
    chat_id = fields.BigIntField()
    sent_at = fields.FloatField(db_index=True)
    messages = fields.IntField()

    class Meta:
        table = "flood_sends"
        indexes = (("chat_id", "sent_at"),)


class FloodChat(Model):
    """A chat that can take no message before free_at (just sent to, group full, or a 429)."""

    chat_id = fields.BigIntField(primary_key=True, generated=False)
    free_at = fields.FloatField(db_index=True)

    class Meta:
        table = "flood_chats"


class AlertFault(Model):
    """A fault in its alert window: whether its alert went out, repeats not yet reported."""

    key = fields.CharField(max_length=255, primary_key=True)
    title = fields.TextField()
    detail = fields.TextField()
    window_start = fields.FloatField()
    sent = fields.BooleanField(default=False)
    repeats = fields.IntField(default=0)

    class Meta:
        table = "alert_faults"


class AlertSend(Model):
    """An alert that went out, kept a minute for the cap of a few alerts a minute."""

    id = fields.BigIntField(primary_key=True)
    sent_at = fields.FloatField(db_index=True)

    class Meta:
        table = "alert_sends"
