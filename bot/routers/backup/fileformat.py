"""The backup file: every rule as the rules service takes it, with a format name and version.

``/export`` writes it and ``/import`` reads it back. A rule is its name, whether it is active, the
fields of a ``RuleSpec`` (chats by id with their titles, a source read through the user account
marked ``"via": "account"``, filters, steps, mode, edit policy, review, what to do when the AI is
down, the AI model, new links from the AI, the delay, deletion sync) and its digest plan
(``digests.py``). Beside the rules, ``"destinations"`` and ``"owner"`` hold the settings of
destination chats and of the owner (``destinations.py``). Nothing from the settings of the
deployment is in it: no token, no key.

Version 2 added the digest plans and those two sections; a version 1 file is still read, its
missing fields taking their defaults (no digest) and its missing sections changing nothing.
Reading checks only the envelope; each rule is validated later exactly as the wizard's rules are.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from pydantic import ValidationError

from bot.forwarding.delivery.pacing import Pacing
from bot.forwarding.digest.plans import Plan as DigestPlan
from bot.forwarding.rules.filters import TRUSTED
from bot.forwarding.rules.spec import RuleSpec
from bot.routers.backup import digests
from bot.routers.backup.destinations import export_destinations, export_owner
from bot.runtime.i18n import _, ngettext
from models import Rule

FORMAT = "forwarder-rules"
VERSION = 2
READS = (1, 2)  # the versions read: older files lack the newer fields, and get their defaults
MAX_FILE_BYTES = 1_000_000
MAX_FILE_SIZE = "1 MB"  # MAX_FILE_BYTES in words
MAX_RULES = 1000

SPEC_KEYS = tuple(RuleSpec.model_fields)
RULE_KEYS = ("name", "active", *(name for name in SPEC_KEYS if name != "name"), digests.KEY)


class FormatError(ValueError):
    """A file that is not a backup this bot can read; ``str()`` says why."""


@dataclass(frozen=True)
class Backup:
    exported_at: str
    rules: list[Any]  # each checked later, one by one
    destinations: Any = None  # None: the file has no such section (version 1)
    owner: Any = None
    version: int = VERSION


def stored_spec(row: Rule) -> dict[str, Any]:
    """A rule's spec fields as stored, with the defaults of fields added since it was saved (so
    a rule saved before a field existed matches a file that has it); as stored when it no longer
    validates."""
    stored = {key: getattr(row, key) for key in SPEC_KEYS}
    try:
        return RuleSpec.model_validate(stored, context=TRUSTED).model_dump(mode="json")
    except (ValidationError, ValueError):
        return stored


def rule_entry(row: Rule, digest: DigestPlan | None = None) -> dict[str, Any]:
    spec = stored_spec(row)
    values = {**spec, "active": row.active, digests.KEY: digests.entry(digest)}
    return {key: values[key] for key in RULE_KEYS}


def export_document(
    rows: list[Rule],
    now: datetime,
    plans: Mapping[int, DigestPlan] | None = None,
    pacing: Mapping[int, Pacing] | None = None,
    timezone_name: str = "UTC",
) -> bytes:
    """The file of ``rows`` with their digest ``plans``, the destinations' ``pacing`` and the
    owner's time zone."""
    plans = plans or {}
    titles = {
        ref["chat_id"]: ref.get("title") or ""
        for row in rows
        for ref in row.destinations
        if isinstance(ref, dict) and isinstance(ref.get("chat_id"), int)
    }
    document = {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": now.astimezone(timezone.utc).isoformat(timespec="seconds"),
        "rules": [rule_entry(row, plans.get(row.id)) for row in rows],
        "destinations": export_destinations(pacing or {}, titles),
        "owner": export_owner(timezone_name),
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def export_filename(now: datetime) -> str:
    return f"rules-{now.astimezone(timezone.utc):%Y-%m-%d-%H%M}.json"


def read_document(raw: bytes) -> Backup:
    if len(raw) > MAX_FILE_BYTES:
        raise FormatError(_("The file is larger than {size}.").format(size=MAX_FILE_SIZE))
    try:
        document = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise FormatError(_("This is not a JSON file.")) from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise FormatError(_("This JSON file is not a rules backup made by /export."))
    version = document.get("version")
    if isinstance(version, bool) or version not in READS:
        raise FormatError(
            _("This backup has format version {version}; I read versions 1 to {supported}.").format(
                version=repr(version), supported=VERSION
            )
        )
    rules = document.get("rules")
    if not isinstance(rules, list):
        raise FormatError(_("The backup has no list of rules."))
    if len(rules) > MAX_RULES:
        raise FormatError(
            ngettext(
                "The backup has {count} rule; I import at most {limit}.",
                "The backup has {count} rules; I import at most {limit}.",
                len(rules),
            ).format(count=len(rules), limit=MAX_RULES)
        )
    exported_at = document.get("exported_at")
    return Backup(
        exported_at if isinstance(exported_at, str) else "",
        rules,
        destinations=document.get("destinations") if version >= 2 else None,
        owner=document.get("owner") if version >= 2 else None,
        version=version,
    )
