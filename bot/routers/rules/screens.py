"""The /rules screens, each put in place of the pressed message: the list, a rule's card and the
card's own screens (edit menu, delete question, test prompt)."""

from __future__ import annotations

from collections.abc import Callable

from aiogram.types import CallbackQuery, InlineKeyboardMarkup
from aiogram.utils.callback_answer import CallbackAnswer

from bot.forwarding.rules.index import RuleView
from bot.forwarding.rules.service import RuleError, RulesService
from bot.routers.rules import keyboards as kb
from bot.routers.rules import texts
from bot.routers.rules.card import render_card
from bot.routers.rules.keyboards import RuleAction, RuleCb
from bot.routers.rules.queries import Loaded, delivery_counts, load
from bot.routers.ui import edit_or_send
from bot.runtime.i18n import _

# The card's screens that show the rule and wait for the next button: text and keyboard.
SCREENS: dict[
    RuleAction, tuple[Callable[[RuleView], str], Callable[[int, int], InlineKeyboardMarkup]]
] = {
    RuleAction.EDIT: (texts.edit_menu_text, kb.edit_sections),
    RuleAction.DELETE: (texts.delete_question, kb.delete_confirmation),
    RuleAction.TEST: (texts.sample_prompt, kb.sample_prompt),
}


async def list_screen(rules: RulesService, page: int) -> tuple[str, InlineKeyboardMarkup, int]:
    """The list at ``page`` (clamped to the pages that exist) and the page actually shown."""
    shown = texts.paginate(await rules.all(), page)
    markup = kb.rules_list(
        shown.items, shown.number, has_previous=shown.has_previous, has_next=shown.has_next
    )
    return texts.list_text(shown), markup, shown.number


async def show_list(
    query: CallbackQuery, rules: RulesService, page: int, answer: CallbackAnswer
) -> None:
    text, markup, shown = await list_screen(rules, page)
    if shown != page and answer.text is None:
        answer.text = _("That page no longer exists: here is the nearest one.")
    await edit_or_send(query, text, markup)


async def gone(
    query: CallbackQuery, rules: RulesService, page: int, answer: CallbackAnswer
) -> None:
    """A button of a rule that does not exist: say so and show the list as it is now."""
    answer.text = str(texts.NOT_FOUND)
    await show_list(query, rules, page, answer)


async def show_card(query: CallbackQuery, loaded: Loaded, page: int) -> None:
    rule = loaded.rule
    text = render_card(
        rule, paused_reason=loaded.paused_reason, counts=await delivery_counts(rule.id)
    )
    await edit_or_send(query, text, kb.rule_card(rule, page))


async def refresh_card(
    query: CallbackQuery, rules: RulesService, rule_id: int, page: int, answer: CallbackAnswer
) -> None:
    """The card as the rule is now (after a change), or the list if it went in the meantime."""
    loaded = await load(rule_id)
    if loaded is None:
        await gone(query, rules, page, answer)
        return
    await show_card(query, loaded, page)


async def show_screen(query: CallbackQuery, callback_data: RuleCb, rule: RuleView) -> None:
    """The card's screen for the pressed action (one of :data:`SCREENS`)."""
    text_of, keyboard_of = SCREENS[callback_data.action]
    await edit_or_send(query, text_of(rule), keyboard_of(rule.id, callback_data.page))


async def refuse(query: CallbackQuery, error: RuleError, answer: CallbackAnswer) -> None:
    """The rules service said no: its words to the user, as an alert or a message if long."""
    words = str(error)
    if len(words) <= 200:
        answer.text, answer.show_alert = words, True
        return
    answer.text = _("Not saved.")
    if query.bot is not None:
        await query.bot.send_message(query.from_user.id, texts.error_text(error))
