"""The wizard's sources read through the owner's user account (``bot/userbot/``).

Offered only when the account is configured: when the owner gives a chat the bot cannot read
(by @username, t.me link, forwarded post or id), "📱 Read through my account" adds it as a source
the account reads (``{"via": "account"}``); "📋 My account's chats" lists the account's channels
and groups to pick from. A public chat the account is not in is joined only after the owner
says so. A chat with protected content (Telegram forbids copying and forwarding its posts) is
refused with what that means: the bot does not circumvent it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from html import escape
from typing import TYPE_CHECKING

from aiogram import Bot, F, Router
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    Message,
    MessageOriginChannel,
    MessageOriginChat,
)
from aiogram.utils.callback_answer import CallbackAnswer

from bot.forwarding.html import clip
from bot.forwarding.rules.chats import check_source
from bot.forwarding.rules.spec import ChatRef
from bot.routers.wizard.chatlist import add_chat
from bot.routers.wizard.chats import _ID, _LINK, _USERNAME
from bot.routers.wizard.nav import NewRule, Press, WizardCb, button, on_button, step_router
from bot.runtime.i18n import _, __, in_every_language
from bot.runtime.logging import get_logger
from bot.userbot.interface import Account, AccountChat, AccountError, ChatUnavailable, FloodWait

if TYPE_CHECKING:
    from bot.services import Services

log = get_logger(__name__)

ACCOUNT_CHATS = __("📱 My account's chats")
MAX_LISTED = 30
KINDS = ("channel", "supergroup", "group")


def account_configured(services: Services | None) -> bool:
    runner = getattr(services, "account", None)
    return bool(runner is not None and runner.configured)


def protected_text(title: str) -> str:
    return _(
        "🔒 “{chat}” has protected content: Telegram forbids copying and forwarding its posts. "
        "I do not get around that (no downloading and uploading again), so it can't be a source."
    ).format(chat=escape(title))


def _connected(services: Services | None) -> Account | None:
    runner = getattr(services, "account", None)
    return runner.account if runner is not None else None


def target_of(message: Message) -> str | int | None:
    """What the owner sent, in a form the account can look up (id, @username, t.me link)."""
    if message.chat_shared is not None:
        return message.chat_shared.chat_id
    origin = message.forward_origin
    if isinstance(origin, MessageOriginChannel):
        return origin.chat.id
    if isinstance(origin, MessageOriginChat):
        return origin.sender_chat.id
    text = (message.text or "").strip()
    if _LINK.match(text) or _USERNAME.match(text) or _ID.match(text):
        return text
    return None  # not a chat at all: the step's own answer says what to send


def offer_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [button(_("📱 Read through my account"), "acct")],
            [button(_("📋 Pick from my account's chats"), "aclist")],
        ]
    )


async def offer(
    message: Message, state: FSMContext, services: Services | None, problem: str
) -> bool:
    """The bot cannot read the chat the owner gave: offer the account, if there is one (True),
    else leave the answer to the caller (False)."""
    target = target_of(message)
    if not account_configured(services) or target is None:
        return False
    await state.update_data(account_ref=target)
    text = _(
        "{problem}\n\nI can read it through your user account instead: it copies each post once "
        "into a private relay channel, and I deliver it from there."
    ).format(problem=escape(problem))
    await message.answer(text, reply_markup=offer_keyboard())
    return True


async def read_through(press: Press, services: Services | None, bot: Bot) -> None:
    """📱 Read through my account: the chat the owner gave, as the account sees it."""
    account = await _account(press, services)
    if account is None:
        return
    target = (await press.state.get_data()).get("account_ref")
    if target is None:
        press.refuse(_("Send the chat again, then press the button."))
        return
    chat = await _lookup(press, account, target)
    if chat is not None:
        await press.message.edit_reply_markup(reply_markup=None)
        await _take(press, chat, bot)


async def list_chats(press: Press, services: Services | None, bot: Bot) -> None:
    account = await _account(press, services)
    if account is None:
        return
    await _send_list(press.message, account, services)


async def list_chats_typed(message: Message, services: Services | None) -> None:
    """The reply keyboard's "📱 My account's chats"."""
    account = _connected(services)
    if account is None:
        await message.answer(_("Your account is not connected right now: try again in a minute."))
        return
    await _send_list(message, account, services)


