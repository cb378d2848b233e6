"""The wizard's callback data and keyboards: pure builders, no I/O."""

from __future__ import annotations

from typing import Any

from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    ChatAdministratorRights,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    KeyboardButton,
    KeyboardButtonRequestChat,
    ReplyKeyboardMarkup,
)
from aiogram.utils.keyboard import InlineKeyboardBuilder

DONE, BACK, CANCEL = "✅ Done", "⬅ Back", "✖ Cancel"
PICK_CHANNEL, PICK_GROUP = "📢 Pick a channel", "👥 Pick a group"

TONES = ("neutral", "formal", "friendly", "concise", "enthusiastic")
LENGTHS = (200, 400, 800, 1500)
LANGUAGES = (
    "English",
    "Spanish",
    "German",
    "French",
    "Italian",
    "Portuguese",
    "Russian",
    "Ukrainian",
    "Arabic",
    "Chinese",
    "Japanese",
    "Turkish",
)
MEDIA = ("text", "photo", "video", "animation", "document", "audio", "voice", "sticker")
ADDABLE_STEPS = (
    ("rewrite", "✍️ Rewrite"),
    ("summarize", "📝 Summarize"),
    ("translate", "🌐 Translate"),
    ("custom", "💬 Custom prompt"),
    ("ai_filter", "🤖 AI filter"),
    ("regex_replace", "🔁 Regex replace"),
    ("remove_links", "🔗 Remove links"),
    ("remove_mentions", "@ Remove mentions"),
    ("remove_hashtags", "# Remove hashtags"),
    ("header", "⬆ Header"),
    ("footer", "⬇ Footer"),
    ("filter", "🔁 Filters again"),
)
FILTER_FIELDS = (
    ("include_keywords", "➕ Must contain"),
    ("exclude_keywords", "➖ Skip words"),
    ("include_regex", "🔎 Regex to match"),
    ("exclude_regex", "🚫 Regex to skip"),
    ("length", "📏 Length"),
    ("senders", "👤 Senders"),
)


class WizardCb(CallbackData, prefix="wz"):
    action: str
    value: str = ""


def _cb(action: str, value: str | int = "") -> str:
    return WizardCb(action=action, value=str(value)).pack()


def _button(text: str, action: str, value: str | int = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=_cb(action, value))


def _nav(*, back: bool = True, next_label: str | None = "Continue ➡") -> list[InlineKeyboardButton]:
    row = []
    if back:
        row.append(_button(BACK, "back"))
    if next_label:
        row.append(_button(next_label, "next"))
    row.append(_button(CANCEL, "cancel"))
    return row


def _no_rights(**granted: bool) -> ChatAdministratorRights:
    """Administrator rights with every required right off except those ``granted``."""
    required = {
        name: False
        for name, info in ChatAdministratorRights.model_fields.items()
        if info.is_required()
    }
    return ChatAdministratorRights(**{**required, **granted})


def chat_picker(for_sources: bool) -> ReplyKeyboardMarkup:
    """Reply keyboard with Telegram's own chat pickers (the bot's rights asked for up front)."""
    channel_rights = _no_rights() if for_sources else _no_rights(can_post_messages=True)
    channel = KeyboardButtonRequestChat(
        request_id=1 if for_sources else 3,
        chat_is_channel=True,
        bot_administrator_rights=channel_rights,
        request_title=True,
        request_username=True,
    )
    group = KeyboardButtonRequestChat(
        request_id=2 if for_sources else 4,
        chat_is_channel=False,
        bot_is_member=True,
        request_title=True,
        request_username=True,
    )
    return ReplyKeyboardMarkup(
        keyboard=[
            [
                KeyboardButton(text=PICK_CHANNEL, request_chat=channel),
                KeyboardButton(text=PICK_GROUP, request_chat=group),
            ],
            [KeyboardButton(text=DONE)],
            [KeyboardButton(text=BACK), KeyboardButton(text=CANCEL)],
        ],
        resize_keyboard=True,
        is_persistent=True,
    )


def mode_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button("📋 Copy (recommended)", "mode", "copy")],
            [_button("↪️ Forward with “Forwarded from”", "mode", "forward")],
            _nav(next_label=None),
        ]
    )


def filters_keyboard(filters: dict[str, Any]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for field, label in FILTER_FIELDS:
        builder.add(_button(label, "flt", field))
    builder.adjust(2)
    origin = filters.get("origin", "any")
    dedup = filters.get("dedup_window_minutes")
    whole = "on" if filters.get("whole_word") else "off"
    builder.row(
        _button("🖼 Media types", "media", ""),
        _button(f"↪ Posts: {origin}", "origin", ""),
    )
    builder.row(
        _button(f"♻ Skip repeats: {f'{dedup} min' if dedup else 'off'}", "dedup", ""),
        _button(f"🔤 Whole words: {whole}", "whole", ""),
    )
    builder.row(_button("🧹 Clear filters", "fclear", ""))
    builder.row(*_nav())
    return builder.as_markup()


def media_keyboard(chosen: list[str]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for kind in MEDIA:
        mark = "✅" if kind in chosen else "▫️"
        builder.add(_button(f"{mark} {kind}", "mtoggle", kind))
    builder.adjust(3)
    builder.row(_button("Done", "mdone", ""))
    return builder.as_markup()


def steps_keyboard(steps: list[dict[str, Any]], forward_mode: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for index in range(len(steps)):
        builder.row(
            _button(f"{index + 1}. ↑", "up", index),
            _button("↓", "down", index),
            _button("✖ remove", "del", index),
        )
    if not forward_mode:
        adders = InlineKeyboardBuilder()
        for kind, label in ADDABLE_STEPS:
            adders.add(_button(label, "add", kind))
        adders.adjust(3)
        builder.attach(adders)
    builder.row(*_nav())
    return builder.as_markup()


def choices_keyboard(
    action: str, values: tuple[Any, ...], other: bool = True
) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for value in values:
        builder.add(_button(str(value), action, value))
    builder.adjust(3)
    if other:
        builder.row(_button("✏️ Type another", action, "*"))
    builder.row(_button(BACK, "stepsmenu", ""))
    return builder.as_markup()


def input_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[_button(BACK, "back"), _button(CANCEL, "cancel")]]
    )


def preview_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[_nav(next_label="Skip ➡")])


def name_keyboard(suggestion: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(f"Use “{suggestion[:40]}”", "name", "")],
            _nav(next_label=None),
        ]
    )


EDIT_POLICIES = {"edit": "edit in place", "repost": "post again", "ignore": "ignore"}
AI_FAILURES = {"hold": "hold until back", "original": "send the original", "skip": "skip the post"}


def confirm_keyboard(data: dict[str, Any], editing: bool) -> InlineKeyboardMarkup:
    edits = EDIT_POLICIES[data.get("edit_policy", "edit")]
    fail = AI_FAILURES[data.get("ai_failure", "hold")]
    review = "on" if data.get("review") else "off"
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(f"✏️ Source edits: {edits}", "edits", "")],
            [_button(f"🤖 If the AI is down: {fail}", "aifail", "")],
            [_button(f"👀 Review before posting: {review}", "review", "")],
            [_button("💾 Save changes" if editing else "💾 Save rule", "save", "")],
            _nav(back=not editing, next_label=None),
        ]
    )


def next_in_cycle(options: dict[str, str] | tuple[Any, ...], current: Any) -> Any:
    keys = list(options)
    return keys[(keys.index(current) + 1) % len(keys)] if current in keys else keys[0]
