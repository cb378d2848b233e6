"""Settings: every environment variable the bot reads, validated, with errors a person can act on.

Outside production (no ``DYNO`` variable, which Heroku sets on every dyno) only the bot token and
the owner's id are needed: the database defaults to an embedded SQLite file, alerts go to the owner,
and AI steps fall back to each rule's failure policy when no Groq key is set. On Heroku all five
core variables are required.

A local run also reads ``.env`` in the working directory (``.env.example`` lists every setting);
a variable set in the environment wins over the file. On Heroku the file is ignored: config vars
are the only source.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_TELEGRAM_API_URL = "https://api.telegram.org"
DEFAULT_GROQ_MODEL = "openai/gpt-oss-20b"
DEFAULT_SQLITE_URL = "sqlite://data/bot.sqlite3"
ENV_FILE = ".env"

_TOKEN_RE = re.compile(r"^\d{1,20}:[A-Za-z0-9_-]{10,}$")
_API_HASH_RE = re.compile(r"^[0-9a-fA-F]{32}$")

# What each variable expects, shown next to its name when it is missing or malformed.
EXPECTS: dict[str, str] = {
    "TELEGRAM_BOT_TOKEN": "the bot token from @BotFather, like 123456:ABC-DEF…",
    "DATABASE_URL": "a postgres://user:password@host:port/dbname URL (Heroku sets it)",
    "ADMIN_CHAT_ID": "the numeric id of the chat that receives alerts, like 987654321 or -100…",
    "GROQ_API_KEY": "an API key from console.groq.com, like gsk_…",
    "OWNER_TELEGRAM_ID": "your numeric Telegram user id, like 123456789",
    "API_ID": "the numeric api_id from my.telegram.org",
    "API_HASH": "the 32-character api_hash from my.telegram.org",
    "PYROGRAM_SESSION_STRING": "a Pyrogram/kurigram session string",
    "LOG_LEVEL": "one of DEBUG, INFO, WARNING, ERROR, CRITICAL",
    "TELEGRAM_API_URL": "an http(s) URL of a Bot API server, like https://api.telegram.org",
    "GROQ_BASE_URL": "an http(s) URL of the Groq API, like https://api.groq.com",
    "GROQ_MODEL": "a Groq model id, like openai/gpt-oss-20b",
    "DATABASE_POOL_SIZE": "a whole number of connections between 1 and 100",
}

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", env_ignore_empty=True)

    telegram_bot_token: SecretStr
    owner_telegram_id: int = Field(gt=0)
    database_url: SecretStr | None = None
    admin_chat_id: int | None = None
    groq_api_key: SecretStr | None = None
    api_id: int | None = Field(default=None, gt=0)
    api_hash: SecretStr | None = None
    pyrogram_session_string: SecretStr | None = None
    log_level: LogLevel = "INFO"
    telegram_api_url: str = DEFAULT_TELEGRAM_API_URL
    groq_base_url: str | None = None
    groq_model: str = Field(default=DEFAULT_GROQ_MODEL, min_length=1, max_length=200)
    database_pool_size: int = Field(default=5, ge=1, le=100)
    # False only against a Bot API server without Telegram's limits (the stand-in's --no-flood).
    telegram_flood_limits: bool = True
    # Heroku sets DYNO on every dyno; its presence means production.
    dyno: str | None = None

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr) -> SecretStr:
        if not _TOKEN_RE.match(value.get_secret_value().strip()):
            raise ValueError("malformed")
        return SecretStr(value.get_secret_value().strip())

    @field_validator("api_hash")
    @classmethod
    def _hash_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _API_HASH_RE.match(value.get_secret_value().strip()):
            raise ValueError("malformed")
        return value

    @field_validator("telegram_api_url", "groq_base_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("malformed")
        return value.strip().rstrip("/")

    @field_validator("database_url")
    @classmethod
    def _db_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None:
            return None
        scheme = urlsplit(value.get_secret_value().strip()).scheme
        if scheme not in ("postgres", "postgresql", "sqlite"):
            raise ValueError("malformed")
        return value

    @property
    def production(self) -> bool:
        return self.dyno is not None

    @property
    def alert_chat_id(self) -> int:
        """Where alerts go: ADMIN_CHAT_ID, or the owner's private chat when it is unset."""
        return self.admin_chat_id if self.admin_chat_id is not None else self.owner_telegram_id

    @property
    def effective_database_url(self) -> str:
        if self.database_url is None:
            return DEFAULT_SQLITE_URL
        return self.database_url.get_secret_value().strip()

    @property
    def user_account_enabled(self) -> bool:
        return self.api_id is not None

    def secrets(self) -> list[str]:
        """Every secret value, so the log redactor can strip them from any output (it also
        matches their encoded forms). DATABASE_URL's password is given as written in the URL and
        decoded, as the database driver is given it."""
        values = [
            self.telegram_bot_token,
            self.groq_api_key,
            self.api_hash,
            self.pyrogram_session_string,
        ]
        found = [v.get_secret_value() for v in values if v is not None]
        if self.database_url is not None:
            password = urlsplit(self.database_url.get_secret_value()).password
            if password:
                found += [password, unquote(password)]
        return list(dict.fromkeys(s for s in found if len(s) >= 4))


