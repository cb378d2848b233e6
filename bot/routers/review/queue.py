"""Review mode: a delivery waits for a person; reviewers get a preview to approve, edit or skip.

Decisions go through ``Outbox.decide_review``: atomic (a conditional update on the delivery's
status), so two reviewers pressing at once, or an old button pressed twice, decide once; every
decision is recorded.
"""

from __future__ import annotations

from html import escape

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError, TelegramRetryAfter
from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.forwarding.delivery.outbox import Claimed
from bot.forwarding.delivery.payload import Payload
from bot.forwarding.delivery.ratelimit import RateLimiter
from bot.forwarding.html import html_to_text, to_html
from bot.forwarding.rules.index import RuleView
from bot.runtime.access import Access
from bot.runtime.i18n import _, in_locale, owner_language
from bot.runtime.logging import get_logger
from models import ReviewDecision

log = get_logger(__name__)

PREVIEW_BUDGET = 3000
NOTIFY_TRIES = 4


class ReviewCb(CallbackData, prefix="rv"):
    action: str  # ok | edit | skip
    delivery_id: int


def review_keyboard(delivery_id: int) -> InlineKeyboardMarkup:
    def button(text: str, action: str) -> InlineKeyboardButton:
        return InlineKeyboardButton(
            text=text, callback_data=ReviewCb(action=action, delivery_id=delivery_id).pack()
        )

    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                button(_("✅ Approve"), "ok"),
                button(_("✏️ Edit text"), "edit"),
                button(_("🗑 Skip"), "skip"),
            ]
        ]
    )


def content_html(payload: Payload) -> str:
    if payload.transformed is not None:
        return payload.transformed.html
    return to_html(payload.text, payload.message_entities)


def preview_text(item: Claimed, rule: RuleView) -> str:
    dest = next(
        (
            d
            for d in rule.destinations
            if d.chat_id == item.dest_chat_id and (d.thread_id or None) == item.dest_thread_id
        ),
        None,
    )
    where = escape(dest.label() if dest else str(item.dest_chat_id))
    kinds = [k for k in item.payload.media_kinds if k != "text"]
    media = ""
    if kinds:
        album = len(item.source_message_ids) > 1
        media = (_("[{kinds} album] ") if album else _("[{kinds}] ")).format(kinds=", ".join(kinds))
    body = content_html(item.payload)
    if len(body) > PREVIEW_BUDGET:
        body = escape(html_to_text(body)[:PREVIEW_BUDGET]) + "…"
    return _("👀 <b>Review</b> · rule #{id} “{name}” → {where}\n\n{media}{body}").format(
        id=rule.id,
        name=escape(rule.name),
        where=where,
        media=media,
        body=body or _("<i>(no text)</i>"),
    )


async def notify(
    bot: Bot, access: Access, item: Claimed, rule: RuleView, limiter: RateLimiter
) -> int:
    """Send the preview to the owner and every admin, within the flood limits; how many got it.

    Sent outside an update: each reviewer reads it in their /language choice (the owner, failing
    that, in their Telegram app's language)."""
    reached = 0
    for user_id in [access.owner_id, *await access.admin_ids()]:
        with in_locale(await owner_language(user_id)):
            text, markup = preview_text(item, rule), review_keyboard(item.id)
        for _attempt in range(NOTIFY_TRIES):
            await limiter.acquire(user_id)
            try:
                await bot.send_message(user_id, text, reply_markup=markup)
            except TelegramRetryAfter as error:
                limiter.penalize(user_id, error.retry_after)
                continue
            except TelegramAPIError as error:
                log.info("review_not_delivered", reviewer=user_id, error=error.message)
            else:
                reached += 1
            break
    if not reached:
        log.warning("review_unseen", delivery_id=item.id, hint="no reviewer has started the bot")
    return reached


async def decision_of(delivery_id: int) -> ReviewDecision | None:
    return await ReviewDecision.filter(delivery_id=delivery_id).order_by("-id").first()
