"""Log output: JSON lines, secrets redacted from our events, library records and tracebacks."""

from __future__ import annotations

import json
import logging

import pytest

from bot.runtime.logging import configure_logging, get_logger

TOKEN = "123456:AAHsecretSECRETsecretSECRETsecret00"


def test_secrets_never_reach_the_output(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("INFO", secrets=[TOKEN, "dbpassw0rd", "gsk_live_key_value"], json=True)
    log = get_logger("test")
    try:
        raise RuntimeError(f"request to /bot{TOKEN}/getMe failed with gsk_live_key_value")
    except RuntimeError:
        log.exception("call_failed", url="postgres://app:dbpassw0rd@host:5432/db")
    logging.getLogger("aiogram.event").error("library says %s", TOKEN)
    logging.getLogger("asyncpg").warning("password dbpassw0rd rejected")
    out = capsys.readouterr().err
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["event"] for line in lines][:2] == ["call_failed", "library says ***"]
    for secret in (TOKEN, "dbpassw0rd", "gsk_live_key_value", "AAHsecret"):
        assert secret not in out
    assert lines[0]["exception"][0]["exc_type"] == "RuntimeError"


def test_log_level_is_honoured(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("WARNING", json=True)
    get_logger("test").info("quiet")
    get_logger("test").warning("loud")
    events = [json.loads(line)["event"] for line in capsys.readouterr().err.splitlines()]
    assert events == ["loud"]
