"""A backfill's progress message: its text (done/total, rate, time left, flood waits obeyed), its
✖ Cancel button, and the one message edited as the job goes, at most every few seconds and
always at the end.

Callback data: ``bfx:<job_id>`` cancels a running backfill.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from dataclasses import dataclass

from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError, TelegramRetryAfter
from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.text_decorations import html_decoration

from bot.runtime.i18n import _
from bot.runtime.logging import get_logger
from models.backfill import CANCELLED, DONE, FAILED, SINCE, BackfillJob

log = get_logger(__name__)

EDIT_EVERY_S = 3.0  # Telegram tolerates an edit every few seconds of one message
FINAL_EDIT_TRIES = 3


class BackfillCancelCb(CallbackData, prefix="bfx"):
    job_id: int


def cancel_keyboard(job_id: int) -> InlineKeyboardMarkup:
    button = InlineKeyboardButton(
        text=_("✖ Cancel"), callback_data=BackfillCancelCb(job_id=job_id).pack()
    )
    return InlineKeyboardMarkup(inline_keyboard=[[button]])


@dataclass(frozen=True, slots=True)
class Pace:
    """How fast this run goes: posts per minute, and the seconds left at that rate."""

    per_minute: float
    left_s: float | None

    @classmethod
    def of(cls, done: int, elapsed_s: float, remaining: int) -> Pace:
        if done <= 0 or elapsed_s <= 0:
            return cls(0.0, None)
        per_s = done / elapsed_s
        return cls(per_s * 60, remaining / per_s)


def duration(seconds: float) -> str:
    """ "45 s", "12 min", "2 h 5 min"."""
    seconds = max(0, round(seconds))
    if seconds < 60:
        return _("{n} s").format(n=seconds)
    minutes = round(seconds / 60)
    if minutes < 60:
        return _("{n} min").format(n=minutes)
    return _("{h} h {m} min").format(h=minutes // 60, m=minutes % 60)


def what(job: BackfillJob) -> str:
    """ "the last 100 posts" or "the posts since 2026-11-01"."""
    if job.mode == SINCE and job.since is not None:
        day = dt.datetime.fromtimestamp(job.since, dt.timezone.utc).date().isoformat()
        return _("the posts since {day}").format(day=day)
    return _("the last {count} posts").format(count=job.limit or 0)


def progress_text(
    job: BackfillJob, pace: Pace, *, found: int | None = None, waiting_s: float | None = None
) -> str:
    """The message for a job as it is now (HTML). ``found``: posts found so far while the
    history is still being read; ``waiting_s``: the flood wait being obeyed now."""
    source = html_decoration.quote(job.source_title or str(job.source_chat_id))
    lines = [
        _("📜 <b>Backfill</b> of {what} · {source} · rule #{rule}").format(
            what=what(job), source=source, rule=job.rule_id
        )
    ]
    if job.status == CANCELLED:
        lines.append(
            _("✖ Cancelled: {done} of {total} posts done; the rest were not copied.").format(
                done=job.done, total=job.total
            )
        )
    elif job.status == DONE:
        took = (job.finished_at or time.time()) - (job.started_at or job.created_at)
        lines.append(
            _("✅ Done: {done} of {total} posts in {took} ({rate:.1f} posts/min).").format(
                done=job.done, total=job.total, took=duration(took), rate=pace.per_minute
            )
        )
    elif job.status == FAILED:
        lines.append(
            _("⚠️ Stopped: {error}\n{done} of {total} posts were done.").format(
                error=html_decoration.quote(job.error or ""), done=job.done, total=job.total
            )
        )
    elif not job.planned:
        lines.append(_("Reading the history: {found} posts found so far").format(found=found or 0))
    else:
        percent = 100 * job.done // job.total if job.total else 100
        lines.append(
            _("{done} of {total} posts ({percent}%) · {rate:.1f} posts/min").format(
                done=job.done, total=job.total, percent=percent, rate=pace.per_minute
            )
        )
        if pace.left_s is not None:
            lines.append(_("About {left} left").format(left=duration(pace.left_s)))
    if waiting_s is not None and job.status not in (CANCELLED, DONE, FAILED):
        lines.append(
            _("⏳ Waiting {wait}: Telegram asked the account to slow down").format(
                wait=duration(waiting_s)
            )
        )
    if job.planned and job.total == 0 and job.status == DONE:
        lines.append(_("Nothing to copy: no post matched."))
    if job.skipped:
        lines.append(
            _("{skipped} skipped (already copied, protected or deleted)").format(
                skipped=job.skipped
            )
        )
    lines.append(
        _("Flood waits obeyed: {count} ({seconds})").format(
            count=job.flood_waits, seconds=duration(job.flood_seconds)
        )
    )
    return "\n".join(lines)


class ProgressMessage:
    """The job's one message, edited in place: at most every ``every_s`` and at the end.

    An edit Telegram refuses (deleted, unchanged) is skipped; a flood wait before the last
    edit is waited out, so the final figures are always shown when the chat still exists."""

    def __init__(self, bot: Bot, job: BackfillJob, every_s: float = EDIT_EVERY_S) -> None:
        self.bot = bot
        self.job = job
        self.every_s = every_s
        self._last = 0.0
        self.edits = 0

    def due(self) -> bool:
        return time.monotonic() - self._last >= self.every_s

    async def show(self, text: str, *, final: bool = False) -> None:
        job = self.job
        if job.progress_chat_id is None or job.progress_message_id is None:
            return
        if not final and not self.due():
            return
        self._last = time.monotonic()
        markup = None if final else cancel_keyboard(job.id)
        for _try in range(FINAL_EDIT_TRIES if final else 1):
            try:
                await self.bot.edit_message_text(
                    text,
                    chat_id=job.progress_chat_id,
                    message_id=job.progress_message_id,
                    reply_markup=markup,
                )
                self.edits += 1
                return
            except TelegramRetryAfter as error:
                if not final:
                    return
                await asyncio.sleep(error.retry_after)
            except TelegramBadRequest as error:
                if "not modified" not in error.message:
                    log.info("backfill_progress_not_edited", error=error.message)
                return
            except TelegramNetworkError as error:
                log.info("backfill_progress_not_edited", error=str(error))
                if not final:
                    return
