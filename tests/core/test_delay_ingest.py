"""A rule's delay at ingest: when its posts are due, and an edit reaching a post that has not left."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.forwarding.delivery.outbox import Outbox
from bot.forwarding.delivery.payload import Payload
from bot.forwarding.intake import enqueue
from bot.forwarding.intake.ingest import ALBUM_GRACE_S, Ingest
from bot.forwarding.rules.index import RuleIndex
from models import Delivery
from models.forwarding import IN_FLIGHT
from tests.core.conftest import DEST_A, DEST_B, add_rule, channel_message

POSTED = int(datetime(2024, 5, 1, tzinfo=timezone.utc).timestamp())  # channel_message's date
PHOTO = [{"file_id": "AgAD-p1", "file_unique_id": "u-p1", "width": 90, "height": 90}]


async def test_a_post_is_due_its_delay_after_the_source_posted_it(db: str, outbox: Outbox) -> None:
    index = RuleIndex()
    await add_rule(index, delay_minutes=15)
    ingest = Ingest(index, outbox, clock=lambda: POSTED + 40.0)  # handled 40 s after posting

    await ingest.post(channel_message(1, text="later"))
    await ingest.post(channel_message(2, media_group_id="a", photo=PHOTO, caption="album"))

    due = dict(await Delivery.all().values_list("unit", "due_at"))
    assert due == {"m:1": POSTED + 15 * 60, "g:a": POSTED + 15 * 60 + ALBUM_GRACE_S}


async def test_an_old_post_replayed_late_is_not_delayed_twice(db: str, outbox: Outbox) -> None:
    index = RuleIndex()
    await add_rule(index, delay_minutes=15)
    now = POSTED + 3600.0  # an hour late: the delay is long over
    ingest = Ingest(index, outbox, clock=lambda: now)

    await ingest.post(channel_message(1, text="old"))

    assert (await Delivery.get(unit="m:1")).due_at == now


async def test_without_a_delay_a_post_is_due_when_handled(db: str, outbox: Outbox) -> None:
    index = RuleIndex()
    await add_rule(index)
    ingest = Ingest(index, outbox, clock=lambda: POSTED + 5.0)

    await ingest.post(channel_message(1, text="now"))

    assert (await Delivery.get(unit="m:1")).due_at == POSTED + 5.0


async def test_an_edit_in_the_same_batch_replaces_the_waiting_post(db: str, outbox: Outbox) -> None:
    index = RuleIndex()
    await add_rule(index, dests=(DEST_A, DEST_B), delay_minutes=5)
    ingest = Ingest(index, outbox, clock=lambda: POSTED + 1.0)

    async with enqueue.batch(outbox):
        await ingest.post(channel_message(1, text="Price: 10"))
        edits = await ingest.edit(channel_message(1, text="Price: 12", edit_date=POSTED + 1))

    assert edits == 0
    rows = await Delivery.all()
    assert {(r.dest_chat_id, r.kind) for r in rows} == {(DEST_A, "post"), (DEST_B, "post")}
    assert {Payload.load(r.payload).text for r in rows} == {"Price: 12"}


async def test_an_edit_leaves_a_post_being_sent_or_partly_sent_and_follows_it(
    db: str, outbox: Outbox
) -> None:
    index = RuleIndex()
    rule = await add_rule(index, dests=(DEST_A, DEST_B), delay_minutes=5)
    ingest = Ingest(index, outbox, clock=lambda: POSTED + 1.0)
    await ingest.post(channel_message(1, text="Price: 10"))
    await Delivery.filter(dest_chat_id=DEST_A).update(status=IN_FLIGHT)
    partly = Payload.load((await Delivery.get(dest_chat_id=DEST_B)).payload).with_sent(
        0, [(1, 9, 0)]
    )
    await Delivery.filter(dest_chat_id=DEST_B).update(payload=partly.dump())

    edits = await ingest.edit(channel_message(1, text="Price: 12", edit_date=POSTED + 1))

    assert edits == 2
    assert set(await Delivery.filter(kind="edit").values_list("dest_chat_id", flat=True)) == {
        DEST_A,
        DEST_B,
    }
    posts = await Delivery.filter(rule_id=rule.id, kind="post")
    assert {Payload.load(r.payload).text for r in posts} == {"Price: 10"}
