"""Tortoise config built from DATABASE_URL, schema upgrades, and start/stop of the connections.

Heroku Postgres hands out ``postgres://…`` URLs to a server with a self-signed certificate: we
connect with SSL required but not verified (libpq's ``sslmode=require``). Tortoise would turn any
``?ssl=`` in the URL into full verification, so the credentials are built here instead. Local hosts
connect without SSL unless the URL asks for it. With no DATABASE_URL the embedded default is a
SQLite file whose schema comes from the models.
"""

from __future__ import annotations

import asyncio
import ssl
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import asyncpg
from tortoise import Tortoise, connections

from bot.runtime.logging import get_logger

log = get_logger(__name__)

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = ROOT / "migrations"
APP = "models"
MODEL_MODULES = ["models", "aerich.models"]
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", ""}
# Two dynos starting at once must not both apply a migration.
_MIGRATION_LOCK_KEY = 0x46574442  # "FWDB"


def _ssl_for(host: str, query: dict[str, list[str]]) -> ssl.SSLContext | bool:
    mode = (query.get("sslmode") or query.get("ssl") or [""])[0].lower()
    if mode in ("disable", "false", "0") or (not mode and host in _LOCAL_HOSTS):
        return False
    context = ssl.create_default_context()
    if mode in ("verify-ca", "verify-full"):
        context.check_hostname = mode == "verify-full"
        return context
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def connection_config(url: str, pool_size: int = 5) -> dict[str, Any]:
    """The Tortoise connection entry for a postgres:// or sqlite:// URL."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        path = url.split("://", 1)[1].split("?", 1)[0] or "data/bot.sqlite3"
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        return {
            "engine": "tortoise.backends.sqlite",
            "credentials": {"file_path": path, "journal_mode": "WAL"},
        }
    query = parse_qs(parts.query)
    host = parts.hostname or "localhost"
    return {
        "engine": "tortoise.backends.asyncpg",
        "credentials": {
            "host": host,
            "port": parts.port or 5432,
            "user": unquote(parts.username or "postgres"),
            "password": unquote(parts.password or ""),
            "database": unquote(parts.path.lstrip("/")) or "postgres",
            "minsize": 1,
            "maxsize": pool_size,
            "ssl": _ssl_for(host, query),
            "server_settings": {"application_name": "forwarding-bot"},
        },
    }


def tortoise_config(url: str, pool_size: int = 5) -> dict[str, Any]:
    return {
        "connections": {"default": connection_config(url, pool_size)},
        "apps": {APP: {"models": MODEL_MODULES, "default_connection": "default"}},
        "use_tz": True,
        "timezone": "UTC",
    }


async def connect_direct(credentials: dict[str, Any]) -> asyncpg.Connection:
    """A plain asyncpg connection of its own (outside Tortoise's pool), for session-level locks
    and LISTEN; ``credentials`` as in ``connection_config``."""
    return await asyncpg.connect(
        host=credentials["host"],
        port=credentials["port"],
        user=credentials["user"],
        password=credentials["password"],
        database=credentials["database"],
        ssl=credentials["ssl"],
    )


def is_postgres() -> bool:
    return connections.get("default").capabilities.dialect == "postgres"


def describe_target(url: str) -> str:
    """Where the database is, for log lines: host and name, never the password."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        return url
    return f"postgres://{parts.hostname}:{parts.port or 5432}/{parts.path.lstrip('/')}"


async def open_db(url: str, pool_size: int = 5) -> None:
    # Tortoise 1.x keeps its state in a ContextVar; the bot's tasks, asyncpg listener callbacks
    # and tests reach it from other contexts, so it is also made the process-wide fallback.
    await Tortoise.init(config=tortoise_config(url, pool_size), _enable_global_fallback=True)


async def close_db() -> None:
    await Tortoise.close_connections()


async def upgrade_schema(url: str, pool_size: int = 5) -> list[str]:
    """Bring the schema up to date; harmless when run again. Returns what it applied."""
    config = tortoise_config(url, pool_size)
    if config["connections"]["default"]["engine"].endswith("sqlite"):
        await Tortoise.init(config=config)
        try:
            await Tortoise.generate_schemas(safe=True)
        finally:
            await Tortoise.close_connections()
        return []

    from aerich import Command

    lock_conn = await connect_direct(config["connections"]["default"]["credentials"])
    try:
        await lock_conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK_KEY)
        async with Command(tortoise_config=config, app=APP, location=str(MIGRATIONS)) as command:
            applied = await command.upgrade(run_in_transaction=True)
    finally:
        await lock_conn.close()  # closing the session releases the lock
    for version in applied:
        log.info("migration_applied", version=version)
    return applied


def init_db() -> None:
    """The deployment guide's one-off command: ``python -c "from database import init_db; init_db()"``."""
    from bot.runtime.config import load_settings
    from bot.runtime.logging import configure_logging

    settings = load_settings()
    configure_logging(settings.log_level, secrets=settings.secrets())
    url = settings.effective_database_url
    applied = asyncio.run(upgrade_schema(url, settings.database_pool_size))
    log.info("schema_ready", database=describe_target(url), applied=len(applied))


def __getattr__(name: str) -> Any:
    # ``aerich`` reads ``bot.runtime.db.TORTOISE_ORM`` (aerich.toml); built from DATABASE_URL when asked.
    if name == "TORTOISE_ORM":
        import os

        return tortoise_config(os.environ.get("DATABASE_URL", "sqlite://data/bot.sqlite3"))
    raise AttributeError(name)
