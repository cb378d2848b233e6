"""What the wizard's steps share: the states, the callback data, the common buttons, and moving
between steps (show, advance, back, the rule card's way in).

State lives in the FSM storage (the database), so a half-done wizard survives a restart. Each step
module registers the screen of its states with :func:`screen`; :func:`show` sends it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    ReplyKeyboardMarkup,
    ReplyKeyboardRemove,
)
from aiogram.utils.callback_answer import CallbackAnswer

from bot.forwarding.rules.index import RuleView
from bot.runtime.i18n import _, __

# Lazy (translated when shown): str() them for a button; reply-keyboard presses are matched
# with ``F.text.in_(in_every_language(DONE))``.
DONE, BACK, CANCEL = __("✅ Done"), __("⬅ Back"), __("✖ Cancel")
CONTINUE = __("Continue ➡")
OVER = __("This wizard is over. Send /newrule to start again.")

# Another command typed in the middle of the wizard goes to its feature (/newrule restarts).
NOT_A_COMMAND = ~F.text.startswith("/") | F.text.startswith("/newrule")


class NewRule(StatesGroup):
    # The group's name is stored with every half-done wizard ("NewRule:sources"): keep it.
    sources = State()
    destinations = State()
    mode = State()
    filters = State()
    filter_input = State()
    media = State()
    steps = State()
    step_choice = State()
    step_input = State()
    preview = State()
    name = State()
    confirm = State()
    near = State()  # the near-duplicates window, from the filters (``timing.py``)
    delay = State()  # the rule's delay, from the confirmation (``timing.py``)
    digest = State()  # digest mode, from the confirmation (``digest.py``)


ORDER = [
    NewRule.sources,
    NewRule.destinations,
    NewRule.mode,
    NewRule.filters,
    NewRule.steps,
    NewRule.preview,
    NewRule.name,
    NewRule.confirm,
]
# Sub-steps go back to the menu they came from.
PARENT = {
    NewRule.filter_input.state: NewRule.filters,
    NewRule.media.state: NewRule.filters,
    NewRule.step_choice.state: NewRule.steps,
    NewRule.step_input.state: NewRule.steps,
    NewRule.near.state: NewRule.filters,
    NewRule.delay.state: NewRule.confirm,
    NewRule.digest.state: NewRule.confirm,
}
SECTION_STATE = {
    "sources": NewRule.sources,
    "destinations": NewRule.destinations,
    "mode": NewRule.mode,
    "filters": NewRule.filters,
    "steps": NewRule.steps,
    "name": NewRule.name,
    "edits": NewRule.confirm,
    "ai_failure": NewRule.confirm,
}
SECTIONS = tuple(SECTION_STATE)  # what the rule card's Edit offers


def fresh(account: bool = False) -> dict[str, Any]:
    """A new wizard's data; ``account``: the user account is configured (its options shown)."""
    return {
        "sources": [],
        "destinations": [],
        "mode": "copy",
        "filters": {},
        "steps": [],
        "name": "",
        "edit_policy": "edit",
        "review": False,
        "ai_failure": "hold",
        "delay_minutes": 0,
        "digest": None,
        "edit_rule_id": None,
        "edit_section": None,
        "sync_deletions": False,
        "account": account,
    }


def editing(data: dict[str, Any]) -> bool:
    """True when the wizard edits one section of an existing rule."""
    return data.get("edit_rule_id") is not None


# -- callback data and the common buttons ------------------------------------------------------


class WizardCb(CallbackData, prefix="wz"):
    action: str
    value: str = ""


def button(text: Any, action: str, value: str | int = "") -> InlineKeyboardButton:
    """An inline wizard button; ``text`` may be lazy (``__``)."""
    return InlineKeyboardButton(
        text=str(text), callback_data=WizardCb(action=action, value=str(value)).pack()
    )


def nav_row(*, back: bool = True, next_label: Any = CONTINUE) -> list[InlineKeyboardButton]:
    row = []
    if back:
        row.append(button(BACK, "back"))
    if next_label:
        row.append(button(next_label, "next"))
    row.append(button(CANCEL, "cancel"))
    return row


def input_keyboard() -> InlineKeyboardMarkup:
    """Under a question answered by typing: Back and Cancel."""
    return InlineKeyboardMarkup(inline_keyboard=[[button(BACK, "back"), button(CANCEL, "cancel")]])


def next_in_cycle(options: dict[str, str] | tuple[Any, ...], current: Any) -> Any:
    keys = list(options)
    return keys[(keys.index(current) + 1) % len(keys)] if current in keys else keys[0]


def on_button(
    router: Router, handler: Callable[..., Awaitable[None]], state: State, *actions: str
) -> None:
    """Register ``handler`` for the wizard buttons ``actions`` in ``state`` (the pressed message
    is passed as ``message``)."""
    router.callback_query.register(
        handler, state, WizardCb.filter(F.action.in_(set(actions))), F.message.as_("message")
    )


@dataclass(frozen=True, slots=True)
class Press:
    """A wizard button pressed: which one, the message it is under, the wizard's state, and the
    answer to the press."""

    action: str
    value: str
    message: Message
    state: FSMContext
    answer: CallbackAnswer

    def note(self, text: str) -> None:
        """A short notice on the answer."""
        self.answer.text = text

    def refuse(self, problem: str) -> None:
        """Say why the button did nothing, in an alert (Telegram shows up to 200 characters)."""
        self.answer.text, self.answer.show_alert = problem[:190], True

    async def redraw(self, target: State) -> None:
        """:func:`redraw` in place of the pressed message."""
        await redraw(target, self.message, self.state)


