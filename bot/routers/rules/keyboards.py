"""The /rules menu's callback data and keyboards (pure functions returning markup).

Callback data (all well under Telegram's 64 bytes):

* ``rlp:<page>``: a page of the list (0-based);
* ``rlc:<action>:<rule_id>:<page>``: an action on a rule's card; ``page`` is the list page to go
  back to;
* ``rls:<rule_id>:<section>:<page>``: edit one section of a rule in the wizard;
* ``rlm:<rule_id>:<key>:<page>``: give a rule the AI model whose ``listing.model_key`` is ``key``
  ("" for the default);
* ``rld:<rule_id>:<minutes>:<page>``: give a rule this delay (0: none);
* ``rlg:<rule_id>:<every>:<page>``: a rule's digest every N hours (0: off, -1: daily, asks when);
* ``rln``: the "New rule" button;
* ``rbs:…``, ``rbn:…``: the backfill screens (``routers/rules/backfill.py``);
* ``rqp:…``: quiet hours and pacing of the destinations (``routers/rules/pacing.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from bot.forwarding.digest.plans import PLANS
from bot.forwarding.rules.index import RuleView
from bot.forwarding.steps.ai.listing import model_key
from bot.forwarding.steps.catalogue import uses_ai
from bot.routers.rules.digest_texts import plan_label
from bot.routers.rules.texts import delay_label
from bot.routers.wizard import SECTIONS
from bot.runtime.i18n import _, __

MAX_BUTTON_NAME = 40


class RulesPage(CallbackData, prefix="rlp"):
    page: int


class RuleAction(str, Enum):
    OPEN = "o"
    PAUSE = "p"
    RESUME = "r"
    REVIEW_ON = "v1"
    REVIEW_OFF = "v0"
    TEST = "t"
    MODEL = "m"
    LAST_POST = "l"
    EDIT = "e"
    DELETE = "d"
    DELETE_YES = "dy"
    DELAY = "dl"
    SYNC_ON = "s1"  # deletion sync (sources read through the user account)
    SYNC_OFF = "s0"
    BACKFILL = "bf"
    PACING = "qp"
    DIGEST = "dg"


class RuleCb(CallbackData, prefix="rlc"):
    action: RuleAction
    rule_id: int
    page: int = 0


class RuleSection(CallbackData, prefix="rls"):
    rule_id: int
    section: str
    page: int = 0


class RuleModelCb(CallbackData, prefix="rlm"):
    rule_id: int
    key: str  # listing.model_key of the model; "" for the default
    page: int = 0


class NewRuleCb(CallbackData, prefix="rln"):
    pass


class RuleDelayCb(CallbackData, prefix="rld"):
    rule_id: int
    minutes: int
    page: int = 0


class RuleDigestCb(CallbackData, prefix="rlg"):
    """The digest screen's choice (``routers/rules/digest.py``): every N hours, off, or daily."""

    rule_id: int
    every: int  # hours; 0: off; DAILY: ask for a time of day
    page: int = 0


# rb*: the backfill screens (routers/rules/backfill.py)
PREFIXES = ("rlp", "rlc", "rls", "rlm", "rln", "rld", "rbs", "rbn", "rqp", "rlg")

SECTION_LABELS = {
    "name": __("Name"),
    "sources": __("Sources"),
    "destinations": __("Destinations"),
    "mode": __("Mode"),
    "filters": __("Filters"),
    "steps": __("Transform steps"),
    "edits": __("Edits"),
    "ai_failure": __("If the AI fails"),
}


def section_label(section: str) -> str:
    label = SECTION_LABELS.get(section)
    return str(label) if label is not None else section.replace("_", " ").capitalize()


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def _on_rule(text: str, action: RuleAction, rule_id: int, page: int) -> InlineKeyboardButton:
    return _button(text, RuleCb(action=action, rule_id=rule_id, page=page))


def _short(name: str) -> str:
    return name if len(name) <= MAX_BUTTON_NAME else name[: MAX_BUTTON_NAME - 1] + "…"


def rule_button_text(rule: RuleView) -> str:
    return f"{'▶' if rule.active else '⏸'} {_short(rule.name)}"


def rules_list(
    rules: Sequence[RuleView], page: int, *, has_previous: bool, has_next: bool
) -> InlineKeyboardMarkup:
    """One button per rule of the page, ◀ ▶ where there is another page, and "New rule"."""
    builder = InlineKeyboardBuilder()
    for rule in rules:
        builder.row(_on_rule(rule_button_text(rule), RuleAction.OPEN, rule.id, page))
    nav = []
    if has_previous:
        nav.append(_button(_("◀ Previous"), RulesPage(page=page - 1)))
    if has_next:
        nav.append(_button(_("Next ▶"), RulesPage(page=page + 1)))
    if nav:
        builder.row(*nav)
    builder.row(_button(_("➕ New rule"), NewRuleCb()))
    return builder.as_markup()


