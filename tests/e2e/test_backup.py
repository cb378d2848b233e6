"""/export and /import as the owner meets them: a backup file, a preview, Import or Cancel.

The file carries every setting of a rule (a source read through the user account, deletion sync,
the delay, near-duplicates, the digest plan) and the destinations' quiet hours and pacing with the
owner's time zone; files of format version 1 are still read.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import SecretStr

from bot.app import BotApp
from bot.forwarding.delivery import pacing
from bot.forwarding.delivery.pacing import Window
from bot.forwarding.digest.plans import PLANS, Plan
from bot.middlewares.access import CALLBACK_REFUSAL, REFUSAL
from bot.routers.backup import digests, texts
from bot.routers.backup.fileformat import FORMAT, MAX_FILE_BYTES, SPEC_KEYS, VERSION
from bot.routers.backup.keyboards import ImportAction, ImportCb
from models import Admin, Delivery, DestinationPacing, DigestPlan, OwnerSettings, Rule
from models.forwarding import HELD
from tests.conftest import wait_until
from tests.e2e.conftest import ADMIN, BOT_ID, OWNER, STRANGER, TOKEN, World, running, settle
from tests.e2e.test_account_sources import SESSION, _factory
from tests.e2e.test_rules_menu import buttons, create_rule, press, send

SRC = -1001000000301
DEST = -1001000000401
OTHER = -1001000000402
HIDDEN = -1001000000309  # a channel only the owner's user account reads

pytestmark = pytest.mark.no_flood


@pytest.fixture
def chats(world: World) -> World:
    world.channel("Source <i>news</i>", SRC)
    world.channel("Dest", DEST)
    world.channel("Other", OTHER)
    return world


async def four_rules(app: BotApp) -> None:
    """Three rules, and one with every setting added since: a source through the account,
    deletion sync, a delay, near-duplicates; two digest plans, two destinations' pacing and a
    time zone."""
    await three_rules(app)
    hidden = await create_rule(
        app,
        "hidden",
        sources=[
            {"chat_id": HIDDEN, "title": "Hidden", "via": "account"},
            {"chat_id": SRC, "title": "Source <i>news</i>"},
        ],
        sync_deletions=True,
        delay_minutes=15,
        filters={"near_duplicates_minutes": 60, "near_duplicates_ai": True},
    )
    await PLANS.set(hidden, Plan(every_hours=6))
    quiet = await Rule.get(name="quiet")
    await PLANS.set(quiet.id, Plan(daily_at="08:30"))
    await pacing.set_quiet(DEST, Window(23 * 60, 7 * 60))
    await pacing.set_interval(DEST, 300)
    await pacing.set_interval(OTHER, 60)
    await pacing.set_timezone("Europe/Moscow")


async def three_rules(app: BotApp) -> None:
    await create_rule(
        app,
        "news",
        filters={"include_keywords": ["sale"], "exclude_regex": [r"\bspam\b"]},
        steps=[
            {"type": "regex_replace", "pattern": r"\bETH\b", "replacement": "Ether"},
            {"type": "translate", "language": "es"},
        ],
        ai_failure="original",
        ai_model="llama-3.1-8b-instant",
        review=True,
    )
    await create_rule(app, "forwarded", mode="forward", edit_policy="repost")
    paused = await create_rule(app, "quiet", destinations=[{"chat_id": OTHER, "title": "Other"}])
    assert app.services is not None
    await app.services.rules.set_active(paused, False, "paused by hand")


async def stored_specs() -> list[dict[str, Any]]:
    """Every rule's settings with its digest plan, by name (ids differ after an import)."""
    plans = await digests.current()
    return [
        {
            **{key: getattr(row, key) for key in SPEC_KEYS},
            "active": row.active,
            "digest": plans.get(row.id),
        }
        for row in await Rule.all().order_by("name")
    ]


