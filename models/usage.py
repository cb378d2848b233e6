"""What the AI steps cost: Groq's tokens per rule per day (UTC), from the ``usage`` of each real
call (cached answers and shared flights cost nothing and are not counted).

``rule_id`` is not a foreign key: a deleted rule's tokens were spent all the same and stay in the
month's total.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class AiUsage(Model):
    """Groq tokens one rule's deliveries used on one day (UTC), and how many calls they took."""

    id = fields.BigIntField(primary_key=True)
    rule_id = fields.IntField()
    day = fields.DateField()
    prompt_tokens = fields.BigIntField(default=0)
    completion_tokens = fields.BigIntField(default=0)
    calls = fields.IntField(default=0)

    class Meta:
        table = "ai_usage"
        unique_together = (("rule_id", "day"),)
        indexes = (("day",),)