def rule_card(rule: RuleView, page: int = 0) -> InlineKeyboardMarkup:
    def act(text: str, action: RuleAction) -> InlineKeyboardButton:
        return _on_rule(text, action, rule.id, page)

    pause = (
        act(_("⏸ Pause"), RuleAction.PAUSE)
        if rule.active
        else act(_("▶ Resume"), RuleAction.RESUME)
    )
    review = (
        act(_("👁 Review: on"), RuleAction.REVIEW_OFF)
        if rule.review
        else act(_("👁 Review: off"), RuleAction.REVIEW_ON)
    )
    builder = InlineKeyboardBuilder()
    builder.row(pause, review)
    builder.row(act(_("🧪 Test"), RuleAction.TEST), act(_("✏️ Edit"), RuleAction.EDIT))
    builder.row(
        act(_("⏱ Delay: {delay}").format(delay=delay_label(rule.delay_minutes)), RuleAction.DELAY),
        act(_("📜 Backfill"), RuleAction.BACKFILL),
    )
    builder.row(act(_("🌙 Quiet hours & pacing"), RuleAction.PACING))
    plan = plan_label(PLANS.get(rule.id))
    builder.row(act(_("🗞 Digest: {plan}").format(plan=plan), RuleAction.DIGEST))
    if rule.sync_deletions or any(source.via == "account" for source in rule.sources):
        builder.row(
            act(_("🗑 Sync deletions: on"), RuleAction.SYNC_OFF)
            if rule.sync_deletions
            else act(_("🗑 Sync deletions: off"), RuleAction.SYNC_ON)
        )
    if uses_ai(rule.steps):
        builder.row(act(_("🤖 Model"), RuleAction.MODEL), act(_("🗑 Delete"), RuleAction.DELETE))
    else:
        builder.row(act(_("🗑 Delete"), RuleAction.DELETE))
    builder.row(_button(_("« Back to list"), RulesPage(page=page)))
    return builder.as_markup()


def _back_to_rule(rule_id: int, page: int) -> InlineKeyboardButton:
    return _on_rule(_("« Back to rule"), RuleAction.OPEN, rule_id, page)


def _rows(*rows: list[InlineKeyboardButton]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=list(rows))


def edit_sections(rule_id: int, page: int = 0) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for section in SECTIONS:
        builder.button(
            text=section_label(section),
            callback_data=RuleSection(rule_id=rule_id, section=section, page=page),
        )
    builder.adjust(2)
    builder.row(_back_to_rule(rule_id, page))
    return builder.as_markup()


def model_choices(
    rule: RuleView, models: Sequence[str], default_model: str, page: int = 0
) -> InlineKeyboardMarkup:
    """ "Default (<GROQ_MODEL>)" first, then one button per model; ✓ marks the rule's own."""

    def choice(text: str, model: str | None) -> list[InlineKeyboardButton]:
        mark = "✓ " if model == rule.ai_model else ""
        key = model_key(model) if model is not None else ""
        return [_button(mark + text, RuleModelCb(rule_id=rule.id, key=key, page=page))]

    rows = [choice(_("Default ({model})").format(model=default_model), None)]
    rows += [choice(model, model) for model in models]
    return _rows(*rows, [_back_to_rule(rule.id, page)])


def delete_confirmation(rule_id: int, page: int = 0) -> InlineKeyboardMarkup:
    return _rows(
        [
            _on_rule(_("🗑 Yes, delete"), RuleAction.DELETE_YES, rule_id, page),
            _on_rule(_("No, keep it"), RuleAction.OPEN, rule_id, page),
        ]
    )


def sample_prompt(rule_id: int, page: int = 0) -> InlineKeyboardMarkup:
    return _rows(
        [_on_rule(_("📥 Use the last post"), RuleAction.LAST_POST, rule_id, page)],
        [_back_to_rule(rule_id, page)],
    )


def sample_result(rule_id: int, page: int = 0) -> InlineKeyboardMarkup:
    return _rows(
        [
            _on_rule(_("🧪 Test again"), RuleAction.TEST, rule_id, page),
            _back_to_rule(rule_id, page),
        ]
    )


DELAY_CHOICES = (0, 5, 15, 30, 60, 180)  # minutes


def delay_choices(rule: RuleView, page: int = 0) -> InlineKeyboardMarkup:
    """One button per usual delay, ✓ on the rule's own, then back to the card."""

    def choice(minutes: int) -> InlineKeyboardButton:
        mark = "✓ " if minutes == rule.delay_minutes else ""
        data = RuleDelayCb(rule_id=rule.id, minutes=minutes, page=page)
        return _button(mark + delay_label(minutes).capitalize(), data)

    return _rows(
        [choice(minutes) for minutes in DELAY_CHOICES[:3]],
        [choice(minutes) for minutes in DELAY_CHOICES[3:]],
        [_back_to_rule(rule.id, page)],
    )
