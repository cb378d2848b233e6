"""History backfill as the owner meets it: from the rule card, through the user account (the
stand-in's fake), into the destination in source order, with one progress message edited as it
goes and a ✖ Cancel button on it.

The history is written before the account exists, so the account sees it only as history, never
as live posts.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Callable
from typing import Any

import asyncpg
import pytest

from bot.app import BotApp
from bot.middlewares.access import CALLBACK_REFUSAL
from bot.userbot.backfill_progress import BackfillCancelCb
from models.backfill import CANCELLED, DONE, RUNNING, BackfillJob
from sandbox.account import StandInAccount
from tests.conftest import wait_until
from tests.e2e.conftest import OWNER, STRANGER, World, drained, running
from tests.e2e.test_rules_menu import buttons, open_card, press, send

HISTORY = -1001000000611  # read through the account; the bot is not in it
OTHER = -1001000000612  # a channel the bot reads, the account does not
DEST = -1001000000613

pytestmark = pytest.mark.no_flood


@pytest.fixture
def chats(world: World) -> World:
    # The bot's own pacing to Telegram's limits is not what is tested here.
    world.settings = world.settings.model_copy(update={"telegram_flood_limits": False})
    world.tg.add_chat("channel", "History", chat_id=HISTORY)
    world.channel("Other", OTHER)
    world.channel("Archive", DEST)
    return world


def write_history(world: World, count: int, *, days_ago: Callable[[int], float] | None = None):
    """``count`` posts in the history channel, oldest first (``days_ago(n)``: post n's age)."""
    texts = [f"archive post {n}" for n in range(count)]
    for n, text in enumerate(texts):
        post = world.tg.channel_post(HISTORY, text)
        if days_ago is not None:  # written long ago
            stored = world.tg.state.chats[HISTORY].messages[post["message_id"]]
            stored.data["date"] = int(time.time() - days_ago(n) * 86_400)
    return texts


def with_account(world: World) -> dict[str, Any]:
    """The owner's account, a member of the history channel; the bot's options to use it."""
    session = world.tg.add_account(OWNER)["session"]
    world.tg.set_member(HISTORY, OWNER, "member")
    return {"account_factory": lambda settings: StandInAccount(world.tg.url, session)}


async def create_rule(app: BotApp, *, other_source: bool = False) -> int:
    assert app.services is not None
    sources: list[dict[str, Any]] = [{"chat_id": HISTORY, "title": "History", "via": "account"}]
    if other_source:
        sources.append({"chat_id": OTHER, "title": "Other"})
    data = {"name": "archive", "sources": sources, "destinations": [{"chat_id": DEST}]}
    return (await app.services.rules.create(data, created_by=OWNER)).id


async def connected(app: BotApp) -> None:
    assert app.services is not None
    await wait_until(lambda: app.services is not None and app.services.account.account)


async def amount_screen(world: World, app: BotApp) -> dict[str, Any]:
    card = await open_card(world, app, "archive")
    return (await press(world, app, card, "📜 Backfill")).message


async def job_ended(status: str = DONE, timeout: float = 20) -> BackfillJob:
    async def ended() -> BackfillJob | None:
        job = await BackfillJob.first()
        return job if job is not None and job.status == status else None

    found: BackfillJob = await wait_until(ended, timeout=timeout, message=f"a job {status}")
    return found


def progress(world: World, job: BackfillJob) -> dict[str, Any]:
    assert job.progress_message_id is not None
    return world.tg.message(OWNER, job.progress_message_id)


def edits_of(world: World, job: BackfillJob) -> int:
    return sum(
        1
        for call in world.tg.calls_to("editMessageText")
        if call.ok and int(call.params.get("message_id", 0)) == job.progress_message_id
    )


async def test_owner_backfills_the_last_posts_in_source_order(chats: World) -> None:
    texts = write_history(chats, 30)
    async with running(chats, **with_account(chats)) as app:
        await create_rule(app, other_source=True)
        await connected(app)
        card = await open_card(chats, app, "archive")
        sources = (await press(chats, app, card, "📜 Backfill")).message
        assert "Which source?" in sources["text"]
        assert list(buttons(sources)) == ["History", "Other", "« Back to rule"]

        screen = (await press(chats, app, sources, "History")).message
        assert "How many?" in screen["text"]
        assert list(buttons(screen)) == [
            "Last 10",
            "Last 50",
            "Last 100",
            "Last 1000",
            "« Back to rule",
        ]
        started = await press(chats, app, screen, "Last 10")
        assert started.notice == "Backfill started: its progress is in the message below."

        job = await job_ended()
        await chats.tg.wait_for(lambda: len(chats.texts(DEST)) == 10)
        await drained(chats, app)
        assert chats.texts(DEST) == texts[-10:]
        assert (job.done, job.total) == (10, 10)
        final = progress(chats, job)
        assert "✅ Done: 10 of 10 posts" in final["text"]
        assert "Flood waits obeyed: 0" in final["text"]
        assert "reply_markup" not in final  # nothing left to cancel
        assert edits_of(chats, job) >= 1


async def test_an_album_in_the_history_arrives_as_one_album(chats: World) -> None:
    chats.tg.channel_post(HISTORY, "before the photos")
    chats.tg.post_album(HISTORY, [{"photo": True, "caption": "Three photos"}, {"photo": True}])
    chats.tg.channel_post(HISTORY, "after the photos")
    async with running(chats, **with_account(chats)) as app:
        await create_rule(app)
        await connected(app)
        screen = await amount_screen(chats, app)
        await press(chats, app, screen, "Last 10")
        job = await job_ended()
        await chats.tg.wait_for(lambda: len(chats.replies(DEST)) == 4)
        await drained(chats, app)
    got = chats.replies(DEST)
    assert [m.get("text") or m.get("caption") for m in got] == [
        "before the photos", "Three photos", None, "after the photos",
    ]  # fmt: skip
    assert got[1]["media_group_id"] == got[2]["media_group_id"] is not None
    assert (job.done, job.total) == (3, 3)  # an album is one post


async def test_a_source_the_account_cannot_read_is_refused_with_the_reason(
    chats: World,
) -> None:
    async with running(chats, **with_account(chats)) as app:
        await create_rule(app, other_source=True)
        await connected(app)
        sources = await amount_screen(chats, app)
        refused = await press(chats, app, sources, "Other")
        assert refused.notice.startswith("Your account cannot read Other")
        assert not await BackfillJob.exists()


async def test_owner_backfills_the_posts_since_a_typed_date(chats: World) -> None:
    texts = write_history(chats, 10, days_ago=lambda n: 20 - 2 * n)  # 20, 18, … 2 days ago
    since = (dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=7)).date().isoformat()
    async with running(chats, **with_account(chats)) as app:
        await create_rule(app)
        await connected(app)
        await amount_screen(chats, app)
        hint = await send(chats, app, "yesterday")
        assert "Send a number of posts (1 to 10,000) or a date as YYYY-MM-DD" in hint["text"]
        reply = await send(chats, app, since)
        assert reply["text"] == "Backfill started: its progress is in the message below."

        job = await job_ended()
        await chats.tg.wait_for(lambda: len(chats.texts(DEST)) == 3)
        await drained(chats, app)
        assert chats.texts(DEST) == texts[-3:]  # 6, 4 and 2 days ago
        assert f"the posts since {since}" in progress(chats, job)["text"]


