"""The owner's language: every text the bot sends goes through ``_`` (gettext).

``_("Sent {count}").format(count=n)``: translate first, then fill named placeholders, so a
catalogue can move them. ``__`` is the lazy form for module-level constants (button labels),
translated when shown. Outside an update with a language (tests of plain functions, start-up),
the English text is returned unchanged.

The catalogues are aiogram's :class:`~aiogram.utils.i18n.I18n` (gettext, domain ``messages``,
``locales/<lang>/LC_MESSAGES/messages.po``). The ``.po`` files are compiled in memory when they
are first needed, so no ``.mo`` file is committed or built on Heroku and none can be stale;
empty and fuzzy translations are left out, so they read in English.

A handler's language is set per update by :class:`bot.middlewares.language.LanguageMiddleware`.
Texts sent outside an update (alerts, review cards sent by workers) use the owner's language:
``async with owner_locale(owner_id): ...``.
"""

from __future__ import annotations

import gettext
import io
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from aiogram.utils.i18n import I18n
from babel.support import LazyProxy

from models import UserLanguage

LOCALES_DIR = Path(__file__).resolve().parents[2] / "locales"
DOMAIN = "messages"
DEFAULT_LANGUAGE = "en"
# The languages offered by /language, in the order of its buttons, by their own names.
LANGUAGES: dict[str, str] = {
    "en": "English",
    "ru": "Русский",
    "es": "Español",
    "fa": "فارسی",
}


class CatalogueI18n(I18n):
    """aiogram's I18n reading the ``.po`` files themselves (compiled in memory)."""

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        if not self.path.is_dir():
            return {}
        return {
            po.parent.parent.name: compile_po(po)
            for po in sorted(self.path.glob(f"*/LC_MESSAGES/{self.domain}.po"))
        }


def compile_po(po: Path) -> gettext.GNUTranslations:
    """The translations of one ``.po`` file, without its empty or fuzzy entries."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as source:
        catalog = read_po(source, locale=po.parent.parent.name)
    for message in catalog:
        if isinstance(message.string, tuple) and not all(message.string):
            message.string = ("",) * len(message.string)  # a missing plural form: all English
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


@cache
def catalogues() -> CatalogueI18n:
    """The one I18n of the process (loaded on first use)."""
    return CatalogueI18n(path=LOCALES_DIR, default_locale=DEFAULT_LANGUAGE, domain=DOMAIN)


def _(message: str) -> str:
    """``message`` in the current language (English when none is set)."""
    return catalogues().gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of ``singular``/``plural`` for ``n`` in the current language; fill ``{count}`` after."""
    return catalogues().gettext(singular, plural, n)


def __(message: str) -> Any:
    """A lazy translation of ``message``: a str-like value translated each time it is shown.

    Pydantic fields (button texts, command descriptions) want a real ``str``: pass ``str(value)``.
    """
    return LazyProxy(_, message, enable_cache=False)


def lazy_text(render: Callable[[], str]) -> Any:
    """Like ``__`` for a constant that fills placeholders: ``render()`` each time it is shown,
    e.g. ``lazy_text(lambda: _("Press “{button}”").format(button=LABEL))``."""
    return LazyProxy(render, enable_cache=False)


def current_language() -> str:
    return catalogues().current_locale


@contextmanager
def in_locale(language: str) -> Iterator[None]:
    """Every ``_()`` inside (also across awaits) speaks ``language``."""
    i18n = catalogues()
    with i18n.context(), i18n.use_locale(language):
        yield


def in_every_language(text: Any) -> frozenset[str]:
    """What ``text`` (lazy, from ``__``) reads in each language: a reply-keyboard button pressed
    after a /language switch still matches ``F.text.in_(in_every_language(DONE))``."""
    variants = set()
    for code in LANGUAGES:
        with in_locale(code):
            variants.add(str(text))
    return frozenset(variants)


def language_from_telegram(code: str | None) -> str | None:
    """A supported language for Telegram's ``language_code`` ("ru-RU" -> ru, "pt-br" -> None)."""
    if not code:
        return None
    base = code.replace("_", "-").split("-", 1)[0].lower()
    return base if base in LANGUAGES else None


async def saved_language(user_id: int) -> tuple[str | None, bool]:
    """The language stored for ``user_id`` and whether they chose it with /language."""
    row = await UserLanguage.get_or_none(user_id=user_id)
    if row is None:
        return None, False
    return row.language, row.chosen


async def owner_language(owner_id: int) -> str:
    """The owner's /language choice, else the language their Telegram app last reported, else en."""
    language, _chosen = await saved_language(owner_id)
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


@asynccontextmanager
async def owner_locale(owner_id: int) -> AsyncIterator[None]:
    """For texts sent outside an update (alerts, worker messages): the owner's language."""
    with in_locale(await owner_language(owner_id)):
        yield


async def choose_language(user_id: int, language: str) -> None:
    """Save a /language choice (it wins over the Telegram app's language from now on)."""
    await UserLanguage.update_or_create(
        defaults={"language": language, "chosen": True}, user_id=user_id
    )


async def remember_telegram_language(user_id: int, language: str) -> None:
    """Keep the language the owner's Telegram app reports, for texts sent outside an update.

    A /language choice is never overwritten.
    """
    updated = await UserLanguage.filter(user_id=user_id, chosen=False).update(language=language)
    if not updated and not await UserLanguage.exists(user_id=user_id):
        await UserLanguage.get_or_create(
            defaults={"language": language, "chosen": False}, user_id=user_id
        )
