"""What /export and /import say: prompts, refusals and the import preview (HTML, escaped)."""

from __future__ import annotations

from datetime import datetime
from html import escape

from bot.forwarding.delivery.pacing import Window, duration_label
from bot.forwarding.rules.spec import ChatRef
from bot.routers.backup.destinations import ChatChange, ChatsPlan
from bot.routers.backup.fileformat import MAX_FILE_SIZE
from bot.routers.backup.plan import ADD, CHANGE, PROBLEM, SAME, Entry, Plan
from bot.routers.rules.digest_texts import plan_label
from bot.runtime.i18n import _, __, lazy_text, ngettext

PREVIEW_LIMIT = 3500  # characters of per-rule lines; Telegram's limit is 4096

# Lazy: each is shown in the reader's language; pass str(...) where a str is needed.
NO_RULES = __("You have no rules yet, so there is nothing to export. /newrule creates one.")
ASK_FILE = lazy_text(
    lambda: _(
        "Send me the backup file that /export made (a .json document, up to {size}).\n"
        "A rule with a name you already use is changed, a new name is added, nothing is deleted, "
        "and I show you what would change before anything is written.\n/cancel to stop."
    ).format(size=MAX_FILE_SIZE)
)
WAITING_HINT = __(
    "I need the backup file: send the .json file /export made, as a document. /cancel to stop."
)
CONFIRM_HINT = __(
    "Press ✅ Import or ✖ Cancel under the preview, or send another file. /cancel to stop."
)
TOO_BIG = lazy_text(
    lambda: _("The file is larger than {size}: this is not a rules backup.").format(
        size=MAX_FILE_SIZE
    )
)
NOT_DOWNLOADED = __("I couldn't download that file from Telegram. Send it again.")
OUT_OF_DATE = __("That button is out of date: nothing changed. Send /import to start again.")
CANCELLED = __("Import cancelled. Nothing changed.")
CHANGED_MEANWHILE = __("Your rules changed since the preview: check this new one.")

FIELD_LABELS = {
    "sources": __("sources"),
    "destinations": __("destinations"),
    "mode": __("mode"),
    "filters": __("filters"),
    "steps": __("steps"),
    "edit_policy": __("edits"),
    "review": __("review"),
    "ai_failure": __("if the AI is down"),
    "ai_model": __("AI model"),
    "allow_new_links": __("new links from the AI"),
    "delay_minutes": __("delay"),
    "sync_deletions": __("deletion sync"),
}


def export_caption(count: int, when: datetime) -> str:
    return ngettext(
        "{count} rule, exported {when} UTC.\n"
        "To restore them, here or on another deployment: send /import, then this file "
        "(or send the file with /import as its caption).",
        "{count} rules, exported {when} UTC.\n"
        "To restore them, here or on another deployment: send /import, then this file "
        "(or send the file with /import as its caption).",
        count,
    ).format(count=count, when=f"{when:%Y-%m-%d %H:%M}")


def refused(reason: str) -> str:
    return _(
        "❌ Not imported: {reason}\nNothing changed. Send the file /export made, or /cancel."
    ).format(reason=escape(reason))


def checking(count: int) -> str:
    return ngettext("Checking {count} rule…", "Checking {count} rules…", count).format(count=count)


def _source(ref: ChatRef) -> str:
    return f"📱 {ref.label()}" if ref.via == "account" else ref.label()


def _route(entry: Entry) -> str:
    assert entry.spec is not None
    sources = ", ".join(_source(s) for s in entry.spec.sources)
    destinations = ", ".join(d.label() for d in entry.spec.destinations)
    route = escape(f"{sources} → {destinations}")
    if entry.digest is not None:
        route += " · " + _("🗞 digest {plan}").format(plan=plan_label(entry.digest))
    return route


def _change(entry: Entry, name: str) -> str:
    if name == "active":
        return _("resumed") if entry.active else _("paused")
    if name == "digest":
        return _("digest {plan}").format(plan=plan_label(entry.digest))
    return str(FIELD_LABELS[name])


def _changes(entry: Entry) -> str:
    return ", ".join(_change(entry, name) for name in entry.changes)


def _line(entry: Entry) -> str:
    name = f"<b>{escape(entry.name)}</b>"
    if entry.action == PROBLEM:
        return f"⚠️ {name}: {escape(entry.problem)}"
    if entry.action == ADD:
        if not entry.active:
            return _("➕ {name} (paused): {route}").format(name=name, route=_route(entry))
        return f"➕ {name}: {_route(entry)}"
    return f"✏️ {name}: {_changes(entry)}"


def _window(window: Window | None) -> str:
    return str(window) if window is not None else _("none")