async def test_owner_cancels_from_the_progress_message_a_stranger_cannot(chats: World) -> None:
    write_history(chats, 5)
    account = with_account(chats)
    chats.tg.account_fail_next(OWNER, "FLOOD_WAIT", seconds=600, method="copy")
    async with running(chats, **account) as app:
        await create_rule(app)
        await connected(app)
        screen = await amount_screen(chats, app)
        await press(chats, app, screen, "Last 10")
        waiting = await wait_until(lambda: BackfillJob.filter(flood_waits=1).first())
        message = progress(chats, waiting)
        assert "✖ Cancel" in buttons(message)
        cancel = BackfillCancelCb(job_id=waiting.id).pack()
        stranger = await press(chats, app, message, data=cancel, user=STRANGER)
        assert stranger.notice == CALLBACK_REFUSAL
        assert await BackfillJob.filter(id=waiting.id, status=RUNNING).exists()

        pressed = await press(chats, app, message, "✖ Cancel")
        assert pressed.notice == "Backfill cancelled."
        job = await job_ended(CANCELLED, timeout=5)  # the 600 s wait did not hold it
        await chats.tg.wait_for(
            lambda: "Cancelled: 0 of 5 posts done" in progress(chats, job)["text"]
        )
        assert "reply_markup" not in progress(chats, job)
        again = await press(chats, app, message, data=cancel)
        assert again.notice == "This backfill is no longer running."
        assert chats.texts(DEST) == []


async def test_a_flood_wait_is_obeyed_and_shown(chats: World) -> None:
    texts = write_history(chats, 4)
    account = with_account(chats)
    chats.tg.account_fail_next(OWNER, "FLOOD_WAIT", seconds=2, method="copy")
    async with running(chats, **account) as app:
        await create_rule(app)
        await connected(app)
        screen = await amount_screen(chats, app)
        await press(chats, app, screen, "Last 10")
        job = await job_ended()
        assert (job.flood_waits, job.flood_seconds) == (1, 2)
        assert job.finished_at is not None and job.started_at is not None
        assert job.finished_at - job.started_at >= 2
        assert "Flood waits obeyed: 1 (2 s)" in progress(chats, job)["text"]
        await chats.tg.wait_for(lambda: len(chats.texts(DEST)) == 4)
        await drained(chats, app)
        assert chats.texts(DEST) == texts


