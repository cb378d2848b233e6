"""Quiet hours and pacing from the rule card (🌙): pick a destination (when the rule has several),
then its quiet window and the least time between its posts, by preset buttons or typed; the
owner's time zone, which the quiet hours are read in, on its own screen with the common zones.

The settings belong to the destination chat, not to the rule: every rule posting there keeps them.
Each screen shows the value now; a typed value that is not understood is refused with what to
send, and the screen's state stays. The outbox's claim applies them (``delivery/pacing.py``).

Callback data: ``rqp:<rule_id>:<destination index>:<what>:<value>:<page>``, with ``what`` one of
``o`` (open the destination), ``w`` (a window preset, ``start-end`` in minutes, ``-`` for none),
``i`` (an interval preset in seconds), ``t`` (the time zone screen), ``z`` (a time zone preset),
``tw``/``ti``/``tz`` (ask for a typed window, interval, time zone).
"""

from __future__ import annotations

from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.forwarding.delivery import pacing
from bot.forwarding.delivery.pacing import Pacing, Window, duration_label
from bot.forwarding.rules.index import RuleView
from bot.forwarding.rules.spec import ChatRef
from bot.routers.rules.keyboards import RuleAction, RuleCb
from bot.routers.rules.queries import Loaded, load
from bot.routers.rules.texts import NOT_FOUND, esc
from bot.routers.ui import edit_or_send
from bot.runtime.i18n import _

WINDOW_PRESETS = (None, Window(23 * 60, 7 * 60), Window(0, 8 * 60))
INTERVAL_PRESETS = (0, 60, 300, 900, 1800)  # seconds
TIMEZONE_PRESETS = (
    "UTC",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Kyiv",
    "Europe/Moscow",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
)


class PacingCb(CallbackData, prefix="rqp"):
    rule_id: int
    dest: int  # index in the rule's destinations; -1: the list of destinations
    what: str
    value: str = ""
    page: int = 0


class RulePacing(StatesGroup):
    window = State()
    interval = State()
    timezone = State()


def window_label(window: Window | None) -> str:
    return str(window) if window is not None else _("none")


def window_value(window: Window | None) -> str:
    return f"{window.start}-{window.end}" if window is not None else "-"


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def _back_to_rule(rule_id: int, page: int) -> list[InlineKeyboardButton]:
    data = RuleCb(action=RuleAction.OPEN, rule_id=rule_id, page=page)
    return [_button(_("« Back to rule"), data)]


def destinations(rule: RuleView) -> list[tuple[int, ChatRef]]:
    """The rule's destination chats, each once (topics of one chat share its pacing)."""
    seen: set[int] = set()
    found = []
    for number, ref in enumerate(rule.destinations):
        if ref.chat_id not in seen:
            seen.add(ref.chat_id)
            found.append((number, ref))
    return found


def _chat_name(ref: ChatRef) -> str:
    title = esc(ref.title) + " " if ref.title else ""
    return f"{title}<code>{ref.chat_id}</code>"


def summary_line(setting: Pacing, timezone: str) -> str:
    """One destination's settings in a line, e.g. "quiet 23:00–07:00 (Europe/Moscow) · 5 min
    between posts"."""
    parts = []
    if setting.quiet is not None:
        parts.append(_("quiet {window} ({zone})").format(window=setting.quiet, zone=esc(timezone)))
    if setting.interval_s:
        parts.append(
            _("{interval} between posts").format(interval=duration_label(setting.interval_s))
        )
    return " · ".join(parts) or _("no quiet hours, no interval")


def list_text(rule: RuleView, settings: dict[int, Pacing], timezone: str) -> str:
    lines = [
        f"<b>{esc(rule.name)}</b> · " + _("rule #{id}").format(id=rule.id),
        _("🌙 Quiet hours & pacing: which destination?"),
        "",
    ]
    for _number, ref in destinations(rule):
        setting = settings.get(ref.chat_id, Pacing(ref.chat_id))
        lines.append(f"• {_chat_name(ref)}: {summary_line(setting, timezone)}")
    return "\n".join(lines)


def list_keyboard(rule: RuleView, page: int) -> InlineKeyboardMarkup:
    rows = [
        [
            _button(
                ref.title or str(ref.chat_id),
                PacingCb(rule_id=rule.id, dest=n, what="o", page=page),
            )
        ]
        for n, ref in destinations(rule)
    ]
    return InlineKeyboardMarkup(inline_keyboard=[*rows, _back_to_rule(rule.id, page)])


