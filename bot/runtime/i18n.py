"""The owner's language: every text the bot sends goes through ``_`` (gettext).

``_("Sent {count}").format(count=n)``: translate first, then fill named placeholders, so a
catalogue can move them. ``__`` is the lazy form for module-level constants (button labels),
translated when shown. Outside an update with a language (tests of plain functions, start-up),
the English text is returned unchanged.
"""

from __future__ import annotations

from typing import Any

from aiogram.utils.i18n import gettext, lazy_gettext


def _(message: str) -> str:
    """``message`` in the current language (English when none is set)."""
    try:
        return gettext(message)
    except LookupError:
        return message


def __(message: str) -> Any:
    """A lazy translation of ``message``: a str-like value translated each time it is shown."""
    try:
        return lazy_gettext(message)
    except (LookupError, RuntimeError):
        return message