def _chat_line(change: ChatChange) -> str:
    parts = []
    if change.quiet_changes:
        parts.append(
            _("quiet hours {new} (now {old})").format(
                new=_window(change.quiet), old=_window(change.was.quiet)
            )
        )
    if change.interval_changes:
        parts.append(
            _("least time between posts {new} (now {old})").format(
                new=duration_label(change.interval_s), old=duration_label(change.was.interval_s)
            )
        )
    chat = escape(change.title or str(change.chat_id))
    return _("🌙 {chat}: {changes}").format(chat=chat, changes=", ".join(parts))


def _chats_lines(chats: ChatsPlan) -> list[str]:
    lines = [f"⚠️ {escape(problem)}" for problem in chats.problems]
    lines += [_chat_line(change) for change in chats.chats]
    if chats.timezone is not None:
        lines.append(
            _("🕐 Your time zone: {new} (now {old})").format(
                new=escape(chats.timezone), old=escape(chats.was_timezone)
            )
        )
    if chats.same:
        lines.append(
            ngettext(
                "= quiet hours and pacing unchanged for {count} destination",
                "= quiet hours and pacing unchanged for {count} destinations",
                chats.same,
            ).format(count=chats.same)
        )
    return lines


def _account_line(plan: Plan) -> list[str]:
    waiting = plan.waiting_for_account()
    if not waiting:
        return []
    names = ", ".join(escape(e.name) for e in waiting)
    return [
        _(
            "📱 {names}: the sources marked 📱 are read through your user account, which is not "
            "set up on this deployment. They wait until it is (API_ID, API_HASH and "
            "PYROGRAM_SESSION_STRING); the rules' other sources work at once."
        ).format(names=names)
    ]


def _lines(plan: Plan) -> list[str]:
    lines = [_line(e) for action in (PROBLEM, CHANGE, ADD) for e in plan.of(action)]
    same = [escape(e.name) for e in plan.of(SAME)]
    if same:
        lines.append(_("= unchanged: {names}").format(names=", ".join(same)))
    lines += _account_line(plan) + _chats_lines(plan.chats)
    kept: list[str] = []
    for number, line in enumerate(lines):
        if sum(len(k) + 1 for k in kept) + len(line) > PREVIEW_LIMIT:
            left = len(lines) - number
            kept.append(
                ngettext("… and {count} more line", "… and {count} more lines", left).format(
                    count=left
                )
            )
            break
        kept.append(line)
    return kept


def preview(plan: Plan, file_name: str, exported_at: str) -> str:
    problems = plan.problems()
    counts = " · ".join(
        [
            _("{count} to add").format(count=plan.count(ADD)),
            _("{count} to change").format(count=plan.count(CHANGE)),
            _("{count} unchanged").format(count=plan.count(SAME)),
            ngettext("{count} problem", "{count} problems", problems).format(count=problems),
        ]
    )
    name = escape(file_name) if file_name else _("the file")
    origin = (
        _("{file}, exported {when}").format(file=name, when=escape(exported_at))
        if exported_at
        else name
    )
    head = [
        _("<b>Import preview</b> · {origin}").format(origin=origin),
        counts,
        _("Nothing is deleted: rules that are not in the file stay as they are."),
        "",
        *_lines(plan),
        "",
    ]
    writes = len(plan.writes())
    if plan.problems():
        head.append(
            _(
                "Nothing is imported while a rule has a problem: fix the file and send it again, "
                "or /cancel."
            )
        )
    elif not plan.writes_anything():
        head.append(_("Nothing to import: every rule in the file is already here as it is."))
    elif not writes:
        head.append(_("Press ✅ Import to write the settings above."))
    elif plan.chats.writes():
        head.append(
            ngettext(
                "Press ✅ Import to write the {count} rule and the settings above.",
                "Press ✅ Import to write the {count} rules and the settings above.",
                writes,
            ).format(count=writes)
        )
    else:
        head.append(
            ngettext(
                "Press ✅ Import to write the {count} rule above.",
                "Press ✅ Import to write the {count} rules above.",
                writes,
            ).format(count=writes)
        )
    return "\n".join(head)


def done(plan: Plan) -> str:
    lines = [
        _(
            "✅ Imported: {added} added, {changed} changed, {same} unchanged. See them in /rules."
        ).format(added=plan.count(ADD), changed=plan.count(CHANGE), same=plan.count(SAME))
    ]
    chats = len(plan.chats.chats)
    if chats:
        lines.append(
            ngettext(
                "Quiet hours and pacing changed for {count} destination.",
                "Quiet hours and pacing changed for {count} destinations.",
                chats,
            ).format(count=chats)
        )
    if plan.chats.timezone is not None:
        lines.append(_("Your time zone is now {zone}.").format(zone=escape(plan.chats.timezone)))
    return "\n".join(lines)
