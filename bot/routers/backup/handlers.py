"""/export and /import: the rules as a JSON file, and back, for the owner and admins.

Both manage rules, so both may export and import (strangers never get this far). The file
carries the rules with their digest plans, the destinations' quiet hours and pacing and the
owner's time zone (``fileformat.py``). ``/import``
asks for the file (state ``ImportRules.waiting``), or takes one sent with ``/import`` as its
caption; the bot validates every rule as the wizard does and shows a preview with Import and
Cancel (state ``ImportRules.confirm``). Only Import writes, after checking the file again against
the rules as they are then: if anything moved meanwhile, a new preview is shown instead.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import aiohttp
from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    Document,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.callback_answer import CallbackAnswer

from bot.forwarding.delivery import pacing
from bot.forwarding.rules.service import RulesService
from bot.routers.backup import digests, texts
from bot.routers.backup import keyboards as kb
from bot.routers.backup.apply import apply
from bot.routers.backup.fileformat import (
    MAX_FILE_BYTES,
    Backup,
    FormatError,
    export_document,
    export_filename,
    read_document,
)
from bot.routers.backup.keyboards import ImportAction, ImportCb
from bot.routers.backup.plan import Plan, make_plan
from bot.routers.ui import edit_or_send
from bot.routers.wizard.account import account_configured
from bot.runtime.logging import get_logger
from models import Rule

if TYPE_CHECKING:
    from bot.services import Services

log = get_logger(__name__)


class ImportRules(StatesGroup):
    waiting = State()
    confirm = State()


# -- export ------------------------------------------------------------------------------------


async def export_rules(message: Message) -> None:
    rows = await Rule.all().order_by("id")
    if not rows:
        await message.answer(str(texts.NO_RULES))
        return
    now = datetime.now(timezone.utc)
    content = export_document(
        rows, now, await digests.current(), await pacing.all_pacing(), await pacing.timezone()
    )
    document = BufferedInputFile(content, filename=export_filename(now))
    await message.answer_document(document, caption=texts.export_caption(len(rows), now))
    log.info("rules_exported", count=len(rows))


# -- import: the file --------------------------------------------------------------------------


async def ask_file(message: Message, state: FSMContext) -> None:
    nonce = await _wait_for_file(state)
    await message.answer(str(texts.ASK_FILE), reply_markup=kb.cancel_keyboard(nonce))


async def _download(bot: Bot, document: Document) -> bytes:
    if (document.file_size or 0) > MAX_FILE_BYTES:
        raise FormatError(str(texts.TOO_BIG))
    try:
        content = await bot.download(document)
    except (TelegramAPIError, aiohttp.ClientError, asyncio.TimeoutError) as error:
        log.info("import_not_downloaded", error=str(error))
        raise FormatError(str(texts.NOT_DOWNLOADED)) from None
    assert content is not None  # no destination given: aiogram answers a BytesIO
    return content.read()


async def receive_file(
    message: Message,
    state: FSMContext,
    bot: Bot,
    rules: RulesService,
    services: Services | None = None,
) -> None:
    document = message.document
    assert document is not None
    try:
        backup = read_document(await _download(bot, document))
    except FormatError as error:
        await _wait_for_file(state)
        await message.answer(texts.refused(str(error)))
        return
    checking = await message.answer(texts.checking(len(backup.rules)))
    meta = {
        "rules": backup.rules,
        "destinations": backup.destinations,
        "owner": backup.owner,
        "version": backup.version,
        "file": document.file_name or "",
        "exported_at": backup.exported_at,
    }
    plan = await make_plan(rules, backup, account_configured(services))
    log.info(
        "import_previewed",
        rules=len(backup.rules),
        version=backup.version,
        problems=plan.problems(),
    )
    text, markup = await _preview(state, plan, meta)
    await checking.edit_text(text, reply_markup=markup)


async def _wait_for_file(state: FSMContext) -> str:
    """Wait for a (new) file; the nonce of this screen's Cancel button."""
    nonce = secrets.token_hex(4)
    await state.set_state(ImportRules.waiting)
    await state.set_data({"nonce": nonce})
    return nonce