def dest_text(rule: RuleView, ref: ChatRef, setting: Pacing, timezone: str) -> str:
    quiet = window_label(setting.quiet)
    return "\n".join(
        [
            f"<b>{esc(rule.name)}</b> · " + _("rule #{id}").format(id=rule.id),
            _("🌙 Quiet hours & pacing of {chat}").format(chat=_chat_name(ref)),
            "",
            _("Quiet hours: {window}").format(window=quiet)
            + (f" ({esc(timezone)})" if setting.quiet else ""),
            _("Least time between posts: {interval}").format(
                interval=duration_label(setting.interval_s)
            ),
            _("Time zone: {zone}").format(zone=esc(timezone)),
            "",
            _(
                "Posts that arrive in quiet hours wait and go out when they end; the interval "
                "spreads a burst out, in the order the sources posted. Edits of posts already "
                "sent go at once. These settings hold for every rule that posts to this chat."
            ),
        ]
    )


def dest_keyboard(
    rule: RuleView, dest: int, setting: Pacing, timezone: str, page: int, several: bool
) -> InlineKeyboardMarkup:
    """The window presets, the interval presets (✓ on the values now), each with "Other…" for
    a typed value; the time zone; Back."""

    def data(what: str, value: str = "") -> PacingCb:
        return PacingCb(rule_id=rule.id, dest=dest, what=what, value=value, page=page)

    def mark(chosen: bool, text: str) -> str:
        return ("✓ " if chosen else "") + text

    windows = [
        _button(
            mark(window == setting.quiet, str(window) if window else _("No quiet hours")),
            data("w", window_value(window)),
        )
        for window in WINDOW_PRESETS
    ]
    intervals = [
        _button(
            mark(
                seconds == setting.interval_s,
                duration_label(seconds) if seconds else _("No interval"),
            ),
            data("i", str(seconds)),
        )
        for seconds in INTERVAL_PRESETS
    ]
    back = (
        [_button(_("« Back"), PacingCb(rule_id=rule.id, dest=-1, what="o", page=page))]
        if several
        else []
    )
    return InlineKeyboardMarkup(
        inline_keyboard=[
            windows,
            [_button(_("⌨ Other hours…"), data("tw"))],
            intervals[:3],
            [*intervals[3:], _button(_("⌨ Other interval…"), data("ti"))],
            [_button(_("🌍 Time zone: {zone}").format(zone=timezone), data("t"))],
            [*back, *_back_to_rule(rule.id, page)],
        ]
    )


def timezone_text(timezone: str) -> str:
    return _(
        "🌍 Your time zone: <b>{zone}</b>\nQuiet hours are read in it, for every destination. "
        "Choose one, or send its name, like Europe/Moscow or America/New_York."
    ).format(zone=esc(timezone))


def timezone_keyboard(rule_id: int, dest: int, timezone: str, page: int) -> InlineKeyboardMarkup:
    def data(what: str, value: str = "") -> PacingCb:
        return PacingCb(rule_id=rule_id, dest=dest, what=what, value=value, page=page)

    choices = [
        _button(("✓ " if zone == timezone else "") + zone, data("z", zone))
        for zone in TIMEZONE_PRESETS
    ]
    rows = [choices[n : n + 2] for n in range(0, len(choices), 2)]
    back = [_button(_("⌨ Other…"), data("tz")), _button(_("« Back"), data("o"))]
    return InlineKeyboardMarkup(inline_keyboard=[*rows, back])


PROMPTS = {
    "tw": (
        RulePacing.window,
        lambda: _("Send the quiet hours as HH:MM-HH:MM, for example 22:30-06:00."),
    ),
    "ti": (
        RulePacing.interval,
        lambda: _("Send the least time between posts in minutes (5), or with a unit: 90s, 2h."),
    ),
    "tz": (
        RulePacing.timezone,
        lambda: _("Send your time zone's name, like Europe/Moscow or America/New_York."),
    ),
}


async def leave_pacing(state: FSMContext) -> None:
    if await state.get_state() in {s.state for s in RulePacing.__all_states__}:
        await state.clear()


async def _dest_screen(rule: RuleView, dest: int, page: int) -> tuple[str, InlineKeyboardMarkup]:
    ref = rule.destinations[dest]
    setting = await pacing.pacing_of(ref.chat_id)
    timezone = await pacing.timezone()
    several = len(destinations(rule)) > 1
    return (
        dest_text(rule, ref, setting, timezone),
        dest_keyboard(rule, dest, setting, timezone, page, several),
    )


