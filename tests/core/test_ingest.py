"""Ingest on its own: a source message becomes outbox rows (no Dispatcher, no Telegram)."""

from __future__ import annotations

from bot.forwarding.delivery.outbox import Outbox
from bot.forwarding.delivery.payload import Payload
from bot.forwarding.intake import enqueue
from bot.forwarding.intake.ingest import Ingest
from bot.forwarding.rules.index import RuleIndex
from models import Delivery
from tests.core.conftest import DEST_A, DEST_B, add_rule, channel_message

PHOTO = [{"file_id": "AgAD-p1", "file_unique_id": "u-p1", "width": 90, "height": 90}]


async def test_a_post_becomes_one_delivery_per_destination(db: str, outbox: Outbox) -> None:
    index = RuleIndex()
    rule = await add_rule(index, dests=(DEST_A, DEST_B))
    woken: list[bool] = []
    ingest = Ingest(index, outbox, on_enqueue=lambda: woken.append(True))
    post = channel_message(
        41, text="Breaking: rates cut", entities=[{"type": "bold", "offset": 0, "length": 8}]
    )

    assert await ingest.post(post) == 2

    rows = await Delivery.all().order_by("id")
    assert {(r.rule_id, r.dest_chat_id, r.unit, r.kind) for r in rows} == {
        (rule.id, DEST_A, "m:41", "post"),
        (rule.id, DEST_B, "m:41", "post"),
    }
    payload = Payload.load(rows[0].payload)
    assert payload.text == "Breaking: rates cut" and payload.chat_title == "Source"
    assert [e.type for e in payload.entities] == ["bold"] and not payload.has_media
    assert woken == [True]


async def test_a_post_from_a_chat_no_rule_reads_is_ignored(db: str, outbox: Outbox) -> None:
    index = RuleIndex()
    await add_rule(index)
    ingest = Ingest(index, outbox)

    assert await ingest.post(channel_message(5, chat_id=-1001000000999, text="hi")) == 0
    assert ingest.stats.ignored == 1
    assert not await Delivery.exists()


async def test_a_repeated_update_enqueues_once(db: str, outbox: Outbox) -> None:
    index = RuleIndex()
    await add_rule(index)
    ingest = Ingest(index, outbox)
    post = channel_message(7, text="once")

    await ingest.post(post)
    await ingest.post(post)
    async with enqueue.batch(outbox):  # a replayed polling batch, too
        await ingest.post(post)

    assert await Delivery.filter(unit="m:7").count() == 1


async def test_album_items_join_one_delivery_per_destination(db: str, outbox: Outbox) -> None:
    index = RuleIndex()
    await add_rule(index, dests=(DEST_A, DEST_B))
    ingest = Ingest(index, outbox)
    items = [
        channel_message(
            n,
            media_group_id="album-1",
            photo=[{**PHOTO[0], "file_id": f"file-{n}", "file_unique_id": f"u-{n}"}],
            caption="Holiday" if n == 11 else None,
        )
        for n in (10, 11, 12)
    ]

    for item in (items[1], items[0], items[2], items[0]):  # out of order, and one replayed
        await ingest.post(item)

    rows = await Delivery.all().order_by("id")
    assert len(rows) == 2
    for row in rows:
        assert (row.unit, row.kind, row.source_message_ids) == ("g:album-1", "album", [10, 11, 12])
        payload = Payload.load(row.payload)
        assert [i.message_id for i in payload.items] == [10, 11, 12]
        assert [i.file_id for i in payload.items] == ["file-10", "file-11", "file-12"]
        assert payload.text == "Holiday" and payload.has_media


async def test_an_album_item_after_its_album_left_goes_on_its_own(db: str, outbox: Outbox) -> None:
    index = RuleIndex()
    await add_rule(index)
    ingest = Ingest(index, outbox)
    await ingest.post(channel_message(20, media_group_id="late", photo=PHOTO))
    await Delivery.filter(unit="g:late").update(status="sent")

    await ingest.post(channel_message(21, media_group_id="late", photo=PHOTO))

    late = await Delivery.get(unit="g:late:21")
    assert late.status == "pending" and late.source_message_ids == [21]


async def test_an_edit_becomes_an_edit_delivery_for_rules_that_follow_edits(
    db: str, outbox: Outbox
) -> None:
    index = RuleIndex()
    await add_rule(index, dests=(DEST_A,))
    await add_rule(index, dests=(DEST_B,), name="ignores edits", edit_policy="ignore")
    ingest = Ingest(index, outbox)

    edited = channel_message(30, text="fixed typo", edit_date=1714525200)
    assert await ingest.edit(edited) == 1

    (row,) = await Delivery.all()
    assert (row.dest_chat_id, row.kind, row.unit) == (DEST_A, "edit", "e:30:1714525200")
    assert Payload.load(row.payload).text == "fixed typo"