async def stored_chats() -> tuple[dict[int, Any], str]:
    """The destinations' quiet hours and intervals, and the owner's time zone."""
    return {
        chat_id: (item.quiet, item.interval_s)
        for chat_id, item in (await pacing.all_pacing()).items()
    }, await pacing.timezone()


async def empty_database() -> None:
    await Rule.all().delete()
    await DigestPlan.all().delete()
    await DestinationPacing.all().delete()
    await OwnerSettings.all().delete()


async def export(world: World, app: BotApp, user: int = OWNER) -> dict[str, Any]:
    """``user`` sends /export; the bot's message with the document."""
    message = await send(world, app, "/export", user)
    assert "document" in message, message
    return message


def file_content(world: World, message: dict[str, Any]) -> bytes:
    data = world.tg.state.files[message["document"]["file_id"]].data
    assert data is not None
    return data


def upload(world: World, content: bytes, name: str = "rules.json") -> str:
    """A file the owner has on their phone, as Telegram would hold it once sent."""
    return world.tg.register_file(
        f"BQACTest{len(world.tg.state.files):06d}", "document", filename=name, data=content
    )


async def send_file(
    world: World, app: BotApp, file_id: str, user: int = OWNER, caption: str | None = None
) -> dict[str, Any]:
    world.tg.user_sends(user, document=file_id, caption=caption)
    await settle(world, app)
    return world.replies(user)[-1]


def backup(*rules: Any, version: int = VERSION) -> bytes:
    return json.dumps({"format": FORMAT, "version": version, "rules": list(rules)}).encode()


def a_rule(name: str = "news", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "sources": [{"chat_id": SRC, "title": "Source <i>news</i>"}],
        "destinations": [{"chat_id": DEST, "title": "Dest"}],
        **extra,
    }


# -- the round trip -------------------------------------------------------------------------


async def test_owner_exports_empties_the_database_imports_and_gets_the_same_rules(
    chats: World,
) -> None:
    async with running(chats) as app:
        await four_rules(app)
        before, chats_before = await stored_specs(), await stored_chats()

        exported = await export(chats, app)
        assert exported["caption"].startswith("4 rules, exported ")
        assert "/import" in exported["caption"]
        assert exported["document"]["file_name"].startswith("rules-")
        content = file_content(chats, exported)
        for secret in (TOKEN, "gsk_test", chats.settings.effective_database_url):
            assert secret.encode() not in content
        document = json.loads(content)
        assert (document["format"], document["version"]) == (FORMAT, VERSION)
        assert document["exported_at"]
        assert [r["name"] for r in document["rules"]] == ["news", "forwarded", "quiet", "hidden"]
        assert document["rules"][0]["sources"] == [
            {"chat_id": SRC, "thread_id": None, "title": "Source <i>news</i>"}
        ]
        assert document["rules"][2]["active"] is False
        assert document["rules"][2]["digest"] == {"daily_at": "08:30"}
        hidden = document["rules"][3]
        assert hidden["sources"][0] == {
            "chat_id": HIDDEN,
            "thread_id": None,
            "title": "Hidden",
            "via": "account",
        }
        assert (hidden["sync_deletions"], hidden["delay_minutes"]) == (True, 15)
        assert hidden["filters"]["near_duplicates_minutes"] == 60
        assert hidden["filters"]["near_duplicates_ai"] is True
        assert hidden["digest"] == {"every_hours": 6}
        assert document["rules"][0]["digest"] is None
        assert document["destinations"] == {
            str(OTHER): {"title": "Other", "quiet": None, "interval_s": 60},
            str(DEST): {"title": "Dest", "quiet": "23:00-07:00", "interval_s": 300},
        }
        assert document["owner"] == {"timezone": "Europe/Moscow"}

        await empty_database()

        prompt = await send(chats, app, "/import")
        assert prompt["text"] == texts.ASK_FILE
        preview = await send_file(chats, app, exported["document"]["file_id"])
        text = preview["text"]
        assert "4 to add · 0 to change · 0 unchanged · 0 problems" in text
        assert "➕ news: Source <i>news</i> → Dest\n" in text  # as written, not markup
        assert "➕ quiet (paused): Source <i>news</i> → Other · 🗞 digest daily at 08:30" in text
        assert "➕ hidden: 📱 Hidden, Source <i>news</i> → Dest · 🗞 digest every 6 h" in text
        assert "📱 hidden: the sources marked 📱 are read through your user account" in text
        assert (
            "🌙 Dest: quiet hours 23:00–07:00 (now none), least time between posts 5 min "
            "(now none)" in text
        )
        assert "🌙 Other: least time between posts 1 min (now none)" in text
        assert "🕐 Your time zone: Europe/Moscow (now UTC)" in text
        assert "Press ✅ Import to write the 4 rules and the settings above." in text
        assert not await Rule.exists()  # nothing before Import
        assert await stored_chats() == ({}, "UTC")

        done = await press(chats, app, preview, "✅ Import")
        assert done.message["text"] == (
            "✅ Imported: 4 added, 0 changed, 0 unchanged. See them in /rules.\n"
            "Quiet hours and pacing changed for 2 destinations.\n"
            "Your time zone is now Europe/Moscow."
        )
        assert await stored_specs() == before
        assert await stored_chats() == chats_before
        new_hidden = await Rule.get(name="hidden")
        assert PLANS.get(new_hidden.id) == Plan(every_hours=6)  # in use at once
        assert chats.tg.calls_to("getFile")

        again = await send_file(chats, app, exported["document"]["file_id"], caption="/import")
        assert "0 to add · 0 to change · 4 unchanged" in again["text"]
        assert "🌙" not in again["text"] and "🕐" not in again["text"]
        assert "= quiet hours and pacing unchanged for 2 destinations" in again["text"]
        assert "Nothing to import" in again["text"] and not buttons(again)


