"""The offline demo: ``python main.py --demo`` (or ``./dev demo``).

Runs the real bot against the local Telegram and Groq stand-ins, on an embedded SQLite file in a
temporary folder, with no credentials, and prints what each person and chat sees (the bot's texts
whole: see ``sandbox/demo_transcript.py``). It ends with a recap of what each scene showed, every
claim checked against what the stand-ins received; the demo fails when one does not hold.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from typing import Any

from bot.app import BotApp
from bot.runtime.i18n import _, in_locale
from bot.runtime.logging import configure_logging
from sandbox import demo_account
from sandbox.demo_transcript import Transcript, plain, say
from sandbox.groq.server import GroqStandIn
from sandbox.settings import standin_settings
from sandbox.telegram.person import Person, Reply
from sandbox.telegram.standin import TelegramStandIn

TOKEN = "700000:DEMO-TOKEN-abcdefghijklmnopqrstuvwxyz"
BOT_ID = 700000
OWNER, STRANGER = 1001, 2002
ALERTS = -1001000000900
NEWS, DIGEST, ARCHIVE, MIRROR = -1001000000101, -1001000000201, -1001000000202, -1001000000203
FIRST_POST = "<b>Python 3.14 is out.</b> Free-threading is now supported and the REPL got colours."
EDITED_POST = "Python 3.14 is out (and 3.13.9 too)."


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


def _opening(tg: TelegramStandIn, groq: GroqStandIn) -> None:
    print("Offline demo: the real forwarding bot, with everything around it simulated here.")
    for line in (
        f"• Telegram is a local stand-in ({tg.url}): Olivia, Stan and the channels are made up.",
        f"• The AI (Groq) is a local stand-in too ({groq.base_url}), and its answers are "
        "simulated, not a model's: a translation is the post with “[Spanish]” in front, a "
        "summary is its first sentences after “[summary]”, and the AI filter says yes when the "
        "topic word is in the post.",
        "• The database is an SQLite file in a temporary folder, removed at the end.",
        "Nothing leaves this machine: no credentials, no connection beyond 127.0.0.1.",
    ):
        say("  ", line)


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
    out = Transcript(tg, OWNER, "Olivia", {OWNER: "Olivia (owner)", STRANGER: "Stan (stranger)"})
    _opening(tg, groq)
    account_factory = demo_account.prepare(tg, OWNER, BOT_ID)
    app = BotApp(settings, handle_signals=False, account_factory=account_factory)
    task = asyncio.create_task(app.run())
    await _wait_started(app, task)
    try:
        await _scenes(tg, app, out)
    finally:
        app.request_stop()
        code = await task
    invalid = tg.invalid_calls()
    out.showed(
        f"{len(tg.calls)} Bot API calls, each checked against the Bot API specification: "
        f"{len(invalid)} refused",
        not invalid,
    )
    out.showed(f"the bot stopped cleanly (exit {code})", code == 0)
    return 0 if out.print_recap() else 1


async def _wait_started(app: BotApp, task: asyncio.Task[int]) -> None:
    started = asyncio.create_task(app.started.wait())
    await asyncio.wait({task, started}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if not app.started.is_set():
        started.cancel()
        raise RuntimeError("the bot did not start")


async def _scenes(tg: TelegramStandIn, app: BotApp, out: Transcript) -> None:
    owner = Person(tg, app, OWNER)
    await _greetings(tg, owner, out)
    await _wizard(owner, out)
    await _more_rules(app, out)
    post = await _first_post(tg, owner, out)
    await _filtered_posts(tg, app, owner, out)
    await _album(tg, out)
    await _edit(tg, post, out)
    await demo_account.scene(tg, app, owner, out)
    await _language(app, owner, out)


async def _greetings(tg: TelegramStandIn, owner: Person, out: Transcript) -> None:
    out.section("The owner says hello")
    out.person(OWNER, "/start")
    tg.user_sends(OWNER, "/start")
    await owner.settle()
    hello = out.new_in(OWNER, "Olivia")
    out.showed(
        "/start greets the owner with the commands she can use",
        any("/newrule" in (m.get("text") or "") for m in hello),
    )

    out.section("A stranger tries three commands: one polite refusal, nothing else")
    for command in ("/start", "/rules", "/help"):
        out.person(STRANGER, command)
        tg.user_sends(STRANGER, command)
    await owner.settle()
    refusals = out.new_in(STRANGER, "Stan")
    out.showed(
        "a stranger's three commands get one polite refusal and nothing else",
        len(refusals) == 1 and "private bot" in (refusals[0].get("text") or ""),
    )


async def _wizard(owner: Person, out: Transcript) -> None:
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
        reply = await out.wizard(action, act)
    prompts = [f"New rule · {step}/6" in "\n".join(out.owner_texts) for step in range(1, 7)]
    out.showed(
        "the /newrule wizard: a prompt for each of its 6 steps, a preview of a sample post, "
        "a name, the summary, and the rule saved",
        all(prompts) and "saved and active" in reply.text,
    )


async def _more_rules(app: BotApp, out: Transcript) -> None:
    assert app.services is not None
    rules = app.services.rules
    out.section("Two more rules, made through the rules service to keep the demo short")
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
    out.note(
        "rule “Python digest”, Tech News → Archive: only posts the AI finds are about Python, "
        "summarized by the AI to 80 characters"
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
    out.note("rule “Mirror”, Tech News → Mirror: every post but “sponsored” ones, copied as is")


async def _first_post(tg: TelegramStandIn, owner: Person, out: Transcript) -> dict[str, Any]:
    out.section("A channel post: mirrored, summarized, and translated after review")
    post = tg.channel_post(NEWS, FIRST_POST, parse_mode="HTML")
    out.channel("Tech News", f"posts: {plain(FIRST_POST)} (first sentence in bold)")
    await _until(lambda: _count(tg, MIRROR) >= 1 and _count(tg, ARCHIVE) >= 1, tg)
    mirrored = out.new_in(MIRROR, "Mirror")
    summary = out.new_in(ARCHIVE, "Archive")
    await _until(
        lambda: any("👀 Review" in (m.get("text") or "") for m in tg.bot_messages(OWNER)), tg
    )
    out.new_in(OWNER, "Olivia")
    held = _count(tg, DIGEST) == 0
    await out.wizard("[✅ Approve]", lambda: owner.presses("Approve"))
    await _until(lambda: _count(tg, DIGEST) >= 1, tg)
    translated = out.new_in(DIGEST, "Digest ES")
    out.showed(
        "a post copied to Mirror as it is",
        [m.get("text") for m in mirrored] == [plain(FIRST_POST)],
    )
    out.showed(
        "the AI's summary of it in Archive",
        len(summary) == 1 and (summary[0].get("text") or "").startswith("[summary] "),
    )
    out.showed(
        "its Spanish translation held for the owner's review, posted to Digest ES on approval",
        held and len(translated) == 1 and (translated[0].get("text") or "").startswith("[Spanish]"),
    )
    return post


async def _filtered_posts(tg: TelegramStandIn, app: BotApp, owner: Person, out: Transcript) -> None:
    out.section("Off-topic and sponsored posts")
    for text in ("Football: the local team won 2-1", "Sponsored: buy our course"):
        tg.channel_post(NEWS, text)
        out.channel("Tech News", f"posts: {text}")
    await _until(lambda: _count(tg, MIRROR) >= 2, tg)
    await owner.settle()
    await _drained(app)
    mirrored = out.new_in(MIRROR, "Mirror")
    out.note("Mirror: not the sponsored post (its “sponsored” filter)")
    archived = out.new_in(ARCHIVE, "Archive")
    if not archived:
        out.note("Archive: nothing (the AI filter said neither post is about Python)")
    digested = out.new_in(DIGEST, "Digest ES")
    if not digested:
        out.note("Digest ES: nothing (no “python” in either)")
    out.showed(
        "filters: the AI filter kept both out of Archive, the “python” keyword kept both out of "
        "Digest ES, the “sponsored” keyword kept the ad out of Mirror",
        not archived
        and not digested
        and [m.get("text") for m in mirrored] == ["Football: the local team won 2-1"],
    )


async def _album(tg: TelegramStandIn, out: Transcript) -> None:
    out.section("An album arrives as one album, in order")
    tg.post_album(
        NEWS, [{"photo": True, "caption": "Conference photos"}, {"photo": True}, {"photo": True}]
    )
    out.channel("Tech News", "posts an album of 3 photos, the first captioned “Conference photos”")
    await _until(lambda: _count(tg, MIRROR) >= 5, tg, timeout=30)
    album = out.new_in(MIRROR, "Mirror")
    groups = {m.get("media_group_id") for m in album}
    captions = [m.get("caption") for m in album]
    out.showed(
        "an album of 3 photos kept as one album in Mirror, caption on the first",
        len(album) == 3
        and len(groups) == 1
        and None not in groups
        and captions == ["Conference photos", None, None],
    )


async def _edit(tg: TelegramStandIn, post: dict[str, Any], out: Transcript) -> None:
    out.section("An edit in the source follows to the copies")
    tg.edit_post(NEWS, post["message_id"], text=EDITED_POST)
    out.channel("Tech News", f"edits its first post to: {EDITED_POST}")
    await _until(lambda: all(_edited(tg, chat) for chat in (MIRROR, DIGEST)), tg, timeout=30)
    shown = {}
    for chat, label in ((MIRROR, "Mirror"), (DIGEST, "Digest ES")):
        shown[chat] = tg.bot_messages(chat)[0]["text"]
        say(f"  {label} now shows: ", f"{shown[chat]} (edited)")
    out.showed(
        "the edit followed to Mirror and, translated again, to Digest ES",
        shown == {MIRROR: EDITED_POST, DIGEST: f"[Spanish] {EDITED_POST}"},
    )


async def _language(app: BotApp, owner: Person, out: Transcript) -> None:
    """The owner picks Русский with /language; /rules then reads as the Russian catalogue has it
    (English where a text is not translated yet). The AI's output language stays each rule's."""
    assert app.services is not None
    out.section("The owner switches the bot to Russian with /language")
    await out.wizard("/language", lambda: owner.says("/language"))
    await out.wizard("[Русский]", lambda: owner.presses("Русский"))
    listing = await out.wizard("/rules", lambda: owner.says("/rules"))
    count = len(await app.services.rules.all())
    with in_locale("ru"):
        title = plain(_("<b>Your rules</b> ({count})").format(count=count))
    with in_locale("en"):
        translated = title != plain(_("<b>Your rules</b> ({count})").format(count=count))
    if not translated:
        out.note("(the Russian catalogue does not have this screen yet: it reads in English)")
    out.showed(
        "/language switches the bot's language at once: the /rules list then comes in Russian"
        + ("" if translated else " (English until the catalogue is translated)"),
        listing.text.startswith(title),
    )


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
