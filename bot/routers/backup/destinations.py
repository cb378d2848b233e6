"""The file's settings that belong to destination chats and to the owner, not to a rule.

``"destinations"`` maps each chat id (a string, as JSON keys are) to its quiet window and the
least time between its posts, ``{"title": "Dest", "quiet": "23:00-07:00", "interval_s": 300}``
(``quiet`` null: none; ``title`` is only for the reader); ``"owner"`` holds the time zone the quiet
hours and digest times are read in, ``{"timezone": "Europe/Moscow"}``. Only chats with a setting
are exported. On import a chat named in the file gets the file's values (a missing one is its
default: none), a chat that is not in it keeps its own, and an absent section (files of format
version 1) changes nothing. The values are read and stored through ``delivery/pacing.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bot.forwarding.delivery import pacing
from bot.forwarding.delivery.pacing import MAX_INTERVAL_S, Pacing, Window, clock
from bot.runtime.i18n import _

KEYS = frozenset({"title", "quiet", "interval_s"})


@dataclass(frozen=True)
class ChatChange:
    """A destination whose settings the import changes: the new ones and what it has now."""

    chat_id: int
    title: str
    quiet: Window | None
    interval_s: int
    was: Pacing

    @property
    def quiet_changes(self) -> bool:
        return self.quiet != self.was.quiet

    @property
    def interval_changes(self) -> bool:
        return self.interval_s != self.was.interval_s


@dataclass(frozen=True)
class ChatsPlan:
    """What an import does to destinations and the owner's time zone."""

    chats: tuple[ChatChange, ...] = ()
    same: int = 0  # chats of the file that already have its settings
    timezone: str | None = None  # the new time zone, when it differs
    was_timezone: str = pacing.DEFAULT_TIMEZONE
    problems: tuple[str, ...] = ()

    def writes(self) -> bool:
        return bool(self.chats or self.timezone)

    def shape(self) -> list[Any]:
        """What it would write, for the import's fingerprint."""
        chats = [(c.chat_id, str(c.quiet or ""), c.interval_s, repr(c.was)) for c in self.chats]
        return [chats, self.timezone, self.was_timezone, list(self.problems)]


# -- export -------------------------------------------------------------------------------------


def window_text(window: Window | None) -> str | None:
    return f"{clock(window.start)}-{clock(window.end)}" if window is not None else None


def export_destinations(
    settings: Mapping[int, Pacing], titles: Mapping[int, str]
) -> dict[str, Any]:
    """The chats that have quiet hours or an interval, by id."""
    return {
        str(chat_id): {
            "title": titles.get(chat_id, ""),
            "quiet": window_text(item.quiet),
            "interval_s": item.interval_s,
        }
        for chat_id, item in sorted(settings.items())
        if item.quiet is not None or item.interval_s
    }


def export_owner(timezone: str) -> dict[str, Any]:
    return {"timezone": timezone}


# -- import -------------------------------------------------------------------------------------


def _window(value: Any) -> Window | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return pacing.parse_window(value)
        except ValueError:
            pass
    raise ValueError(_("“quiet” must be null (none) or HH:MM-HH:MM, like 23:00-07:00."))


def _interval(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_INTERVAL_S:
        return value
    raise ValueError(
        _("“interval_s” must be a number of seconds from 0 to {limit}.").format(
            limit=MAX_INTERVAL_S
        )
    )


def _chat(key: Any, value: Any) -> tuple[int, str, Window | None, int]:
    try:
        chat_id = int(key)
    except ValueError:
        raise ValueError(_("“{key}” is not a chat id.").format(key=key)) from None
    if not isinstance(value, dict):
        raise ValueError(_("Its settings must be an object with “quiet” and “interval_s”."))
    unknown = sorted(set(value) - KEYS)
    if unknown:
        raise ValueError(_("Unknown setting “{key}”.").format(key=unknown[0]))
    title = value.get("title")
    return (
        chat_id,
        title if isinstance(title, str) else "",
        _window(value.get("quiet")),
        _interval(value.get("interval_s", 0)),
    )


def _problem(chat: str, reason: str) -> str:
    return _("destination {chat}: {problem}").format(chat=chat, problem=reason)


async def _destinations(section: Any) -> tuple[list[ChatChange], int, list[str]]:
    if section is None:
        return [], 0, []
    if not isinstance(section, dict):
        return [], 0, [_("“destinations” must be an object: chat id → its settings.")]
    now = await pacing.all_pacing()
    changes, same, problems = [], 0, []
    # in the order of their keys: a stored copy of the file (the FSM's JSON) may order them anew
    for key, value in sorted(section.items()):
        try:
            chat_id, title, quiet, interval_s = _chat(key, value)
        except ValueError as error:
            problems.append(_problem(str(key), str(error)))
            continue
        was = now.get(chat_id, Pacing(chat_id))
        if (quiet, interval_s) == (was.quiet, was.interval_s):
            same += 1
            continue
        changes.append(ChatChange(chat_id, title, quiet, interval_s, was))
    return changes, same, problems


def _timezone(section: Any, was: str) -> tuple[str | None, list[str]]:
    if section is None or (isinstance(section, dict) and "timezone" not in section):
        return None, []  # nothing said: the time zone stays
    name = section.get("timezone") if isinstance(section, dict) else None
    if not isinstance(section, dict) or not isinstance(name, str):
        return None, [_("“owner” must be an object whose “timezone” is a name like Europe/Moscow.")]
    try:
        name = pacing.parse_timezone(name)
    except ValueError as error:
        return None, [_("time zone: {problem}").format(problem=str(error))]
    return (name if name != was else None), []


async def make_chats_plan(destinations: Any, owner: Any) -> ChatsPlan:
    """The file's ``destinations`` and ``owner`` sections (None: absent) against the settings
    stored now."""
    was_timezone = await pacing.timezone()
    chats, same, problems = await _destinations(destinations)
    timezone, zone_problems = _timezone(owner, was_timezone)
    return ChatsPlan(tuple(chats), same, timezone, was_timezone, tuple(problems + zone_problems))


async def write_chats(plan: ChatsPlan) -> None:
    """Each changed destination's settings (run in the caller's transaction). The time zone is
    set apart, first: ``pacing.set_timezone`` may refuse a zone the database does not know."""
    for change in plan.chats:
        if change.quiet_changes:
            await pacing.set_quiet(change.chat_id, change.quiet)
        if change.interval_changes:
            await pacing.set_interval(change.chat_id, change.interval_s)
