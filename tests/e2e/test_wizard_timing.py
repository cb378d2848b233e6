"""The /newrule wizard's timing settings as the owner meets them: the window for the same story
from other sources on the filters screen, the delay and digest mode on the confirmation; each
shows its value, offers presets, takes a typed value, goes Back, and is in the summary and the
saved rule."""

from __future__ import annotations

from bot.forwarding.digest.plans import PLANS
from models import DigestPlan, Rule
from sandbox.telegram.person import Person
from tests.e2e.conftest import OWNER, World, running
from tests.e2e.test_forwarding import DEST_A, SRC
from tests.e2e.test_wizard import chats, owner, to_filters  # noqa: F401  (fixtures)


def labels(person: Person) -> list[str]:
    """The buttons of the latest message that has some."""
    rows = person.last_with_buttons()["reply_markup"]["inline_keyboard"]
    return [button["text"] for row in rows for button in row]


async def to_filters_of_a_copy_rule(person: Person) -> None:
    """/newrule with Crypto Source → Digest ES, copied: the filters screen."""
    await person.says("/newrule")
    await person.says(chat_shared={"request_id": 1, "chat_id": SRC, "title": "Crypto Source"})
    await person.says("✅ Done")
    await person.says("@digest_es")
    await person.says("✅ Done")
    await person.presses("Copy")


async def to_confirmation(person: Person, name: str) -> str:
    """From the filters screen to the confirmation, with the rule named ``name``: its summary."""
    await person.presses("Continue")  # filters → steps
    await person.presses("Continue")  # steps → try it
    await person.presses("Skip")
    return (await person.says(name)).text


async def test_the_same_story_window_is_chosen_on_the_filters_screen(
    owner: Person,  # noqa: F811
) -> None:
    await to_filters(owner)
    screen = (await owner.presses("📰 Same story elsewhere: off")).text
    assert "Now: off" in screen
    await owner.presses("1 h")
    assert "📰 Same story elsewhere: 1 h" in labels(owner)
    screen = (await owner.presses("📰 Same story elsewhere: 1 h")).text
    assert "Now: 1 h" in screen
    assert "from 0 to 43200" in (await owner.says("a week")).text
    shown = (await owner.says("90")).text  # typed minutes
    assert "Filters" in shown and "Skip the same story from other sources within" in shown
    assert "📰 Same story elsewhere: 1 h 30 min" in labels(owner)
    await owner.presses("📰 Same story elsewhere")
    assert "Filters" in (await owner.presses("⬅ Back")).text
    assert "📰 Same story elsewhere: 1 h 30 min" in labels(owner)  # Back kept the value
    await owner.presses("📰 Same story elsewhere")
    await owner.presses("🤖 Borderline look-alikes to the AI: off")
    assert "🤖 Borderline look-alikes to the AI: on" in labels(owner)
    filters = (await owner.presses("⬅ Back")).text
    assert "Borderline look-alikes: the AI decides" in filters
    await owner.presses("📰 Same story elsewhere")
    await owner.presses("Off")
    assert "📰 Same story elsewhere: off" in labels(owner)


async def test_the_delay_is_chosen_on_the_confirmation_and_saved(chats: World) -> None:  # noqa: F811
    async with running(chats) as app:
        assert app.services is not None
        person = Person(chats.tg, app, OWNER)
        await to_filters_of_a_copy_rule(person)
        await person.presses("📰 Same story elsewhere")
        await person.presses("6 h")
        summary = await to_confirmation(person, "Timed")
        assert "Delay: none" in summary

        screen = (await person.presses("⏱ Delay: none")).text
        assert "Now: none" in screen and "✓ None" in labels(person)
        assert "Delay: 15 min" in (await person.presses("15 min")).text
        await person.presses("⏱ Delay: 15 min")
        assert "from 0 to 1440" in (await person.says("2000")).text
        summary = (await person.says("45")).text
        assert "Delay: 45 min" in summary
        await person.presses("⏱ Delay: 45 min")
        assert "Delay: 45 min" in (await person.presses("⬅ Back")).text
        assert "saved and active" in (await person.presses("Save rule")).text
        rule = await Rule.get(name="Timed")
        assert rule.delay_minutes == 45
        assert rule.filters["near_duplicates_minutes"] == 360
        assert [d["chat_id"] for d in rule.destinations] == [DEST_A]


async def test_editing_a_rule_keeps_its_delay(chats: World) -> None:  # noqa: F811
    async with running(chats) as app:
        assert app.services is not None
        rule = await app.services.rules.create(
            {
                "name": "Slow",
                "sources": [{"chat_id": SRC}],
                "destinations": [{"chat_id": DEST_A}],
                "delay_minutes": 30,
            }
        )
        person = Person(chats.tg, app, OWNER)
        await person.says("/rules")
        await person.presses("Slow")
        await person.presses("Edit")
        await person.presses("Filters")
        await person.presses("📰 Same story elsewhere")
        await person.presses("30 min")
        assert "📰 Same story elsewhere: 30 min" in labels(person)
        summary = (await person.presses("Continue")).text
        assert "Delay: 30 min" in summary
        assert "updated" in (await person.presses("Save changes")).text
        stored = await Rule.get(id=rule.id)
        assert stored.delay_minutes == 30
        assert stored.filters["near_duplicates_minutes"] == 30


async def test_digest_mode_is_chosen_on_the_confirmation_and_saved_with_the_rule(
    chats: World,  # noqa: F811
) -> None:
    async with running(chats) as app:
        assert app.services is not None
        person = Person(chats.tg, app, OWNER)
        await to_filters_of_a_copy_rule(person)
        summary = await to_confirmation(person, "Daily news")
        assert "Digest: off" in summary

        screen = (await person.presses("🗞 Digest: off")).text
        assert "Now: off" in screen and "✓ Off (each post is sent)" in labels(person)
        assert "Digest: every 3 h" in (await person.presses("every 3 h")).text
        await person.presses("🗞 Digest: every 3 h")
        assert "✓ every 3 h" in labels(person)
        await person.presses("🕗 Daily at a time…")
        assert "HH:MM" in (await person.says("25:99")).text  # refused, the screen stays
        summary = (await person.says("8:30")).text
        assert "Digest: daily at 08:30" in summary
        await person.presses("🗞 Digest: daily at 08:30")
        assert "Digest: daily at 08:30" in (await person.presses("⬅ Back")).text
        assert "saved and active" in (await person.presses("Save rule")).text

        rule = await Rule.get(name="Daily news")
        plan = await DigestPlan.get(rule_id=rule.id)
        assert (plan.every_hours, plan.daily_at) == (None, "08:30")
        assert PLANS.get(rule.id) is not None  # in use at once


async def test_a_rule_saved_without_a_digest_has_no_plan(chats: World) -> None:  # noqa: F811
    async with running(chats) as app:
        person = Person(chats.tg, app, OWNER)
        await to_filters_of_a_copy_rule(person)
        await to_confirmation(person, "One by one")
        await person.presses("🗞 Digest: off")
        await person.presses("every 1 h")
        await person.presses("🗞 Digest: every 1 h")
        assert "Digest: off" in (await person.presses("Off (each post is sent)")).text
        assert "saved and active" in (await person.presses("Save rule")).text
        rule = await Rule.get(name="One by one")
        assert not await DigestPlan.filter(rule_id=rule.id).exists()
