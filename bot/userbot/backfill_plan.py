"""Which history posts a backfill copies: paging the account's history, newest first, until
enough posts are found or the date is passed; then the plan in source order (oldest first).

A post is one message or one whole album (items sharing a ``media_group_id``, which Telegram
numbers consecutively). Service messages (joins, pins, title changes) are never part of a plan,
nor are protected messages (copying them is refused, and never circumvented). Pure apart from the
one ``fetch`` callable, so the tests drive it with plain lists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.userbot.interface import AccountMessage

MAX_POSTS = 10_000  # one backfill copies at most this many posts
PAGE_SIZE = 100  # messages per history request (Telegram's own maximum)
QUICK_COUNTS = (10, 50, 100, 1000)  # the buttons of the "how many" screen

Fetch = Callable[[int], Awaitable[Sequence[AccountMessage]]]
"""One page of history with ids below ``before_id`` (0: the latest), newest first."""
Found = Callable[[int], Awaitable[None]]
"""Told how many posts the plan holds so far, after each page (for the progress message)."""

Unit = list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Amount:
    """What the owner asked for: the last ``limit`` posts, or those since ``since`` (epoch s)."""

    limit: int | None = None
    since: float | None = None

    @property
    def mode(self) -> str:
        return "since" if self.since is not None else "last"


def parse_amount(text: str, *, now: float) -> Amount | None:
    """A typed number of posts (1 to MAX_POSTS, thousands separators allowed) or a date
    ``YYYY-MM-DD`` (UTC midnight, not in the future); None for anything else."""
    words = text.strip()
    digits = words.replace(",", "").replace("_", "").replace(" ", "")
    if digits.isdigit():
        count = int(digits)
        return Amount(limit=count) if 1 <= count <= MAX_POSTS else None
    try:
        day = dt.date.fromisoformat(words)
    except ValueError:
        return None
    since = dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc).timestamp()
    return Amount(since=since) if since <= now else None


def stored(message: AccountMessage) -> dict[str, Any]:
    """What a plan keeps of a message: enough to hand it to the relay after a restart."""
    item: dict[str, Any] = {"id": message.message_id, "date": message.date}
    if message.media_group_id:
        item["group"] = message.media_group_id
    if message.reply_to_message_id:
        item["reply"] = message.reply_to_message_id
    return item


def restored(chat_id: int, unit: Unit) -> tuple[AccountMessage, ...]:
    """The messages of a planned post, as the relay takes them."""
    return tuple(
        AccountMessage(
            chat_id=chat_id,
            message_id=int(item["id"]),
            date=float(item["date"]),
            media_group_id=item.get("group"),
            reply_to_message_id=item.get("reply"),
        )
        for item in unit
    )


def last_id(unit: Unit) -> int:
    return max(int(item["id"]) for item in unit)


async def plan(fetch: Fetch, amount: Amount, *, found: Found | None = None) -> list[Unit]:
    """The posts to copy, oldest first, each with its messages in order.

    Reads pages until ``amount.limit`` posts are complete (an album at the edge is complete once
    a message of another post is seen below it), a message older than ``amount.since`` appears,
    MAX_POSTS are found, or the history ends."""
    limit = min(amount.limit or MAX_POSTS, MAX_POSTS)
    units: list[Unit] = []  # newest first while reading
    group: str | None = None  # the album the newest-first reading is in
    before = 0
    while True:
        page = await fetch(before)
        lowest = min((m.message_id for m in page), default=0)
        if not page or (before and lowest >= before):
            break  # the history ended (or the account repeated itself: no endless loop)
        for message in sorted(page, key=lambda m: m.message_id, reverse=True):
            if amount.since is not None and message.date < amount.since:
                return _in_source_order(units)
            if message.service or message.protected:
                continue
            if message.media_group_id and message.media_group_id == group and units:
                units[-1].append(stored(message))
                continue
            if len(units) >= limit:
                return _in_source_order(units)
            units.append([stored(message)])
            group = message.media_group_id
        before = lowest
        if found is not None:
            await found(len(units))
    return _in_source_order(units)


def _in_source_order(units: list[Unit]) -> list[Unit]:
    return [sorted(unit, key=lambda item: int(item["id"])) for unit in reversed(units)]
