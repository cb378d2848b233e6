"""The relay: how a post the bot cannot see reaches the bot, through the user account.

The bot cannot copy from a chat it is not in, and file ids do not move between accounts. So the
account copies each source post ONCE, server-side (no media passes through this process), into a
private relay channel it owns and where the bot is an administrator; the bot receives the copy as
an ordinary channel post and ingest treats it as a post of the source (same rules, filters,
steps, outbox and message map, keyed by the source's ids), copying from the relay message. The
account sends at most one message per source post (an album is one request); the bot stays the
only sender to destinations.

``RelayedMessage`` maps each relay message to its source message, unique on both sides, written
right after the copy. The bot may receive the copy before that row is written (the account and
the poller run in the same leader process): ingest then waits for it briefly (``source_of``),
woken in-process as soon as it is recorded. A relay post with no mapping while no copy is under
way was not made by the account (someone posted in the relay channel): it is ignored.

A crash between the copy and its record leaves a copy with no mapping (ignored when the bot sees
it) and the source post not relayed: it is copied again when it is offered again (a history
backfill), the only case in which the account sends a post twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import datetime, timezone

from aiogram.types import Chat, Message
from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from bot.forwarding.delivery.payload import Relayed
from bot.runtime.db import unavailable
from bot.runtime.logging import get_logger
from bot.userbot.interface import Account, AccountError, AccountMessage, ChatUnavailable
from models import AccountSetting, RelayedMessage
from models.account import RELAY_CHAT_KEY

log = get_logger(__name__)

RELAY_TITLE = "Forwarder relay"
WAIT_FOR_MAPPING_S = 10.0  # how long ingest waits for a copy under way to be recorded
ORPHAN_GRACE_S = 1.0  # a copy older than one already recorded is waited for this long at most
RECORD_FOR_S = 60.0  # how long a copy's record is retried while the database is away
CHAT_INFO_S = 3600.0  # a source's title and username are asked again after this long
RECENT = 2048  # mappings kept in memory: the bot usually reads a copy right after it is made


class RelayNotRecorded(Exception):
    """A copy under way was not recorded in time: its update is fetched again later."""


class Relay:
    def __init__(
        self,
        bot_username: str,
        *,
        title: str = RELAY_TITLE,
        wait_s: float = WAIT_FOR_MAPPING_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.bot_username = bot_username
        self.title = title
        self.wait_s = wait_s
        self.clock = clock
        self.chat_id: int | None = None  # the relay channel, once known
        self.copies = 0  # copy requests the account made by this process (one per post)
        self._copying = 0  # copies under way (sent or about to be, not yet recorded)
        self._recorded = asyncio.Event()  # replaced each time a mapping is recorded
        self._recent: OrderedDict[tuple[int, int], RelayedMessage] = OrderedDict()
        self._newest: dict[int, int] = {}  # per relay channel: the newest copy recorded here
        self._chat_locks: dict[int, asyncio.Lock] = {}
        self._channel_lock = asyncio.Lock()
        self._chats: dict[int, tuple[float, str, str | None]] = {}

    # -- the account's side ------------------------------------------------------------------

    async def load(self) -> int | None:
        """The relay channel recorded in the database, if any (at start, when the account
        connects: the channel may have been made by another process while it led)."""
        row = await AccountSetting.get_or_none(key=RELAY_CHAT_KEY)
        if row is not None:
            self.chat_id = int(row.value)
        return self.chat_id

    async def channel(self, account: Account) -> int:
        """The relay channel's id; created by the account (the bot made its administrator) the
        first time it is needed, and kept in the database."""
        if self.chat_id is not None:
            return self.chat_id
        async with self._channel_lock:
            if self.chat_id is None and await self.load() is None:
                chat = await account.create_channel(self.title, admin_username=self.bot_username)
                await AccountSetting.update_or_create(
                    key=RELAY_CHAT_KEY,
                    defaults={"value": str(chat.id), "updated_at": self.clock()},
                )
                self.chat_id = chat.id
                log.info("relay_channel_created", chat_id=chat.id)
        assert self.chat_id is not None
        return self.chat_id

    def is_relay(self, chat_id: int) -> bool:
        return self.chat_id is not None and chat_id == self.chat_id

    async def relay(self, account: Account, messages: Sequence[AccountMessage]) -> bool:
        """Copy ONE source post (a message, or a whole album in one request) into the relay
        channel unless it was relayed already (then False); the mapping is recorded durably.
        FloodWait and ProtectedContent from the account are raised unchanged."""
        if not messages:
            return False
        first = messages[0]
        ids = [m.message_id for m in messages]
        async with self._chat_lock(first.chat_id):  # one source's copies in its order
            done = await RelayedMessage.filter(
                source_chat_id=first.chat_id, source_message_id__in=ids
            ).exists()
            if done:
                return False
            relay_chat = await self.channel(account)
            title, username = await self._chat_info(account, first.chat_id)
            parent = None
            if first.reply_to_message_id:
                parent = await RelayedMessage.get_or_none(
                    source_chat_id=first.chat_id, source_message_id=first.reply_to_message_id
                )
            self._copying += 1
            try:
                try:
                    copied = await account.copy(
                        first.chat_id,
                        ids,
                        relay_chat,
                        reply_to_message_id=parent.relay_message_id if parent else None,
                    )
                except ChatUnavailable:
                    if not await self._gone(account, relay_chat):
                        raise  # the source is what the account can't reach
                    relay_chat = await self.channel(account)  # a new one, made now
                    copied = await account.copy(first.chat_id, ids, relay_chat)
                self.copies += 1
                rows = [
                    RelayedMessage(
                        relay_chat_id=relay_chat,
                        relay_message_id=copy_id,
                        source_chat_id=message.chat_id,
                        source_message_id=message.message_id,
                        media_group_id=message.media_group_id,
                        reply_to_message_id=message.reply_to_message_id,
                        source_title=title[:256],
                        source_username=username,
                        source_date=message.date,
                        created_at=self.clock(),
                    )
                    for message, copy_id in zip(messages, copied, strict=False)
                ]
                await self._record(rows)
            finally:
                self._copying -= 1
                self._wake()
        log.info("post_relayed", chat_id=first.chat_id, message_id=first.message_id, n=len(ids))
        return True

    async def edit(self, account: Account, message: AccountMessage) -> bool:
        """The source message was edited: its copy in the relay channel shows the new text, so
        the bot sees the edit as an edited channel post. False when it was never relayed."""
        copy = await self._copy_of(message.chat_id, message.message_id)
        if copy is None:
            return False
        await account.edit_copy(
            message.chat_id, message.message_id, copy.relay_chat_id, copy.relay_message_id
        )
        log.info("relay_edited", chat_id=message.chat_id, message_id=message.message_id)
        return True

    async def copies_of(
        self, source_chat_id: int | None, message_ids: Sequence[int]
    ) -> list[RelayedMessage]:
        """The recorded copies of these source messages (``source_chat_id`` None: Telegram did
        not say, then the messages of basic groups, whose ids are unique to the account)."""
        query = RelayedMessage.filter(source_message_id__in=list(message_ids))
        if source_chat_id is None:
            query = query.filter(source_chat_id__gt=-1_000_000_000_000)
        else:
            query = query.filter(source_chat_id=source_chat_id)
        return await query.order_by("relay_message_id")

    async def delete(self, account: Account, copies: Sequence[RelayedMessage]) -> None:
        """Delete these copies from the relay channel (their source messages were deleted)."""
        by_chat: dict[int, list[int]] = {}
        for copy in copies:
            by_chat.setdefault(copy.relay_chat_id, []).append(copy.relay_message_id)
        for chat_id, ids in by_chat.items():
            await account.delete(chat_id, ids)

    # -- the bot's side ----------------------------------------------------------------------

    async def source_of(self, message: Message) -> tuple[Message, Relayed] | None:
        """A relay channel post (or its edit) as the source post it is a copy of, with where the
        bot copies it from; None when it is no copy (ignored). Waits briefly for a copy under
        way to be recorded; RelayNotRecorded when it is not in time."""
        row = await self._mapping(message.chat.id, message.message_id)
        if row is None:
            log.info(
                "relay_post_not_a_copy", chat_id=message.chat.id, message_id=message.message_id
            )
            return None
        source = Chat(
            id=row.source_chat_id,
            type="channel",
            title=row.source_title or None,
            username=row.source_username,
        )
        reply = None
        if row.reply_to_message_id:
            reply = Message(message_id=row.reply_to_message_id, date=message.date, chat=source)
        date = (
            datetime.fromtimestamp(row.source_date, tz=timezone.utc)
            if row.source_date
            else message.date
        )
        read = message.model_copy(
            update={
                "chat": source,
                "sender_chat": source,
                "message_id": row.source_message_id,
                "media_group_id": row.media_group_id,
                "reply_to_message": reply,
                "date": date,
            }
        )
        return read, Relayed(
            chat_id=row.relay_chat_id, ids=((row.source_message_id, row.relay_message_id),)
        )

    async def _mapping(self, chat_id: int, message_id: int) -> RelayedMessage | None:
        start = time.monotonic()
        deadline = start + self.wait_s
        waited = False
        while True:
            recorded = self._recorded  # taken before looking: a record meanwhile wakes us
            row = self._recent.get((chat_id, message_id)) or await RelayedMessage.get_or_none(
                relay_chat_id=chat_id, relay_message_id=message_id
            )
            if row is not None:
                return row
            left = deadline - time.monotonic()
            if not self._copying and not waited:
                return None
            if message_id < self._newest.get(chat_id, 0) and time.monotonic() - start >= min(
                ORPHAN_GRACE_S, self.wait_s
            ):
                # A later copy is recorded already: this one was cut off by a crash before its
                # record (or posted by hand). Not worth holding up polling while copies go on.
                log.info("relay_post_orphaned", chat_id=chat_id, message_id=message_id)
                return None
            if left <= 0 or not self._copying:
                raise RelayNotRecorded(f"relay post {chat_id}/{message_id} has no mapping yet")
            waited = True
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(recorded.wait(), min(left, 0.5))

    # -- helpers -----------------------------------------------------------------------------

    def _chat_lock(self, chat_id: int) -> asyncio.Lock:
        lock = self._chat_locks.get(chat_id)
        if lock is None:
            lock = self._chat_locks[chat_id] = asyncio.Lock()
        return lock

    def _wake(self) -> None:
        recorded, self._recorded = self._recorded, asyncio.Event()
        recorded.set()

    def _remember(self, row: RelayedMessage) -> None:
        self._recent[(row.relay_chat_id, row.relay_message_id)] = row
        newest = self._newest.get(row.relay_chat_id, 0)
        self._newest[row.relay_chat_id] = max(newest, row.relay_message_id)
        while len(self._recent) > RECENT:
            self._recent.popitem(last=False)

    async def _record(self, rows: list[RelayedMessage]) -> None:
        """Write the mappings of a copy that happened; while the database can't be reached,
        keep trying for a while (what was copied must be found by the bot)."""
        for row in rows:
            self._remember(row)  # the bot may read the copy now, even before the commit
        self._wake()
        rest, give_up = 0.5, time.monotonic() + RECORD_FOR_S
        while True:
            try:
                async with in_transaction():
                    for row in rows:
                        await row.save()
                return
            except IntegrityError:
                log.warning("relay_mapping_exists", source=rows[0].source_chat_id)
                return
            except Exception as error:
                if not unavailable(error) or time.monotonic() > give_up:
                    raise
            await asyncio.sleep(rest)
            rest = min(rest * 2, 4.0)

    async def _gone(self, account: Account, relay_chat: int) -> bool:
        """Whether the relay channel itself is gone (deleted, or the account left it): then it
        is forgotten, and the next copy makes a new one."""
        try:
            await account.chat(relay_chat)
        except ChatUnavailable:
            log.warning("relay_channel_gone", chat_id=relay_chat)
            await AccountSetting.filter(key=RELAY_CHAT_KEY, value=str(relay_chat)).delete()
            self.chat_id = None
            return True
        return False

    async def _copy_of(self, chat_id: int, message_id: int) -> RelayedMessage | None:
        return await RelayedMessage.get_or_none(
            source_chat_id=chat_id, source_message_id=message_id
        )

    async def _chat_info(self, account: Account, chat_id: int) -> tuple[str, str | None]:
        """A source's title and username (asked of the account once an hour at most)."""
        known = self._chats.get(chat_id)
        if known is not None and self.clock() - known[0] < CHAT_INFO_S:
            return known[1], known[2]
        try:
            chat = await account.chat(chat_id)
        except AccountError:
            return (known[1], known[2]) if known else ("", None)
        self._chats[chat_id] = (self.clock(), chat.title, chat.username)
        return chat.title, chat.username
