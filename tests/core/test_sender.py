"""The sender on its own: the Bot API calls for one delivery, against the Telegram stand-in."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from aiogram import Bot

from bot.forwarding.delivery.outbox import Claimed, Link, Outbox
from bot.forwarding.delivery.sender import Sender
from bot.forwarding.intake.reading import payload_of, post_of
from bot.forwarding.rules.index import RuleIndex, RuleView
from models import MessageLink
from sandbox.telegram.standin import TelegramStandIn
from tests.core.conftest import DEST_A, SRC, add_rule, message


def claimed(rule: RuleView, sources: list[dict[str, Any]], kind: str = "post") -> Claimed:
    """A claimed delivery of ``sources`` (Bot API messages) for the rule's first destination."""
    messages = [message(data) for data in sources]
    payload = payload_of(messages[0], post_of(messages[0]))
    for extra in messages[1:]:
        payload = payload.joined(payload_of(extra, post_of(extra)))
    ids = tuple(m.message_id for m in messages)
    return Claimed(
        id=1,
        rule_id=rule.id,
        dest_chat_id=rule.destinations[0].chat_id,
        dest_thread_id=None,
        source_chat_id=SRC,
        source_message_ids=ids,
        unit=f"m:{ids[0]}",
        kind=kind,
        payload=payload,
        attempts=1,
    )


@pytest.fixture
async def rule(db: str) -> RuleView:
    """A copy-mode rule from the source channel to DEST_A, as the index holds it."""
    index = RuleIndex()
    row = await add_rule(index)
    found = index.get(row.id)
    assert found is not None
    return found


def the_copy(tg: TelegramStandIn) -> tuple[int, str, list[dict[str, Any]]]:
    """The one message the bot has in DEST_A: its id, text and entities."""
    (copy,) = tg.bot_messages(DEST_A)
    return copy["message_id"], copy["text"], copy.get("entities", [])


async def test_one_post_is_copied_with_its_formatting(
    rule: RuleView, tg: TelegramStandIn, bot: Bot
) -> None:
    source = tg.channel_post(SRC, "<b>Breaking</b>: rates cut", parse_mode="HTML")

    links = await Sender(bot).send(claimed(rule, [source]), rule)

    copy_id, text, entities = the_copy(tg)
    assert links == [Link(source["message_id"], copy_id)] and len(tg.calls_to("copyMessage")) == 1
    assert (text, entities) == ("Breaking: rates cut", [{"type": "bold", "offset": 0, "length": 8}])


async def test_an_album_is_copied_in_one_call_and_stays_an_album(
    rule: RuleView, tg: TelegramStandIn, bot: Bot
) -> None:
    album = tg.post_album(
        SRC, [{"photo": True, "caption": "Trip"}, {"photo": True}, {"video": True}]
    )

    links = await Sender(bot).send(claimed(rule, album, kind="album"), rule)

    copies = tg.bot_messages(DEST_A)
    assert len(tg.calls_to("copyMessages")) == 1 and not tg.calls_to("copyMessage")
    assert len(copies) == 3 and len({m["media_group_id"] for m in copies}) == 1
    assert [link.source_message_id for link in links] == [m["message_id"] for m in album]
    assert [link.dest_message_id for link in links] == [m["message_id"] for m in copies]
    assert copies[0]["caption"] == "Trip"


async def test_an_edit_follows_the_post_to_its_copy(
    rule: RuleView, tg: TelegramStandIn, bot: Bot, outbox: Outbox
) -> None:
    sender = Sender(bot)
    source = tg.channel_post(SRC, "rates cut by 0.5%")
    first = claimed(rule, [source])
    await outbox.done(first, await sender.send(first, rule))  # the link edits follow
    assert await MessageLink.filter(source_message_id=source["message_id"]).count() == 1

    edited = tg.edit_post(SRC, source["message_id"], "rates cut by <b>0.25%</b>", parse_mode="HTML")
    assert await sender.send(claimed(rule, [edited], kind="edit"), rule) == []

    _, text, entities = the_copy(tg)
    assert (text, entities) == ("rates cut by 0.25%", [{"type": "bold", "offset": 13, "length": 5}])
    assert len(tg.calls_to("editMessageText")) == 1


async def test_a_transformed_post_goes_as_the_pipelines_html(
    rule: RuleView, tg: TelegramStandIn, bot: Bot
) -> None:
    source = tg.channel_post(SRC, "original")
    plain = claimed(rule, [source])
    item = dataclasses.replace(plain, payload=plain.payload.with_html("<i>new</i> text"))

    await Sender(bot).send(item, rule)

    assert the_copy(tg)[1:] == ("new text", [{"type": "italic", "offset": 0, "length": 3}])
