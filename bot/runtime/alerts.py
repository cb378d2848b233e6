"""Alerts to ADMIN_CHAT_ID: one per distinct fault per window, with repeats counted, never spam.

A fault's first occurrence in a window is sent at once (unless the global cap of a few alerts a
minute is reached: then it waits for the next flush). Repeats inside the window are only counted;
``flush()`` (run every minute by the app, and at shutdown) sends one summary per fault that
repeated. Text is redacted of every secret and HTML-escaped. If the admin chat itself refuses, the
failure is logged and the bot goes on.

With ``shared=True`` (Postgres, any number of processes) the faults and the recent alerts live in
the database (``alert_faults``, ``alert_sends``): each decision is taken by one process at a time
under a transaction-scoped advisory lock, so the first process to report a fault in its window
sends it, the others add to its repeats, one summary counts them all and the cap holds for the
cluster. Decisions are rare, so this is plain ORM work in a short transaction; the alert itself
goes out after the commit. When the database can't be reached (the "database lost" alert is sent
exactly then) the process decides alone, as with ``shared=False``, and tries the database again a
few seconds later (``SharedLink``).

Alerts speak the owner's language (their /language choice, looked up at most once a minute; the
last one known while the database is away). Callers pass texts that fill placeholders as
``lazy_text(lambda: _("…").format(...))``: they are rendered here, in that language.
"""

from __future__ import annotations

import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from typing import Any, TypeVar

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError
from tortoise.backends.base.client import BaseDBAsyncClient
from tortoise.transactions import in_transaction

from bot.runtime.i18n import DEFAULT_LANGUAGE, _, in_locale, ngettext, owner_language
from bot.runtime.logging import get_logger, redactor
from bot.runtime.shared import SharedLink
from models import AlertFault, AlertSend

log = get_logger(__name__)

MAX_TEXT = 3500  # well inside Telegram's 4096, after escaping
CAP_WINDOW_S = 60.0
MAX_KEY = 255  # alert_faults.key
_LOCK_KEY = 0x4657414C  # "FWAL"
LANGUAGE_TTL_S = 60.0  # how long the owner's language is taken as known

T = TypeVar("T")


@dataclass
class _Fault:
    title: str
    detail: str
    window_start: float
    sent: bool = False
    repeats: int = 0  # occurrences not yet reported


@dataclass
class _Ledger:
    """What the throttle decides on: the faults in their window and the times of recent alerts.
    Its methods return the texts to send; sending is the caller's."""

    window_s: float
    max_per_minute: int
    faults: dict[str, _Fault] = field(default_factory=dict)
    recent: deque[float] = field(default_factory=deque)
    granted: list[float] = field(default_factory=list)  # sends allowed by this ledger

    def report(self, key: str, title: str, detail: str, now: float) -> tuple[list[str], bool]:
        """One occurrence: the texts to send, and whether the fault's own alert is among them."""
        fault = self.faults.get(key)
        if fault is not None and now - fault.window_start < self.window_s:
            fault.repeats += 1
            if fault.sent:
                return [], False
            first = self._first(fault, now)  # the first one still waits for the cap
            return first, bool(first)
        texts = self._summary(fault, now) if fault is not None and fault.sent else []
        fault = self.faults[key] = _Fault(title=title, detail=detail, window_start=now)
        first = self._first(fault, now)
        return texts + first, bool(first)

    def flush(self, now: float) -> list[str]:
        """What waited for the cap, and summaries of repeats whose window has ended."""
        texts: list[str] = []
        for key, fault in list(self.faults.items()):
            if not fault.sent:
                texts += self._first(fault, now)
            elif now - fault.window_start >= self.window_s:
                texts += self._summary(fault, now)
                del self.faults[key]
        return texts

    def _first(self, fault: _Fault, now: float) -> list[str]:
        if not self._allowed(now):
            return []
        text = f"⚠️ <b>{escape(fault.title)}</b>"
        if fault.detail:
            text += f"\n<code>{escape(redactor.text(fault.detail)[:MAX_TEXT])}</code>"
        if fault.repeats:
            count = fault.repeats + 1
            text += "\n" + ngettext(
                "(happened {count} time)", "(happened {count} times)", count
            ).format(count=count)
            fault.repeats = 0
        fault.sent = True
        return [text]

    def _summary(self, fault: _Fault, now: float) -> list[str]:
        if not fault.repeats or not self._allowed(now):
            return []
        minutes = max(1, round(self.window_s / 60))
        repeated = ngettext(
            "repeated {count} more time(s) in the last {minutes} min",
            "repeated {count} more time(s) in the last {minutes} min",
            fault.repeats,
        ).format(count=fault.repeats, minutes=minutes)
        text = f"⚠️ <b>{escape(fault.title)}</b>\n{repeated}"
        fault.repeats = 0
        return [text]

    def _allowed(self, now: float) -> bool:
        while self.recent and now - self.recent[0] >= CAP_WINDOW_S:
            self.recent.popleft()
        if len(self.recent) >= self.max_per_minute:
            return False
        self.recent.append(now)
        self.granted.append(now)
        return True


