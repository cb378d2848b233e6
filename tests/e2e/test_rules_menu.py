"""/rules as the owner and admins meet it: the list, a rule's card and what its buttons do."""

from __future__ import annotations

from typing import Any

import pytest

from bot.app import BotApp
from bot.middlewares.access import CALLBACK_REFUSAL
from bot.routers.rules.keyboards import RuleAction, RuleCb, RulesPage
from bot.routers.rules.texts import NEW_RULE_HINT, NO_LAST_POST, NOT_FOUND, TEST_HINT
from models import Admin, Rule
from tests.e2e.conftest import ADMIN, OWNER, STRANGER, World, running, settle

SRC = -1001000000301
DEST = -1001000000401

pytestmark = pytest.mark.no_flood


@pytest.fixture
def chats(world: World) -> World:
    world.channel("Source <i>news</i>", SRC)
    world.channel("Dest", DEST)
    return world


async def create_rule(app: BotApp, name: str = "news", **extra: Any) -> int:
    assert app.services is not None
    data = {
        "name": name,
        "sources": [{"chat_id": SRC, "title": "Source <i>news</i>"}],
        "destinations": [{"chat_id": DEST, "title": "Dest"}],
        **extra,
    }
    rule = await app.services.rules.create(data, created_by=OWNER)
    return rule.id


async def send(world: World, app: BotApp, text: str, user: int = OWNER) -> dict[str, Any]:
    """``user`` sends ``text`` to the bot; the bot's last message in that chat."""
    world.tg.user_sends(user, text)
    await settle(world, app)
    return world.replies(user)[-1]


def buttons(message: dict[str, Any]) -> dict[str, str]:
    rows = message.get("reply_markup", {}).get("inline_keyboard", [])
    return {b["text"]: b["callback_data"] for row in rows for b in row if "callback_data" in b}


class Pressed:
    def __init__(self, answer: dict[str, Any], message: dict[str, Any]) -> None:
        self.answer = answer
        self.message = message

    @property
    def notice(self) -> str:
        return str(self.answer.get("text", ""))


async def press(
    world: World,
    app: BotApp,
    message: dict[str, Any],
    button: str | None = None,
    *,
    data: str | None = None,
    user: int = OWNER,
) -> Pressed:
    """``user`` presses the button labelled ``button`` (or forges ``data``) under ``message``."""
    if button is not None:
        offered = buttons(message)
        assert button in offered, f"no button {button!r}: {list(offered)}"
        data = offered[button]
    assert data is not None
    query = world.tg.press_button(user, message, data, forge=button is None)
    await world.tg.wait_for(lambda: world.tg.callback_answer(query) is not None)
    await settle(world, app)
    answer = world.tg.callback_answer(query) or {}
    chat_id = message["chat"]["id"]
    return Pressed(answer, world.tg.message(chat_id, message["message_id"]))


async def open_card(world: World, app: BotApp, name: str) -> dict[str, Any]:
    listing = await send(world, app, "/rules")
    button = next(label for label in buttons(listing) if label.endswith(f" {name}"))
    return (await press(world, app, listing, button)).message


# -- the list -----------------------------------------------------------------------------------


async def test_owner_with_no_rules_is_told_how_to_create_one(chats: World) -> None:
    async with running(chats) as app:
        listing = await send(chats, app, "/rules")
        assert "no rules yet" in listing["text"] and "/newrule" in listing["text"]
        pressed = await press(chats, app, listing, "➕ New rule")
        assert pressed.notice == NEW_RULE_HINT


async def test_owner_pages_through_ten_rules_both_ways(chats: World) -> None:
    async with running(chats) as app:
        for n in range(10):
            await create_rule(app, f"rule {n:02}")
        await Rule.filter(name="rule 09").update(active=False)

        listing = await send(chats, app, "/rules")
        assert listing["text"].startswith("Your rules (10) · page 1/2")
        labels = list(buttons(listing))
        assert labels == [f"▶ rule {n:02}" for n in range(8)] + ["Next ▶", "➕ New rule"]

        second = (await press(chats, app, listing, "Next ▶")).message
        assert second["message_id"] == listing["message_id"]  # edited in place
        assert second["text"].startswith("Your rules (10) · page 2/2")
        assert list(buttons(second)) == ["▶ rule 08", "⏸ rule 09", "◀ Previous", "➕ New rule"]

        first = (await press(chats, app, second, "◀ Previous")).message
        assert first["text"].startswith("Your rules (10) · page 1/2")
        assert "▶ rule 00" in buttons(first)


