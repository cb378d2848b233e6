"""The backup file's envelope, the import preview's wording and the size of its buttons."""

from __future__ import annotations

import json

import pytest

from bot.forwarding.rules.spec import RuleSpec
from bot.routers.backup import texts
from bot.routers.backup.fileformat import (
    FORMAT,
    MAX_FILE_BYTES,
    MAX_RULES,
    VERSION,
    FormatError,
    read_document,
)
from bot.routers.backup.keyboards import ImportAction, ImportCb
from bot.routers.backup.plan import ADD, CHANGE, PROBLEM, SAME, Entry, Plan


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
        (document(version=2), "format version 2; I read version 1 only."),
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


def spec(name: str) -> RuleSpec:
    return RuleSpec.model_validate(
        {
            "name": name,
            "sources": [{"chat_id": -1001, "title": "A & B"}],
            "destinations": [{"chat_id": -1002}],
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
