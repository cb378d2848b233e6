"""Who may do what: the owner (OWNER_TELEGRAM_ID), admins the owner names, and strangers."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta, timezone

from tortoise.exceptions import IntegrityError

from models import Admin, RefusedUser

REFUSAL_WINDOW = timedelta(hours=24)


class Role(enum.IntEnum):
    STRANGER = 0
    ADMIN = 1
    OWNER = 2


class Access:
    def __init__(self, owner_id: int) -> None:
        self.owner_id = owner_id

    async def role_of(self, user_id: int) -> Role:
        if user_id == self.owner_id:
            return Role.OWNER
        if await Admin.exists(user_id=user_id):
            return Role.ADMIN
        return Role.STRANGER

    async def admin_ids(self) -> list[int]:
        rows = await Admin.all().order_by("added_at").values_list("user_id", flat=True)
        return [int(row) for row in rows]  # type: ignore[call-overload]

    async def list_admins(self) -> list[Admin]:
        """The admins, oldest first."""
        return await Admin.all().order_by("added_at", "id")

    async def get_admin(self, user_id: int) -> Admin | None:
        return await Admin.get_or_none(user_id=user_id)

    async def add_admin(self, user_id: int, name: str, added_by: int) -> Admin | None:
        """Store a new admin; None when they already are one (the unique key decides)."""
        try:
            return await Admin.create(user_id=user_id, name=name[:256], added_by=added_by)
        except IntegrityError:
            return None

    async def remove_admin(self, user_id: int) -> bool:
        """True when an admin row was deleted (False: they were not an admin any more)."""
        return bool(await Admin.filter(user_id=user_id).delete())

    async def claim_refusal(self, user_id: int) -> bool:
        """True for the one caller that should refuse this stranger now (once per window).

        Safe against concurrent updates from the same user and across dynos: the conditional
        update and the unique key decide, not a read followed by a write.
        """
        now = datetime.now(timezone.utc)
        renewed = await RefusedUser.filter(
            user_id=user_id, refused_at__lt=now - REFUSAL_WINDOW
        ).update(refused_at=now)
        if renewed:
            return True
        try:
            await RefusedUser.create(user_id=user_id, refused_at=now)
        except IntegrityError:
            return False
        return True