async def test_a_backfill_resumes_after_the_bot_restarts_with_nothing_doubled(
    chats: World,
) -> None:
    texts = write_history(chats, 20)
    account = with_account(chats)
    chats.tg.set_account_limits(sends_per_s=5, send_burst=5)  # slow enough to stop halfway
    async with running(chats, **account) as app:
        await create_rule(app)
        await connected(app)
        screen = await amount_screen(chats, app)
        await press(chats, app, screen, "Last 50")
        await wait_until(lambda: BackfillJob.filter(done__gte=5).exists())
    conn = await asyncpg.connect(chats.settings.effective_database_url)
    try:
        stopped = await conn.fetchrow("SELECT status, done FROM backfill_jobs")
        assert stopped["status"] == RUNNING and stopped["done"] < 20
        # As after a SIGKILL right after a copy: the cursor was not saved for the last post.
        await conn.execute("UPDATE backfill_jobs SET cursor = cursor - 1, done = done - 1")
    finally:
        await conn.close()

    async with running(chats, **account) as app:
        job = await job_ended()
        await chats.tg.wait_for(lambda: len(chats.texts(DEST)) >= 20)
        await drained(chats, app)
    assert chats.texts(DEST) == texts
    assert (job.done, job.total, job.skipped) == (20, 20, 1)
    assert "✅ Done: 20 of 20 posts" in progress(chats, job)["text"]


async def test_live_posts_are_delivered_during_a_backfill(chats: World) -> None:
    write_history(chats, 20)
    account = with_account(chats)
    chats.tg.set_account_limits(sends_per_s=4, send_burst=4)
    async with running(chats, **account) as app:
        await create_rule(app)
        await connected(app)
        screen = await amount_screen(chats, app)
        await press(chats, app, screen, "Last 50")
        await wait_until(lambda: BackfillJob.filter(done__gte=2).exists())
        chats.tg.channel_post(HISTORY, "breaking: live post")
        await chats.tg.wait_for(lambda: "breaking: live post" in chats.texts(DEST), timeout=10)
        assert (await BackfillJob.first()).status == RUNNING  # type: ignore[union-attr]
        await job_ended()
        await chats.tg.wait_for(lambda: len(chats.texts(DEST)) == 21)
        await drained(chats, app)
    assert chats.texts(DEST).count("breaking: live post") == 1
    assert len(set(chats.texts(DEST))) == 21
    # Meanwhile its progress message showed how far it was, how fast, and how long to go.
    shown = [
        str(call.params.get("text"))
        for call in chats.tg.calls_to("editMessageText")
        if call.ok and "of 20 posts (" in str(call.params.get("text"))
    ]
    assert shown, "no progress was shown while the backfill ran"
    assert re.search(r"\d+ of 20 posts \(\d+%\) · [\d.]+ posts/min\nAbout .+ left", shown[0])


async def test_a_source_the_bot_reads_is_backfilled_without_sending_a_post_twice(
    chats: World,
) -> None:
    """The account reads a channel the bot reads too: posts from before the rule arrive; those
    the bot already delivered are not sent again."""
    before = [f"before the rule {n}" for n in range(3)]
    for text in before:
        chats.tg.channel_post(OTHER, text)
    account = with_account(chats)
    chats.tg.set_member(OTHER, OWNER, "member")
    async with running(chats, **account) as app:
        assert app.services is not None
        await app.services.rules.create(
            {"name": "archive", "sources": [{"chat_id": OTHER, "title": "Other"}],
             "destinations": [{"chat_id": DEST}]},
            created_by=OWNER,
        )  # fmt: skip
        await connected(app)
        chats.tg.channel_post(OTHER, "after the rule")
        await chats.tg.wait_for(lambda: chats.texts(DEST) == ["after the rule"])
        screen = await amount_screen(chats, app)
        assert screen["text"].startswith("📜 Backfill of Other")
        await press(chats, app, screen, "Last 10")
        job = await job_ended()
        await chats.tg.wait_for(lambda: len(chats.texts(DEST)) == 4)
        await drained(chats, app)
    assert chats.texts(DEST) == ["after the rule", *before]
    assert (job.done, job.total) == (4, 4)


async def test_without_an_account_the_card_says_how_to_set_one_up(chats: World) -> None:
    async with running(chats) as app:
        await create_rule(app)
        card = await open_card(chats, app, "archive")
        refused = await press(chats, app, card, "📜 Backfill")
        assert "none is set up: set API_ID, API_HASH and PYROGRAM_SESSION_STRING" in (
            refused.notice
        )
        assert refused.message["message_id"] == card["message_id"]
        assert not await BackfillJob.exists()
