"""``.env``: read for a local run, beaten by the real environment, ignored on Heroku."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.runtime.config import Settings, SettingsError, load_settings
from tests.unit.test_config import ALL

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:ABC-DEF1234567890"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory and an environment with no setting in it."""
    for name in ALL:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_a_local_run_reads_its_settings_from_dot_env(workdir: Path) -> None:
    (workdir / ".env").write_text(
        f"# local settings\nTELEGRAM_BOT_TOKEN={TOKEN}\nOWNER_TELEGRAM_ID=777\nLOG_LEVEL=debug\n"
    )
    settings = load_settings()
    assert settings.telegram_bot_token.get_secret_value() == TOKEN
    assert settings.owner_telegram_id == 777
    assert settings.log_level == "DEBUG"


def test_a_real_environment_variable_wins_over_dot_env(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workdir / ".env").write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nOWNER_TELEGRAM_ID=777\n")
    monkeypatch.setenv("OWNER_TELEGRAM_ID", "555")
    assert load_settings().owner_telegram_id == 555


def test_settings_spread_over_dot_env_and_the_environment_are_checked_together(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workdir / ".env").write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nAPI_ID=12345\n")
    monkeypatch.setenv("OWNER_TELEGRAM_ID", "777")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert "API_HASH, PYROGRAM_SESSION_STRING: missing" in str(caught.value)
    assert ".env" in str(caught.value)


def test_on_heroku_dot_env_is_ignored(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (workdir / ".env").write_text(
        f"TELEGRAM_BOT_TOKEN={TOKEN}\nOWNER_TELEGRAM_ID=777\nDATABASE_URL=postgres://u:p@h/d\n"
        "ADMIN_CHAT_ID=1\nGROQ_API_KEY=gsk_from_file\n"
    )
    monkeypatch.setenv("DYNO", "worker.1")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    text = str(caught.value)
    for name in ("TELEGRAM_BOT_TOKEN", "OWNER_TELEGRAM_ID", "DATABASE_URL", "GROQ_API_KEY"):
        assert f"{name}: missing" in text
    assert "heroku config:set" in text


def test_the_example_file_lists_every_setting_and_loads_once_filled_in(workdir: Path) -> None:
    example = (ROOT / ".env.example").read_text()
    listed = {line.split("=", 1)[0] for line in example.splitlines() if not line.startswith("#")}
    expected = {name.upper() for name in Settings.model_fields} - {"DYNO"}
    assert expected <= listed

    filled = example.replace("TELEGRAM_BOT_TOKEN=\n", f"TELEGRAM_BOT_TOKEN={TOKEN}\n")
    filled = filled.replace("OWNER_TELEGRAM_ID=\n", "OWNER_TELEGRAM_ID=777\n")
    (workdir / ".env").write_text(filled)
    settings = load_settings()
    assert settings.owner_telegram_id == 777
    assert settings.effective_database_url.startswith("sqlite://")  # empty means unset
