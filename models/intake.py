"""Updates that could not be handled after a few tries, set aside so polling moves on."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class QuarantinedUpdate(Model):
    """A Telegram update kept raw (its JSON, made storable) with the reason it was set aside."""

    id = fields.BigIntField(primary_key=True)
    update_id = fields.BigIntField(unique=True)
    reason = fields.CharField(max_length=1000)
    raw_json = fields.TextField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "quarantined_updates"
