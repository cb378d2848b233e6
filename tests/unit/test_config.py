"""Settings: clear errors naming each bad variable, never echoing a value."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.runtime.config import SettingsError, load_settings
from bot.runtime.db import connection_config

ALL = [
    "TELEGRAM_BOT_TOKEN",
    "DATABASE_URL",
    "ADMIN_CHAT_ID",
    "GROQ_API_KEY",
    "OWNER_TELEGRAM_ID",
    "API_ID",
    "API_HASH",
    "PYROGRAM_SESSION_STRING",
    "LOG_LEVEL",
    "TELEGRAM_API_URL",
    "GROQ_BASE_URL",
    "GROQ_MODEL",
    "DATABASE_POOL_SIZE",
    "DYNO",
]


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """No setting in the environment, and no developer's .env either (an empty directory)."""
    for name in ALL:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return monkeypatch


@pytest.fixture
def local(env: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The two settings a local run needs, valid; nothing else set."""
    env.setenv("TELEGRAM_BOT_TOKEN", "123456:ABC-DEF1234567890")
    env.setenv("OWNER_TELEGRAM_ID", "777")
    return env


def test_local_run_needs_only_token_and_owner(local: pytest.MonkeyPatch) -> None:
    settings = load_settings()
    assert settings.effective_database_url.startswith("sqlite://")
    assert settings.alert_chat_id == 777
    assert settings.log_level == "INFO"
    assert settings.groq_model == "openai/gpt-oss-20b"


def test_each_bad_variable_is_named_without_its_value(env: pytest.MonkeyPatch) -> None:
    env.setenv("TELEGRAM_BOT_TOKEN", "not-a-token-SECRET")
    env.setenv("OWNER_TELEGRAM_ID", "abc")
    env.setenv("LOG_LEVEL", "loud")
    env.setenv("DATABASE_URL", "mysql://u:SECRETPW@h/db")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    text = str(caught.value)
    for name in ("TELEGRAM_BOT_TOKEN", "OWNER_TELEGRAM_ID", "LOG_LEVEL", "DATABASE_URL"):
        assert name in text
    assert "SECRET" not in text and "SECRETPW" not in text


def test_heroku_requires_the_core_variables(local: pytest.MonkeyPatch) -> None:
    local.setenv("DYNO", "worker.1")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    for name in ("DATABASE_URL", "ADMIN_CHAT_ID", "GROQ_API_KEY"):
        assert name in str(caught.value)


def test_user_account_variables_come_together(local: pytest.MonkeyPatch) -> None:
    local.setenv("API_ID", "12345")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "API_HASH, PYROGRAM_SESSION_STRING: missing" in str(caught.value)
    local.setenv("API_HASH", "0123456789abcdef0123456789abcdef")
    local.setenv("PYROGRAM_SESSION_STRING", "AgAAAsession")
    assert load_settings().user_account_enabled


def test_heroku_postgres_gets_ssl_required_but_not_verified() -> None:
    creds = connection_config("postgres://u:p%40ss@ec2-1-2-3-4.compute-1.amazonaws.com:5432/d1")[
        "credentials"
    ]
    assert creds["password"] == "p@ss"
    ssl = creds["ssl"]
    assert ssl is not False and ssl.check_hostname is False and ssl.verify_mode == 0
    local = connection_config("postgres://postgres@127.0.0.1:5432/test")["credentials"]
    assert local["ssl"] is False
    verified = connection_config("postgres://u:p@db.example.com/d?sslmode=verify-full")
    assert verified["credentials"]["ssl"].check_hostname is True


def test_the_database_password_is_a_secret_as_written_and_decoded(
    local: pytest.MonkeyPatch,
) -> None:
    local.setenv("DATABASE_URL", "postgres://app:p%40ss%3Aw0rd%2FSecret@db.example.com:5432/d1")
    local.setenv("GROQ_API_KEY", "gsk_live_key_value")
    secrets = load_settings().secrets()
    assert {"p%40ss%3Aw0rd%2FSecret", "p@ss:w0rd/Secret", "gsk_live_key_value"} <= set(secrets)
    assert "123456:ABC-DEF1234567890" in secrets
    assert len(secrets) == len(set(secrets))
