"""Whether a source message can be delivered at all, decided before it becomes a delivery.

The Bot API copies and forwards content, not events: service messages (a title changed, a pin,
new members, a video chat started, a topic created, …) can be neither copied nor forwarded;
paid media, giveaways, giveaway winners and invoices can be forwarded but not copied; a quiz can
be copied only when the bot knows its answer; protected content can be neither. Such a message
would only become a delivery that dies, so ingest records it as skipped with the reason this
module gives instead.
"""

from __future__ import annotations

from aiogram.enums import ContentType
from aiogram.types import Message

CONTENT: frozenset[str] = frozenset(
    {
        ContentType.TEXT,
        ContentType.ANIMATION,
        ContentType.AUDIO,
        ContentType.DOCUMENT,
        ContentType.LIVE_PHOTO,
        ContentType.PHOTO,
        ContentType.STICKER,
        ContentType.STORY,
        ContentType.VIDEO,
        ContentType.VIDEO_NOTE,
        ContentType.VOICE,
        ContentType.CHECKLIST,
        ContentType.CONTACT,
        ContentType.DICE,
        ContentType.GAME,
        ContentType.POLL,
        ContentType.VENUE,
        ContentType.LOCATION,
        ContentType.RICH_MESSAGE,
    }
)

# Forwarded as they are, but copyMessage refuses them.
FORWARD_ONLY: dict[str, str] = {
    ContentType.PAID_MEDIA: "paid media",
    ContentType.GIVEAWAY: "giveaway",
    ContentType.GIVEAWAY_WINNERS: "giveaway winners",
    ContentType.INVOICE: "invoice",
}

SERVICE_NAMES: dict[str, str] = {
    ContentType.NEW_CHAT_TITLE: "chat title changed",
    ContentType.NEW_CHAT_PHOTO: "chat photo changed",
    ContentType.DELETE_CHAT_PHOTO: "chat photo removed",
    ContentType.NEW_CHAT_MEMBERS: "new members",
    ContentType.LEFT_CHAT_MEMBER: "member left",
    ContentType.PINNED_MESSAGE: "pinned message",
    ContentType.MESSAGE_AUTO_DELETE_TIMER_CHANGED: "auto-delete timer changed",
    ContentType.MIGRATE_TO_CHAT_ID: "group upgraded to a supergroup",
    ContentType.MIGRATE_FROM_CHAT_ID: "group upgraded to a supergroup",
}


def service_name(kind: str) -> str:
    return SERVICE_NAMES.get(kind, kind.replace("_", " "))


def refusal(message: Message, mode: str) -> str | None:
    """Why ``message`` cannot go out under a rule in ``mode`` (copy | forward); None if it can."""
    kind = message.content_type
    verb = "forwarded" if mode == "forward" else "copied"
    if kind == ContentType.UNKNOWN:
        return f"cannot be {verb}: content this bot does not know"
    if kind not in CONTENT and kind not in FORWARD_ONLY:
        return f"service message: {service_name(kind)}"
    if message.has_protected_content:
        return f"cannot be {verb}: protected content"
    if mode == "forward":
        return None
    if kind in FORWARD_ONLY:
        return f"cannot be copied: {FORWARD_ONLY[kind]}"
    poll = message.poll
    if poll is not None and poll.type == "quiz" and poll.correct_option_id is None:
        return "cannot be copied: a quiz whose answer the bot does not know"
    return None