async def pacing_start(
    query: CallbackQuery, callback_data: RuleCb, state: FSMContext, loaded: Loaded
) -> None:
    """The card's 🌙 button: the destination's screen, or the list when there are several."""
    await leave_pacing(state)
    rule = loaded.rule
    chats = destinations(rule)
    if len(chats) == 1:
        await edit_or_send(query, *await _dest_screen(rule, chats[0][0], callback_data.page))
        return
    settings = await pacing.all_pacing()
    text = list_text(rule, settings, await pacing.timezone())
    await edit_or_send(query, text, list_keyboard(rule, callback_data.page))


async def pressed(
    query: CallbackQuery,
    callback_data: PacingCb,
    state: FSMContext,
    callback_answer: CallbackAnswer,
    loaded: Loaded,
) -> None:
    rule, data = loaded.rule, callback_data
    if data.dest == -1:
        await leave_pacing(state)
        settings = await pacing.all_pacing()
        text = list_text(rule, settings, await pacing.timezone())
        await edit_or_send(query, text, list_keyboard(rule, data.page))
        return
    if not 0 <= data.dest < len(rule.destinations):
        callback_answer.text = _("That destination is no longer in the rule.")
        await pacing_start(
            query, RuleCb(action=RuleAction.PACING, rule_id=rule.id, page=data.page), state, loaded
        )
        return
    chat_id = rule.destinations[data.dest].chat_id
    if data.what in PROMPTS:
        target, prompt = PROMPTS[data.what]
        await state.set_state(target)
        await state.set_data({"rule_id": rule.id, "dest": data.dest, "page": data.page})
        back = PacingCb(
            rule_id=rule.id, dest=data.dest, what="t" if data.what == "tz" else "o", page=data.page
        )
        markup = InlineKeyboardMarkup(inline_keyboard=[[_button(_("« Back"), back)]])
        await edit_or_send(query, prompt(), markup)
        return
    await leave_pacing(state)
    try:
        note = await _apply(chat_id, data.what, data.value)
    except ValueError as error:
        callback_answer.text, callback_answer.show_alert = str(error)[:190], True
        return
    if note:
        callback_answer.text = note
    if data.what in ("t", "z"):
        timezone = await pacing.timezone()
        await edit_or_send(
            query,
            timezone_text(timezone),
            timezone_keyboard(rule.id, data.dest, timezone, data.page),
        )
        return
    await edit_or_send(query, *await _dest_screen(rule, data.dest, data.page))


async def _apply(chat_id: int, what: str, value: str) -> str | None:
    """Store what a preset button names; the notice to show (None for a screen change)."""
    if what == "w":
        offered = {window_value(window): window for window in WINDOW_PRESETS}
        if value not in offered:
            raise ValueError(_("That choice is not offered."))
        window = offered[value]
        await pacing.set_quiet(chat_id, window)
        return _("Quiet hours: {window}.").format(window=window_label(window))
    if what == "i":
        if value not in {str(seconds) for seconds in INTERVAL_PRESETS}:
            raise ValueError(_("That choice is not offered."))
        seconds = int(value)
        await pacing.set_interval(chat_id, seconds)
        return _("Between posts: {interval}.").format(interval=duration_label(seconds))
    if what == "z":
        zone = await pacing.set_timezone(value)
        return _("Time zone: {zone}.").format(zone=zone)
    return None


async def typed(message: Message, state: FSMContext) -> None:
    """A typed window, interval or time zone: stored, then the screen it came from again."""
    current = await state.get_state()
    data: dict[str, Any] = await state.get_data()
    loaded = await load(int(data.get("rule_id", 0)))
    if loaded is None:
        await state.clear()
        await message.answer(NOT_FOUND)
        return
    rule, dest, page = loaded.rule, int(data.get("dest", 0)), int(data.get("page", 0))
    if not 0 <= dest < len(rule.destinations):
        await state.clear()
        await message.answer(_("That destination is no longer in the rule."))
        return
    chat_id = rule.destinations[dest].chat_id
    text = message.text or ""
    try:
        if current == RulePacing.window.state:
            await pacing.set_quiet(chat_id, pacing.parse_window(text))
        elif current == RulePacing.interval.state:
            await pacing.set_interval(chat_id, pacing.parse_interval(text))
        else:
            zone = await pacing.set_timezone(text)
            await state.clear()
            await message.answer(
                timezone_text(zone), reply_markup=timezone_keyboard(rule.id, dest, zone, page)
            )
            return
    except ValueError as error:
        await message.answer("❌ " + esc(str(error)))
        return
    await state.clear()
    text, markup = await _dest_screen(rule, dest, page)
    await message.answer(text, reply_markup=markup)


async def not_text(message: Message, state: FSMContext) -> None:
    current = await state.get_state()
    for target, prompt in PROMPTS.values():
        if target.state == current:
            await message.answer(prompt())
            return
