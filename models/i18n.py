"""The language each person reads the bot in."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class UserLanguage(Model):
    """A user's language: chosen with /language (``chosen``), or, for the owner, the one their
    Telegram app last reported, so texts sent outside an update (alerts, review cards) match."""

    user_id = fields.BigIntField(primary_key=True, generated=False)
    language = fields.CharField(max_length=8)
    chosen = fields.BooleanField(default=False)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "user_languages"
