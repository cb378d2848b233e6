"""Feature routers in the order they are consulted: common first, catch-alls last."""

from __future__ import annotations

from aiogram import Router

from bot.routers import common, errors, fallback, ingest


def all_routers() -> list[Router]:
    return [errors.router, ingest.router, common.router, fallback.router]
