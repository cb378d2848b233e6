"""Wizard step 3: copy (the post looks like the bot's own; steps possible) or forward."""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram import Router
from aiogram.types import InlineKeyboardMarkup

from bot.routers.wizard.nav import (
    NewRule,
    Press,
    advance,
    button,
    nav_row,
    on_press,
    screen,
    step_router,
)
from bot.runtime.i18n import _, __

MODE_PROMPT = __(
    "<b>New rule · 3/6 · How to send</b>\n"
    "📋 <b>Copy</b>: the post looks like your own; transforms and AI steps are possible.\n"
    "↪️ <b>Forward</b>: shows “Forwarded from”; posts go unchanged."
)
# Translators: the name of a rule's sending mode, in "Mode: copy ✓".
MODE_NAMES = {"copy": __("copy"), "forward": __("forward")}


def mode_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(_("📋 Copy (recommended)"), "mode", "copy")],
            [button(_("↪️ Forward with “Forwarded from”"), "mode", "forward")],
            nav_row(next_label=None),
        ]
    )


@screen(NewRule.mode)
def mode_screen(data: dict[str, Any]) -> tuple[str, InlineKeyboardMarkup]:
    return str(MODE_PROMPT), mode_keyboard()


async def mode_chosen(press: Press) -> None:
    mode = "forward" if press.value == "forward" else "copy"
    data = await press.state.get_data()
    changes: dict[str, Any] = {"mode": mode}
    notes = []
    if mode == "forward":
        if data["steps"]:
            changes["steps"] = []
            notes.append(_("transform steps removed (forwarded posts go unchanged)"))
        if data["edit_policy"] == "edit":
            changes["edit_policy"] = "repost"
            notes.append(_("source edits will be posted again (a bot can't edit a forward)"))
    await press.state.update_data(changes)
    suffix = f": {'; '.join(notes)}" if notes else ""
    await press.message.edit_text(
        _("Mode: <b>{mode}</b> ✓{notes}").format(mode=MODE_NAMES[mode], notes=escape(suffix))
    )
    await advance(NewRule.mode, press.message, press.state)


def make_router() -> Router:
    router = step_router(__name__, buttons_only=(NewRule.mode,))
    on_press(router, mode_chosen, NewRule.mode, "mode")
    return router
