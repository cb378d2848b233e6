"""The demo's user-account scene: a channel the bot is not in, read through the owner's account
(the stand-in's fake, ``sandbox/account``), then a history backfill from the rule card with its
progress message edited as it goes.

``prepare(tg)`` runs before the bot starts (the channel's history, the account) and returns the
bot's ``account_factory``; ``scene(...)`` plays the scene once the bot runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.app import BotApp
from bot.runtime.config import Settings
from models.backfill import DONE, BackfillJob
from sandbox.account import StandInAccount
from sandbox.demo_transcript import Transcript, say
from sandbox.telegram.person import Person
from sandbox.telegram.standin import TelegramStandIn

WIRE, WIRE_MIRROR = -1001000000301, -1001000000302
HISTORY = (
    "Ferry timetable changes from Monday.",
    "The north bridge reopens on Friday.",
    "Library hours extended during exams.",
    "Council approves the new cycle lanes.",
    "Heat wave expected this weekend.",
    "Night buses return to the old routes.",
)
LIVE_POST = "Breaking: the harbour festival is moved to Sunday."
PACE = 2  # copies a second the fake account allows before FLOOD_WAIT: the progress shows


def prepare(tg: TelegramStandIn, owner: int, bot_id: int) -> Callable[[Settings], Any]:
    """World Wire (the bot is not in it) with its history, Wire Mirror (the bot posts there),
    and the owner's account, a member of World Wire; the bot's account factory."""
    tg.add_chat("channel", "World Wire", chat_id=WIRE, username="world_wire")
    for text in HISTORY:  # written before the account exists: history, not live posts
        tg.channel_post(WIRE, text)
    tg.add_chat("channel", "Wire Mirror", chat_id=WIRE_MIRROR)
    tg.set_member(WIRE_MIRROR, bot_id, "administrator", can_post_messages=True)
    session = tg.add_account(owner)["session"]
    tg.set_member(WIRE, owner, "member")
    tg.set_account_limits(sends_per_s=PACE, send_burst=PACE)
    return lambda settings: StandInAccount(tg.url, session)


async def scene(tg: TelegramStandIn, app: BotApp, owner: Person, out: Transcript) -> None:
    await _live_post(tg, app, out)
    await _backfill(tg, owner, out)


async def _live_post(tg: TelegramStandIn, app: BotApp, out: Transcript) -> None:
    assert app.services is not None
    out.section("A channel the bot is not in, read through the owner's user account")
    await tg.wait_for(lambda: app.services is not None and app.services.account.account)
    await app.services.rules.create(
        {
            "name": "Wire",
            "sources": [{"chat_id": WIRE, "title": "World Wire", "via": "account"}],
            "destinations": [{"chat_id": WIRE_MIRROR, "title": "Wire Mirror"}],
        },
        created_by=owner_id(out),
    )
    out.note(
        "rule “Wire”, World Wire → Wire Mirror, made through the rules service: the bot is not "
        "in World Wire, Olivia's account (a fake of it here) is, and copies each post once into "
        "a private relay channel the bot copies from"
    )
    tg.channel_post(WIRE, LIVE_POST)
    out.channel("World Wire", f"posts: {LIVE_POST}")
    await tg.wait_for(lambda: len(_messages(tg, WIRE_MIRROR)) >= 1, timeout=15)
    mirrored = out.new_in(WIRE_MIRROR, "Wire Mirror")
    out.showed(
        "a post of a channel the bot is not in, read through the owner's account, in Wire Mirror",
        [m.get("text") for m in mirrored] == [LIVE_POST],
    )


async def _backfill(tg: TelegramStandIn, owner: Person, out: Transcript) -> None:
    out.section("History backfill from the rule card, with its progress message")
    await out.wizard("/rules", lambda: owner.says("/rules"))
    await out.wizard("[▶ Wire]", lambda: owner.presses("Wire"))
    await out.wizard("[📜 Backfill]", lambda: owner.presses("📜 Backfill"))
    await out.wizard("[Last 10]", lambda: owner.presses("Last 10"))
    job = await BackfillJob.first()
    assert job is not None and job.progress_message_id is not None
    shown = [tg.message(owner.user_id, job.progress_message_id).get("text") or ""]

    def progressed() -> bool:
        text = tg.message(owner.user_id, job.progress_message_id or 0).get("text") or ""
        if text != shown[-1]:
            shown.append(text)
            say("    bot edits its progress message: ", text)
        return "Done:" in text

    await tg.wait_for(progressed, timeout=60)
    out.mark_read(owner.user_id)
    await tg.wait_for(lambda: len(_messages(tg, WIRE_MIRROR)) >= 1 + len(HISTORY), timeout=30)
    copied = out.new_in(WIRE_MIRROR, "Wire Mirror")
    done = await BackfillJob.get(id=job.id)
    out.showed(
        "a backfill of the last 10 posts from the rule card: one progress message edited as it "
        f"went ({len(shown)} versions) to its final figures, with the FloodWaits obeyed; the "
        f"{len(HISTORY)} older posts in Wire Mirror oldest first, the one already there not again",
        done.status == DONE
        and len(shown) >= 2
        and (done.done, done.skipped) == (len(HISTORY) + 1, 1)
        and [m.get("text") for m in copied] == list(HISTORY),
    )


def owner_id(out: Transcript) -> int:
    return out.owner


def _messages(tg: TelegramStandIn, chat_id: int) -> list[dict[str, Any]]:
    try:
        return tg.bot_messages(chat_id)
    except ValueError:
        return []
