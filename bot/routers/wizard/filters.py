"""Wizard step 4: filters, edited from an inline menu (a sub-step for a typed value, one for the
media types); typed values are validated before they stay."""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from pydantic import ValidationError

from bot.forwarding.rules.filters import FilterSpec, describe, validation_message
from bot.routers.wizard.nav import (
    NewRule,
    Press,
    button,
    input_keyboard,
    nav_row,
    next_in_cycle,
    on_continue,
    on_press,
    screen,
    step_router,
    take_typed,
)
from bot.routers.wizard.timing import near_label
from bot.runtime.i18n import _, __

DEDUP_CYCLE = (None, 60, 1440)
ORIGINS = ("any", "original", "forwarded")
# Translators: which posts a rule takes, in "↪ Posts: any".
ORIGIN_NAMES = {"any": __("any"), "original": __("original"), "forwarded": __("forwarded")}
MEDIA = ("text", "photo", "video", "animation", "document", "audio", "voice", "sticker")
# Translators: kinds of posts, on the buttons of the media filter.
MEDIA_NAMES = {
    "text": __("text"),
    "photo": __("photo"),
    "video": __("video"),
    "animation": __("animation"),
    "document": __("document"),
    "audio": __("audio"),
    "voice": __("voice"),
    "sticker": __("sticker"),
}
# field: (its button, what to type for it)
FIELDS = {
    "include_keywords": (
        __("➕ Must contain"),
        __("Send the words or phrases a post must contain (any of them), separated by commas."),
    ),
    "exclude_keywords": (
        __("➖ Skip words"),
        __("Send the words or phrases that make me skip a post, separated by commas."),
    ),
    "include_regex": (
        __("🔎 Regex to match"),
        __("Send regular expressions a post must match (any of them), one per line."),
    ),
    "exclude_regex": (
        __("🚫 Regex to skip"),
        __("Send regular expressions that make me skip a post, one per line."),
    ),
    "length": (
        __("📏 Length"),
        __("Send the allowed length in characters as min-max, for example 20-2000, 50- or -500."),
    ),
    "senders": (
        __("👤 Senders"),
        __("Send the user ids whose group messages may go (comma separated), or 0 for anyone."),
    ),
}


