"""Unexpected errors: logged once with the traceback, one throttled alert per distinct fault.

Two kinds go back to the poller instead, so that the update is not confirmed and is handled
again: a post that could not be stored, and anything that failed because the database can't be
reached (a wizard step, a button, a command: handled once the database is back).
"""

from __future__ import annotations

from aiogram import Router
from aiogram.types import ErrorEvent

from bot.forwarding.intake.ingest import IngestError
from bot.runtime.alerts import Alerts
from bot.runtime.db import unavailable
from bot.runtime.logging import get_logger

log = get_logger(__name__)


async def on_error(event: ErrorEvent, alerts: Alerts) -> bool:
    if isinstance(event.exception, IngestError) or unavailable(event.exception):
        # Not confirmed to Telegram: the poller retries it, logs it and, should it keep failing
        # with the database up, sets it aside with an alert.
        raise event.exception
    log.error("handler_failed", exc_info=event.exception)
    where = event.update.event_type if event.update else "update"
    await alerts.report_exception(event.exception, f"{where} handler")
    return True


def make_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.errors.register(on_error)
    return router
