"""The /newrule wizard: one module per step (``sources``, ``mode``, ``filters``, ``transform``,
``tryit``, ``name``, ``confirm``), each with its states' screens, keyboards and handlers; moving
between steps in ``nav``. ``start_edit`` is the rule card's way back into one of its steps."""

from __future__ import annotations

from aiogram import Router

from bot.routers.wizard import (
    account,
    confirm,
    digest,
    filters,
    mode,
    name,
    sources,
    start,
    timing,
    transform,
    tryit,
)
from bot.routers.wizard.nav import SECTIONS, start_edit


def make_router() -> Router:
    """/newrule, Cancel and Back first, then the steps, then buttons no step took."""
    router = Router(name=__name__)
    router.include_routers(
        start.make_router(),
        account.make_router(),
        sources.make_router(),
        mode.make_router(),
        filters.make_router(),
        transform.make_router(),
        tryit.make_router(),
        name.make_router(),
        confirm.make_router(),
        timing.make_router(),
        digest.make_router(),
        start.make_stale_router(),
    )
    return router


__all__ = ["SECTIONS", "make_router", "start_edit"]
