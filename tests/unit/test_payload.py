"""The delivery payload: typed, versioned, and still able to read what older code stored."""

from __future__ import annotations

from bot.forwarding.delivery.payload import VERSION, AlbumItem, Payload

# A payload exactly as ingest wrote it before the payload was typed (no version).
STORED_BEFORE = {
    "items": [{"message_id": 12, "kind": "photo", "file_id": "AgAD-photo"}],
    "text": "Breaking: rates cut",
    "entities": [
        {"type": "bold", "offset": 0, "length": 8},
        {"type": "text_link", "offset": 10, "length": 5, "url": "https://example.com/r"},
    ],
    "has_media": True,
    "media_kinds": ["photo"],
    "reply_to": None,
    "chat_title": "Source",
    "chat_username": "source_news",
    "date": 1714521600,
}


def test_a_payload_stored_before_versions_loads_as_version_1() -> None:
    payload = Payload.load(STORED_BEFORE)

    assert payload.version == VERSION == 1
    assert payload.text == "Breaking: rates cut"
    assert [e.type for e in payload.message_entities or []] == ["bold", "text_link"]
    assert payload.message_entities and payload.message_entities[1].url == "https://example.com/r"
    assert payload.has_media and payload.media_kinds == ("photo",)
    assert payload.items == (AlbumItem(message_id=12, kind="photo", file_id="AgAD-photo"),)
    assert payload.chat_username == "source_news" and payload.date == 1714521600
    assert payload.transformed is None and not payload.approved


def test_the_stored_form_keeps_the_old_keys_and_adds_the_version() -> None:
    assert Payload.load(STORED_BEFORE).dump() == {"version": 1, **STORED_BEFORE}


def test_a_transformed_and_approved_payload_of_before_loads() -> None:
    stored = {**STORED_BEFORE, "transformed": {"html": "<b>Rates</b> cut"}, "approved": True}
    payload = Payload.load(stored)

    assert payload.transformed_html == "<b>Rates</b> cut" and payload.approved
    assert payload.dump() == {"version": 1, **stored}


def test_json_text_from_a_raw_query_loads_the_same() -> None:
    payload = Payload.load(STORED_BEFORE)
    assert Payload.load(payload.to_json()) == payload
    assert Payload.load(None) == Payload.load({}) == Payload()


def test_a_reviewers_text_is_the_transformed_html_and_approves() -> None:
    payload = Payload.load(STORED_BEFORE)

    assert payload.approve().approved and payload.approve().transformed is None
    edited = payload.approve("<i>mine</i>")
    assert edited.approved and edited.transformed_html == "<i>mine</i>"
    assert payload.with_html("x").transformed_html == "x" and not payload.with_html("x").approved


def test_album_items_join_in_message_order_and_the_caption_comes_from_the_item_that_has_one() -> (
    None
):
    first = Payload(items=(AlbumItem(message_id=5, kind="photo", file_id="b"),), has_media=True)
    captioned = Payload(
        text="Holiday", items=(AlbumItem(message_id=4, kind="video", file_id="a"),), has_media=True
    )

    joined = first.joined(captioned)

    assert joined.text == "Holiday"
    assert [item.message_id for item in joined.items] == [4, 5]
    assert captioned.joined(Payload(text="late caption")).text == "Holiday"


def test_a_payload_of_before_has_no_sent_parts_and_sent_parts_round_trip() -> None:
    payload = Payload.load(STORED_BEFORE)
    assert payload.sent == () and "sent" not in payload.dump()

    sent = (
        payload.with_html("<b>long</b>").with_sent(0, [(12, 501, 0)]).with_sent(1, [(12, 502, 1)])
    )

    assert [(p.piece, p.dest_message_id, p.part) for p in sent.sent] == [(0, 501, 0), (1, 502, 1)]
    assert Payload.load(sent.dump()) == Payload.load(sent.to_json()) == sent
    assert sent.dump()["version"] == 1 and sent.transformed_html == "<b>long</b>"
