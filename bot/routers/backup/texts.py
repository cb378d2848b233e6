"""What /export and /import say: prompts, refusals and the import preview (HTML, escaped)."""

from __future__ import annotations

from datetime import datetime
from html import escape

from bot.routers.backup.fileformat import MAX_FILE_SIZE
from bot.routers.backup.plan import ADD, CHANGE, PROBLEM, SAME, Entry, Plan

PREVIEW_LIMIT = 3500  # characters of per-rule lines; Telegram's limit is 4096

NO_RULES = "You have no rules yet, so there is nothing to export. /newrule creates one."
ASK_FILE = (
    f"Send me the backup file that /export made (a .json document, up to {MAX_FILE_SIZE}).\n"
    "A rule with a name you already use is changed, a new name is added, nothing is deleted, "
    "and I show you what would change before anything is written.\n/cancel to stop."
)
WAITING_HINT = (
    "I need the backup file: send the .json file /export made, as a document. /cancel to stop."
)
CONFIRM_HINT = (
    "Press ✅ Import or ✖ Cancel under the preview, or send another file. /cancel to stop."
)
TOO_BIG = f"The file is larger than {MAX_FILE_SIZE}: this is not a rules backup."
NOT_DOWNLOADED = "I couldn't download that file from Telegram. Send it again."
OUT_OF_DATE = "That button is out of date: nothing changed. Send /import to start again."
CANCELLED = "Import cancelled. Nothing changed."
CHANGED_MEANWHILE = "Your rules changed since the preview: check this new one."

FIELD_LABELS = {
    "sources": "sources",
    "destinations": "destinations",
    "mode": "mode",
    "filters": "filters",
    "steps": "steps",
    "edit_policy": "edits",
    "review": "review",
    "ai_failure": "if the AI is down",
    "ai_model": "AI model",
    "allow_new_links": "new links from the AI",
    "delay_minutes": "delay",
}


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def export_caption(count: int, when: datetime) -> str:
    return (
        f"{_plural(count, 'rule')}, exported {when:%Y-%m-%d %H:%M} UTC.\n"
        "To restore them, here or on another deployment: send /import, then this file "
        "(or send the file with /import as its caption)."
    )


def refused(reason: str) -> str:
    return f"❌ Not imported: {escape(reason)}\nNothing changed. Send the file /export made, or /cancel."


def checking(count: int) -> str:
    return f"Checking {_plural(count, 'rule')}…"


def _route(entry: Entry) -> str:
    assert entry.spec is not None
    sources = ", ".join(s.label() for s in entry.spec.sources)
    destinations = ", ".join(d.label() for d in entry.spec.destinations)
    return escape(f"{sources} → {destinations}")


def _changes(entry: Entry) -> str:
    words = [
        ("resumed" if entry.active else "paused") if name == "active" else FIELD_LABELS[name]
        for name in entry.changes
    ]
    return ", ".join(words)


def _line(entry: Entry) -> str:
    name = f"<b>{escape(entry.name)}</b>"
    if entry.action == PROBLEM:
        return f"⚠️ {name}: {escape(entry.problem)}"
    if entry.action == ADD:
        paused = " (paused)" if not entry.active else ""
        return f"➕ {name}{paused}: {_route(entry)}"
    return f"✏️ {name}: {_changes(entry)}"


def _lines(plan: Plan) -> list[str]:
    lines = [_line(e) for action in (PROBLEM, CHANGE, ADD) for e in plan.of(action)]
    same = [escape(e.name) for e in plan.of(SAME)]
    if same:
        lines.append("= unchanged: " + ", ".join(same))
    kept: list[str] = []
    for number, line in enumerate(lines):
        if sum(len(k) + 1 for k in kept) + len(line) > PREVIEW_LIMIT:
            kept.append(f"… and {len(lines) - number} more lines")
            break
        kept.append(line)
    return kept


def preview(plan: Plan, file_name: str, exported_at: str) -> str:
    counts = " · ".join(
        [
            f"{plan.count(ADD)} to add",
            f"{plan.count(CHANGE)} to change",
            f"{plan.count(SAME)} unchanged",
            _plural(plan.count(PROBLEM), "problem"),
        ]
    )
    origin = escape(file_name or "the file") + (
        f", exported {escape(exported_at)}" if exported_at else ""
    )
    head = [
        f"<b>Import preview</b> · {origin}",
        counts,
        "Nothing is deleted: rules that are not in the file stay as they are.",
        "",
        *_lines(plan),
        "",
    ]
    if plan.count(PROBLEM):
        head.append(
            "Nothing is imported while a rule has a problem: fix the file and send it again, "
            "or /cancel."
        )
    elif not plan.writes():
        head.append("Nothing to import: every rule in the file is already here as it is.")
    else:
        head.append(f"Press ✅ Import to write the {_plural(len(plan.writes()), 'rule')} above.")
    return "\n".join(head)


def done(plan: Plan) -> str:
    return (
        f"✅ Imported: {plan.count(ADD)} added, {plan.count(CHANGE)} changed, "
        f"{plan.count(SAME)} unchanged. See them in /rules."
    )
