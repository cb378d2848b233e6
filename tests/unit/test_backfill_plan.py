"""Which posts a backfill copies, in which order, and what its progress message says."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from bot.userbot.backfill_plan import MAX_POSTS, Amount, last_id, parse_amount, plan, restored
from bot.userbot.backfill_progress import BackfillCancelCb, Pace, cancel_keyboard, progress_text
from bot.userbot.interface import AccountMessage
from models.backfill import CANCELLED, DONE, FAILED, RUNNING, BackfillJob

CHAT = -1001000000777
DAY = 86_400.0
NOW = dt.datetime(2026, 12, 1, 12, tzinfo=dt.timezone.utc).timestamp()


class History:
    """A chat's history as the account pages it: newest first, ids below ``before_id``."""

    def __init__(self, messages: Sequence[AccountMessage], page: int = 3) -> None:
        self.messages = sorted(messages, key=lambda m: m.message_id, reverse=True)
        self.page = page
        self.requests: list[int] = []

    async def __call__(self, before_id: int) -> list[AccountMessage]:
        self.requests.append(before_id)
        below = [m for m in self.messages if not before_id or m.message_id < before_id]
        return below[: self.page]


def msg(message_id: int, *, day: float = 0, group: str | None = None, **extra: object):
    return AccountMessage(
        chat_id=CHAT,
        message_id=message_id,
        date=NOW - 30 * DAY + day * DAY,
        media_group_id=group,
        **extra,  # type: ignore[arg-type]
    )


def ids(units: list[list[dict[str, object]]]) -> list[list[int]]:
    return [[int(item["id"]) for item in unit] for unit in units]  # type: ignore[call-overload]


async def test_the_last_n_posts_come_oldest_first() -> None:
    history = History([msg(n) for n in range(1, 21)])
    assert ids(await plan(history, Amount(limit=5))) == [[16], [17], [18], [19], [20]]
    assert history.requests == [0, 18]  # two pages of three were enough


async def test_an_album_is_one_post_and_stays_whole_at_the_edge() -> None:
    messages = [msg(1), msg(2, group="a"), msg(3, group="a"), msg(4, group="a"), msg(5)]
    history = History(messages, page=2)  # the album straddles pages
    assert ids(await plan(history, Amount(limit=2))) == [[2, 3, 4], [5]]


async def test_service_and_protected_messages_are_left_out() -> None:
    messages = [msg(1), msg(2, service=True), msg(3, protected=True), msg(4)]
    assert ids(await plan(History(messages), Amount(limit=10))) == [[1], [4]]


async def test_posts_since_a_date_stop_at_the_first_older_message() -> None:
    messages = [msg(n, day=n) for n in range(1, 11)]  # one post a day
    since = NOW - 30 * DAY + 7 * DAY
    history = History(messages)
    assert ids(await plan(history, Amount(since=since))) == [[7], [8], [9], [10]]
    assert 0 not in history.requests[1:]  # never started over


async def test_a_short_history_gives_what_there_is() -> None:
    assert ids(await plan(History([msg(1), msg(2)]), Amount(limit=1000))) == [[1], [2]]
    assert await plan(History([]), Amount(limit=10)) == []


async def test_an_account_repeating_a_page_does_not_loop_forever() -> None:
    async def same_page(before_id: int) -> list[AccountMessage]:
        return [msg(5), msg(4)]

    assert ids(await plan(same_page, Amount(limit=100))) == [[4], [5]]


async def test_the_plan_counts_what_it_found_after_each_page() -> None:
    counts: list[int] = []

    async def found(count: int) -> None:
        counts.append(count)

    await plan(History([msg(n) for n in range(1, 8)]), Amount(limit=100), found=found)
    assert counts == [3, 6, 7]


async def test_no_plan_is_larger_than_the_limit() -> None:
    messages = [msg(n) for n in range(1, MAX_POSTS + 50)]
    units = await plan(History(messages, page=100), Amount(since=0))
    assert len(units) == MAX_POSTS
    assert last_id(units[-1]) == MAX_POSTS + 49


def test_a_planned_post_is_handed_back_as_it_was_read() -> None:
    original = (msg(7, group="g", reply_to_message_id=3), msg(8, group="g"))
    from bot.userbot.backfill_plan import stored

    again = restored(CHAT, [stored(m) for m in original])
    assert again == original


@pytest.mark.parametrize(
    ("typed", "amount"),
    [
        ("250", Amount(limit=250)),
        ("10,000", Amount(limit=10_000)),
        (" 1 000 ", Amount(limit=1000)),
        ("2026-11-01", Amount(since=dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc).timestamp())),
    ],
)
def test_the_owner_types_a_number_or_a_date(typed: str, amount: Amount) -> None:
    assert parse_amount(typed, now=NOW) == amount


@pytest.mark.parametrize("typed", ["0", "10001", "-5", "ten", "2026-13-01", "2027-01-01", ""])
def test_anything_else_is_refused(typed: str) -> None:
    assert parse_amount(typed, now=NOW) is None


def job(**fields: object) -> BackfillJob:
    values: dict[str, object] = {
        "id": 42,
        "rule_id": 7,
        "source_chat_id": CHAT,
        "source_title": "News <b>daily</b>",
        "mode": "last",
        "limit": 100,
        "planned": True,
        "total": 100,
        "done": 40,
        "status": RUNNING,
        "created_at": NOW - 600,
        "updated_at": NOW,
    }
    values.update(fields)
    return BackfillJob(**values)


def test_progress_shows_done_total_rate_time_left_and_flood_waits() -> None:
    text = progress_text(job(flood_waits=2, flood_seconds=35), Pace.of(40, 120, 60))
    assert "the last 100 posts · News &lt;b&gt;daily&lt;/b&gt; · rule #7" in text
    assert "40 of 100 posts (40%) · 20.0 posts/min" in text
    assert "About 3 min left" in text
    assert "Flood waits obeyed: 2 (35 s)" in text


def test_progress_while_the_history_is_read_and_while_waiting() -> None:
    reading = progress_text(job(planned=False, total=0, done=0), Pace.of(0, 0, 0), found=300)
    assert "Reading the history: 300 posts found so far" in reading
    waiting = progress_text(job(flood_waits=1, flood_seconds=12), Pace.of(1, 1, 1), waiting_s=12)
    assert "⏳ Waiting 12 s" in waiting


def test_progress_at_the_end_cancelled_done_failed() -> None:
    cancelled = progress_text(job(status=CANCELLED), Pace.of(40, 120, 60))
    assert "Cancelled: 40 of 100 posts done; the rest were not copied." in cancelled
    assert "About" not in cancelled
    done = job(
        status=DONE, done=100, started_at=NOW - 300, finished_at=NOW, mode="since",
        since=dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc).timestamp(), skipped=3,
    )  # fmt: skip
    text = progress_text(done, Pace.of(100, 300, 0))
    assert "the posts since 2026-11-01" in text
    assert "Done: 100 of 100 posts in 5 min (20.0 posts/min)." in text
    assert "3 skipped" in text
    failed = progress_text(job(status=FAILED, error="the chat <is> gone"), Pace(0, None))
    assert "Stopped: the chat &lt;is&gt; gone" in failed


def test_the_cancel_button_names_its_job() -> None:
    (row,) = cancel_keyboard(42).inline_keyboard
    assert row[0].text == "✖ Cancel"
    assert BackfillCancelCb.unpack(row[0].callback_data or "") == BackfillCancelCb(job_id=42)
