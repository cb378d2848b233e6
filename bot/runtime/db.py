"""Tortoise config built from DATABASE_URL, schema upgrades, and start/stop of the connections.

Heroku Postgres hands out ``postgres://…`` URLs to a server with a self-signed certificate: we
connect with SSL required but not verified (libpq's ``sslmode=require``). Tortoise would turn any
``?ssl=`` in the URL into full verification, so the credentials are built here instead. Local hosts
connect without SSL unless the URL asks for it. With no DATABASE_URL the embedded default is a
SQLite file whose schema comes from the models.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import parse_qs, unquote, urlsplit

import asyncpg
from asyncpg import exceptions as pg
from tortoise import Tortoise, connections
from tortoise.exceptions import DBConnectionError

from bot.runtime.logging import get_logger

log = get_logger(__name__)

ROOT = Path(__file__).resolve().parents[2]
MIGRATIONS = ROOT / "migrations"
APP = "models"
MODEL_MODULES = ["models", "aerich.models"]
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1", ""}
# Two dynos starting at once must not both apply a migration.
_MIGRATION_LOCK_KEY = 0x46574442  # "FWDB"
CONNECT_TIMEOUT_S = 10.0
START_RETRY_MAX_S = 10.0  # waiting for the database at start: 1 s, doubling, up to this

# What a database that can't be reached now raises (a restart, an outage, the connection limit),
# as opposed to a statement it refused.
_UNAVAILABLE: tuple[type[BaseException], ...] = (
    OSError,
    asyncio.TimeoutError,
    pg.PostgresConnectionError,
    pg.CannotConnectNowError,
    pg.AdminShutdownError,
    pg.CrashShutdownError,
    pg.TooManyConnectionsError,
    DBConnectionError,
)


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
        timeout=CONNECT_TIMEOUT_S,
    )


def unavailable(error: BaseException) -> bool:
    """Whether ``error`` (or what it was raised from) means the database can't be reached now."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, _UNAVAILABLE):
            return True
        if isinstance(seen, asyncpg.InterfaceError) and "closed" in str(seen):
            return True
        seen = seen.__cause__
    return False


def refusal_hint(error: BaseException) -> str | None:
    """What to do when the database refused us a connection for want of free ones."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, pg.TooManyConnectionsError):
            return (
                "the database's connection limit is reached: each dyno opens up to "
                "DATABASE_POOL_SIZE + 2 connections (README: Database connections); "
                "lower DATABASE_POOL_SIZE or run fewer dynos"
            )
        seen = seen.__cause__
    return None


def log_unavailable(event: str, error: BaseException, **context: Any) -> None:
    """One warning for a database that can't be reached; the connection limit named as such."""
    hint = refusal_hint(error)
    if hint is not None:
        log.error("database_connection_limit", hint=hint, during=event, **context)
    else:
        log.warning(event, error=f"{type(error).__name__}: {error}", **context)


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


async def open_when_ready(
    url: str,
    pool_size: int,
    stop: asyncio.Event,
    on_waiting: Callable[[str], Awaitable[object]] | None = None,
) -> bool:
    """Bring the schema up to date and open the pool, waiting for the database as long as it
    takes (1 s, doubling, up to ``START_RETRY_MAX_S`` between tries); False when stopped first.
    ``on_waiting`` hears once, at the first failed try. Errors other than the database being
    unreachable go up: waiting would not cure them."""
    delay = 1.0
    told = False
    while not stop.is_set():
        try:
            await upgrade_schema(url, pool_size)
            await open_db(url, pool_size)
            return True
        except Exception as error:
            if not unavailable(error):
                raise
            log_unavailable(
                "database_unreachable", error, database=describe_target(url), retry_in=delay
            )
            if not told and on_waiting is not None:
                told = True
                await on_waiting(f"{type(error).__name__}: {error}")
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(stop.wait(), delay)
        delay = min(delay * 2, START_RETRY_MAX_S)
    return False


RELEASE_WAIT_S = 30.0  # how long the release command tries a database that can't be reached
# What the database says to a URL with a wrong user, password or database name.
_REFUSED: tuple[type[BaseException], ...] = (
    pg.InvalidAuthorizationSpecificationError,
    pg.InvalidCatalogNameError,
)


async def _upgrade_within(url: str, pool_size: int, wait_s: float) -> list[str]:
    """``upgrade_schema``, tried again while the database can't be reached (1 s, doubling, up to
    ``START_RETRY_MAX_S`` between tries), the last try at ``wait_s``."""
    deadline = time.monotonic() + wait_s
    delay = 1.0
    while True:
        try:
            return await upgrade_schema(url, pool_size)
        except Exception as error:
            left = deadline - time.monotonic()
            if not unavailable(error) or left <= 0:
                raise
        await asyncio.sleep(min(delay, left))
        delay = min(delay * 2, START_RETRY_MAX_S)


def _fail(message: str) -> NoReturn:
    from bot.runtime.logging import redactor

    print(redactor.text(message), file=sys.stderr)
    raise SystemExit(1)


def init_db(wait_s: float = RELEASE_WAIT_S) -> None:
    """The deployment guide's one-off command: ``python -c "from database import init_db; init_db()"``.

    Exits 2 on bad settings; 1 when the database stays unreachable for ``wait_s`` or refuses the
    URL's credentials: one line each, saying what to do, never a traceback or a secret."""
    from bot.runtime.config import SettingsError, load_settings
    from bot.runtime.logging import configure_logging

    try:
        settings = load_settings()
    except SettingsError as error:
        print(error, file=sys.stderr)  # names each variable, never a value
        raise SystemExit(2) from None
    configure_logging(settings.log_level, secrets=settings.secrets())
    url = settings.effective_database_url
    target = describe_target(url)
    started = time.monotonic()
    try:
        applied = asyncio.run(_upgrade_within(url, settings.database_pool_size, wait_s))
    except Exception as error:
        reason = f"{type(error).__name__}: {error}"
        if isinstance(error, _REFUSED):
            _fail(
                f"init_db: the database at {target} refused the connection ({reason}); "
                "check the user, password and database name in DATABASE_URL"
            )
        if not unavailable(error):
            raise
        waited = time.monotonic() - started
        _fail(
            f"init_db: the database at {target} could not be reached in {waited:.0f} s ({reason}); "
            "check DATABASE_URL and that the database is up (heroku pg:info)"
        )
    log.info("schema_ready", database=target, applied=len(applied))


def __getattr__(name: str) -> Any:
    # ``aerich`` reads ``bot.runtime.db.TORTOISE_ORM`` (aerich.toml); built from DATABASE_URL when asked.
    if name == "TORTOISE_ORM":
        import os

        return tortoise_config(os.environ.get("DATABASE_URL", "sqlite://data/bot.sqlite3"))
    raise AttributeError(name)
