"""Everything the owner sees, one module or package per feature; :func:`build_routers` lists the
routers in the order they are consulted: errors and ingest first, common before any wizard state,
catch-alls last. Each call builds new routers, so every Dispatcher gets its own."""

from __future__ import annotations

from aiogram import Router

from bot.routers import (
    admins,
    backup,
    common,
    errors,
    fallback,
    ingest,
    language,
    review,
    rules,
    status,
    wizard,
)


def build_routers() -> list[Router]:
    return [
        errors.make_router(),
        ingest.make_router(),
        common.make_router(),  # /cancel, /start, /help: before any wizard state handler
        language.make_router(),  # /language too: works in the middle of a wizard
        wizard.make_router(),
        rules.make_router(),
        review.make_router(),
        admins.make_router(),
        status.make_router(),
        backup.make_router(),
        fallback.make_router(),
    ]