async def test_a_rule_of_the_same_name_is_changed_and_nothing_is_deleted(chats: World) -> None:
    async with running(chats) as app:
        await create_rule(app, "news", filters={"include_keywords": ["sale"]})
        await create_rule(app, "kept")
        content = backup(
            a_rule("news", filters={"include_keywords": ["deal"]}, active=False),
            a_rule("fresh", destinations=[{"chat_id": OTHER, "title": "Other"}]),
        )
        preview = await send_file(chats, app, upload(chats, content), caption="/import")
        assert "1 to add · 1 to change · 0 unchanged · 0 problems" in preview["text"]
        assert "✏️ news: filters, paused" in preview["text"]
        await press(chats, app, preview, "✅ Import")

        rows = {row.name: row for row in await Rule.all()}
        assert set(rows) == {"news", "kept", "fresh"}
        assert rows["news"].filters["include_keywords"] == ["deal"]
        assert not rows["news"].active
        assert rows["fresh"].created_by == OWNER


async def test_an_admin_exports_and_imports_too(chats: World) -> None:
    async with running(chats) as app:
        await Admin.create(user_id=ADMIN, name="Adam", added_by=OWNER)
        await create_rule(app)
        exported = await export(chats, app, ADMIN)
        await Rule.all().delete()
        await send(chats, app, "/import", ADMIN)
        preview = await send_file(chats, app, exported["document"]["file_id"], ADMIN)
        await press(chats, app, preview, "✅ Import", user=ADMIN)
        assert [row.name for row in await Rule.all()] == ["news"]


async def test_export_with_no_rules_says_so(chats: World) -> None:
    async with running(chats) as app:
        assert (await send(chats, app, "/export"))["text"] == texts.NO_RULES


# -- what is refused ------------------------------------------------------------------------


async def test_a_file_that_is_not_json_is_refused_and_the_bot_waits_for_another(
    chats: World,
) -> None:
    async with running(chats) as app:
        await send(chats, app, "/import")
        reply = await send_file(chats, app, upload(chats, b"\x89PNG not json at all"))
        assert reply["text"].startswith("❌ Not imported: This is not a JSON file.")
        assert "Nothing changed" in reply["text"]
        assert (await send(chats, app, "hello?"))["text"] == texts.WAITING_HINT
        assert not await Rule.exists()


