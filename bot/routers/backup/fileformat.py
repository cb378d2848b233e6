"""The backup file: every rule as the rules service takes it, with a format name and version.

``/export`` writes it and ``/import`` reads it back. A rule is its name, whether it is active, and
the fields of a ``RuleSpec`` as they are stored (chats by id with their titles, filters, steps,
mode, edit policy, review, what to do when the AI is down, the AI model). Nothing from the
settings is in it: no token, no key. Reading checks only the envelope; each rule is validated
later exactly as the wizard's rules are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from bot.forwarding.rules.spec import RuleSpec
from models import Rule

FORMAT = "forwarder-rules"
VERSION = 1
MAX_FILE_BYTES = 1_000_000
MAX_FILE_SIZE = "1 MB"  # MAX_FILE_BYTES in words
MAX_RULES = 1000

RULE_KEYS = ("name", "active", *(name for name in RuleSpec.model_fields if name != "name"))


class FormatError(ValueError):
    """A file that is not a backup this bot can read; ``str()`` says why."""


@dataclass(frozen=True)
class Backup:
    exported_at: str
    rules: list[Any]  # each checked later, one by one


def rule_entry(row: Rule) -> dict[str, Any]:
    return {key: getattr(row, key) for key in RULE_KEYS}


def export_document(rows: list[Rule], now: datetime) -> bytes:
    document = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": now.astimezone(timezone.utc).isoformat(timespec="seconds"),
        "rules": [rule_entry(row) for row in rows],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def export_filename(now: datetime) -> str:
    return f"rules-{now.astimezone(timezone.utc):%Y-%m-%d-%H%M}.json"


def read_document(raw: bytes) -> Backup:
    if len(raw) > MAX_FILE_BYTES:
        raise FormatError(f"The file is larger than {MAX_FILE_SIZE}.")
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise FormatError("This is not a JSON file.") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise FormatError("This JSON file is not a rules backup made by /export.")
    version = document.get("version")
    if version != VERSION:
        raise FormatError(
            f"This backup has format version {version!r}; I read version {VERSION} only."
        )
    rules = document.get("rules")
    if not isinstance(rules, list):
        raise FormatError("The backup has no list of rules.")
    if len(rules) > MAX_RULES:
        raise FormatError(f"The backup has {len(rules)} rules; I import at most {MAX_RULES}.")
    exported_at = document.get("exported_at")
    return Backup(exported_at if isinstance(exported_at, str) else "", rules)