async def _send_list(message: Message, account: Account, services: Services | None) -> None:
    try:
        chats = await account.dialogs()
    except AccountError as error:
        await message.answer(
            _("Your account could not list its chats: {why}").format(why=escape(str(error)))
        )
        return
    relay = getattr(getattr(services, "relay", None), "chat_id", None)
    shown = [c for c in chats if c.kind in KINDS and c.id != relay][:MAX_LISTED]
    if not shown:
        await message.answer(_("Your account is in no channel or group."))
        return
    icon = {"channel": "📢", "supergroup": "👥", "group": "👥"}
    rows = [
        [
            button(
                f"{icon[c.kind]} {'🔒 ' if c.protected else ''}{clip(c.title, 40)}", "acpick", c.id
            )
        ]
        for c in shown
    ]
    await message.answer(
        _("Your account's channels and groups: pick a source."),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
    )


async def pick(press: Press, services: Services | None, bot: Bot) -> None:
    """A chat of the account's list: read by the bot when it can, else through the account."""
    account = await _account(press, services)
    if account is None:
        return
    chat = await _lookup(press, account, int(press.value))
    if chat is None:
        return
    if await check_source(bot, ChatRef(chat_id=chat.id, title=chat.title)) is None:
        await _add(press, ChatRef(chat_id=chat.id, title=chat.title))
        return
    await _take(press, chat, bot)


async def join(press: Press, services: Services | None, bot: Bot) -> None:
    account = await _account(press, services)
    if account is None:
        return
    try:
        chat = await account.join(int(press.value))
    except FloodWait as error:
        press.refuse(
            _("Telegram asks your account to wait {seconds} s: try again then.").format(
                seconds=int(error.seconds)
            )
        )
        return
    except AccountError as error:
        press.refuse(_("Your account could not join: {why}").format(why=str(error)))
        return
    log.info("account_joined", chat_id=chat.id)
    await press.message.edit_reply_markup(reply_markup=None)
    await _take(press, chat, bot)


async def not_now(press: Press, services: Services | None, bot: Bot) -> None:
    await press.message.edit_reply_markup(reply_markup=None)
    press.note(_("Not joined."))


async def _account(press: Press, services: Services | None) -> Account | None:
    account = _connected(services) if account_configured(services) else None
    if account is None:
        press.refuse(_("Your account is not connected right now: try again in a minute."))
    return account


async def _lookup(press: Press, account: Account, target: str | int) -> AccountChat | None:
    try:
        return await account.chat(target)
    except ChatUnavailable:
        press.refuse(_("Your account can't see that chat either (private, or it was banned)."))
    except FloodWait as error:
        press.refuse(
            _("Telegram asks your account to wait {seconds} s: try again then.").format(
                seconds=int(error.seconds)
            )
        )
    except AccountError as error:
        press.refuse(_("Your account could not look it up: {why}").format(why=str(error)))
    return None


async def _take(press: Press, chat: AccountChat, bot: Bot) -> None:
    """Add ``chat`` as a source read through the account, once it may be."""
    if chat.kind not in KINDS:
        press.refuse(_("A private chat can't be a source: pick a channel or a group."))
        return
    if chat.protected:
        await press.message.answer(protected_text(chat.title))
        return
    if not chat.is_member:
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    button(_("✅ Join with my account"), "acjoin", chat.id),
                    button(_("✖ Not now"), "acno"),
                ]
            ]
        )
        await press.message.answer(
            _(
                "Your account is not in “{chat}”. Join it, so that the account reads its posts?"
            ).format(chat=escape(chat.title)),
            reply_markup=keyboard,
        )
        return
    await _add(press, ChatRef(chat_id=chat.id, title=chat.title[:256], via="account"))


async def _add(press: Press, ref: ChatRef) -> None:

    await add_chat(press.message, press.state, True, ref)


def make_router() -> Router:
    """Consulted before the sources step's own handlers."""
    router = step_router(__name__)
    router.message.register(
        list_chats_typed, NewRule.sources, F.text.in_(in_every_language(ACCOUNT_CHATS))
    )
    _on(router, read_through, "acct")
    _on(router, list_chats, "aclist")
    _on(router, pick, "acpick")
    _on(router, join, "acjoin")
    _on(router, not_now, "acno")
    return router


def _on(router: Router, handler: Callable[..., Awaitable[None]], *actions: str) -> None:
    """``handler(press, services, bot)`` for these buttons of the sources step."""

    async def pressed(
        query: CallbackQuery,
        callback_answer: CallbackAnswer,
        callback_data: WizardCb,
        state: FSMContext,
        message: Message,
        bot: Bot,
        services: Services | None = None,
    ) -> None:
        press = Press(callback_data.action, callback_data.value, message, state, callback_answer)
        await handler(press, services, bot)

    on_button(router, pressed, NewRule.sources, *actions)
