"""The review queue's buttons: approve publishes, an edited text is what goes out, skip drops."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.forwarding.delivery.outbox import Outbox
from bot.forwarding.delivery.worker import Workers
from bot.forwarding.html import sanitize_html
from bot.routers.review.queue import ReviewCb, decision_of
from bot.runtime.i18n import _, __

DONE = {"ok": __("✅ Approved"), "edit": __("✏️ Approved with your text"), "skip": __("🗑 Skipped")}
# By the action a decision records (approve | edit | skip): one sentence each, for translators.
ALREADY = {
    "approve": __("This post was ✅ approved already."),
    "edit": __("This post was ✏️ approved with your text already."),
    "skip": __("This post was 🗑 skipped already."),
}


class ReviewEdit(StatesGroup):
    text = State()


async def _already(query: CallbackQuery, callback_answer: CallbackAnswer, delivery_id: int) -> None:
    previous = await decision_of(delivery_id)
    if previous is None:
        text = _("This post was no longer waiting.")
    elif previous.action in ALREADY:
        text = str(ALREADY[previous.action])
    else:
        text = _("This post was {action} already.").format(action=previous.action)
    callback_answer.text, callback_answer.show_alert = text, True
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)


async def approve_or_skip(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    callback_data: ReviewCb,
    outbox: Outbox,
    workers: Workers,
) -> None:
    action = "approve" if callback_data.action == "ok" else "skip"
    if not await outbox.decide_review(callback_data.delivery_id, query.from_user.id, action):
        await _already(query, callback_answer, callback_data.delivery_id)
        return
    workers.wake()
    callback_answer.text = str(DONE[callback_data.action])
    if isinstance(query.message, Message):
        await query.message.edit_reply_markup(reply_markup=None)
        await query.message.reply(str(DONE[callback_data.action]))


async def edit_asked(
    query: CallbackQuery,
    callback_answer: CallbackAnswer,
    callback_data: ReviewCb,
    state: FSMContext,
) -> None:
    if await decision_of(callback_data.delivery_id) is not None:
        await _already(query, callback_answer, callback_data.delivery_id)
        return
    await state.set_state(ReviewEdit.text)
    await state.update_data(review_delivery=callback_data.delivery_id)
    if isinstance(query.message, Message):
        await query.message.reply(
            _(
                "Send the text to publish instead (formatting is kept). "
                "/cancel keeps the post waiting."
            )
        )


async def edited_text(
    message: Message, state: FSMContext, outbox: Outbox, workers: Workers
) -> None:
    delivery_id = int((await state.get_data()).get("review_delivery", 0))
    await state.clear()
    html = sanitize_html(message.html_text)
    reviewer = message.from_user.id if message.from_user else 0
    if not await outbox.decide_review(delivery_id, reviewer, "edit", html):
        await message.answer(_("That post was already handled; your text was not used."))
        return
    workers.wake()
    await message.answer(
        _("✏️ Approved with your text:\n\n{text}").format(text=html or escape(_("(empty)")))
    )


async def edited_not_text(message: Message) -> None:
    await message.answer(_("Send the new text as a message, or /cancel."))


def make_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.callback_query.register(approve_or_skip, ReviewCb.filter(F.action.in_({"ok", "skip"})))
    router.callback_query.register(edit_asked, ReviewCb.filter(F.action == "edit"))
    router.message.register(
        edited_text, ReviewEdit.text, F.chat.type == "private", F.text | F.caption
    )
    router.message.register(edited_not_text, ReviewEdit.text, F.chat.type == "private")
    return router
