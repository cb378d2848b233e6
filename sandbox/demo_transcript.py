"""The demo's transcript: what each person and chat sees, printed for a reader.

The bot's texts are shown whole, wrapped at word boundaries and indented under their speaker; an
edited message shows only its changed lines when most of it stayed; buttons are listed under the
message that carries them. What each scene showed is recorded, checked, and recapped at the end.
"""

from __future__ import annotations

import difflib
import re
import textwrap
from collections.abc import Awaitable, Callable
from typing import Any

from sandbox.telegram.person import Reply
from sandbox.telegram.standin import TelegramStandIn

WIDTH = 100


def _wrap(text: str, width: int) -> list[str]:
    """``text`` as lines of at most ``width`` characters, broken only between words; a line's
    leading spaces (a bullet's indent) are kept on its continuation lines."""
    lines: list[str] = []
    for line in text.splitlines() or [""]:
        body = line.lstrip()
        lead = line[: len(line) - len(body)]
        lines += textwrap.wrap(
            body,
            max(20, width - len(lead)),
            initial_indent=lead,
            subsequent_indent=lead + "  " if body.startswith(("•", "-")) else lead,
            break_long_words=False,
            break_on_hyphens=False,
        ) or [""]
    return lines


def say(head: str, text: str) -> None:
    """Print ``head`` and ``text`` after it, whole, continuation lines indented under its start."""
    indent = " " * len(head)
    first, *rest = _wrap(text, WIDTH - len(head))
    print((head + first).rstrip())
    for line in rest:
        print((indent + line).rstrip())


def _buttons(message: dict[str, Any]) -> list[str]:
    """The inline buttons a message carries, row after row, as ``[label]``."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
    return [f"[{button['text']}]" for row in rows for button in row]


def _pack(buttons: list[str], width: int) -> str:
    """Buttons on lines of about ``width`` characters, never splitting one."""
    lines = [""]
    for button in buttons:
        if lines[-1] and len(lines[-1]) + 2 + len(button) > width:
            lines.append("")
        lines[-1] += ("  " if lines[-1] else "") + button
    return "\n".join(lines)


def plain(html: str) -> str:
    """A post's HTML as the reader sees it, without tags."""
    return re.sub(r"<[^>]+>", "", html)


class Transcript:
    """Prints the demo as it happens; ``names`` maps user ids to how they are introduced, and the
    owner's wizard actions are prefixed with ``owner_name``."""

    def __init__(
        self, tg: TelegramStandIn, owner: int, owner_name: str, names: dict[int, str]
    ) -> None:
        self.tg, self.owner, self.owner_name, self.names = tg, owner, owner_name, names
        self.seen: dict[int, set[int]] = {}
        self.owner_texts: set[str] = set()
        self.shown_buttons: list[list[str]] = []
        self.recap: list[tuple[str, bool]] = []

    def section(self, title: str) -> None:
        print(f"\n── {title} " + "─" * max(3, 70 - len(title)))

    def note(self, text: str) -> None:
        say("  ", text)

    def person(self, user_id: int, text: str) -> None:
        print(f"  {self.names[user_id]} → bot: {text}")

    def channel(self, title: str, text: str) -> None:
        say(f"  [{title}] ", text)

    def showed(self, claim: str, held: bool) -> None:
        """Record what a scene showed, and whether the stand-ins' state bears it out."""
        self.recap.append((claim, held))

    async def wizard(self, action: str, act: Callable[[], Awaitable[Reply]]) -> Reply:
        """One wizard step: what the owner did, then everything the bot answered, whole: the
        notice of a pressed button, the messages it edited, the messages it sent."""
        before = {m["message_id"]: m for m in self._messages(self.owner)}
        reply = await act()
        print(f"  {self.owner_name}: {action}")
        if reply.notice:
            say("    bot (pop-up): ", reply.notice)
        for message in self._messages(self.owner):
            old = before.get(message["message_id"])
            if old is None:
                self._wizard_message(message)
            elif message.get("text") != old.get("text"):
                self._wizard_edit(old, message)
        self.mark_read(self.owner)
        return reply

    def _wizard_message(self, message: dict[str, Any]) -> None:
        text = message.get("text") or ""
        head = "    bot (in reply): " if message.get("reply_to_message") else "    bot: "
        if text in self.owner_texts:
            say(head, f"{text.splitlines()[0]} … (the same message again)")
            return
        self.owner_texts.add(text)
        say(head, text)
        self._show_buttons(_buttons(message))

    def _wizard_edit(self, old: dict[str, Any], new: dict[str, Any]) -> None:
        """An edited message: whole when most of it changed, else only its changed lines and
        buttons."""
        text = new.get("text") or ""
        old_lines, new_lines = (old.get("text") or "").splitlines(), text.splitlines()
        matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines)
        if matcher.ratio() < 0.5:
            say("    bot edits its message into: ", text)
            self._show_buttons(_buttons(new))
            return
        changed = [
            line
            for tag, _, _, j1, j2 in matcher.get_opcodes()
            if tag != "equal"
            for line in new_lines[j1:j2]
        ]
        say("    bot updates its message above: ", "\n".join(changed))
        was = _buttons(old)
        self._show_buttons([b for b in _buttons(new) if b not in was], "buttons now: ")

    def _show_buttons(self, buttons: list[str], head: str = "buttons: ") -> None:
        if buttons and buttons not in self.shown_buttons:
            self.shown_buttons.append(buttons)
            head = "         " + head
            say(head, _pack(buttons, WIDTH - len(head)))

    def new_in(self, chat_id: int, label: str) -> list[dict[str, Any]]:
        """Print what the bot sent to a chat since last time."""
        seen = self.seen.setdefault(chat_id, set())
        fresh = [m for m in self._messages(chat_id) if m["message_id"] not in seen]
        for message in fresh:
            seen.add(message["message_id"])
            body = message.get("text") or message.get("caption") or ""
            kind = next((k for k in ("photo", "video", "document") if k in message), "")
            album = " (album)" if message.get("media_group_id") else ""
            edited = " (edited)" if message.get("edit_date") else ""
            media = f"[{kind}]{album} " if kind else ""
            head = f"  bot → {label}: "
            say(head, f"{media}{body}{edited}")
            if buttons := _buttons(message):
                head = " " * len(head) + "buttons: "
                say(head, _pack(buttons, WIDTH - len(head)))
        return fresh

    def mark_read(self, chat_id: int) -> None:
        self.seen[chat_id] = {m["message_id"] for m in self._messages(chat_id)}

    def _messages(self, chat_id: int) -> list[dict[str, Any]]:
        try:
            return self.tg.bot_messages(chat_id)
        except ValueError:  # the bot never wrote there
            return []

    def print_recap(self) -> bool:
        self.section("What this showed")
        for claim, held in self.recap:
            say(f"  {'✓' if held else '✗ NOT SHOWN:'} ", claim)
        return all(held for _, held in self.recap)
