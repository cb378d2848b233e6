"""FSM wizard state, so a half-done wizard survives a restart and works across dynos."""

from __future__ import annotations

from tortoise import fields
from tortoise.models import Model


class FsmRecord(Model):
    key = fields.CharField(max_length=255, primary_key=True)
    state = fields.CharField(max_length=255, null=True)
    data: dict = fields.JSONField(default=dict)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "fsm_records"
