"""The /newrule wizard and the rule card's "edit a section" entry into it.

``start_edit`` is what other routers call to re-enter one wizard step for an existing rule, with
the rule's current value shown; the wizard saves through the rules service when the owner
confirms.
"""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from bot.forwarding.index import RuleView

SECTIONS = ("sources", "destinations", "mode", "filters", "steps", "name", "edits", "ai_failure")


async def start_edit(query: CallbackQuery, state: FSMContext, rule: RuleView, section: str) -> None:
    """Enter the wizard at ``section`` for ``rule`` (filled in by the wizard module)."""
    from bot.wizard.nav import enter_edit

    await enter_edit(query, state, rule, section)
