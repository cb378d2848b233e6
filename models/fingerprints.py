"""The near-duplicate fingerprints of recent posts per destination, shared by every process that
ingests (``bot/forwarding/intake/neardup.py`` keeps them in memory and reads new ones from here).

``signature`` is the 64-bit SimHash stored as a signed BIGINT; ``numbers`` and ``names`` are the
hashes of the post's facts, 4 bytes each. Rows older than the longest window are deleted.
"""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class RecentFingerprint(Model):
    """The fingerprint of a post that went to a destination, for near-duplicate suppression."""

    id = fields.BigIntField(primary_key=True)
    dest_chat_id = fields.BigIntField()
    at = fields.FloatField()
    signature = fields.BigIntField()
    numbers = fields.BinaryField()
    names = fields.BinaryField()
    source_chat_id = fields.BigIntField()
    message_id = fields.BigIntField()

    class Meta:
        table = "recent_fingerprints"
        indexes = (("dest_chat_id", "id"), ("at",))
