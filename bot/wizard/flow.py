"""Placeholder until the wizard lands: editing a section says so instead of failing."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery

from bot.forwarding.index import RuleView


async def enter_edit(query: CallbackQuery, state: FSMContext, rule: RuleView, section: str) -> None:
    if query.message is not None:
        await query.message.answer(f"Editing “{section}” of rule #{rule.id} comes with the wizard.")
