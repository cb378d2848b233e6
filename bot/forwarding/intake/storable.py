"""Text the database and Telegram accept: NUL characters and lone surrogates become U+FFFD.

Postgres refuses NUL in text and JSONB, and a lone surrogate cannot be encoded as UTF-8 at all.
Each is one UTF-16 code unit and so is U+FFFD, so message entity offsets stay valid. A valid
surrogate pair from JSON is already one code point in a Python ``str``: any code point left in
U+D800..U+DFFF is a lone one.
"""

from __future__ import annotations

import re
from typing import Any

from aiogram import Bot
from aiogram.types import Update
from pydantic_core import PydanticSerializationError

REPLACEMENT = "\ufffd"
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable_text(text: str) -> str:
    """``text`` with every NUL and lone surrogate replaced by U+FFFD (same UTF-16 length)."""
    return _UNSTORABLE.sub(REPLACEMENT, text)


def storable(value: Any) -> Any:
    """A JSON-like value (dicts, lists, strings, numbers) with every string made storable."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [storable(v) for v in value]
    return value


def is_storable(value: Any) -> bool:
    """Whether no string inside ``value`` holds a NUL or a lone surrogate."""
    return storable(value) == value


def storable_update(update: Update, bot: Bot) -> Update:
    """The update itself when all its strings are storable, else a copy with them replaced."""
    try:  # the fast check: a lone surrogate cannot be serialised, a NUL shows as an escape
        if "\\u0000" not in update.model_dump_json(exclude_unset=True):
            return update
    except PydanticSerializationError:
        pass
    data = update.model_dump(by_alias=True, exclude_unset=True)
    clean = storable(data)
    if clean == data:  # the text only spelled out a backslash escape
        return update
    return Update.model_validate(clean, context={"bot": bot})
