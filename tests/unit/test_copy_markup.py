"""The source's buttons and link-preview choice: what is kept, stored and sent with a copy."""

from __future__ import annotations

from aiogram.client.default import Default
from aiogram.types import (
    CallbackGame,
    CopyTextButton,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    LinkPreviewOptions,
    LoginUrl,
    Message,
    MessageEntity,
    WebAppInfo,
)

from bot.forwarding.delivery.markup import (
    kept_keyboard,
    link_preview_of,
    preview_options,
    reply_markup,
)
from bot.forwarding.delivery.payload import Button, LinkPreview, Payload
from tests.unit.test_payload import STORED_BEFORE


def message(**fields: object) -> Message:
    return Message.model_validate(
        {"message_id": 7, "date": 0, "chat": {"id": -100, "type": "channel"}, **fields}
    )


def test_only_buttons_that_work_outside_the_source_are_kept() -> None:
    markup = InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(text="Shop", url="https://shop.example", style="success"),
                InlineKeyboardButton(text="Vote", callback_data="v:1"),
            ],
            [InlineKeyboardButton(text="Code", copy_text=CopyTextButton(text="SAVE10"))],
            [InlineKeyboardButton(text="Log in", login_url=LoginUrl(url="https://a.example/l"))],
            [
                InlineKeyboardButton(text="Share", switch_inline_query="x"),
                InlineKeyboardButton(text="App", web_app=WebAppInfo(url="https://app.example")),
                InlineKeyboardButton(text="Play", callback_game=CallbackGame()),
                InlineKeyboardButton(text="Pay", pay=True),
            ],
        ]
    )

    assert kept_keyboard(markup) == (
        (Button(text="Shop", url="https://shop.example", style="success"),),
        (Button(text="Code", copy_text="SAVE10"),),
        (Button(text="Log in", url="https://a.example/l"),),
    )
    assert kept_keyboard(None) == ()


def test_kept_buttons_are_sent_as_an_inline_keyboard_and_none_means_no_markup() -> None:
    keyboard = (
        (Button(text="Shop", url="https://shop.example"),),
        (Button(text="C", copy_text="x"),),
    )

    markup = reply_markup(keyboard)

    assert markup is not None
    assert markup.inline_keyboard[0][0].url == "https://shop.example"
    assert markup.inline_keyboard[1][0].copy_text == CopyTextButton(text="x")
    assert reply_markup(()) is None


def test_a_texts_preview_choice_is_read_and_a_media_has_none() -> None:
    assert link_preview_of(message(text="hi")) == LinkPreview()
    chosen = message(
        text="hi", link_preview_options={"url": "https://a.example", "show_above_text": True}
    )
    assert link_preview_of(chosen) == LinkPreview(url="https://a.example", show_above_text=True)
    assert link_preview_of(message(text="hi", link_preview_options={"is_disabled": True})) == (
        LinkPreview(is_disabled=True)
    )
    assert link_preview_of(message(caption="c", photo=[])) is None


def test_a_disabled_preview_stays_disabled_and_an_older_row_keeps_the_bot_default() -> None:
    disabled = preview_options(LinkPreview(is_disabled=True), "https://a.example")
    assert isinstance(disabled, LinkPreviewOptions) and disabled.is_disabled is True
    assert isinstance(preview_options(None, "text"), Default)


def test_a_chosen_url_is_kept_only_while_the_text_still_has_it() -> None:
    preview = LinkPreview(url="https://a.example/?x=1&y=2", prefer_large_media=True)

    kept = preview_options(preview, '<a href="https://a.example/?x=1&amp;y=2">read</a>')
    dropped = preview_options(preview, "no link any more")
    by_entity = preview_options(
        preview,
        "read",
        [MessageEntity(type="text_link", offset=0, length=4, url="https://a.example/?x=1&y=2")],
    )

    assert isinstance(kept, LinkPreviewOptions) and kept.url == preview.url
    assert kept.prefer_large_media is True and kept.is_disabled is False
    assert isinstance(dropped, LinkPreviewOptions)
    assert dropped.url is None and dropped.prefer_large_media is None
    assert isinstance(by_entity, LinkPreviewOptions) and by_entity.url == preview.url


def test_an_older_row_loads_without_buttons_or_preview_and_stores_as_before() -> None:
    payload = Payload.load(STORED_BEFORE)

    assert payload.keyboard == () and payload.link_preview is None
    assert payload.dump() == {"version": 1, **STORED_BEFORE}


def test_buttons_and_preview_round_trip_through_the_stored_form() -> None:
    payload = Payload.load(STORED_BEFORE).model_copy(
        update={
            "keyboard": ((Button(text="Shop", url="https://shop.example"),),),
            "link_preview": LinkPreview(is_disabled=True),
        }
    )

    stored = payload.dump()

    assert stored["keyboard"] == [[{"text": "Shop", "url": "https://shop.example"}]]
    assert Payload.load(stored) == payload == Payload.load(payload.to_json())
