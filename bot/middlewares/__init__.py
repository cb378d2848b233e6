"""Outer middlewares: the caller's role (access), the per-update log context and in-flight updates."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiogram.types import TelegramObject

# What a middleware calls next: the handler (or the next middleware) with the event and its data.
Handler = Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]]
