"""/status: the health of the bot for the owner and admins; dead deliveries can be retried or dropped."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import F, Router
from aiogram.filters import Command, MagicData
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.routers.status.figures import gather_status, render_status
from bot.routers.status.keyboards import StatusAction, StatusCb, status_keyboard
from bot.routers.ui import edit_or_send
from bot.runtime.access import Role
from bot.runtime.i18n import _, __
from bot.runtime.logging import get_logger

if TYPE_CHECKING:
    from aiogram.types import InlineKeyboardMarkup

    from bot.services import Services

# Strangers are refused by the access middleware; this keeps it so should that ever change.
log = get_logger(__name__)

NO_LONGER_DEAD = __("That delivery is no longer dead.")
OUT_OF_DATE = __("That button is out of date.")


async def _view(services: Services) -> tuple[str, InlineKeyboardMarkup]:
    report = await gather_status(services)
    return render_status(report), status_keyboard([item.id for item in report.dead])


async def status(message: Message, services: Services) -> None:
    text, markup = await _view(services)
    await message.answer(text, reply_markup=markup)


async def status_button(
    query: CallbackQuery,
    callback_data: StatusCb,
    services: Services,
    callback_answer: CallbackAnswer,
) -> None:
    action, delivery_id = callback_data.action, callback_data.delivery_id
    if action is StatusAction.RETRY:
        if await services.outbox.retry_dead(delivery_id):
            services.workers.wake()
            log.info("dead_delivery_retried", delivery_id=delivery_id)
            callback_answer.text = _("Delivery #{id} goes out again now.").format(id=delivery_id)
        else:
            callback_answer.text = str(NO_LONGER_DEAD)
    elif action is StatusAction.DROP:
        if await services.outbox.drop_dead(delivery_id):
            log.info("dead_delivery_dropped", delivery_id=delivery_id)
            callback_answer.text = _("Delivery #{id} dropped.").format(id=delivery_id)
        else:
            callback_answer.text = str(NO_LONGER_DEAD)
    else:
        callback_answer.text = _("Refreshed.")
    await edit_or_send(query, *await _view(services))


async def unknown_button(query: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    callback_answer.text = str(OUT_OF_DATE)


def make_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    router.message.filter(MagicData(F.role >= Role.ADMIN))
    router.callback_query.filter(MagicData(F.role >= Role.ADMIN))
    router.message.register(status, Command("status"))
    router.callback_query.register(status_button, StatusCb.filter())
    router.callback_query.register(unknown_button, F.data.startswith(f"{StatusCb.__prefix__}:"))
    return router