async def test_a_page_out_of_range_shows_the_nearest_page(chats: World) -> None:
    async with running(chats) as app:
        for n in range(3):
            await create_rule(app, f"rule {n}")
        listing = await send(chats, app, "/rules")
        pressed = await press(chats, app, listing, data=RulesPage(page=7).pack())
        assert "no longer exists" in pressed.notice
        assert pressed.message["text"].startswith("Your rules (3)")
        assert len([b for b in buttons(pressed.message) if b.startswith("▶ rule")]) == 3


# -- the card -----------------------------------------------------------------------------------


async def test_owner_opens_a_card_then_pauses_and_resumes_the_rule(chats: World) -> None:
    async with running(chats) as app:
        rule_id = await create_rule(app, filters={"include_keywords": ["sale"]})
        card = await open_card(chats, app, "news")
        text = card["text"]
        assert text.startswith(f"news · rule #{rule_id}\nState: ▶ active")
        assert f"• Source <i>news</i> {SRC}" in text  # the title as written, not as markup
        assert f"• Dest {DEST}" in text
        assert "Mode: copy" in text and "Review: off" in text
        assert "Must contain: sale" in text
        assert "Deliveries: 0 sent in 24 h · 0 pending" in text

        pressed = await press(chats, app, card, "⏸ Pause")
        assert pressed.notice == "Paused."
        assert not (await Rule.get(id=rule_id)).active
        assert "State: ⏸ paused" in pressed.message["text"]
        assert "▶ Resume" in buttons(pressed.message)

        pressed = await press(chats, app, pressed.message, "▶ Resume")
        assert pressed.notice == "Resumed."
        assert (await Rule.get(id=rule_id)).active
        assert "State: ▶ active" in pressed.message["text"]

        back = await press(chats, app, pressed.message, "« Back to list")
        assert back.message["text"].startswith("Your rules (1)")


async def test_a_card_counts_what_the_rule_sent(chats: World) -> None:
    async with running(chats) as app:
        await create_rule(app)
        chats.tg.channel_post(SRC, "hello")
        await chats.tg.wait_for(lambda: chats.texts(DEST) == ["hello"])
        card = await open_card(chats, app, "news")
        assert "Deliveries: 1 sent in 24 h · 0 pending" in card["text"]


async def test_owner_turns_review_on_and_off(chats: World) -> None:
    async with running(chats) as app:
        rule_id = await create_rule(app)
        card = await open_card(chats, app, "news")
        pressed = await press(chats, app, card, "👁 Review: off")
        assert (await Rule.get(id=rule_id)).review
        assert "Review: on" in pressed.message["text"]
        pressed = await press(chats, app, pressed.message, "👁 Review: on")
        assert not (await Rule.get(id=rule_id)).review
        assert "Review: off" in pressed.message["text"]


async def test_edit_offers_the_wizard_sections(chats: World) -> None:
    async with running(chats) as app:
        await create_rule(app)
        card = await open_card(chats, app, "news")
        menu = (await press(chats, app, card, "✏️ Edit")).message
        assert "What do you want to change?" in menu["text"]
        assert {"Sources", "Destinations", "Filters", "« Back to rule"} <= buttons(menu).keys()
        back = await press(chats, app, menu, "« Back to rule")
        assert back.message["text"].startswith("news · rule #")
        menu = (await press(chats, app, back.message, "✏️ Edit")).message
        await press(chats, app, menu, "Filters")  # answered; the wizard takes it from here


async def test_delete_asks_first_and_no_keeps_the_rule(chats: World) -> None:
    async with running(chats) as app:
        rule_id = await create_rule(app, name="<b>x</b>")
        card = await open_card(chats, app, "<b>x</b>")
        question = (await press(chats, app, card, "🗑 Delete")).message
        assert question["text"] == "Delete rule “<b>x</b>”? Its pending deliveries are dropped."

        kept = await press(chats, app, question, "No, keep it")
        assert await Rule.exists(id=rule_id)
        assert kept.message["text"].startswith("<b>x</b> · rule #")

        question = (await press(chats, app, kept.message, "🗑 Delete")).message
        deleted = await press(chats, app, question, "🗑 Yes, delete")
        assert deleted.notice == "Rule “<b>x</b>” deleted."
        assert not await Rule.exists(id=rule_id)
        assert "no rules yet" in deleted.message["text"]
        assert app.services is not None and app.services.index.get(rule_id) is None


# -- stale and forged buttons -------------------------------------------------------------------


