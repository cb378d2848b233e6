"""The bot in the owner's language: /language switches it at once, and a Telegram app in a
language the bot speaks is followed without asking.

What a screen should read is rendered from the catalogues (``in_locale``), and must be in the
language itself (not the English fallback): these tests fail while a catalogue lacks a screen.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from bot.app import BotApp
from bot.routers.language.handlers import screen_text
from bot.routers.rules import texts
from bot.routers.wizard.nav import DONE, fresh
from bot.routers.wizard.sources import sources_screen
from bot.runtime.commands import COMMANDS
from bot.runtime.i18n import _, in_locale, owner_language
from models import UserLanguage
from tests.e2e.conftest import OWNER, World, running, settle

pytestmark = pytest.mark.no_flood

CYRILLIC = re.compile("[а-яА-Я]")
COMMANDS_RULES = next(c.description for c in COMMANDS if c.name == "rules")


async def send(world: World, app: BotApp, text: str) -> dict[str, Any]:
    world.tg.user_sends(OWNER, text)
    await settle(world, app)
    return world.replies(OWNER)[-1]


def inline_buttons(message: dict[str, Any]) -> dict[str, str]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row}


def reply_buttons(world: World) -> list[str]:
    """The reply keyboard of the bot's last sendMessage (Telegram keeps none on the message)."""
    markup = world.tg.calls_to("sendMessage")[-1].params.get("reply_markup") or {}
    markup = json.loads(markup) if isinstance(markup, str) else dict(markup)
    return [b["text"] for row in markup.get("keyboard", []) for b in row]


async def press(world: World, app: BotApp, message: dict[str, Any], label: str) -> str:
    """The owner presses ``label``; the callback's answer."""
    offered = inline_buttons(message)
    assert label in offered, f"no button {label!r}: {list(offered)}"
    query = world.tg.press_button(OWNER, message, offered[label])
    await world.tg.wait_for(lambda: world.tg.callback_answer(query) is not None)
    await settle(world, app)
    return str((world.tg.callback_answer(query) or {}).get("text", ""))


def in_language(code: str, render: Any) -> str:
    """``render()`` in ``code``, which must differ from the English (else: not translated)."""
    with in_locale(code):
        text = str(render())
    with in_locale("en"):
        english = str(render())
    assert text != english, f"the {code} catalogue lacks {english[:60]!r}"
    return text


def plain(html: str) -> str:
    """What Telegram shows of an HTML text (these screens have no entities to unescape)."""
    return re.sub("<[^>]+>", "", html)


def menu_of(world: World, language_code: str | None) -> dict[str, str]:
    """The owner's command menu for apps in ``language_code`` (None: any other), as last set."""
    calls = [
        c
        for c in world.tg.calls_to("setMyCommands")
        if c.ok
        and str(OWNER) in str(c.params.get("scope"))
        and c.params.get("language_code") == language_code
    ]
    assert calls, f"no menu for {language_code}"
    commands = calls[-1].params["commands"]
    commands = json.loads(commands) if isinstance(commands, str) else commands
    return {c["command"]: c["description"] for c in commands}


async def test_owner_switches_to_russian_and_rules_and_newrule_come_in_russian(
    world: World,
) -> None:
    async with running(world) as app:
        screen = await send(world, app, "/language")
        assert set(inline_buttons(screen)) == {"✅ English", "Русский", "Español", "فارسی"}

        notice = await press(world, app, screen, "Русский")
        assert notice == in_language("ru", lambda: _("I speak {language} now.")).format(
            language="Русский"
        )
        switched = world.replies(OWNER)[-1]
        assert switched["text"] == in_language("ru", screen_text)
        assert "✅ Русский" in inline_buttons(switched)
        saved = await UserLanguage.get(user_id=OWNER)
        assert (saved.language, saved.chosen) == ("ru", True)
        assert CYRILLIC.search(menu_of(world, None)["rules"])  # the menu follows at once
        assert menu_of(world, "es")["rules"] == menu_of(world, None)["rules"]

        rules = await send(world, app, "/rules")
        assert rules["text"] == plain(in_language("ru", lambda: texts.EMPTY_LIST))
        assert CYRILLIC.search(rules["text"]) and "/newrule" in rules["text"]

        wizard = await send(world, app, "/newrule")
        assert wizard["text"] == plain(in_language("ru", lambda: sources_screen(fresh())[0]))
        russian_done = in_language("ru", lambda: DONE)
        assert russian_done in reply_buttons(world)

        refused = await send(world, app, russian_done)  # the Russian button works
        none = "  " + in_language("ru", lambda: _("(none yet)"))
        expected = in_language("ru", lambda: _("Add at least one source first. {none}"))
        assert refused["text"] == expected.format(none=none)
        assert await owner_language(OWNER) == "ru"  # so alerts and review cards come in Russian


async def test_a_user_whose_telegram_speaks_spanish_sees_spanish_without_choosing(
    world: World,
) -> None:
    world.tg.add_user(OWNER, first_name="Olivia", username="olivia", language_code="es")
    async with running(world) as app:
        rules = await send(world, app, "/rules")
        assert rules["text"] == plain(in_language("es", lambda: texts.EMPTY_LIST))

        screen = await send(world, app, "/language")
        assert "✅ Español" in inline_buttons(screen)
        saved = await UserLanguage.get(user_id=OWNER)
        assert (saved.language, saved.chosen) == ("es", False)  # remembered, not chosen
        assert await owner_language(OWNER) == "es"


async def test_an_app_in_a_language_the_bot_does_not_speak_gets_english(world: World) -> None:
    world.tg.add_user(OWNER, first_name="Olivia", username="olivia", language_code="pt-br")
    async with running(world) as app:
        rules = await send(world, app, "/rules")
        assert rules["text"] == plain(str(texts.EMPTY_LIST))
        assert rules["text"].startswith("Your rules")
        await send(world, app, "/start")  # the owner's chat exists now: the menus are set
        # The command menu has a variant for each app language the bot speaks.
        assert menu_of(world, None)["rules"] == "Your rules: pause, edit, test, delete"
        assert menu_of(world, "ru")["rules"] == in_language("ru", lambda: COMMANDS_RULES)
        assert await owner_language(OWNER) == "en"
