"""Sets the language of each update: the user's /language choice, else their Telegram app's
language when the bot speaks it, else English.

Only people writing in private are looked up; group and channel posts are content, not readers,
and read in English without a database query. The owner's Telegram language is remembered so
texts sent outside an update (alerts, review cards) come in it too.
"""

from __future__ import annotations

from typing import Any

from aiogram.types import Chat, TelegramObject, User
from aiogram.utils.i18n.middleware import I18nMiddleware

from bot.runtime.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    catalogues,
    language_from_telegram,
    remember_telegram_language,
    saved_language,
)


class LanguageMiddleware(I18nMiddleware):
    def __init__(self, owner_id: int) -> None:
        super().__init__(catalogues())
        self.owner_id = owner_id

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        user: User | None = data.get("event_from_user")
        chat: Chat | None = data.get("event_chat")
        if user is None or user.is_bot or (chat is not None and chat.type != "private"):
            return DEFAULT_LANGUAGE
        language, chosen = await saved_language(user.id)
        if chosen and language in LANGUAGES:
            return language
        detected = language_from_telegram(user.language_code) or DEFAULT_LANGUAGE
        if user.id == self.owner_id and detected != language:
            await remember_telegram_language(user.id, detected)
        return detected
