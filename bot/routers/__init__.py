"""Feature routers in the order they are consulted: common first, catch-alls last."""

from __future__ import annotations

from aiogram import Router

from bot.routers import admins, common, errors, fallback, ingest, review, rules, status, wizard


def all_routers() -> list[Router]:
    return [
        errors.router,
        ingest.router,
        common.router,  # /cancel, /start, /help: before any wizard state handler
        wizard.router,
        rules.router,
        review.router,
        admins.router,
        status.router,
        fallback.router,
    ]
