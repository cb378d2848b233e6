"""History backfill from the rule card: which source, then how much (the last N posts or those
since a date); the job then runs in ``bot/userbot/backfill.py`` and reports in its own message,
which has the ✖ Cancel button handled here too.

Offered for any source the user account can read (those read through it, and chats the bot
reads when the account can too), checked with ``account.chat()`` when the source is chosen.
Without a configured account the card's button says so and changes nothing.

Callback data: ``rbs:<rule_id>:<source index>:<page>`` chooses a source;
``rbn:<rule_id>:<source index>:<count>:<page>`` starts a backfill of the last ``count`` posts.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from aiogram import Bot
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.callback_answer import CallbackAnswer

from bot.forwarding.rules.spec import ChatRef
from bot.routers.rules.keyboards import RuleAction, RuleCb
from bot.routers.rules.queries import Loaded, load
from bot.routers.rules.texts import esc
from bot.routers.ui import edit_or_send
from bot.runtime.i18n import _
from bot.userbot.backfill import AlreadyRunning, Backfills
from bot.userbot.backfill_plan import MAX_POSTS, QUICK_COUNTS, Amount, parse_amount
from bot.userbot.backfill_progress import BackfillCancelCb, Pace, progress_text
from bot.userbot.interface import Account, AccountError
from models.backfill import BackfillJob

if TYPE_CHECKING:
    from bot.services import Services


class BackfillSourceCb(CallbackData, prefix="rbs"):
    rule_id: int
    source: int  # index in the rule's sources
    page: int = 0


class BackfillCountCb(CallbackData, prefix="rbn"):
    rule_id: int
    source: int
    count: int
    page: int = 0


class RuleBackfill(StatesGroup):
    amount = State()


def no_account_text() -> str:
    return _(
        "History backfill reads the source through your user account, and none is set up: "
        "set API_ID, API_HASH and PYROGRAM_SESSION_STRING (see the README), then restart the bot."
    )


def hint_text() -> str:
    return _(
        "Send a number of posts (1 to {max}) or a date as YYYY-MM-DD, or press a button."
    ).format(max=f"{MAX_POSTS:,}")


def _button(text: str, data: CallbackData) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=data.pack())


def _back(rule_id: int, page: int) -> list[InlineKeyboardButton]:
    return [
        _button(_("« Back to rule"), RuleCb(action=RuleAction.OPEN, rule_id=rule_id, page=page))
    ]


def sources_keyboard(rule_id: int, sources: tuple[ChatRef, ...], page: int) -> InlineKeyboardMarkup:
    rows = [
        [_button(ref.label()[:60], BackfillSourceCb(rule_id=rule_id, source=n, page=page))]
        for n, ref in enumerate(sources)
    ]
    return InlineKeyboardMarkup(inline_keyboard=[*rows, _back(rule_id, page)])


def amount_keyboard(rule_id: int, source: int, page: int) -> InlineKeyboardMarkup:
    counts = [
        _button(
            _("Last {count}").format(count=count),
            BackfillCountCb(rule_id=rule_id, source=source, count=count, page=page),
        )
        for count in QUICK_COUNTS
    ]
    return InlineKeyboardMarkup(inline_keyboard=[counts[:2], counts[2:], _back(rule_id, page)])


def amount_text(source: ChatRef) -> str:
    return _(
        "📜 <b>Backfill</b> of {source}\n\n"
        "The posts already in this chat go through the rule as if they had just arrived, oldest "
        "first; live posts keep flowing meanwhile. How many? Press a button, or send a number "
        "(up to {max}) or a date as YYYY-MM-DD for every post since that day."
    ).format(source=esc(source.label()), max=f"{MAX_POSTS:,}")


def _account(services: Services) -> tuple[Any, Account | None]:
    runner = getattr(services, "account", None)
    if runner is None or not getattr(runner, "configured", False):
        return None, None
    return runner, runner.account


async def leave_backfill(state: FSMContext) -> None:
    if await state.get_state() == RuleBackfill.amount.state:
        await state.clear()


async def backfill_start(
    query: CallbackQuery,
    callback_data: RuleCb,
    state: FSMContext,
    services: Services,
    callback_answer: CallbackAnswer,
    loaded: Loaded,
) -> None:
    """The card's 📜 Backfill: the source to choose when the rule has several."""
    runner, _account_now = _account(services)
    if runner is None or services.backfill is None:
        callback_answer.text, callback_answer.show_alert = no_account_text(), True
        return
    rule = loaded.rule
    if len(rule.sources) == 1:
        await _amount_screen(query, state, services, callback_answer, loaded, 0, callback_data.page)
        return
    text = _("📜 <b>Backfill</b> · {name}\n\nWhich source?").format(name=esc(rule.name))
    await edit_or_send(query, text, sources_keyboard(rule.id, rule.sources, callback_data.page))


