"""Placeholder: filled in by the issue that builds this feature."""

from __future__ import annotations

from aiogram import Router

router = Router(name=__name__)
