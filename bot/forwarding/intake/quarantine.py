"""Setting aside an update that keeps failing: stored raw, one throttled alert, polling goes on.

The poller calls :meth:`Quarantine.put` once an update has failed a few polling rounds. The
update's JSON (made storable) and the reason go to ``quarantined_updates``; if even that cannot be
written (the database is down) the update is not set aside and polling keeps retrying it.
"""

from __future__ import annotations

import json

from aiogram.types import Update

from bot.forwarding.intake.storable import storable
from bot.runtime.alerts import Alerts
from bot.runtime.i18n import _, __, lazy_text
from bot.runtime.logging import get_logger, redactor
from models import QuarantinedUpdate

log = get_logger(__name__)

REASON_LIMIT = 1000  # QuarantinedUpdate.reason


def reason_of(error: BaseException) -> str:
    """The error and what caused it, in one line without secrets."""
    reason = f"{type(error).__name__}: {error}"
    cause = error.__cause__
    if cause is not None:
        reason += f" ({type(cause).__name__}: {cause})"
    return redactor.text(reason)[:REASON_LIMIT]


def raw_json(update: Update) -> str:
    data = update.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return json.dumps(storable(data), ensure_ascii=False)


class Quarantine:
    def __init__(self, alerts: Alerts | None) -> None:
        self.alerts = alerts

    async def put(self, update: Update, reason: str) -> bool:
        """Store the update aside and alert; False when it could not be stored."""
        reason = str(storable(reason))
        try:
            await QuarantinedUpdate.get_or_create(
                update_id=update.update_id,
                defaults={"reason": reason, "raw_json": raw_json(update)},
            )
        except Exception:
            log.exception("quarantine_failed", update_id=update.update_id)
            await self._alert(
                "update_stuck",
                __("An update cannot be handled nor set aside: polling retries it"),
                update,
                reason,
            )
            return False
        log.warning("update_quarantined", update_id=update.update_id, reason=reason)
        await self._alert(
            "update_quarantined",
            __("An update could not be handled and was set aside"),
            update,
            reason,
        )
        return True

    async def _alert(self, key: str, title: object, update: Update, reason: str) -> None:
        if self.alerts is not None:
            detail = lazy_text(
                lambda: _("update {update}: {reason}").format(
                    update=update.update_id, reason=reason
                )
            )
            await self.alerts.report(key, title, detail)
