"""Log output: JSON lines, secrets redacted from our events, library records and tracebacks."""

from __future__ import annotations

import json
import logging

import pytest

from bot.runtime.config import Settings
from bot.runtime.logging import Redactor, configure_logging, get_logger

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


PASSWORD = "p@ss:w0rd/Secret"
DB_URL = "postgres://app:p%40ss%3Aw0rd%2FSecret@db.example.com:5432/d1"


def test_every_form_of_a_secret_is_redacted(capsys: pytest.CaptureFixture[str]) -> None:
    settings = Settings(
        telegram_bot_token=TOKEN,  # type: ignore[arg-type]
        owner_telegram_id=1,
        database_url=DB_URL,  # type: ignore[arg-type]
        groq_api_key="gsk_live_key_value",  # type: ignore[arg-type]
        pyrogram_session_string="AgAA+session/string==",  # type: ignore[arg-type]
    )
    configure_logging("INFO", secrets=settings.secrets(), json=True)
    log = get_logger("test")
    forms = [
        PASSWORD,  # decoded, as the driver gets it
        "p%40ss%3Aw0rd%2FSecret",  # as written in DATABASE_URL
        "p%40ss%3aw0rd%2fSecret",  # lower-case hex
        "p%40ss:w0rd/Secret",  # partly encoded
        TOKEN.replace(":", "%3A"),  # the token in a URL
        "AgAA%2Bsession%2Fstring%3D%3D",  # the session string in a query
        "gsk_live_key_value",
    ]
    for form in forms:
        try:
            raise ConnectionError(f"could not connect with {form} to db.example.com")
        except ConnectionError:
            log.exception("db_failed", detail=f"password {form!r} refused")
    logging.getLogger("asyncpg").error("auth failed for %s", f"password={PASSWORD}")
    out = capsys.readouterr().err
    for form in [*forms, TOKEN, "w0rd", "session/string", "AAHsecret"]:
        assert form not in out
    assert json.dumps(PASSWORD)[1:-1] not in out and "p@ss" not in out
    lines = [json.loads(line) for line in out.splitlines()]
    assert len(lines) == len(forms) + 1
    assert lines[0]["detail"] == "password '***' refused"
    assert lines[-1]["event"] == "auth failed for password=***"


def test_the_redactor_knows_escaped_forms_of_a_secret() -> None:
    redactor = Redactor()
    redactor.add(['my "secret" pass'])
    for form in ('my "secret" pass', r"my \"secret\" pass", "my &quot;secret&quot; pass"):
        assert redactor.text(f"<{form}>") == "<***>"
    assert redactor.text("a=my+%22secret%22+pass&b=1") == "a=***&b=1"
    assert redactor.text("my secret pass") == "my secret pass"
