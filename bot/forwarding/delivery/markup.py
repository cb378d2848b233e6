"""What a copy carries besides its text: the source's buttons that work anywhere, its link preview.

Buttons: a source post's inline keyboard goes with its copy, reduced to the buttons that do the
same thing whoever sent them. A ``url`` or ``copy_text`` button is kept as it is; a ``login_url``
button becomes a plain link to its page (the login itself belongs to the source's bot and its
domain). Dropped: ``callback_data`` and ``callback_game`` (they call the source's bot),
``switch_inline_query*`` (they would call this bot instead), ``web_app`` (private chats only),
``pay`` (invoices, which are never copied), and a button's custom emoji icon (only some bots may
show one). The Bot API gives an album no keyboard, neither in the source nor in a copy.

Link previews: copyMessage keeps the original's by itself. A text sent anew (after transform
steps) follows the source's choice: disabled stays disabled; a chosen URL is kept while the new
text still has it, else Telegram takes the text's first URL; size and placement go with it.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from aiogram.client.default import Default
from aiogram.types import (
    CopyTextButton,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    Message,
    MessageEntity,
)

from bot.forwarding.delivery.payload import Button, LinkPreview

Keyboard = tuple[tuple[Button, ...], ...]

BOT_DEFAULT = Default("link_preview")


def kept_keyboard(markup: InlineKeyboardMarkup | None) -> Keyboard:
    """The rows of ``markup`` that still have a button once those tied to the source are gone."""
    if markup is None:
        return ()
    rows = (tuple(filter(None, map(_kept, row))) for row in markup.inline_keyboard)
    return tuple(row for row in rows if row)


def _kept(button: InlineKeyboardButton) -> Button | None:
    style = button.style
    if button.url:
        return Button(text=button.text, url=button.url, style=style)
    if button.copy_text is not None:
        return Button(text=button.text, copy_text=button.copy_text.text, style=style)
    if button.login_url is not None:
        return Button(text=button.text, url=button.login_url.url, style=style)
    return None


def reply_markup(keyboard: Keyboard) -> InlineKeyboardMarkup | None:
    if not keyboard:
        return None
    return InlineKeyboardMarkup(inline_keyboard=[[_button(b) for b in row] for row in keyboard])


def _button(button: Button) -> InlineKeyboardButton:
    copy_text = CopyTextButton(text=button.copy_text) if button.copy_text is not None else None
    return InlineKeyboardButton(
        text=button.text, url=button.url, copy_text=copy_text, style=button.style
    )


def link_preview_of(message: Message) -> LinkPreview | None:
    """A text message's link-preview choice; None for a media (its caption has no preview)."""
    if message.text is None:
        return None
    options = message.link_preview_options
    if options is None:
        return LinkPreview()
    return LinkPreview(
        is_disabled=options.is_disabled is True,
        url=options.url or None,
        prefer_small_media=options.prefer_small_media is True,
        prefer_large_media=options.prefer_large_media is True,
        show_above_text=options.show_above_text is True,
    )


def preview_options(
    preview: LinkPreview | None, text: str, entities: Sequence[MessageEntity] = ()
) -> LinkPreviewOptions | Default:
    """The options for sending ``text`` (HTML, or plain with ``entities``) as the source chose;
    the bot's default for a payload stored before the choice was recorded."""
    if preview is None:
        return BOT_DEFAULT
    if preview.is_disabled:
        return _options(is_disabled=True)
    url = preview.url if preview.url and _has_url(text, entities, preview.url) else None
    return _options(
        is_disabled=False,
        url=url,
        prefer_small_media=url is not None and preview.prefer_small_media,
        prefer_large_media=url is not None and preview.prefer_large_media,
        show_above_text=preview.show_above_text,
    )


def _options(
    *,
    is_disabled: bool,
    url: str | None = None,
    prefer_small_media: bool = False,
    prefer_large_media: bool = False,
    show_above_text: bool = False,
) -> LinkPreviewOptions:
    """Every field given (None when off), so that none falls back to the bot's defaults."""
    return LinkPreviewOptions(
        is_disabled=is_disabled,
        url=url,
        prefer_small_media=prefer_small_media or None,
        prefer_large_media=prefer_large_media or None,
        show_above_text=show_above_text or None,
    )


def _has_url(text: str, entities: Sequence[MessageEntity], url: str) -> bool:
    return url in text or html.escape(url) in text or any(entity.url == url for entity in entities)
