"""/language: the choice is saved per user and wins over the Telegram app's language; the
reply and the command menu switch to the new language at once. The AI's output language is a
rule's own setting and does not change with it."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.routers.language.keyboards import LanguageCb, language_keyboard
from bot.routers.ui import edit_or_send
from bot.runtime.access import Role
from bot.runtime.commands import publish_commands_for
from bot.runtime.i18n import LANGUAGES, _, choose_language, current_language, in_locale
from bot.runtime.logging import get_logger

log = get_logger(__name__)


def screen_text() -> str:
    return _("Which language should I speak to you in?\nNow: {language}").format(
        language=LANGUAGES.get(current_language(), LANGUAGES["en"])
    )


async def language_command(message: Message) -> None:
    await message.answer(screen_text(), reply_markup=language_keyboard(current_language()))


async def language_chosen(
    query: CallbackQuery,
    callback_data: LanguageCb,
    role: Role,
    bot: Bot,
    callback_answer: CallbackAnswer,
) -> None:
    code = callback_data.code
    if code not in LANGUAGES:  # a forged or retired button
        callback_answer.text = _("That button is out of date.")
        return
    await choose_language(query.from_user.id, code)
    log.info("language_chosen", language=code)
    with in_locale(code):
        callback_answer.text = _("I speak {language} now.").format(language=LANGUAGES[code])
        await edit_or_send(query, screen_text(), language_keyboard(code))
        await publish_commands_for(bot, query.from_user.id, role)


def make_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    router.message.register(language_command, Command("language"))
    router.callback_query.register(language_chosen, LanguageCb.filter())
    return router
