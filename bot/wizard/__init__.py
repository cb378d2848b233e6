"""The /newrule wizard (steps in ``flow``, ``filters_step``, ``steps_step``; moving between them
in ``nav``) and ``start_edit``, the rule card's way back into one of its steps."""

from __future__ import annotations

from bot.wizard.nav import SECTIONS, enter_edit

start_edit = enter_edit

__all__ = ["SECTIONS", "start_edit"]