async def test_a_backup_of_another_version_is_refused(chats: World) -> None:
    async with running(chats) as app:
        content = backup(a_rule(), version=99)
        reply = await send_file(chats, app, upload(chats, content), caption="/import")
        assert "format version 99" in reply["text"] and "versions 1 to 2" in reply["text"]
        not_ours = json.dumps({"rules": [a_rule()]}).encode()
        reply = await send_file(chats, app, upload(chats, not_ours))
        assert "not a rules backup made by /export" in reply["text"]
        assert not await Rule.exists()


async def test_a_file_over_the_limit_is_refused_before_it_is_read(chats: World) -> None:
    async with running(chats) as app:
        await send(chats, app, "/import")
        big = upload(chats, b" " * (MAX_FILE_BYTES + 1))
        reply = await send_file(chats, app, big)
        assert str(texts.TOO_BIG) in reply["text"]
        assert not chats.tg.calls_to("getFile")


async def test_problems_are_listed_by_rule_and_nothing_is_written(chats: World) -> None:
    chats.tg.set_member(OTHER, BOT_ID, "administrator", can_post_messages=False)
    async with running(chats) as app:
        await create_rule(app, "existing")
        content = backup(
            a_rule("good"),
            a_rule("bad regex", filters={"include_regex": ["(unclosed"]}),
            a_rule("looping", destinations=[{"chat_id": SRC, "title": "Source"}]),
            a_rule("no rights", destinations=[{"chat_id": OTHER, "title": "Other"}]),
            a_rule("good"),
            "not a rule",
        )
        preview = await send_file(chats, app, upload(chats, content), caption="/import")
        text = preview["text"]
        assert "1 to add · 0 to change · 0 unchanged · 5 problems" in text
        assert "⚠️ bad regex: filters" in text
        assert "⚠️ looping: " in text and "posts would loop" in text
        assert "⚠️ no rights: Make me an administrator of the channel “Other”" in text
        assert "⚠️ good: Another rule in the file has this name." in text
        assert "⚠️ rule 6: This entry is not a rule." in text
        assert "Nothing is imported while a rule has a problem" in text
        assert list(buttons(preview)) == ["✖ Cancel"]
        assert [row.name for row in await Rule.all()] == ["existing"]

        cancelled = await press(chats, app, preview, "✖ Cancel")
        assert cancelled.message["text"] == texts.CANCELLED
        assert [row.name for row in await Rule.all()] == ["existing"]


async def test_a_stranger_cannot_export_or_import(chats: World) -> None:
    async with running(chats) as app:
        await create_rule(app)
        assert (await send(chats, app, "/import", STRANGER))["text"] == REFUSAL
        await send(chats, app, "/export", STRANGER)
        assert all("document" not in m for m in chats.replies(STRANGER))
        file_id = upload(chats, backup(a_rule("intruder")))
        chats.tg.user_sends(STRANGER, document=file_id, caption="/import")
        await settle(chats, app)
        assert [row.name for row in await Rule.all()] == ["news"]
        assert not chats.tg.calls_to("getFile")


async def test_forged_stale_and_strangers_buttons_change_nothing(chats: World) -> None:
    async with running(chats) as app:
        file_id = upload(chats, backup(a_rule("fresh")))
        preview = await send_file(chats, app, file_id, caption="/import")
        forged = ImportCb(action=ImportAction.IMPORT, nonce="00000000").pack()
        assert (await press(chats, app, preview, data=forged)).notice == texts.OUT_OF_DATE
        assert (await press(chats, app, preview, data="bkp:garbage")).notice == texts.OUT_OF_DATE
        import_data = buttons(preview)["✅ Import"]
        query = chats.tg.press_button(STRANGER, preview, import_data, forge=True)
        await chats.tg.wait_for(lambda: chats.tg.callback_answer(query) is not None)
        assert (chats.tg.callback_answer(query) or {}).get("text") == CALLBACK_REFUSAL
        assert not await Rule.exists()

        await press(chats, app, preview, "✖ Cancel")
        stale = await press(chats, app, preview, data=import_data)
        assert stale.notice == texts.OUT_OF_DATE
        assert not await Rule.exists()


