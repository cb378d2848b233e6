"""The /newrule wizard's routers, in the order they are consulted."""

from __future__ import annotations

from aiogram import Router

from bot.routers.wizard import filters_step, flow, steps_step


def make_router() -> Router:
    """Filters and steps first (their own states), then the flow's steps and catch-alls."""
    router = Router(name=__name__)
    router.include_routers(filters_step.make_router(), steps_step.make_router(), flow.make_router())
    return router
