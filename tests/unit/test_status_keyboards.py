"""The /status and /admins keyboards and the /status text, built without a bot."""

from __future__ import annotations

from aiogram.types import InlineKeyboardMarkup

from bot.routers.admins.keyboards import (
    CHOOSE_USER_REQUEST_ID,
    AdminAction,
    AdminsCb,
    admins_keyboard,
    choose_user_keyboard,
    confirm_remove_keyboard,
)
from bot.routers.status.figures import (
    DEAD_SHOWN,
    ERRORS_SHOWN,
    MESSAGE_LIMIT,
    AiFigures,
    DeadItem,
    StatusReport,
    render_status,
)
from bot.routers.status.keyboards import StatusAction, StatusCb, status_keyboard

BIGGEST_ID = 2**63 - 1


def buttons(markup: InlineKeyboardMarkup) -> list[tuple[str, str]]:
    return [(b.text, b.callback_data or "") for row in markup.inline_keyboard for b in row]


def assert_shows(text: str, *fragments: str) -> None:
    missing = [fragment for fragment in fragments if fragment not in text]
    assert not missing, f"{missing} not in {text!r}"


def report(**changes: object) -> StatusReport:
    base: dict[str, object] = {
        "process": "worker.1:42",
        "leader": True,
        "workers": 8,
        "sent_here": 3,
        "failed_here": 1,
        "other_processes": (),
        "depth": {"pending": 2, "in_flight": 1, "review": 0, "held": 0, "dead": 1},
        "sent_last_hour": 3,
        "errors": ("Bad Request: message to copy not found",),
        "ai": None,
        "dead": (DeadItem(7, 1, "news", -100200, "Dest", "message to copy not found"),),
        "dead_total": 1,
    }
    base.update(changes)
    return StatusReport(**base)  # type: ignore[arg-type]


def test_the_admins_list_offers_remove_for_each_admin_then_add() -> None:
    markup = admins_keyboard([(1002, "Adam"), (1003, "")])
    assert buttons(markup) == [
        ("Remove Adam", "adm:ask:1002"),
        ("Remove user 1003", "adm:ask:1003"),
        ("➕ Add admin", "adm:add:0"),
    ]


def test_a_long_admin_name_is_shortened_on_its_button_and_the_data_stays_small() -> None:
    ((text, data), _) = buttons(admins_keyboard([(BIGGEST_ID, "Bartholomew " * 20)]))
    assert len(text) <= len("Remove ") + 24 and text.endswith("…")
    assert len(data.encode()) <= 64
    assert AdminsCb.unpack(data) == AdminsCb(action=AdminAction.ASK, user_id=BIGGEST_ID)


def test_removing_an_admin_asks_yes_or_no() -> None:
    assert buttons(confirm_remove_keyboard(1002)) == [
        ("Yes, remove", "adm:rm:1002"),
        ("No", "adm:ls:0"),
    ]


def test_the_choose_a_user_button_asks_telegram_for_one_person_with_name_and_username() -> None:
    markup = choose_user_keyboard()
    (button,) = markup.keyboard[0]
    request = button.request_users
    assert request is not None
    assert request.request_id == CHOOSE_USER_REQUEST_ID
    assert request.user_is_bot is False and request.max_quantity == 1
    assert request.request_name and request.request_username
    assert markup.resize_keyboard


def test_the_status_keyboard_has_retry_and_drop_per_dead_delivery_then_refresh() -> None:
    markup = status_keyboard([12, BIGGEST_ID])
    assert [len(row) for row in markup.inline_keyboard] == [2, 2, 1]
    data = [d for _, d in buttons(markup)]
    assert data[:2] == ["stat:rt:12", "stat:dr:12"]
    assert data[-1] == "stat:r:0"
    assert all(len(d.encode()) <= 64 for d in data)
    assert StatusCb.unpack(data[2]) == StatusCb(action=StatusAction.RETRY, delivery_id=BIGGEST_ID)


def test_the_status_keyboard_without_dead_deliveries_is_only_refresh() -> None:
    assert buttons(status_keyboard([])) == [("🔄 Refresh", "stat:r:0")]


def test_status_text_shows_every_figure() -> None:
    assert_shows(
        render_status(report()),
        "Polling Telegram: this process (<code>worker.1:42</code>)",
        "Workers here: 8 (sent 3, failed 1 since start)",
        "Other processes delivering in the last hour: none",
        "Outbox: pending 2 · in flight 1 · review 0 · held 0 · dead 1",
        "Sent in the last hour: 3",
        "AI: not configured",
        "• Bad Request: message to copy not found",
        "#7 · rule #1 news → Dest (<code>-100200</code>)",
    )


def test_status_text_shows_the_ai_figures_and_another_leader() -> None:
    text = render_status(
        report(
            leader=False,
            ai=AiFigures(calls=5, failures=1, cache_hits=4, down=True),
            other_processes=("worker.2:7",),
        )
    )
    assert "another process (this is <code>worker.1:42</code>)" in text
    assert "AI (Groq): ⚠️ down · 5 calls · 1 failed · 4 from cache" in text
    assert "<code>worker.2:7</code>" in text


def test_what_users_and_telegram_wrote_is_escaped() -> None:
    text = render_status(
        report(
            errors=("<b>boom</b> & co",),
            dead=(DeadItem(7, 1, "<i>news</i>", -1, "A & B", "<oops>"),),
        )
    )
    assert "<b>boom" not in text and "&lt;b&gt;boom&lt;/b&gt; &amp; co" in text
    assert "&lt;i&gt;news&lt;/i&gt;" in text and "A &amp; B" in text and "&lt;oops&gt;" in text


def test_status_text_stays_under_the_message_limit_whatever_was_written() -> None:
    nasty = "<&>" * 400
    text = render_status(
        report(
            process=nasty,
            other_processes=tuple(f"{nasty}{n}" for n in range(30)),
            errors=tuple(f"{nasty}{n}" for n in range(ERRORS_SHOWN)),
            dead=tuple(
                DeadItem(BIGGEST_ID - n, 2**31 - 1, nasty, -(10**13), nasty, nasty)
                for n in range(DEAD_SHOWN)
            ),
            dead_total=12345,
        )
    )
    assert len(text) < MESSAGE_LIMIT
    assert "… and 12335 more" in text
    assert "… and 25 more" in text  # processes beyond the first five