def on_press(
    router: Router, handler: Callable[[Press], Awaitable[None]], step: State, *actions: str
) -> None:
    """Register ``handler`` for the wizard buttons ``actions`` in ``step``; it is given the
    :class:`Press`."""

    async def pressed(
        query: CallbackQuery,
        callback_answer: CallbackAnswer,
        callback_data: WizardCb,
        state: FSMContext,
        message: Message,
    ) -> None:
        press = Press(callback_data.action, callback_data.value, message, state, callback_answer)
        await handler(press)

    on_button(router, pressed, step, *actions)


async def buttons_expected(message: Message) -> None:
    """A message where the step is answered with its buttons: a hint, the step stays."""
    await message.answer(_("Use the buttons of the last message, or ✖ Cancel (/cancel)."))


def step_router(name: str, *, buttons_only: tuple[State, ...] = ()) -> Router:
    """A router of wizard steps: private chats, other commands left to their features; a message
    in one of the ``buttons_only`` states gets a hint (:func:`buttons_expected`)."""
    router = Router(name=name)
    router.message.filter(F.chat.type == "private", NOT_A_COMMAND)
    if buttons_only:
        router.message.register(buttons_expected, StateFilter(*buttons_only))
    return router


# -- screens and moving between them -----------------------------------------------------------

Markup = InlineKeyboardMarkup | ReplyKeyboardMarkup
ScreenOf = Callable[[dict[str, Any]], tuple[str, Markup]]
SCREENS: dict[str, ScreenOf] = {}


def screen(state: State) -> Callable[[ScreenOf], ScreenOf]:
    """Declare the prompt and keyboard of ``state`` (a function of the wizard's data)."""

    def register(build: ScreenOf) -> ScreenOf:
        SCREENS[str(state.state)] = build
        return build

    return register


async def show(target: State, message: Message, state: FSMContext) -> None:
    """Set ``target`` and send its prompt with its keyboard."""
    await state.set_state(target)
    text, markup = SCREENS[str(target.state)](await state.get_data())
    await message.answer(text, reply_markup=markup)


async def redraw(target: State, message: Message, state: FSMContext) -> None:
    """Set ``target`` and put its screen in place of ``message`` (inline keyboards only)."""
    await state.set_state(target)
    text, markup = SCREENS[str(target.state)](await state.get_data())
    assert isinstance(markup, InlineKeyboardMarkup)
    await message.edit_text(text, reply_markup=markup)


async def advance(current: State, message: Message, state: FSMContext) -> None:
    """The next step; when editing one section of a rule, the confirmation."""
    if editing(await state.get_data()):
        await show(NewRule.confirm, message, state)
        return
    await show(ORDER[ORDER.index(current) + 1], message, state)


def on_continue(router: Router, step: State) -> None:
    """Continue ➡ in ``step``: its buttons go, the next step comes."""

    async def continue_(query: CallbackQuery, state: FSMContext, message: Message) -> None:
        await message.edit_reply_markup(reply_markup=None)
        await advance(step, message, state)

    on_button(router, continue_, step, "next")


async def take_typed(
    message: Message, state: FSMContext, menu: State, take: Callable[[str], Awaitable[str | None]]
) -> None:
    """A value typed for a sub-step: ``take`` stores it and says what is wrong with it (or raises
    ValueError); then back to ``menu``. What is wrong is answered with ❌ and the sub-step stays."""
    try:
        problem = await take(message.text or "")
    except ValueError as error:
        problem = str(error)
    if problem:
        await message.answer(f"❌ {escape(problem)}")
        return
    await show(menu, message, state)


async def go_back(message: Message, state: FSMContext) -> None:
    current = await state.get_state()
    if current in PARENT:
        await show(PARENT[current], message, state)
        return
    if editing(await state.get_data()):
        await state.clear()
        await message.answer(
            _("Edit abandoned: nothing changed."), reply_markup=ReplyKeyboardRemove()
        )
        return
    position = next((i for i, s in enumerate(ORDER) if s.state == current), 0)
    if position == 0:
        await message.answer(_("This is the first step. ✖ Cancel leaves the wizard."))
        return
    await show(ORDER[position - 1], message, state)


async def start_edit(
    query: CallbackQuery, state: FSMContext, rule: RuleView, section: str, account: bool = False
) -> None:
    """The rule card's Edit: this section of the wizard with the rule's current values."""
    assert isinstance(query.message, Message)
    data = fresh(account)
    data.update(
        name=rule.name,
        sources=[s.model_dump() for s in rule.sources],
        destinations=[d.model_dump() for d in rule.destinations],
        mode=rule.mode,
        filters=rule.filters.model_dump(mode="json", exclude_defaults=True),
        steps=list(rule.steps),
        edit_policy=rule.edit_policy,
        review=rule.review,
        ai_failure=rule.ai_failure,
        delay_minutes=rule.delay_minutes,
        sync_deletions=rule.sync_deletions,
        edit_rule_id=rule.id,
        edit_section=section,
    )
    await state.set_data(data)
    await show(SECTION_STATE.get(section, NewRule.confirm), query.message, state)
