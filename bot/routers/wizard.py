"""The /newrule wizard (bot/wizard/): its steps' routers, in the order they are consulted."""

from __future__ import annotations

from aiogram import Router

from bot.wizard import filters_step, flow, steps_step

router = Router(name=__name__)
router.include_routers(filters_step.router, steps_step.router, flow.router)
