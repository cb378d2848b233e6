"""Alerts to ADMIN_CHAT_ID: one per distinct fault per window, with repeats counted, never spam.

A fault's first occurrence in a window is sent at once (unless the global cap of a few alerts a
minute is reached: then it waits for the next flush). Repeats inside the window are only counted;
``flush()`` (run every minute by the app, and at shutdown) sends one summary per fault that
repeated. Text is redacted of every secret and HTML-escaped. If the admin chat itself refuses, the
failure is logged and the bot goes on.
"""

from __future__ import annotations

import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramNetworkError

from bot.runtime.logging import get_logger, redactor

log = get_logger(__name__)

MAX_TEXT = 3500  # well inside Telegram's 4096, after escaping


@dataclass
class _Fault:
    title: str
    detail: str
    window_start: float
    sent: bool = False
    repeats: int = 0  # occurrences not yet reported


@dataclass
class Alerts:
    bot: Bot
    chat_id: int
    window_s: float = 600.0
    max_per_minute: int = 3
    clock: Callable[[], float] = time.monotonic
    sent_count: int = 0
    _faults: dict[str, _Fault] = field(default_factory=dict)
    _recent: deque[float] = field(default_factory=deque)

    async def report(self, key: str, title: str, detail: str = "") -> bool:
        """Record one occurrence of a fault; True when an alert went out for it now."""
        now = self.clock()
        fault = self._faults.get(key)
        if fault is not None and now - fault.window_start < self.window_s:
            if fault.sent:
                fault.repeats += 1
                return False
            fault.repeats += 1  # first one still waiting for the cap: keep counting
            return await self._try_send(fault, now)
        if fault is not None and fault.repeats and fault.sent:
            await self._send_summary(fault, now)
        fault = _Fault(title=title, detail=detail, window_start=now)
        self._faults[key] = fault
        return await self._try_send(fault, now)

    async def report_exception(self, exc: BaseException, where: str) -> bool:
        frames = traceback.extract_tb(exc.__traceback__)
        origin = f"{frames[-1].filename}:{frames[-1].lineno}" if frames else "?"
        key = f"{type(exc).__name__}@{origin}"
        title = f"Unexpected error in {where}"
        detail = f"{type(exc).__name__}: {exc}"
        return await self.report(key, title, detail)

    async def flush(self) -> None:
        """Send what waited for the cap and summaries of repeats whose window has ended."""
        now = self.clock()
        for key, fault in list(self._faults.items()):
            if not fault.sent:
                await self._try_send(fault, now)
            elif now - fault.window_start >= self.window_s:
                if fault.repeats:
                    await self._send_summary(fault, now)
                del self._faults[key]

    async def _try_send(self, fault: _Fault, now: float) -> bool:
        if not self._allowed(now):
            return False
        text = f"⚠️ <b>{escape(fault.title)}</b>"
        if fault.detail:
            text += f"\n<code>{escape(redactor.text(fault.detail)[:MAX_TEXT])}</code>"
        if fault.repeats:
            text += f"\n(happened {fault.repeats + 1} times)"
            fault.repeats = 0
        fault.sent = True
        await self._deliver(text)
        return True

    async def _send_summary(self, fault: _Fault, now: float) -> None:
        if not self._allowed(now):
            return
        minutes = max(1, round(self.window_s / 60))
        text = (
            f"⚠️ <b>{escape(fault.title)}</b>\n"
            f"repeated {fault.repeats} more time(s) in the last {minutes} min"
        )
        fault.repeats = 0
        await self._deliver(text)

    def _allowed(self, now: float) -> bool:
        while self._recent and now - self._recent[0] >= 60:
            self._recent.popleft()
        if len(self._recent) >= self.max_per_minute:
            return False
        self._recent.append(now)
        return True

    async def _deliver(self, text: str) -> None:
        try:
            await self.bot.send_message(self.chat_id, redactor.text(text), parse_mode="HTML")
            self.sent_count += 1
        except (TelegramAPIError, TelegramNetworkError) as error:
            log.warning("alert_not_delivered", error=str(error), alert_chat_id=self.chat_id)
