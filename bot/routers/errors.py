"""Unexpected errors: logged once with the traceback, one throttled alert per distinct fault."""

from __future__ import annotations

from aiogram import Router
from aiogram.types import ErrorEvent

from bot.forwarding.intake.ingest import IngestError
from bot.runtime.alerts import Alerts
from bot.runtime.logging import get_logger

log = get_logger(__name__)


async def on_error(event: ErrorEvent, alerts: Alerts) -> bool:
    if isinstance(event.exception, IngestError):
        # A post that was not stored must not be confirmed to Telegram: the poller retries it,
        # logs it and, once it sets the update aside, alerts.
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