async def choose_source(
    query: CallbackQuery,
    callback_data: BackfillSourceCb,
    state: FSMContext,
    services: Services,
    callback_answer: CallbackAnswer,
    loaded: Loaded,
) -> None:
    await _amount_screen(
        query, state, services, callback_answer, loaded, callback_data.source, callback_data.page
    )


async def _readable(services: Services, source: ChatRef) -> str | None:
    """Why the account cannot backfill ``source`` (None: it can)."""
    runner, account = _account(services)
    if runner is None or services.backfill is None:
        return no_account_text()
    if account is None:
        return _("The user account is not connected right now: try again in a minute.")
    try:
        chat = await account.chat(source.chat_id)
    except AccountError as error:
        return _("Your account cannot read {source}: {reason}").format(
            source=esc(source.label()), reason=esc(str(error))
        )
    if chat.protected:
        return _(
            "{source} protects its content (no copying or forwarding): its history cannot be "
            "copied, and the bot does not get around that."
        ).format(source=esc(source.label()))
    return None


async def _amount_screen(
    query: CallbackQuery,
    state: FSMContext,
    services: Services,
    answer: CallbackAnswer,
    loaded: Loaded,
    index: int,
    page: int,
) -> None:
    sources = loaded.rule.sources
    if not 0 <= index < len(sources):
        answer.text = _("This button is out of date. Send /rules again.")
        return
    source = sources[index]
    refusal = await _readable(services, source)
    if refusal is not None:
        answer.text, answer.show_alert = refusal, True
        return
    await state.set_state(RuleBackfill.amount)
    await state.set_data({"rule_id": loaded.rule.id, "source": index, "page": page})
    await edit_or_send(query, amount_text(source), amount_keyboard(loaded.rule.id, index, page))


async def choose_count(
    query: CallbackQuery,
    callback_data: BackfillCountCb,
    state: FSMContext,
    services: Services,
    callback_answer: CallbackAnswer,
    loaded: Loaded,
) -> None:
    if callback_data.count not in QUICK_COUNTS:
        callback_answer.text = _("This button is out of date. Send /rules again.")
        return
    await leave_backfill(state)
    chat_id = query.message.chat.id if query.message else query.from_user.id
    notice = await _begin(
        services, loaded, callback_data.source, Amount(limit=callback_data.count),
        chat_id=chat_id, user_id=query.from_user.id,
    )  # fmt: skip
    callback_answer.text = notice


async def amount_typed(message: Message, state: FSMContext, services: Services) -> None:
    amount = parse_amount(message.text or "", now=time.time())
    if amount is None:
        await message.answer(hint_text())
        return
    data: dict[str, Any] = await state.get_data()
    await state.clear()
    loaded = await load(int(data.get("rule_id", 0)))
    if loaded is None:
        await message.answer(_("That rule no longer exists."))
        return
    assert message.from_user is not None
    notice = await _begin(
        services, loaded, int(data.get("source", 0)), amount,
        chat_id=message.chat.id, user_id=message.from_user.id,
    )  # fmt: skip
    await message.answer(notice)


async def amount_not_text(message: Message) -> None:
    await message.answer(hint_text())


async def _begin(
    services: Services, loaded: Loaded, index: int, amount: Amount, *, chat_id: int, user_id: int
) -> str:
    """Start the job (its progress message appears below); what to tell the owner."""
    sources = loaded.rule.sources
    if not 0 <= index < len(sources):
        return _("This button is out of date. Send /rules again.")
    source = sources[index]
    refusal = await _readable(services, source)
    backfills = services.backfill
    if refusal is not None or backfills is None:
        return refusal or no_account_text()
    try:
        await backfills.begin(
            rule_id=loaded.rule.id,
            source_chat_id=source.chat_id,
            source_title=source.title,
            amount=amount,
            chat_id=chat_id,
            user_id=user_id,
        )
    except AlreadyRunning:
        return _("A backfill of this source is already running: its message shows how far.")
    return _("Backfill started: its progress is in the message below.")


async def cancel(
    query: CallbackQuery,
    callback_data: BackfillCancelCb,
    services: Services,
    callback_answer: CallbackAnswer,
    bot: Bot,
) -> None:
    """✖ Cancel on a progress message. The run (when it is in this process) writes the final
    message itself; otherwise it is written here from the job as stored."""
    backfills: Backfills | None = getattr(services, "backfill", None)
    job_id = callback_data.job_id
    cancelled = await backfills.cancel(job_id) if backfills is not None else None
    if cancelled is None:
        callback_answer.text = _("This backfill is no longer running.")
        job = await BackfillJob.get_or_none(id=job_id)
    else:
        callback_answer.text = _("Backfill cancelled.")
        job = None if backfills is not None and backfills.is_running(job_id) else cancelled
    if job is not None and isinstance(query.message, Message):
        await edit_or_send(query, progress_text(job, Pace(0, None)))
