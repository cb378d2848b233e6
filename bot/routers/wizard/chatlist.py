"""The wizard's lists of sources and destinations: how a chat on them reads, and adding one
(shared by the sources step and the user-account options, ``account.py``)."""

from __future__ import annotations

from html import escape
from typing import Any

from aiogram.fsm.context import FSMContext
from aiogram.types import Message

from bot.forwarding.rules.spec import ChatRef
from bot.routers.wizard.nav import DONE
from bot.runtime.i18n import _

MAX_CHATS = 50  # per list, as the rules service allows


def chat_label(ref: dict[str, Any]) -> str:
    chat = ChatRef.model_validate(ref)
    via = " · " + _("via your account") if chat.via == "account" else ""
    return f"{escape(chat.label())} <code>{chat.chat_id}</code>{via}"


def chats_list(refs: list[dict[str, Any]]) -> str:
    if not refs:
        return "  " + _("(none yet)")
    return "\n".join(f"  • {chat_label(ref)}" for ref in refs)


def so_far(key: str, refs: list[dict[str, Any]]) -> str:
    if key == "sources":
        return _("Sources so far:\n{chats}").format(chats=chats_list(refs))
    return _("Destinations so far:\n{chats}").format(chats=chats_list(refs))


async def add_chat(message: Message, state: FSMContext, as_source: bool, ref: ChatRef) -> None:
    """Put ``ref`` on the sources (or destinations) list, unless it is there already, would
    make a loop, or the list is full; say which."""
    key = "sources" if as_source else "destinations"
    data = await state.get_data()
    chosen = [ChatRef.model_validate(r) for r in data[key]]
    other = [ChatRef.model_validate(r) for r in data["destinations" if as_source else "sources"]]
    if any(c.key == ref.key for c in chosen):
        await message.answer(_("{chat} is already on the list.").format(chat=escape(ref.label())))
        return
    if any(c.chat_id == ref.chat_id and (not c.thread_id or c.key == ref.key) for c in other):
        loop = (
            _("{chat} is already a destination: posts would loop.")
            if as_source
            else _("{chat} is already a source: posts would loop.")
        )
        await message.answer(loop.format(chat=escape(ref.label())))
        return
    if len(chosen) >= MAX_CHATS:
        limit = (
            _("A rule can have at most {count} sources.")
            if as_source
            else _("A rule can have at most {count} destinations.")
        )
        await message.answer(limit.format(count=MAX_CHATS))
        return
    refs = [*data[key], ref.model_dump()]
    await state.update_data({key: refs})
    await message.answer(
        _("✓ Added {chat}").format(chat=chat_label(ref.model_dump()))
        + "\n\n"
        + so_far(key, refs)
        + "\n\n"
        + _("Add more, or press {done}.").format(done=escape(str(DONE)))
    )