class SettingsError(Exception):
    """Settings are missing or malformed; ``str()`` names each variable, never a value."""


def describe_errors(error: ValidationError) -> list[str]:
    """One line per bad variable: its name, missing or malformed, and what it expects."""
    lines = []
    for item in error.errors(include_input=False, include_url=False):
        name = str((item.get("loc") or ("settings",))[0]).upper()
        state = "missing" if item.get("type") == "missing" else "malformed"
        lines.append(f"{name}: {state}; expected {EXPECTS.get(name, 'a valid value')}")
    return lines


_USER_ACCOUNT = ("API_ID", "API_HASH", "PYROGRAM_SESSION_STRING")
_REQUIRED_ON_HEROKU = ("DATABASE_URL", "ADMIN_CHAT_ID", "GROQ_API_KEY")


def _cross_checks(env: Mapping[str, str]) -> list[str]:
    """Rules about several variables at once, judged on presence alone."""
    present = {name for name in (*_USER_ACCOUNT, *_REQUIRED_ON_HEROKU, "DYNO") if env.get(name)}
    problems = []
    given = [name for name in _USER_ACCOUNT if name in present]
    if given and len(given) != len(_USER_ACCOUNT):
        missing = ", ".join(name for name in _USER_ACCOUNT if name not in present)
        problems.append(
            f"{missing}: missing; API_ID, API_HASH and PYROGRAM_SESSION_STRING "
            "are set together or not at all"
        )
    if "DYNO" in present:
        problems.extend(
            f"{name}: missing (required on Heroku); expected {EXPECTS[name]}"
            for name in _REQUIRED_ON_HEROKU
            if name not in present
        )
    return problems


def _env_file() -> str | None:
    """``.env`` for a local run; None on Heroku, where config vars are the only source."""
    return None if os.environ.get("DYNO") else ENV_FILE


def _what_to_do(env_file: str | None) -> str:
    if env_file is None:
        return "Set them with `heroku config:set NAME=value` (README: Settings)."
    return f"Set them in the environment or in {env_file} (see .env.example)."


def load_settings() -> Settings:
    """Read settings from the process environment (and ``.env`` off Heroku) or raise
    SettingsError naming every problem."""
    env_file = _env_file()
    from_file = dotenv_values(env_file) if env_file else {}
    env = {
        key.upper(): value.strip()
        for key, value in {**from_file, **os.environ}.items()
        if value is not None
    }
    problems = _cross_checks(env)
    try:
        settings = Settings(_env_file=env_file)  # type: ignore[call-arg]
    except ValidationError as error:
        problems = describe_errors(error) + problems
    if problems:
        lines = [f"  - {p}" for p in problems]
        raise SettingsError("\n".join(["Configuration error:", *lines, _what_to_do(env_file)]))
    return settings
