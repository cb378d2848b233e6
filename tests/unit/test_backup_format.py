"""The backup file's envelope and its sections, the import preview's wording and the size of
its buttons."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from bot.forwarding.delivery.pacing import Pacing, Window
from bot.forwarding.digest.plans import Plan as DigestPlan
from bot.forwarding.rules.filters import FilterSpec
from bot.forwarding.rules.spec import RuleSpec
from bot.routers.backup import digests, texts
from bot.routers.backup.destinations import ChatChange, ChatsPlan, export_destinations
from bot.routers.backup.fileformat import (
    FORMAT,
    MAX_FILE_BYTES,
    MAX_RULES,
    RULE_KEYS,
    VERSION,
    FormatError,
    export_document,
    read_document,
)
from bot.routers.backup.keyboards import ImportAction, ImportCb
from bot.routers.backup.plan import ADD, CHANGE, PROBLEM, SAME, Entry, Plan
from models import Rule


def document(**fields: object) -> bytes:
    return json.dumps({"format": FORMAT, "version": VERSION, "rules": [], **fields}).encode()


def test_a_backup_is_read_with_its_rules_and_export_time() -> None:
    backup = read_document(document(exported_at="2026-12-01T14:17:46+00:00", rules=[{"name": "a"}]))
    assert backup.exported_at == "2026-12-01T14:17:46+00:00"
    assert backup.rules == [{"name": "a"}]


def test_a_byte_order_mark_is_accepted() -> None:
    assert read_document(b"\xef\xbb\xbf" + document()).rules == []


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff\xfe garbage", "This is not a JSON file."),
        (b"{not json", "This is not a JSON file."),
        (b"[1, 2]", "This JSON file is not a rules backup made by /export."),
        (json.dumps({"format": "other", "version": 1}).encode(), "not a rules backup"),
        (document(version=3), "format version 3; I read versions 1 to 2."),
        (document(version=True), "format version True"),
        (document(version="1"), "format version '1'"),
        (document(rules={"a": 1}), "The backup has no list of rules."),
        (document(rules=[{}] * (MAX_RULES + 1)), f"I import at most {MAX_RULES}."),
        (b" " * (MAX_FILE_BYTES + 1), "larger than 1 MB"),
    ],
)
def test_what_is_not_a_backup_is_refused_with_the_reason(raw: bytes, reason: str) -> None:
    with pytest.raises(FormatError) as caught:
        read_document(raw)
    assert reason in str(caught.value)


def test_a_version_1_file_is_read_and_has_no_settings_sections() -> None:
    old = document(version=1, rules=[{"name": "a"}], destinations={"-1002": {}}, owner={})
    backup = read_document(old)
    assert (backup.version, backup.rules) == (1, [{"name": "a"}])
    assert backup.destinations is None and backup.owner is None  # not version 1's: ignored


def test_a_version_2_file_is_read_with_its_destinations_and_owner() -> None:
    backup = read_document(document(destinations={"-1002": {}}, owner={"timezone": "UTC"}))
    assert backup.version == VERSION == 2
    assert (backup.destinations, backup.owner) == ({"-1002": {}}, {"timezone": "UTC"})


def test_a_rule_entry_carries_every_setting_of_a_rule() -> None:
    assert set(RULE_KEYS) == {*RuleSpec.model_fields, "active", "digest"}
    assert {"sync_deletions", "delay_minutes"} <= set(RULE_KEYS)
    assert "near_duplicates_minutes" in FilterSpec.model_fields  # carried inside "filters"


def test_export_writes_every_section() -> None:
    row = Rule(
        id=7,
        name="news",
        active=True,
        mode="copy",
        sources=[{"chat_id": -1001, "thread_id": None, "title": "A", "via": "account"}],
        destinations=[{"chat_id": -1002, "thread_id": None, "title": "Dest"}],
        filters={"near_duplicates_minutes": 30},
        steps=[],
        edit_policy="edit",
        review=False,
        ai_failure="hold",
        ai_model=None,
        allow_new_links=False,
        delay_minutes=5,
        sync_deletions=True,
    )
    raw = export_document(
        [row],
        datetime(2026, 12, 1, tzinfo=timezone.utc),
        {7: DigestPlan(daily_at="08:30")},
        {-1002: Pacing(-1002, Window(23 * 60, 7 * 60), 300), -1003: Pacing(-1003)},
        "Europe/Moscow",
    )
    exported = json.loads(raw)
    rule = exported["rules"][0]
    assert rule["sources"][0]["via"] == "account"
    assert (rule["sync_deletions"], rule["delay_minutes"]) == (True, 5)
    assert rule["filters"]["near_duplicates_minutes"] == 30
    assert rule["filters"]["near_duplicates_ai"] is False  # every setting, the defaults too
    assert rule["digest"] == {"daily_at": "08:30"}
    assert exported["destinations"] == {
        "-1002": {"title": "Dest", "quiet": "23:00-07:00", "interval_s": 300}
    }  # a chat with no setting is left out
    assert exported["owner"] == {"timezone": "Europe/Moscow"}
    assert read_document(raw).rules == exported["rules"]


@pytest.mark.parametrize(
    ("value", "plan"),
    [
        (None, None),
        ({"every_hours": 6}, DigestPlan(every_hours=6)),
        ({"every_hours": 24}, DigestPlan(every_hours=24)),
        ({"daily_at": "08:30"}, DigestPlan(daily_at="08:30")),
        ({"daily_at": "7:05"}, DigestPlan(daily_at="07:05")),
    ],
)
def test_a_digest_plan_reads_back(value: object, plan: DigestPlan | None) -> None:
    assert digests.parse(value) == plan
    assert digests.parse(digests.entry(plan)) == plan


@pytest.mark.parametrize(
    "value",
    [
        {"every_hours": 0},
        {"every_hours": 25},
        {"every_hours": True},
        {"every_hours": "6"},
        {"daily_at": "24:00"},
        {"every_hours": 6, "daily_at": "08:30"},
        {},
        "daily",
        6,
    ],
)
def test_a_digest_plan_that_does_not_read_is_refused(value: object) -> None:
    with pytest.raises(ValueError, match="“digest” must be null"):
        digests.parse(value)


def test_only_destinations_with_a_setting_are_exported() -> None:
    settings = {
        -1: Pacing(-1, Window(22 * 60, 6 * 60 + 30)),
        -2: Pacing(-2, None, 60),
        -3: Pacing(-3),
    }
    assert export_destinations(settings, {-1: "One"}) == {
        "-1": {"title": "One", "quiet": "22:00-06:30", "interval_s": 0},
        "-2": {"title": "", "quiet": None, "interval_s": 60},
    }


def spec(name: str, **extra: object) -> RuleSpec:
    return RuleSpec.model_validate(
        {
            "name": name,
            "sources": [{"chat_id": -1001, "title": "A & B"}],
            "destinations": [{"chat_id": -1002}],
            **extra,
        }
    )


def test_the_preview_counts_escapes_and_lists_problems_first() -> None:
    plan = Plan(
        [
            Entry("new <one>", ADD, spec=spec("new <one>"), active=False),
            Entry("old", CHANGE, changes=("steps", "active"), rule_id=1, spec=spec("old")),
            Entry("same", SAME, rule_id=2, spec=spec("same")),
            Entry("broken", PROBLEM, "filters: Invalid regex <here>"),
        ]
    )
    text = texts.preview(plan, "rules.json", "2026-12-01T14:17:46+00:00")
    assert "1 to add · 1 to change · 1 unchanged · 1 problem\n" in text
    lines = text.splitlines()
    assert lines.index("⚠️ <b>broken</b>: filters: Invalid regex &lt;here&gt;") < lines.index(
        "✏️ <b>old</b>: steps, resumed"
    )
    assert "➕ <b>new &lt;one&gt;</b> (paused): A &amp; B → -1002" in lines
    assert "= unchanged: same" in lines
    assert "Nothing is imported while a rule has a problem" in text


def test_a_long_preview_is_cut_to_fit_one_message() -> None:
    plan = Plan([Entry(f"rule {n:04}", PROBLEM, "x" * 80) for n in range(500)])
    text = texts.preview(plan, "rules.json", "")
    assert len(text) < 4096
    assert "more lines" in text


def test_import_buttons_fit_telegrams_64_bytes() -> None:
    for action in ImportAction:
        assert len(ImportCb(action=action, nonce="ffffffff").pack().encode()) <= 64


def account_spec(name: str) -> RuleSpec:
    return spec(
        name,
        sources=[{"chat_id": -1001, "title": "A & B"}, {"chat_id": -1003, "via": "account"}],
    )


def test_sources_through_an_account_missing_here_are_said_to_wait() -> None:
    entries = [
        Entry("hidden", ADD, spec=account_spec("hidden"), digest=DigestPlan(every_hours=6)),
        Entry("same", SAME, rule_id=2, spec=account_spec("same")),
    ]
    text = texts.preview(Plan(entries, account=False), "rules.json", "")
    assert "➕ <b>hidden</b>: A &amp; B, 📱 -1003 → -1002 · 🗞 digest every 6 h" in text
    assert "📱 hidden: the sources marked 📱 are read through your user account" in text
    assert "Press ✅ Import to write the 1 rule above." in text
    configured = texts.preview(Plan(entries, account=True), "rules.json", "")
    assert "not set up on this deployment" not in configured


def test_the_preview_says_which_new_settings_change() -> None:
    changed = Entry(
        "news",
        CHANGE,
        changes=("delay_minutes", "sync_deletions", "digest"),
        rule_id=1,
        spec=spec("news"),
        digest=DigestPlan(daily_at="08:30"),
    )
    off = Entry("old", CHANGE, changes=("digest",), rule_id=2, spec=spec("old"))
    chats = ChatsPlan(
        chats=(ChatChange(-1002, "Dest <b>", Window(23 * 60, 7 * 60), 0, Pacing(-1002, None, 60)),),
        same=1,
        timezone="Europe/Moscow",
        was_timezone="UTC",
    )
    text = texts.preview(Plan([changed, off], chats), "rules.json", "")
    lines = text.splitlines()
    assert "✏️ <b>news</b>: delay, deletion sync, digest daily at 08:30" in lines
    assert "✏️ <b>old</b>: digest off" in lines
    assert (
        "🌙 Dest &lt;b&gt;: quiet hours 23:00–07:00 (now none), "
        "least time between posts none (now 1 min)"
    ) in lines
    assert "🕐 Your time zone: Europe/Moscow (now UTC)" in lines
    assert "= quiet hours and pacing unchanged for 1 destination" in lines
    assert "Press ✅ Import to write the 2 rules and the settings above." in text
    settings_only = texts.preview(Plan([], chats), "rules.json", "")
    assert "Press ✅ Import to write the settings above." in settings_only


def test_a_problem_in_the_settings_blocks_the_import() -> None:
    chats = ChatsPlan(problems=("time zone: That is not a time zone name.",))
    plan = Plan([Entry("fine", ADD, spec=spec("fine"))], chats)
    assert plan.problems() == 1
    text = texts.preview(plan, "rules.json", "")
    assert "1 to add · 0 to change · 0 unchanged · 1 problem\n" in text
    assert "⚠️ time zone: That is not a time zone name." in text
    assert "Nothing is imported while a rule has a problem" in text


def test_the_fingerprint_follows_digests_and_settings() -> None:
    base = Plan([Entry("a", ADD, spec=spec("a"))])
    with_digest = Plan([Entry("a", ADD, spec=spec("a"), digest=DigestPlan(every_hours=1))])
    with_zone = Plan([Entry("a", ADD, spec=spec("a"))], ChatsPlan(timezone="Asia/Tokyo"))
    prints = {base.fingerprint(), with_digest.fingerprint(), with_zone.fingerprint()}
    assert len(prints) == 3
    assert Plan([Entry("a", ADD, spec=spec("a"))]).fingerprint() == base.fingerprint()
