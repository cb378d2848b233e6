"""Quiet hours and pacing per destination chat, read by the outbox's claim.

A destination may have a quiet window (minutes of the day in the owner's one time zone; it may wrap
midnight, 23:00–07:00) and a minimum interval between its posts. Both are kept where every dyno
sees the same thing at the same moment: a post is claimable only when its chat is not *held* (in
its quiet window now, or still inside the interval since its last post), and that test is part of
the claim statement itself on Postgres (``HELD_PG``), with the owner's time zone read there too.
The interval's clock, ``next_at``, is written in the transaction that records a post as sent
(:func:`mark_sent`); since the claim never hands out two posts of one chat at a time (the head
rule in ``rows.py``), the next post of that chat sees the new ``next_at`` or is not the head yet:
any number of claimers keep the interval. A burst therefore leaves in source order, one post per
interval; a post due in quiet hours (its rule's delay included) leaves when the window ends.

Edits of copies already sent are neither held nor paced: they change a message the chat already
has. An edit may also go ahead of posts of its chat that only wait for their time (a delay, quiet
hours, the interval) and were never tried.

On SQLite (one process, no time zones in SQL) the same test runs here, in :func:`held_chats`.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from tortoise import connections
from tortoise.expressions import F

from bot.runtime.db import is_postgres
from bot.runtime.i18n import _
from models import DestinationPacing, OwnerSettings

DAY_MINUTES = 24 * 60
MAX_INTERVAL_S = 24 * 3600
DEFAULT_TIMEZONE = "UTC"

_QUIET_NOW = """CASE WHEN p.quiet_start < p.quiet_end
             THEN c.minute >= p.quiet_start AND c.minute < p.quiet_end
             ELSE c.minute >= p.quiet_start OR c.minute < p.quiet_end END"""

# The chats that take no post at the time ``$3`` (the claim's "now"): a common table expression
# for the claim statement (``rows.CLAIM_PG``).
HELD_PG = f"""
tz AS (SELECT COALESCE((SELECT timezone FROM owner_settings WHERE id = 1), 'UTC') AS name),
c AS (
    SELECT (EXTRACT(HOUR FROM to_timestamp($3) AT TIME ZONE tz.name) * 60
            + EXTRACT(MINUTE FROM to_timestamp($3) AT TIME ZONE tz.name))::int AS minute
    FROM tz),
held AS (
    SELECT p.chat_id FROM destination_pacing p, c
    WHERE p.next_at > $3 OR (p.quiet_start IS NOT NULL AND {_QUIET_NOW}))"""


@dataclass(frozen=True, slots=True)
class Window:
    """Quiet hours: from ``start`` to ``end`` (minutes of the day), wrapping midnight when
    ``start > end``."""

    start: int
    end: int

    def __contains__(self, minute: int) -> bool:
        if self.start < self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end

    def __str__(self) -> str:
        return f"{clock(self.start)}–{clock(self.end)}"


@dataclass(frozen=True, slots=True)
class Pacing:
    """A destination's settings as the owner sees them."""

    chat_id: int
    quiet: Window | None = None
    interval_s: int = 0


def clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


_TIME = r"([01]?\d|2[0-3])[:.h]([0-5]\d)"
_WINDOW = re.compile(rf"^\s*{_TIME}\s*(?:-|–|—|to)\s*{_TIME}\s*$", re.IGNORECASE)


