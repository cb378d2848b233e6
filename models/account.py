"""The user account's relay: which relay-channel message is the copy of which source message.

The account copies each source post once into a private relay channel where the bot is an
administrator; the bot then receives the copy as a channel post and treats it as a post of the
source. ``RelayedMessage`` is that correspondence, one row per message (an album has one row per
item), unique on both sides: a relay message is the copy of one source message, and a source
message is copied once. ``AccountSetting`` keeps the few values the account feature needs across
restarts (the relay channel's id). Times are epoch seconds, as in the outbox.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model

RELAY_CHAT_KEY = "relay_chat_id"  # AccountSetting key: the relay channel (Bot API id)


class RelayedMessage(Model):
    id = fields.BigIntField(primary_key=True)
    relay_chat_id = fields.BigIntField()
    relay_message_id = fields.BigIntField()
    source_chat_id = fields.BigIntField()
    source_message_id = fields.BigIntField()
    media_group_id = fields.CharField(max_length=64, null=True)  # the source album's
    reply_to_message_id = fields.BigIntField(null=True)  # the source message it replies to
    source_title = fields.CharField(max_length=256, default="")
    source_username = fields.CharField(max_length=64, null=True)
    source_date = fields.FloatField(default=0)
    created_at = fields.FloatField()

    class Meta:
        table = "account_relayed"
        unique_together = (
            ("relay_chat_id", "relay_message_id"),
            ("source_chat_id", "source_message_id"),
        )


class AccountSetting(Model):
    key = fields.CharField(max_length=64, primary_key=True)
    value = fields.TextField()
    updated_at = fields.FloatField()

    class Meta:
        table = "account_settings"
