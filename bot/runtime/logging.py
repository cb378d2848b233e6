"""structlog set up once: JSON off a TTY, a console renderer on one, secrets stripped everywhere.

stdlib loggers (aiogram, tortoise, asyncpg, aiohttp, asyncio) go through the same processors and
renderer, so a library's message or traceback is redacted like our own. A secret is stripped in
every form it can take in a line: as written, percent-encoded (wholly or in part, either hex case,
``+`` for a space, as in a URL), and escaped for JSON, ``repr`` or HTML.
"""

from __future__ import annotations

import html
import json
import logging
import re
import sys
from collections.abc import Iterable
from typing import Any

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

# Shapes of secrets we may not know the value of (another bot's token, a URL with a password).
_PATTERNS = (
    re.compile(r"\b\d{5,20}:[A-Za-z0-9_-]{30,}\b"),  # Telegram bot tokens
    re.compile(r"\bgsk_[A-Za-z0-9]{10,}\b"),  # Groq keys
    re.compile(r"(?<=://)([^:/@\s]+):([^@\s]+)@"),  # user:password@ in URLs
)
MASK = "***"


_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _encodable(secret: str) -> str:
    """A regex for ``secret`` with any character URL encoding escapes written either way."""
    parts = []
    for char in secret:
        if char in _UNRESERVED:
            parts.append(re.escape(char))
            continue
        ways = [re.escape(char), "".join(f"%(?i:{byte:02x})" for byte in char.encode())]
        if char == " ":
            ways.append(r"\+")
        parts.append(f"(?:{'|'.join(ways)})")
    return "".join(parts)


def _forms(secret: str) -> list[str]:
    """The regexes for every form of ``secret`` a line may hold, longest first."""
    escaped = {json.dumps(secret)[1:-1], repr(secret)[1:-1], html.escape(secret)} - {secret}
    return [_encodable(secret), *(re.escape(form) for form in sorted(escaped, key=len)[::-1])]


class Redactor:
    """Replaces known secret values (in any of their forms) and secret-shaped strings with
    ``***``."""

    def __init__(self) -> None:
        self._secrets: list[str] = []
        self._known: re.Pattern[str] | None = None

    def add(self, secrets: Iterable[str]) -> None:
        merged = {*self._secrets, *(s for s in secrets if s)}
        self._secrets = sorted(merged, key=len, reverse=True)
        forms = [form for secret in self._secrets for form in _forms(secret)]
        self._known = re.compile("|".join(forms)) if forms else None

    def text(self, value: str) -> str:
        if self._known is not None:
            value = self._known.sub(MASK, value)
        for pattern in _PATTERNS:
            value = pattern.sub(_mask_match, value)
        return value

    def value(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.value(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self.value(v) for v in value)
        return value

    def __call__(self, _: WrappedLogger, __: str, event_dict: EventDict) -> EventDict:
        return {k: self.value(v) for k, v in event_dict.items()}


def _mask_match(match: re.Match[str]) -> str:
    if match.re is _PATTERNS[2]:
        return f"{match.group(1)}:{MASK}@"
    return MASK


redactor = Redactor()


class _RedactingStream:
    """Last line of defence: the rendered line itself is redacted before it is written."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        return int(self._stream.write(redactor.text(text)))

    def flush(self) -> None:
        self._stream.flush()


def configure_logging(
    level: str = "INFO", *, secrets: Iterable[str] = (), json: bool | None = None
) -> None:
    redactor.add(secrets)
    if json is None:
        json = not sys.stderr.isatty()
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
    ]
    renderer: Processor
    if json:
        transformer = structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
        shared.append(structlog.processors.ExceptionRenderer(transformer))
        renderer = structlog.processors.JSONRenderer()
    else:
        shared.append(structlog.processors.format_exc_info)
        renderer = structlog.dev.ConsoleRenderer(colors=False)
    shared.append(redactor)

    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.ExtraAdder(), *shared],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(_RedactingStream(sys.stderr))
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # Chatty libraries stay at WARNING unless we debug.
    quiet = logging.WARNING if level != "DEBUG" else logging.DEBUG
    # aiogram.event logs a line per update at INFO ("Update id=… is handled"): our own log
    # context says more, and at volume it costs 5-7 % of the CPU.
    for name in (
        "aiohttp.access",
        "tortoise",
        "asyncpg",
        "aiosqlite",
        "httpx",
        "httpcore",
        "aiogram.event",
    ):
        logging.getLogger(name).setLevel(quiet)


def get_logger(name: str | None = None) -> Any:
    return structlog.stdlib.get_logger(name)