async def test_a_forged_rule_id_and_a_deleted_rules_button_change_nothing(chats: World) -> None:
    async with running(chats) as app:
        kept_id = await create_rule(app, "kept")
        gone_id = await create_rule(app, "gone")
        card = await open_card(chats, app, "gone")

        forged = RuleCb(action=RuleAction.PAUSE, rule_id=999).pack()
        pressed = await press(chats, app, card, data=forged)
        assert pressed.notice == NOT_FOUND
        assert pressed.message["text"].startswith("Your rules (2)")  # the list, refreshed

        card = await open_card(chats, app, "gone")
        assert app.services is not None
        await app.services.rules.delete(gone_id)
        pressed = await press(chats, app, card, "⏸ Pause")  # the card is still on screen
        assert pressed.notice == NOT_FOUND
        assert pressed.message["text"].startswith("Your rules (1)")
        for stale in (RuleAction.DELETE_YES, RuleAction.REVIEW_ON, RuleAction.TEST):
            data = RuleCb(action=stale, rule_id=gone_id).pack()
            assert (await press(chats, app, card, data=data)).notice == NOT_FOUND

        broken = await press(chats, app, card, data="rlc:zz:1:0")
        assert "out of date" in broken.notice

        assert await Rule.filter(id=kept_id, active=True, review=False).exists()
        assert await Rule.all().count() == 1


async def test_an_admin_can_use_the_rules_menu(chats: World) -> None:
    async with running(chats) as app:
        rule_id = await create_rule(app)
        await Admin.create(user_id=ADMIN, name="Adam", added_by=OWNER)
        listing = await send(chats, app, "/rules", user=ADMIN)
        card = (await press(chats, app, listing, "▶ news", user=ADMIN)).message
        assert card["text"].startswith(f"news · rule #{rule_id}")
        await press(chats, app, card, "⏸ Pause", user=ADMIN)
        assert not (await Rule.get(id=rule_id)).active


async def test_a_stranger_pressing_a_forged_rules_button_is_refused(chats: World) -> None:
    async with running(chats) as app:
        rule_id = await create_rule(app)
        card = await open_card(chats, app, "news")
        before = card["text"]
        for action in (RuleAction.PAUSE, RuleAction.DELETE_YES):
            data = RuleCb(action=action, rule_id=rule_id).pack()
            pressed = await press(chats, app, card, data=data, user=STRANGER)
            assert pressed.notice == CALLBACK_REFUSAL
        assert pressed.message["text"] == before
        assert await Rule.filter(id=rule_id, active=True).exists()
        assert chats.texts(STRANGER) == []


# -- testing a rule ---------------------------------------------------------------------------


async def test_testing_a_rule_with_typed_text_shows_the_filters_verdict(chats: World) -> None:
    async with running(chats) as app:
        await create_rule(app, filters={"include_keywords": ["sale"]})
        card = await open_card(chats, app, "news")
        prompt = (await press(chats, app, card, "🧪 Test")).message
        assert "Send me a sample post" in prompt["text"]

        chats.tg.user_sends(OWNER, sticker=True)
        await settle(chats, app)
        assert chats.texts(OWNER)[-1] == TEST_HINT

        result = await send(chats, app, "Big <b>sale</b> today")
        assert "✅ Passes the filters." in result["text"]
        assert result["text"].endswith("Big <b>sale</b> today")  # the sample, escaped

        again = (await press(chats, app, result, "🧪 Test again")).message
        assert "Send me a sample post" in again["text"]
        result = await send(chats, app, "Nothing to see here")
        assert "🚫 Filtered out" in result["text"]
        assert "required keywords" in result["text"]

        # out of the test: text is no longer taken as a sample
        after = await send(chats, app, "Big sale")
        assert "Test of" not in after["text"]


async def test_testing_with_the_last_post_of_the_source(chats: World) -> None:
    async with running(chats) as app:
        await create_rule(app)
        card = await open_card(chats, app, "news")
        prompt = (await press(chats, app, card, "🧪 Test")).message
        pressed = await press(chats, app, prompt, "📥 Use the last post")
        assert pressed.notice == NO_LAST_POST
        assert pressed.message["text"] == prompt["text"]  # still waiting for a sample

        chats.tg.channel_post(SRC, "Summer <sale> & more")
        await chats.tg.wait_for(lambda: chats.texts(DEST))
        result = await press(chats, app, prompt, "📥 Use the last post")
        assert "✅ Passes the filters." in result.message["text"]
        assert result.message["text"].endswith("Summer <sale> & more")
        assert "🧪 Test again" in buttons(result.message)
