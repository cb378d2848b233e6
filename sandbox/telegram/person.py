"""A person talking to the bot in a private chat through the Telegram stand-in: sends messages,
presses inline buttons, and reads what the bot answered. Used by the tests and the demo."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from sandbox.telegram.standin import TelegramStandIn


class RunningBot(Protocol):
    """What a person needs of the bot: to know when it has handled everything sent so far."""

    async def idle(self, timeout: float) -> bool: ...


@dataclass
class Reply:
    """What came back for one action: a callback notice, the edited message, new messages."""

    notice: str = ""
    edited: str = ""
    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def text(self) -> str:
        parts = [
            self.notice,
            self.edited,
            *(m.get("text") or m.get("caption") or "" for m in self.messages),
        ]
        return "\n".join(part for part in parts if part)


class Person:
    def __init__(self, tg: TelegramStandIn, bot: RunningBot, user_id: int) -> None:
        self.tg, self.bot, self.user_id = tg, bot, user_id

    def received(self) -> list[dict[str, Any]]:
        try:
            return self.tg.bot_messages(self.user_id)
        except ValueError:  # no private chat yet
            return []

    async def settle(self, timeout: float = 15.0) -> None:
        """Wait until the bot has handled everything sent so far."""
        await self.tg.wait_for(
            lambda: not self.tg.pending_updates() and self.tg.is_polling(), timeout=timeout
        )
        assert await self.bot.idle(timeout)

    async def says(self, text: str | None = None, **extra: Any) -> Reply:
        before = len(self.received())
        self.tg.user_sends(self.user_id, text, **extra)
        await self.settle()
        return Reply(messages=self.received()[before:])

    def last_with_buttons(self) -> dict[str, Any]:
        for message in reversed(self.received()):
            if (message.get("reply_markup") or {}).get("inline_keyboard"):
                return message
        raise AssertionError("no message with inline buttons")

    async def presses(self, label: str, *, forge: str | None = None) -> Reply:
        """Press the first button whose text contains ``label`` on the latest message that has
        buttons; or, with ``forge``, send that callback data from the latest message."""
        if forge is not None:
            message, data = self.received()[-1], forge
        else:
            message = self.last_with_buttons()
            buttons = [b for row in message["reply_markup"]["inline_keyboard"] for b in row]
            matching = [b for b in buttons if label in b["text"]]
            assert matching, f"no button {label!r} in {[b['text'] for b in buttons]}"
            data = matching[0]["callback_data"]
        before = len(self.received())
        query = self.tg.press_button(self.user_id, message, data, forge=forge is not None)
        await self.settle()
        answer = self.tg.callback_answer(query) or {}
        edited = self.tg.message(self.user_id, message["message_id"])
        return Reply(
            notice=answer.get("text") or "",
            edited=edited.get("text") or "",
            messages=self.received()[before:],
        )