@dataclass
class Alerts:
    bot: Bot
    chat_id: int
    window_s: float = 600.0
    max_per_minute: int = 3
    clock: Callable[[], float] = time.monotonic
    sent_count: int = 0
    shared: bool = False
    link: SharedLink = field(default_factory=lambda: SharedLink("alerts"))
    owner_id: int = 0  # whose language the alerts speak; 0: English
    language_link: SharedLink = field(default_factory=lambda: SharedLink("alert_language"))
    _local: _Ledger = field(init=False)
    _language: str = field(init=False, default=DEFAULT_LANGUAGE)
    _language_until: float = field(init=False, default=float("-inf"))

    def __post_init__(self) -> None:
        self._local = _Ledger(self.window_s, self.max_per_minute)

    async def report(self, key: str, title: Any, detail: Any = "") -> bool:
        """Record one occurrence of a fault; True when an alert went out for it now.

        ``title`` and ``detail`` may be lazy texts (``__`` / ``lazy_text``): rendered here in the
        owner's language."""
        with in_locale(await self.language()):
            return await self._report(key, str(title), str(detail))

    async def _report(self, key: str, title: str, detail: str) -> bool:
        decided = None
        if self.shared:
            decided = await self.link.run(
                lambda: self._decide(
                    [key[:MAX_KEY]],
                    lambda ledger, now: ledger.report(key[:MAX_KEY], title, detail, now),
                )
            )
        if decided is None:
            decided = self._local.report(key, title, detail, self.clock())
        texts, first = decided
        await self._deliver_all(texts)
        return first

    async def report_exception(self, exc: BaseException, where: str) -> bool:
        frames = traceback.extract_tb(exc.__traceback__)
        origin = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
        key = f"{type(exc).__name__}@{origin}"
        detail = f"{type(exc).__name__}: {exc}"
        with in_locale(await self.language()):
            title = _("Unexpected error in {where}").format(where=where)
            return await self._report(key, title, detail)

    async def flush(self) -> None:
        """Send what waited for the cap and summaries of repeats whose window has ended (those
        this process counted alone too, while the database was away)."""
        with in_locale(await self.language()):
            await self._flush()

    async def language(self) -> str:
        """The owner's language, looked up at most once a minute; while the database is away,
        the last one known (English before any)."""
        now = self.clock()
        if self.owner_id and now >= self._language_until:
            self._language_until = now + LANGUAGE_TTL_S
            found = await self.language_link.run(lambda: owner_language(self.owner_id))
            if found is not None:
                self._language = found
        return self._language

    async def _flush(self) -> None:
        texts = self._local.flush(self.clock())
        if self.shared:
            texts += await self.link.run(lambda: self._decide(None, _Ledger.flush)) or []
        await self._deliver_all(texts)

    async def _decide(self, keys: list[str] | None, decide: Callable[[_Ledger, float], T]) -> T:
        """Run ``decide`` on the cluster's ledger (the faults ``keys``, or all) and store it."""
        async with in_transaction() as conn:
            await conn.execute_query("SELECT pg_advisory_xact_lock($1)", [_LOCK_KEY])
            _, rows = await conn.execute_query(
                "SELECT extract(epoch FROM clock_timestamp()) AS now"
            )
            now = float(rows[0]["now"])
            faults = AlertFault.all().using_db(conn)
            if keys is not None:
                faults = faults.filter(key__in=keys)
            stored = {row.key: row for row in await faults}
            recent = await (
                AlertSend.filter(sent_at__gt=now - CAP_WINDOW_S).using_db(conn).order_by("sent_at")
            )
            ledger = _Ledger(
                self.window_s,
                self.max_per_minute,
                faults={key: _fault_of(row) for key, row in stored.items()},
                recent=deque(row.sent_at for row in recent),
            )
            decided = decide(ledger, now)
            await _store(conn, ledger, stored, now)
        return decided

    async def _deliver_all(self, texts: list[str]) -> None:
        for text in texts:
            await self._deliver(text)

    async def _deliver(self, text: str) -> None:
        try:
            await self.bot.send_message(self.chat_id, redactor.text(text), parse_mode="HTML")
            self.sent_count += 1
        except (TelegramAPIError, TelegramNetworkError) as error:
            log.warning("alert_not_delivered", error=str(error), alert_chat_id=self.chat_id)


def _fault_of(row: AlertFault) -> _Fault:
    return _Fault(row.title, row.detail, row.window_start, row.sent, row.repeats)


async def _store(
    conn: BaseDBAsyncClient, ledger: _Ledger, stored: dict[str, AlertFault], now: float
) -> None:
    await AlertFault.filter(key__in=list(stored)).using_db(conn).delete()
    await AlertFault.bulk_create(
        [
            AlertFault(
                key=key,
                title=fault.title,
                detail=fault.detail,
                window_start=fault.window_start,
                sent=fault.sent,
                repeats=fault.repeats,
            )
            for key, fault in ledger.faults.items()
        ],
        using_db=conn,
    )
    await AlertSend.bulk_create([AlertSend(sent_at=at) for at in ledger.granted], using_db=conn)
    await AlertSend.filter(sent_at__lte=now - CAP_WINDOW_S).using_db(conn).delete()