async def _preview(
    state: FSMContext, plan: Plan, meta: dict[str, Any], notice: str = ""
) -> tuple[str, InlineKeyboardMarkup | None]:
    """The preview of ``plan`` and its buttons; the state says what may come next."""
    text = texts.preview(plan, meta["file"], meta["exported_at"])
    if notice:
        text = f"{notice}\n\n{text}"
    if plan.problems():
        return text, kb.cancel_keyboard(await _wait_for_file(state))
    if not plan.writes_anything():
        await state.clear()
        return text, None
    nonce = secrets.token_hex(4)
    await state.set_state(ImportRules.confirm)
    await state.set_data({**meta, "nonce": nonce, "fingerprint": plan.fingerprint()})
    return text, kb.confirm_keyboard(nonce)


async def waiting_hint(message: Message) -> None:
    await message.answer(str(texts.WAITING_HINT))


async def confirm_hint(message: Message) -> None:
    await message.answer(str(texts.CONFIRM_HINT))


# -- import: the buttons -----------------------------------------------------------------------


async def _current(state: FSMContext, callback_data: ImportCb) -> dict[str, Any] | None:
    """The FSM data if this button belongs to the import screen shown now, else None."""
    if await state.get_state() not in (ImportRules.waiting.state, ImportRules.confirm.state):
        return None
    data = await state.get_data()
    return data if data.get("nonce") == callback_data.nonce else None


def _backup(data: dict[str, Any]) -> Backup:
    """The file kept in the FSM data since the preview."""
    return Backup(
        data.get("exported_at") or "",
        data["rules"],
        destinations=data.get("destinations"),
        owner=data.get("owner"),
        version=data.get("version") or 1,
    )


async def confirm_import(
    query: CallbackQuery,
    callback_data: ImportCb,
    state: FSMContext,
    rules: RulesService,
    callback_answer: CallbackAnswer,
    services: Services | None = None,
) -> None:
    data = await _current(state, callback_data)
    if data is None or await state.get_state() != ImportRules.confirm.state:
        callback_answer.text = str(texts.OUT_OF_DATE)
        return
    plan = await make_plan(rules, _backup(data), account_configured(services))
    if plan.fingerprint() != data["fingerprint"]:
        callback_answer.text = str(texts.CHANGED_MEANWHILE)
        text, markup = await _preview(state, plan, data, str(texts.CHANGED_MEANWHILE))
        await edit_or_send(query, text, markup)
        return
    try:
        await apply(rules, plan, created_by=query.from_user.id)
    except ValueError as error:  # a rule deleted meanwhile, a zone the database does not know
        callback_answer.text = str(texts.CHANGED_MEANWHILE)
        await edit_or_send(query, texts.refused(str(error)))
        await _wait_for_file(state)
        return
    await state.clear()
    log.info(
        "rules_imported",
        written=len(plan.writes()),
        digests=len(plan.digest_writes()),
        destinations=len(plan.chats.chats),
        timezone=plan.chats.timezone is not None,
    )
    await edit_or_send(query, texts.done(plan))


async def cancel_import(
    query: CallbackQuery,
    callback_data: ImportCb,
    state: FSMContext,
    callback_answer: CallbackAnswer,
) -> None:
    if await _current(state, callback_data) is None:
        callback_answer.text = str(texts.OUT_OF_DATE)
        return
    await state.clear()
    callback_answer.text = str(texts.CANCELLED)
    await edit_or_send(query, str(texts.CANCELLED))


async def unknown_button(query: CallbackQuery, callback_answer: CallbackAnswer) -> None:
    callback_answer.text = str(texts.OUT_OF_DATE)


def make_router() -> Router:
    """This feature's handlers on a new router (one per Dispatcher)."""
    router = Router(name=__name__)
    router.message.filter(F.chat.type == "private")
    router.message.register(export_rules, Command("export"))
    router.message.register(receive_file, Command("import"), F.document)
    router.message.register(ask_file, Command("import"))
    router.message.register(receive_file, ImportRules.waiting, F.document)
    router.message.register(receive_file, ImportRules.confirm, F.document)
    router.message.register(waiting_hint, ImportRules.waiting)
    router.message.register(confirm_hint, ImportRules.confirm)
    router.callback_query.register(confirm_import, ImportCb.filter(F.action == ImportAction.IMPORT))
    router.callback_query.register(cancel_import, ImportCb.filter(F.action == ImportAction.CANCEL))
    router.callback_query.register(unknown_button, F.data.startswith(f"{kb.PREFIX}:"))
    return router