def parse_window(text: str) -> Window:
    """``HH:MM-HH:MM`` (also ``23.00–7.00``, ``22:30 to 06:00``) as a window; ValueError says
    what to send instead."""
    found = _WINDOW.match(text)
    if found is None:
        raise ValueError(_("Send the quiet hours as HH:MM-HH:MM, for example 23:00-07:00."))
    h1, m1, h2, m2 = (int(part) for part in found.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start == end:
        raise ValueError(_("The quiet hours must start and end at different times."))
    return Window(start, end)


def parse_interval(text: str) -> int:
    """A typed interval as seconds: ``90`` or ``90s``, ``5m``/``5 min``, ``1h``; bare numbers are
    minutes. ValueError says what to send instead."""
    found = re.fullmatch(r"\s*(\d{1,5})\s*(s|sec|m|min|h)?\s*", text.lower())
    if found is None:
        raise ValueError(_("Send the interval in minutes (5), or with a unit: 90s, 5m, 1h."))
    number, unit = int(found.group(1)), found.group(2) or "min"
    seconds = number * {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}[unit]
    if seconds > MAX_INTERVAL_S:
        raise ValueError(_("The interval can be at most 24 hours."))
    return seconds


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    return {name.lower(): name for name in zoneinfo.available_timezones()}


def parse_timezone(text: str) -> str:
    """An IANA time zone name (``Europe/Moscow``; any letter case) as spelled in the database of
    time zones; ValueError says what to send instead."""
    name = _zone_names().get(text.strip().replace(" ", "_").lower())
    if name is None:
        raise ValueError(
            _("That is not a time zone name. Send one like Europe/Moscow, America/New_York or UTC.")
        )
    return name


def minute_of_day(now: float, timezone: str) -> int:
    local = datetime.fromtimestamp(now, zoneinfo.ZoneInfo(timezone))
    return local.hour * 60 + local.minute


def duration_label(seconds: int) -> str:
    """A duration as the screens say it: none, 90 s, 5 min, 1 h 30 min (in the owner's
    language)."""
    if not seconds:
        return _("none")
    minutes, rest = divmod(seconds, 60)
    if rest:
        return _("{count} s").format(count=seconds)
    hours, minutes = divmod(minutes, 60)
    parts = [_("{count} h").format(count=hours)] if hours else []
    if minutes:
        parts.append(_("{count} min").format(count=minutes))
    return " ".join(parts)


# -- stored settings ----------------------------------------------------------------------------


async def timezone() -> str:
    row = await OwnerSettings.get_or_none(id=1)
    return row.timezone if row is not None else DEFAULT_TIMEZONE


async def set_timezone(name: str) -> str:
    """Store the owner's time zone (validated by :func:`parse_timezone`, and on Postgres known to
    the server too, since the claim reads it there); the name stored."""
    name = parse_timezone(name)
    if is_postgres():
        try:
            await connections.get("default").execute_query(
                "SELECT to_timestamp(0) AT TIME ZONE $1", [name]
            )
        except Exception as error:
            if "time zone" not in str(error):
                raise
            raise ValueError(
                _("The database does not know that time zone; choose another.")
            ) from None
    await OwnerSettings.update_or_create(defaults={"timezone": name}, id=1)
    return name


async def pacing_of(chat_id: int) -> Pacing:
    row = await DestinationPacing.get_or_none(chat_id=chat_id)
    return _pacing(row) if row is not None else Pacing(chat_id)


async def all_pacing() -> dict[int, Pacing]:
    return {row.chat_id: _pacing(row) for row in await DestinationPacing.all()}


async def set_quiet(chat_id: int, window: Window | None) -> None:
    start, end = (window.start, window.end) if window else (None, None)
    await DestinationPacing.update_or_create(
        defaults={"quiet_start": start, "quiet_end": end}, chat_id=chat_id
    )


async def set_interval(chat_id: int, seconds: int) -> None:
    """A new interval counts from the chat's last post, as the old one did."""
    if not 0 <= seconds <= MAX_INTERVAL_S:
        raise ValueError(_("The interval can be at most 24 hours."))
    row, _created = await DestinationPacing.get_or_create(chat_id=chat_id)
    last_post = row.next_at - row.interval_s if row.interval_s else 0.0
    next_at = last_post + seconds if seconds and last_post else 0.0
    await DestinationPacing.filter(chat_id=chat_id).update(interval_s=seconds, next_at=next_at)


async def mark_sent(chat_id: int, now: float) -> None:
    """A post went to ``chat_id`` at ``now``: its next post waits the chat's interval (run in the
    transaction that records the send)."""
    await DestinationPacing.filter(chat_id=chat_id, interval_s__gt=0).update(
        next_at=F("interval_s") + now
    )


async def held_chats(now: float) -> list[int]:
    """The chats that take no post at ``now`` (the SQLite claim; Postgres uses ``HELD_PG``)."""
    rows = await DestinationPacing.all()
    if not rows:
        return []
    minute = minute_of_day(now, await timezone())
    return [
        row.chat_id
        for row in rows
        if row.next_at > now or ((quiet := _pacing(row).quiet) is not None and minute in quiet)
    ]


def _pacing(row: DestinationPacing) -> Pacing:
    quiet = None
    if row.quiet_start is not None and row.quiet_end is not None:
        quiet = Window(row.quiet_start, row.quiet_end)
    return Pacing(row.chat_id, quiet, row.interval_s)