async def test_rules_that_changed_after_the_preview_get_a_new_preview(chats: World) -> None:
    async with running(chats) as app:
        preview = await send_file(
            chats, app, upload(chats, backup(a_rule("fresh"))), caption="/import"
        )
        assert "1 to add" in preview["text"]
        await create_rule(app, "fresh")  # someone else made it meanwhile
        pressed = await press(chats, app, preview, "✅ Import")
        assert pressed.notice == texts.CHANGED_MEANWHILE
        assert "0 to add · 0 to change · 1 unchanged" in pressed.message["text"]
        assert not buttons(pressed.message)
        assert await Rule.filter(name="fresh").count() == 1


async def test_an_import_that_resumes_a_paused_rule_sends_what_it_held(chats: World) -> None:
    tg = chats.tg
    async with running(chats) as app:
        rule_id = await create_rule(app, "news")
        tg.set_member(DEST, BOT_ID, "kicked")
        tg.channel_post(SRC, "one")
        tg.channel_post(SRC, "two")

        async def both_held() -> bool:
            return await Delivery.filter(status=HELD).count() == 2

        await wait_until(both_held, message="both posts held")
        assert not (await Rule.get(id=rule_id)).active

        tg.set_member(DEST, BOT_ID, "administrator", can_post_messages=True)
        preview = await send_file(chats, app, upload(chats, backup(a_rule())), caption="/import")
        assert "✏️ news: resumed" in preview["text"]
        await press(chats, app, preview, "✅ Import")
        await tg.wait_for(lambda: chats.texts(DEST) == ["one", "two"], timeout=15)
        assert (await Rule.get(id=rule_id)).active


# -- what the new settings do to existing rules and chats -----------------------------------


async def test_a_version_1_file_is_read_with_the_defaults_of_the_newer_settings(
    chats: World,
) -> None:
    async with running(chats) as app:
        news = await create_rule(app, "news", delay_minutes=30, sync_deletions=True)
        await PLANS.set(news, Plan(every_hours=3))
        await pacing.set_quiet(DEST, Window(0, 8 * 60))
        old = json.dumps(
            {"format": FORMAT, "version": 1, "rules": [a_rule("news"), a_rule("fresh")]}
        ).encode()
        preview = await send_file(chats, app, upload(chats, old), caption="/import")
        assert "1 to add · 1 to change · 0 unchanged · 0 problems" in preview["text"]
        assert "✏️ news: delay, deletion sync, digest off" in preview["text"]
        assert "🌙" not in preview["text"] and "🕐" not in preview["text"]
        await press(chats, app, preview, "✅ Import")

        rows = {row.name: row for row in await Rule.all()}
        assert (rows["news"].delay_minutes, rows["news"].sync_deletions) == (0, False)
        assert (rows["fresh"].delay_minutes, rows["fresh"].sync_deletions) == (0, False)
        assert await digests.current() == {}
        assert PLANS.get(news) is None
        assert await stored_chats() == ({DEST: (Window(0, 8 * 60), 0)}, "UTC")  # kept


