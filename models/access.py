"""Who may use the bot besides the owner, and which strangers were already refused."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class Admin(Model):
    """A user the owner named as admin: manages rules, not admins."""

    id = fields.IntField(primary_key=True)
    user_id = fields.BigIntField(unique=True)
    name = fields.CharField(max_length=256, default="")
    added_by = fields.BigIntField()
    added_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "admins"


class RefusedUser(Model):
    """A stranger who got the polite refusal; they get it once per refusal window, not per message."""

    user_id = fields.BigIntField(primary_key=True, generated=False)
    refused_at = fields.DatetimeField()

    class Meta:
        table = "refused_users"
