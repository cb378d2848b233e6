"""The offline demo: ``python main.py --demo`` (or ``./dev demo``).

Runs the real bot against the local Telegram and Groq stand-ins, on an embedded SQLite file in a
temporary folder, with no credentials, and prints what each person and chat sees.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from typing import Any

from bot.app import BotApp
from bot.runtime.logging import configure_logging
from sandbox.groq.server import GroqStandIn
from sandbox.settings import standin_settings
from sandbox.telegram.person import Person, Reply
from sandbox.telegram.standin import TelegramStandIn

TOKEN = "700000:DEMO-TOKEN-abcdefghijklmnopqrstuvwxyz"
BOT_ID = 700000
OWNER, STRANGER = 1001, 2002
ALERTS = -1001000000900
NEWS, DIGEST, ARCHIVE, MIRROR = -1001000000101, -1001000000201, -1001000000202, -1001000000203


class Transcript:
    def __init__(self, tg: TelegramStandIn) -> None:
        self.tg = tg
        self.names = {OWNER: "Olivia (owner)", STRANGER: "Stan (stranger)"}
        self.seen: dict[int, int] = {}

    def section(self, title: str) -> None:
        print(f"\n── {title} " + "─" * max(0, 66 - len(title)))

    def person(self, user_id: int, text: str) -> None:
        print(f"  {self.names[user_id]} → bot: {text}")

    def channel(self, title: str, text: str) -> None:
        print(f"  [{title}] posts: {text}")

    def wizard(self, action: str, reply: Reply) -> None:
        """One wizard step: what the owner did, the first lines of what the bot answered."""
        fresh = [m.get("text") or "" for m in reply.messages]
        answer = fresh[0] if fresh else reply.notice or reply.edited
        lines = [line for line in answer.splitlines() if line.strip()][:2]
        shown = " / ".join(line.strip() for line in lines)
        print(f"  Olivia: {action}\n      bot: {shown[:150]}")

    def new_in(self, chat_id: int, label: str) -> list[dict[str, Any]]:
        """Print what the bot sent to a chat since last time."""
        messages = self.tg.bot_messages(chat_id) if self._exists(chat_id) else []
        fresh = messages[self.seen.get(chat_id, 0) :]
        self.seen[chat_id] = len(messages)
        for message in fresh:
            body = message.get("text") or message.get("caption") or ""
            kind = next((k for k in ("photo", "video", "document") if k in message), "")
            album = " (album)" if message.get("media_group_id") else ""
            edited = " (edited)" if message.get("edit_date") else ""
            shown = body.replace("\n", "\n" + " " * 6)
            print(f"  bot → {label}: {f'[{kind}]{album} ' if kind else ''}{shown}{edited}")
        return fresh

    def mark_read(self, chat_id: int) -> None:
        self.seen[chat_id] = len(self.tg.bot_messages(chat_id))

    def _exists(self, chat_id: int) -> bool:
        try:
            self.tg.bot_messages(chat_id)
        except ValueError:
            return False
        return True


async def _until(condition: Callable[[], Any], tg: TelegramStandIn, timeout: float = 15) -> None:
    await tg.wait_for(condition, timeout=timeout)


async def run_demo() -> int:
    configure_logging("WARNING", json=False)
    with tempfile.TemporaryDirectory(prefix="forwarder-demo-") as folder:
        tg = TelegramStandIn()
        groq = GroqStandIn(api_keys=("gsk_demo",))
        await tg.start()
        await groq.start()
        try:
            return await _story(tg, groq, f"sqlite://{folder}/demo.sqlite3")
        finally:
            await groq.stop()
            await tg.stop()


async def _story(tg: TelegramStandIn, groq: GroqStandIn, database_url: str) -> int:
    tg.add_bot(TOKEN, username="forwarder_demo_bot", first_name="Forwarder")
    tg.add_user(OWNER, first_name="Olivia", username="olivia")
    tg.add_user(STRANGER, first_name="Stan", username="stan")
    tg.add_chat("supergroup", "Alerts", chat_id=ALERTS)
    tg.set_member(ALERTS, BOT_ID, "member")
    for chat_id, title, username in (
        (NEWS, "Tech News", "tech_news"),
        (DIGEST, "Digest ES", "digest_es"),
        (ARCHIVE, "Archive", None),
        (MIRROR, "Mirror", None),
    ):
        tg.add_chat("channel", title, chat_id=chat_id, username=username)
        tg.set_member(chat_id, BOT_ID, "administrator", can_post_messages=True)
    settings = standin_settings(
        TOKEN, OWNER, ALERTS, database_url, tg.url, groq.base_url, groq_key="gsk_demo"
    )
    out = Transcript(tg)
    print("Offline demo: the real bot, local Telegram and Groq stand-ins, an embedded SQLite file.")
    app = BotApp(settings, handle_signals=False)
    task = asyncio.create_task(app.run())
    await _wait_started(app, task)
    try:
        await _scenes(tg, app, out)
    finally:
        app.request_stop()
        code = await task
    invalid = tg.invalid_calls()
    out.section("Done")
    print(
        f"  {len(tg.calls)} Bot API calls, {len(invalid)} refused by the specification; exit {code}"
    )
    return 0 if code == 0 and not invalid else 1


async def _wait_started(app: BotApp, task: asyncio.Task[int]) -> None:
    started = asyncio.create_task(app.started.wait())
    await asyncio.wait({task, started}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if not app.started.is_set():
        started.cancel()
        raise RuntimeError("the bot did not start")


async def _scenes(tg: TelegramStandIn, app: BotApp, out: Transcript) -> None:
    assert app.services is not None
    rules = app.services.rules
    owner = Person(tg, app, OWNER)

    out.section("The owner says hello")
    out.person(OWNER, "/start")
    tg.user_sends(OWNER, "/start")
    await owner.settle()
    out.new_in(OWNER, "Olivia")

    out.section("A stranger tries three commands: one polite refusal, nothing else")
    for command in ("/start", "/rules", "/help"):
        out.person(STRANGER, command)
        tg.user_sends(STRANGER, command)
    await owner.settle()
    out.new_in(STRANGER, "Stan")

    out.section("The owner builds a rule in the /newrule wizard")
    steps: list[tuple[str, Callable[[], Awaitable[Reply]]]] = [
        ("/newrule", lambda: owner.says("/newrule")),
        (
            "picks “Tech News” with the chat picker",
            lambda: owner.says(
                chat_shared={"request_id": 1, "chat_id": NEWS, "title": "Tech News"}
            ),
        ),
        ("✅ Done", lambda: owner.says("✅ Done")),
        ("sends @digest_es", lambda: owner.says("@digest_es")),
        ("✅ Done", lambda: owner.says("✅ Done")),
        ("[📋 Copy]", lambda: owner.presses("Copy")),
        ("[➕ Must contain]", lambda: owner.presses("Must contain")),
        ("python", lambda: owner.says("python")),
        ("[Continue]", lambda: owner.presses("Continue")),
        ("[🌐 Translate]", lambda: owner.presses("Translate")),
        ("[Spanish]", lambda: owner.presses("Spanish")),
        ("[Continue]", lambda: owner.presses("Continue")),
        ("tries a sample: “Python is fun”", lambda: owner.says("Python is fun")),
        ("[Skip]", lambda: owner.presses("Skip")),
        ("Python in Spanish", lambda: owner.says("Python in Spanish")),
        ("[👀 Review before posting]", lambda: owner.presses("Review before posting")),
        ("[💾 Save rule]", lambda: owner.presses("Save rule")),
    ]
    for action, act in steps:
        reply = await act()
        out.wizard(action, reply)
    out.mark_read(OWNER)

    out.section("A second rule, from the rules service: AI filter and summary into Archive")
    await rules.create(
        {
            "name": "Python digest",
            "sources": [{"chat_id": NEWS, "title": "Tech News"}],
            "destinations": [{"chat_id": ARCHIVE, "title": "Archive"}],
            "steps": [
                {"type": "ai_filter", "topic": "python"},
                {"type": "summarize", "max_chars": 80},
            ],
        },
        created_by=OWNER,
    )
    print(
        "  rule “Python digest”: only posts the AI finds are about Python, summarized to 80 characters"
    )
    await rules.create(
        {
            "name": "Mirror",
            "sources": [{"chat_id": NEWS, "title": "Tech News"}],
            "destinations": [{"chat_id": MIRROR, "title": "Mirror"}],
            "filters": {"exclude_keywords": ["sponsored"]},
        },
        created_by=OWNER,
    )
    print("  rule “Mirror”: everything but “sponsored” posts, copied as is")

    out.section("A channel post: reviewed, translated, summarized and mirrored")
    post = tg.channel_post(
        NEWS,
        "<b>Python 3.14 is out.</b> Free-threading is now supported and the REPL got colours.",
        parse_mode="HTML",
    )
    out.channel("Tech News", "Python 3.14 is out. Free-threading is now supported … (bold title)")
    await _until(lambda: _count(tg, MIRROR) >= 1 and _count(tg, ARCHIVE) >= 1, tg)
    out.new_in(MIRROR, "Mirror")
    out.new_in(ARCHIVE, "Archive")
    await _until(
        lambda: any("👀 Review" in (m.get("text") or "") for m in tg.bot_messages(OWNER)), tg
    )
    out.new_in(OWNER, "Olivia")
    out.wizard("[✅ Approve]", await owner.presses("Approve"))
    await _until(lambda: _count(tg, DIGEST) >= 1, tg)
    out.new_in(DIGEST, "Digest ES")

    out.section("Off-topic and sponsored posts")
    tg.channel_post(NEWS, "Football: the local team won 2-1")
    out.channel("Tech News", "Football: the local team won 2-1")
    tg.channel_post(NEWS, "Sponsored: buy our course")
    out.channel("Tech News", "Sponsored: buy our course")
    await _until(lambda: _count(tg, MIRROR) >= 2, tg)
    await owner.settle()
    out.new_in(MIRROR, "Mirror")
    await _drained(app)
    if not out.new_in(ARCHIVE, "Archive"):
        print("  Archive: nothing (the AI filter said the football post is not about Python)")
    if not out.new_in(DIGEST, "Digest ES"):
        print("  Digest ES: nothing (no “python” in either)")

    out.section("An album arrives as one album, in order")
    tg.post_album(
        NEWS, [{"photo": True, "caption": "Conference photos"}, {"photo": True}, {"photo": True}]
    )
    out.channel("Tech News", "an album of 3 photos")
    await _until(lambda: _count(tg, MIRROR) >= 5, tg, timeout=30)
    out.new_in(MIRROR, "Mirror")

    out.section("An edit in the source follows to the copies")
    tg.edit_post(NEWS, post["message_id"], text="Python 3.14 is out (and 3.13.9 too).")
    out.channel("Tech News", "edits its first post")
    await _until(lambda: all(_edited(tg, chat) for chat in (MIRROR, DIGEST)), tg, timeout=30)
    for chat, label in ((MIRROR, "Mirror"), (DIGEST, "Digest ES")):
        first = tg.bot_messages(chat)[0]
        print(f"  {label} now shows: {first['text']} (edited)")


async def _drained(app: BotApp, timeout: float = 30) -> None:
    """Wait until the outbox has nothing pending or in flight."""
    assert app.services is not None
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        depth = await app.services.outbox.depth()
        if not depth.get("pending") and not depth.get("in_flight"):
            return
        await asyncio.sleep(0.05)
    raise RuntimeError("the outbox did not drain")


def _count(tg: TelegramStandIn, chat_id: int) -> int:
    try:
        return len(tg.bot_messages(chat_id))
    except ValueError:
        return 0


def _edited(tg: TelegramStandIn, chat_id: int) -> bool:
    return bool(tg.bot_messages(chat_id)[0].get("edit_date"))