def filters_keyboard(filters: dict[str, Any]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for field, (label, _prompt) in FIELDS.items():
        builder.add(button(label, "flt", field))
    builder.adjust(2)
    origin = filters.get("origin", "any")
    dedup = filters.get("dedup_window_minutes")
    whole = _("on") if filters.get("whole_word") else _("off")
    window = _("{minutes} min").format(minutes=dedup) if dedup else _("off")
    builder.row(
        button(_("🖼 Media types"), "media", ""),
        button(_("↪ Posts: {origin}").format(origin=ORIGIN_NAMES.get(origin, origin)), "origin"),
    )
    builder.row(
        button(_("♻ Skip repeats: {window}").format(window=window), "dedup", ""),
        button(_("🔤 Whole words: {state}").format(state=whole), "whole", ""),
    )
    builder.row(button(near_label(filters), "nearmenu", ""))
    builder.row(button(_("🧹 Clear filters"), "fclear", ""))
    builder.row(*nav_row())
    return builder.as_markup()


def media_keyboard(chosen: list[str]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for kind in MEDIA:
        mark = "✅" if kind in chosen else "▫️"
        builder.add(button(f"{mark} {MEDIA_NAMES[kind]}", "mtoggle", kind))
    builder.adjust(3)
    builder.row(button(_("Done"), "mdone", ""))
    return builder.as_markup()


@screen(NewRule.filters)
def filters_screen(data: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    lines = describe(FilterSpec.from_stored(data["filters"]))
    body = "\n".join(f"  • {escape(line)}" for line in lines)
    text = (
        _(
            "<b>New rule · 4/6 · Filters</b>\n"
            "Which posts should go? Every post goes unless a filter says no."
        )
        + f"\n\n{body}"
    )
    return text, filters_keyboard(data["filters"])


def parse_filter(field: str, text: str) -> dict[str, Any]:
    """A typed value as filter settings; ValueError says what to send instead."""
    if field in ("include_keywords", "exclude_keywords"):
        words = [w.strip() for w in text.split(",") if w.strip()]
        if not words:
            raise ValueError(_("Send at least one word."))
        return {field: words}
    if field in ("include_regex", "exclude_regex"):
        return {field: [line.strip() for line in text.splitlines() if line.strip()]}
    if field == "length":
        low, sep, high = text.replace(" ", "").partition("-")
        if (
            not sep
            or not (low or high)
            or not (low.isdigit() or not low)
            or not (high.isdigit() or not high)
        ):
            raise ValueError(_("Send the length as min-max, for example 20-2000, 50- or -500."))
        return {"min_length": int(low) if low else None, "max_length": int(high) if high else None}
    if field == "senders":
        if text.strip() == "0":
            return {"senders": []}
        try:
            return {"senders": [int(part) for part in text.replace(" ", "").split(",") if part]}
        except ValueError:
            raise ValueError(
                _("Send numeric user ids separated by commas, or 0 for anyone.")
            ) from None
    raise ValueError(_("That filter is not available."))


async def _set_filters(state: FSMContext, changes: dict[str, Any]) -> str | None:
    """Validate and store; the reason when the filters would be invalid (nothing stored then)."""
    data = await state.get_data()
    merged = {**data["filters"], **changes}
    merged = {k: v for k, v in merged.items() if v not in (None, [], False)}
    try:
        spec = FilterSpec.model_validate(merged)
    except ValidationError as error:
        return validation_message(error)
    await state.update_data(filters=spec.model_dump(mode="json", exclude_defaults=True))
    return None


async def filter_field(press: Press) -> None:
    if press.value not in FIELDS:
        press.note(_("Unknown filter."))
        return
    await press.state.update_data(field=press.value)
    await press.state.set_state(NewRule.filter_input)
    await press.message.answer(str(FIELDS[press.value][1]), reply_markup=input_keyboard())


async def filter_value(message: Message, state: FSMContext) -> None:
    field = (await state.get_data()).get("field", "")

    async def take(text: str) -> str | None:
        return await _set_filters(state, parse_filter(field, text.strip()))

    await take_typed(message, state, NewRule.filters, take)


async def filter_value_not_text(message: Message) -> None:
    await message.answer(_("Send the value as text, or press ⬅ Back."))


async def filter_toggle(press: Press) -> None:
    filters = (await press.state.get_data())["filters"]
    if press.action == "origin":
        changes: dict[str, Any] = {"origin": next_in_cycle(ORIGINS, filters.get("origin", "any"))}
    elif press.action == "dedup":
        changes = {
            "dedup_window_minutes": next_in_cycle(DEDUP_CYCLE, filters.get("dedup_window_minutes"))
        }
    elif press.action == "whole":
        changes = {"whole_word": not filters.get("whole_word", False)}
    else:
        await press.state.update_data(filters={})
        await press.redraw(NewRule.filters)
        return
    problem = await _set_filters(press.state, changes)
    if problem:
        press.refuse(problem)
        return
    await press.redraw(NewRule.filters)


async def media_menu(press: Press) -> None:
    await press.state.set_state(NewRule.media)
    chosen = (await press.state.get_data())["filters"].get("media_types", [])
    await press.message.edit_text(
        _("Which kinds of posts may go? None ticked means all."),
        reply_markup=media_keyboard(chosen),
    )


async def media_toggle(press: Press) -> None:
    chosen = list((await press.state.get_data())["filters"].get("media_types", []))
    kind = press.value
    chosen = [k for k in chosen if k != kind] if kind in chosen else [*chosen, kind]
    problem = await _set_filters(press.state, {"media_types": chosen})
    if problem:
        press.refuse(problem)
        return
    await press.message.edit_reply_markup(reply_markup=media_keyboard(chosen))


async def media_done(press: Press) -> None:
    await press.redraw(NewRule.filters)


def make_router() -> Router:
    router = step_router(__name__, buttons_only=(NewRule.filters, NewRule.media))
    on_continue(router, NewRule.filters)
    on_press(router, filter_field, NewRule.filters, "flt")
    on_press(router, filter_toggle, NewRule.filters, "origin", "dedup", "whole", "fclear")
    on_press(router, media_menu, NewRule.filters, "media")
    router.message.register(filter_value, NewRule.filter_input, F.text)
    router.message.register(filter_value_not_text, NewRule.filter_input)
    on_press(router, media_toggle, NewRule.media, "mtoggle")
    on_press(router, media_done, NewRule.media, "mdone")
    return router
