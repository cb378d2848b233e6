"""The /newrule wizard as the owner walks it, one step per test: chats picked, filters and steps
from buttons, saved, working; invalid input explained at each step; Back, Cancel, restarts, stale
and forged buttons."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from models import Rule
from sandbox.telegram.person import Person
from tests.e2e.conftest import BOT_ID, OWNER, STRANGER, World, running, settle
from tests.e2e.test_forwarding import DEST_A, DEST_B, SRC

NOT_ADMIN_SRC = -1001000000111
READ_ONLY_DEST = -1001000000222


@pytest.fixture
def chats(world: World) -> World:
    tg = world.tg
    world.channel("Crypto Source", SRC)
    tg.add_chat("channel", "Digest", chat_id=DEST_A, username="digest_es")
    tg.set_member(DEST_A, BOT_ID, "administrator", can_post_messages=True)
    world.channel("Archive", DEST_B)
    tg.add_chat("channel", "Stranger's channel", chat_id=NOT_ADMIN_SRC)
    tg.add_chat("channel", "Read only", chat_id=READ_ONLY_DEST)
    tg.set_member(READ_ONLY_DEST, BOT_ID, "administrator", can_post_messages=False)
    return world


@pytest.fixture
async def owner(chats: World) -> AsyncIterator[Person]:
    """The owner, talking to the bot running against ``chats``."""
    async with running(chats) as app:
        yield Person(chats.tg, app, OWNER)


# -- walking to a step (the happy path of the steps before it) ---------------------------------


async def to_destinations(owner: Person) -> None:
    await owner.says("/newrule")
    await owner.says(chat_shared={"request_id": 1, "chat_id": SRC, "title": "Crypto Source"})
    assert "Destinations" in (await owner.says("✅ Done")).text


async def to_mode(owner: Person) -> None:
    await to_destinations(owner)
    await owner.says("@digest_es")
    await owner.says(chat_shared={"request_id": 3, "chat_id": DEST_B, "title": "Archive"})
    assert "How to send" in (await owner.says("✅ Done")).text


async def to_filters(owner: Person) -> None:
    await to_mode(owner)
    assert "Filters" in (await owner.presses("Copy")).text


async def to_steps(owner: Person) -> None:
    await to_filters(owner)
    await owner.presses("Must contain")
    await owner.says("bitcoin, ether")
    assert "Transform steps" in (await owner.presses("Continue")).text


async def to_try_it(owner: Person) -> None:
    await to_steps(owner)
    await owner.presses("Translate")
    await owner.presses("Spanish")
    await owner.presses("Remove links")
    await owner.presses("2. ↑")
    await owner.presses("Filters again")
    assert "Try it" in (await owner.presses("Continue")).text


# -- each step on its own --------------------------------------------------------------------


async def test_sources_step_explains_bad_input_and_keeps_the_chosen_source(owner: Person) -> None:
    assert "Sources" in (await owner.says("/newrule")).text
    # Invalid input explained, the step stays.
    assert "can't read" in (await owner.says("hello there")).text
    assert (
        "administrator"
        in (await owner.says(chat_shared={"request_id": 1, "chat_id": NOT_ADMIN_SRC})).text
    )
    assert "at least one source" in (await owner.says("✅ Done")).text
    assert (
        "Added"
        in (
            await owner.says(
                chat_shared={"request_id": 1, "chat_id": SRC, "title": "Crypto Source"}
            )
        ).text
    )
    assert "already on the list" in (await owner.says(str(SRC))).text
    assert "Destinations" in (await owner.says("✅ Done")).text


async def test_destinations_step_refuses_what_cannot_work_and_reads_every_way(
    chats: World, owner: Person
) -> None:
    tg = chats.tg
    await to_destinations(owner)
    # A chat where the bot can't post is refused with the fix named.
    refused = (await owner.says(chat_shared={"request_id": 3, "chat_id": READ_ONLY_DEST})).text
    assert "right to post messages" in refused
    assert (
        "posts would loop" in (await owner.says(chat_shared={"request_id": 3, "chat_id": SRC})).text
    )
    assert "Digest" in (await owner.says("@digest_es")).text
    post = tg.channel_post(DEST_B, "a post in the archive")
    assert (
        "Archive"
        in (
            await owner.says(
                "fwd", forward_from_chat=DEST_B, forward_from_message_id=post["message_id"]
            )
        ).text
    )
    assert "How to send" in (await owner.says("✅ Done")).text


async def test_mode_step_back_keeps_the_choices_and_typing_asks_for_a_button(owner: Person) -> None:
    await to_mode(owner)
    # Back returns to the previous step with what was chosen kept.
    assert "Destinations" in (await owner.presses("Back")).text
    assert "How to send" in (await owner.says("✅ Done")).text
    assert (
        "Use the buttons" in (await owner.says("copy please")).text
    )  # typed where a button is asked
    assert "Filters" in (await owner.presses("Copy")).text


async def test_filters_step_takes_keywords_and_refuses_a_catastrophic_regex(owner: Person) -> None:
    await to_filters(owner)
    assert "must contain" in (await owner.presses("Must contain")).text.lower()
    assert "bitcoin" in (await owner.says("bitcoin, ether")).text.lower()
    await owner.presses("Regex to skip")
    assert "exponential" in (await owner.says("(a+)+$")).text
    assert "sponsored" in (await owner.says(r"\bsponsored\b")).text
    assert "Transform steps" in (await owner.presses("Continue")).text


async def test_transform_steps_are_added_from_buttons_explained_and_reordered(
    owner: Person,
) -> None:
    await to_steps(owner)
    # Steps from buttons: translate to Spanish, remove links, then reorder.
    assert "language" in (await owner.presses("Translate")).text.lower()
    assert "Spanish" in (await owner.presses("Spanish")).text
    # Invalid step settings are explained and nothing is added.
    await owner.presses("Summarize")
    await owner.presses("Type another")
    assert "a number of characters" in (await owner.says("short")).text
    assert "4000" in (await owner.says("99999")).text
    await owner.presses("Back")
    await owner.presses("Custom prompt")
    assert "too long" in (await owner.says("x" * 2500)).text
    await owner.presses("Back")
    await owner.presses("Regex replace")
    assert "exponential" in (await owner.says("(a+)+$\nX")).text
    await owner.presses("Back")
    await owner.presses("Remove links")
    listing = (await owner.presses("2. ↑")).text
    assert listing.index("Remove links") < listing.index("Spanish")
    assert "Filters again" in (await owner.presses("Filters again")).text
    assert "Try it" in (await owner.presses("Continue")).text


async def test_try_it_name_and_save_and_the_rule_forwards(chats: World) -> None:
    tg = chats.tg
    async with running(chats) as app:
        owner = Person(tg, app, OWNER)
        await to_try_it(owner)
        # Try it on a sample, then name and save.
        sample = (await owner.says("Bitcoin is up, see https://spam.example/x")).text
        assert (
            "[Spanish] Bitcoin is up" in sample
            and "spam.example/x" not in sample.split("Would publish")[-1]
        )
        assert "Name the rule" in (await owner.presses("Skip")).text
        assert "1 to 64" in (await owner.says("x" * 70)).text
        summary = (await owner.says("Crypto ES")).text
        assert "Ready to save: Crypto ES" in summary
        assert "Review: on" in (await owner.presses("Review before posting")).text
        assert "Review: off" in (await owner.presses("Review before posting")).text
        assert "saved and active" in (await owner.presses("Save rule")).text

        rule = await Rule.get(name="Crypto ES")
        assert [d["chat_id"] for d in rule.destinations] == [DEST_A, DEST_B]
        assert [s["type"] for s in rule.steps] == ["remove_links", "translate", "filter"]
        assert rule.filters["include_keywords"] == ["bitcoin", "ether"]

        # The rule works.
        tg.channel_post(SRC, "Bitcoin rallies, more at https://spam.example/y")
        tg.channel_post(SRC, "Weather report")
        await tg.wait_for(lambda: chats.replies(DEST_A) and chats.replies(DEST_B))
        await settle(chats, app)

        # A button of the finished wizard is stale: a notice, nothing changes.
        assert "wizard is over" in (await owner.presses("", forge="wz:save:")).text
        assert await Rule.all().count() == 1

    assert chats.texts(DEST_A) == ["[Spanish] Bitcoin rallies, more at"]


async def test_cancel_and_a_restart_in_the_middle_of_the_wizard(chats: World) -> None:
    async with running(chats) as app:
        owner = Person(chats.tg, app, OWNER)
        await owner.says("/newrule")
        await owner.says(chat_shared={"request_id": 1, "chat_id": SRC, "title": "Crypto Source"})
    # The dyno restarts here.
    async with running(chats) as app:
        owner = Person(chats.tg, app, OWNER)
        assert (
            "Destinations" in (await owner.says("✅ Done")).text
        )  # the source chosen before is kept
        assert "Digest" in (await owner.says("@digest_es")).text
        # Another command in the middle goes to its feature; the wizard waits.
        assert "/newrule" in (await owner.says("/rules")).text
        assert "already on the list" in (await owner.says("@digest_es")).text
        # A button from another step is refused; nothing changes.
        assert "another step" in (await owner.presses("", forge="wz:save:")).text
        assert "Cancelled" in (await owner.says("✖ Cancel")).text
        assert "Nothing to cancel" in (await owner.says("/cancel")).text
        assert "wizard is over" in (await owner.presses("", forge="wz:mode:copy")).text
        assert await Rule.all().count() == 0


async def test_a_stranger_trying_every_command_and_button_changes_nothing(chats: World) -> None:
    tg = chats.tg
    async with running(chats) as app:
        for command in ("/newrule", "/rules", "/status", "/admins", "/cancel", "/start", "✅ Done"):
            tg.user_sends(STRANGER, command)
        tg.user_sends(STRANGER, chat_shared={"request_id": 1, "chat_id": SRC})
        await settle(chats, app)
        tg.user_sends(OWNER, "/start")
        await settle(chats, app)
        owner_message = chats.replies(OWNER)[0]
        for data in ("wz:save:", "wz:mode:copy", "rlc:d:1:0", "rv:ok:1"):
            query = tg.press_button(STRANGER, owner_message, data, forge=True)
            answer = await tg.wait_for(lambda: tg.callback_answer(query))  # noqa: B023
            assert answer is not None and "private" in answer["text"]
        await settle(chats, app)
        assert await Rule.all().count() == 0

    assert len(chats.replies(STRANGER)) == 1


async def test_editing_a_section_from_the_rule_card_shows_and_saves_it(chats: World) -> None:
    async with running(chats) as app:
        assert app.services is not None
        rule = await app.services.rules.create(
            {
                "name": "Crypto ES",
                "sources": [{"chat_id": SRC}],
                "destinations": [{"chat_id": DEST_A}],
                "filters": {"include_keywords": ["bitcoin"]},
            }
        )
        owner = Person(chats.tg, app, OWNER)
        await owner.says("/rules")
        await owner.presses("Crypto ES")
        await owner.presses("Edit")
        shown = (await owner.presses("Filters")).text
        assert "Must contain: bitcoin" in shown  # the current value is shown
        await owner.presses("Must contain")
        await owner.says("ether")
        assert "Edit rule: Crypto ES" in (await owner.presses("Continue")).text
        assert "updated" in (await owner.presses("Save changes")).text
        stored = await Rule.get(id=rule.id)
        assert stored.filters["include_keywords"] == ["ether"]
        assert stored.name == "Crypto ES" and stored.destinations[0]["chat_id"] == DEST_A