async def test_only_the_settings_of_destinations_change_and_others_are_kept(
    chats: World,
) -> None:
    async with running(chats) as app:
        await create_rule(app, "news")
        await pacing.set_interval(OTHER, 900)  # not in the file: kept
        await pacing.set_interval(DEST, 60)
        content = json.dumps(
            {
                "format": FORMAT,
                "version": VERSION,
                "rules": [a_rule("news")],
                "destinations": {str(DEST): {"quiet": "22:00-06:30"}},
                "owner": {"timezone": "america/new_york"},
            }
        ).encode()
        preview = await send_file(chats, app, upload(chats, content), caption="/import")
        text = preview["text"]
        assert "0 to add · 0 to change · 1 unchanged · 0 problems" in text
        assert (  # the chat's id: the file gave no title
            f"🌙 {DEST}: quiet hours 22:00–06:30 (now none), least time between posts none "
            "(now 1 min)" in text
        )
        assert "🕐 Your time zone: America/New_York (now UTC)" in text
        assert "Press ✅ Import to write the settings above." in text
        assert await stored_chats() == ({OTHER: (None, 900), DEST: (None, 60)}, "UTC")

        done = await press(chats, app, preview, "✅ Import")
        assert "Quiet hours and pacing changed for 1 destination." in done.message["text"]
        assert await stored_chats() == (
            {OTHER: (None, 900), DEST: (Window(22 * 60, 6 * 60 + 30), 0)},
            "America/New_York",
        )


async def test_bad_digests_destinations_and_time_zones_are_problems_and_nothing_is_written(
    chats: World,
) -> None:
    async with running(chats) as app:
        content = json.dumps(
            {
                "format": FORMAT,
                "version": VERSION,
                "rules": [
                    a_rule("hourly", digest={"every_hours": 0}),
                    a_rule("daily", digest={"daily_at": "25:00"}),
                    a_rule("fine", digest={"daily_at": "7:05"}),
                ],
                "destinations": {
                    "abc": {"interval_s": 60},
                    str(DEST): {"quiet": "23:00-23:00"},
                    str(OTHER): {"interval_s": 100000, "quiet": None},
                },
                "owner": {"timezone": "Mars/Olympus"},
            }
        ).encode()
        preview = await send_file(chats, app, upload(chats, content), caption="/import")
        text = preview["text"]
        assert "1 to add · 0 to change · 0 unchanged · 6 problems" in text
        assert "⚠️ hourly: “digest” must be null (off), every 1 to 24 hours" in text
        assert "⚠️ daily: “digest” must be null" in text
        assert "➕ fine: Source <i>news</i> → Dest · 🗞 digest daily at 07:05" in text
        assert "⚠️ destination abc: “abc” is not a chat id." in text
        assert f"⚠️ destination {DEST}: “quiet” must be null (none) or HH:MM-HH:MM" in text
        assert f"⚠️ destination {OTHER}: “interval_s” must be a number of seconds" in text
        assert "⚠️ time zone: That is not a time zone name." in text
        assert list(buttons(preview)) == ["✖ Cancel"]
        assert not await Rule.exists()
        assert await stored_chats() == ({}, "UTC")


async def test_with_the_account_set_up_its_sources_are_imported_with_no_warning(
    chats: World,
) -> None:
    chats.tg.add_account(OWNER, session=SESSION)
    chats.tg.add_chat("channel", "Hidden", chat_id=HIDDEN)
    chats.tg.set_member(HIDDEN, OWNER, "member")
    chats.settings = chats.settings.model_copy(
        update={
            "api_id": 12345,
            "api_hash": SecretStr("0123456789abcdef0123456789abcdef"),
            "pyrogram_session_string": SecretStr(SESSION),
        }
    )
    async with running(chats, account_factory=_factory(chats)) as app:
        source = {"chat_id": HIDDEN, "title": "Hidden", "via": "account"}
        content = backup(a_rule("hidden", sources=[source], sync_deletions=True))
        preview = await send_file(chats, app, upload(chats, content), caption="/import")
        assert "➕ hidden: 📱 Hidden → Dest" in preview["text"]
        assert "not set up on this deployment" not in preview["text"]
        await press(chats, app, preview, "✅ Import")
        row = await Rule.get(name="hidden")
        assert row.sources == [{**source, "thread_id": None}]
        assert row.sync_deletions
