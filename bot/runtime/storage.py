"""aiogram FSM storage in the database: a wizard survives a dyno restart and works across dynos."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiogram.fsm.state import State
from aiogram.fsm.storage.base import (
    BaseStorage,
    DefaultKeyBuilder,
    KeyBuilder,
    StateType,
    StorageKey,
)

from models import FsmRecord


class DatabaseStorage(BaseStorage):
    def __init__(self, key_builder: KeyBuilder | None = None) -> None:
        self.key_builder = key_builder or DefaultKeyBuilder(with_destiny=True)

    def _key(self, key: StorageKey) -> str:
        return self.key_builder.build(key)

    async def set_state(self, key: StorageKey, state: StateType = None) -> None:
        value = state.state if isinstance(state, State) else state
        record, created = await FsmRecord.get_or_create(
            key=self._key(key), defaults={"state": value}
        )
        if not created and record.state != value:
            record.state = value
            await record.save(update_fields=["state", "updated_at"])
        await self._forget_if_empty(record)

    async def get_state(self, key: StorageKey) -> str | None:
        record = await FsmRecord.get_or_none(key=self._key(key))
        return record.state if record else None

    async def set_data(self, key: StorageKey, data: Mapping[str, Any]) -> None:
        record, created = await FsmRecord.get_or_create(
            key=self._key(key), defaults={"data": dict(data)}
        )
        if not created and record.data != dict(data):
            record.data = dict(data)
            await record.save(update_fields=["data", "updated_at"])
        await self._forget_if_empty(record)

    async def get_data(self, key: StorageKey) -> dict[str, Any]:
        record = await FsmRecord.get_or_none(key=self._key(key))
        return dict(record.data) if record else {}

    async def close(self) -> None:
        """Connections belong to Tortoise, closed with the database."""

    @staticmethod
    async def _forget_if_empty(record: FsmRecord) -> None:
        if record.state is None and not record.data:
            await record.delete()
