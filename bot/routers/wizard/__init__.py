"""The /newrule wizard (steps in ``flow``, ``filters_step``, ``steps_step``; moving between them
in ``nav``) and ``start_edit``, the rule card's way back into one of its steps."""

from __future__ import annotations

from bot.routers.wizard.nav import SECTIONS, enter_edit
from bot.routers.wizard.router import make_router

start_edit = enter_edit

__all__ = ["SECTIONS", "make_router", "start_edit"]
