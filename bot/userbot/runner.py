"""The user account beside the bot: started while this process leads, stopped when it stops.

One session string may be used by one connection at a time (Telegram answers a second one with
AUTH_KEY_DUPLICATED), so only the leader runs the account: ``BotApp`` starts the runner when
it takes the leader lock and stops it when it loses the lock, loses the database or is asked
to stop. Without API_ID, API_HASH and PYROGRAM_SESSION_STRING the runner is inert
(``configured`` is False) and nothing about the account is offered.

What the features built on it see: ``account`` (the connected account, or None), ``connected``
(an event set while it is), ``on_event(callback)`` (each new post, album, edit or deletion the
account sees, in order; one callback failing never stops the others or the loop) and
``on_start(callback)`` (each time the account connects: backfills resume there).

Faults: a revoked or broken session gets one alert and no retry (a new session string means a
new config var, which restarts the dyno); a connection failing again and again gets one alert
and is retried slowly; a FloodWait storm (many waits, or one very long) gets one alert. The bot
and its bot-read sources run on through all of them. The session string is never logged,
alerted or shown: errors carry only their kind and Telegram's reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from bot.runtime.config import Settings
from bot.runtime.i18n import _, __, lazy_text
from bot.runtime.logging import get_logger
from bot.userbot.interface import (
    Account,
    AccountChat,
    AccountError,
    AccountEvent,
    AccountMessage,
    AccountUser,
    FloodWait,
    SessionRevoked,
)

log = get_logger(__name__)

AccountFactory = Callable[[Settings], Account]
EventCallback = Callable[[Account, AccountEvent], Awaitable[None]]
StartCallback = Callable[[Account], Awaitable[None]]

FIRST_RETRY_S = 1.0  # then doubling: a session a killed process held is free again at once
RETRY_S = 600.0  # the slowest retry of a connection that keeps failing
ALERT_AFTER_FAILURES = 3  # a blip is not worth an alert; a failing connection is
STOP_S = 10.0
STORM_WINDOW_S = 600.0
STORM_COUNT = 20  # FloodWaits within the window that make a storm
STORM_LONG_S = 300.0  # one wait this long is a storm by itself


def kurigram_factory(settings: Settings) -> Account:
    """The production account (kurigram, imported only now that the account is configured)."""
    from bot.userbot.kurigram import KurigramAccount

    assert settings.api_id is not None and settings.api_hash is not None
    assert settings.pyrogram_session_string is not None
    return KurigramAccount(
        settings.api_id,
        settings.api_hash.get_secret_value(),
        settings.pyrogram_session_string.get_secret_value(),
    )


def account_configured(settings: Settings) -> bool:
    return bool(settings.api_id and settings.api_hash and settings.pyrogram_session_string)


class _Watched:
    """The connected account as the features see it: every call goes to the real account, and
    the runner learns of the session being revoked and of FloodWaits whoever made the call."""

    def __init__(self, account: Account, runner: AccountRunner, me: AccountUser) -> None:
        self._account = account
        self._runner = runner
        self._me = me

    def __repr__(self) -> str:
        return f"<account {self._me.id}>"

    async def _do(self, call: Awaitable[Any]) -> Any:
        try:
            return await call
        except AccountError as error:
            self._runner.saw_error(error)
            raise

    async def start(self) -> AccountUser:
        return self._me  # the runner connects and disconnects; callers only use it

    async def stop(self) -> None:
        return None

    async def chat(self, ref: str | int) -> AccountChat:
        result: AccountChat = await self._do(self._account.chat(ref))
        return result

    async def dialogs(self, limit: int = 200) -> list[AccountChat]:
        result: list[AccountChat] = await self._do(self._account.dialogs(limit))
        return result

    async def join(self, chat_id: int) -> AccountChat:
        result: AccountChat = await self._do(self._account.join(chat_id))
        return result

    async def history(
        self, chat_id: int, *, before_id: int = 0, limit: int = 100
    ) -> list[AccountMessage]:
        call = self._account.history(chat_id, before_id=before_id, limit=limit)
        result: list[AccountMessage] = await self._do(call)
        return result

    async def copy(
        self,
        chat_id: int,
        message_ids: Sequence[int],
        to_chat_id: int,
        *,
        reply_to_message_id: int | None = None,
    ) -> list[int]:
        call = self._account.copy(
            chat_id, message_ids, to_chat_id, reply_to_message_id=reply_to_message_id
        )
        result: list[int] = await self._do(call)
        return result

    async def edit_copy(
        self, chat_id: int, message_id: int, copy_chat_id: int, copy_message_id: int
    ) -> None:
        await self._do(self._account.edit_copy(chat_id, message_id, copy_chat_id, copy_message_id))

    async def delete(self, chat_id: int, message_ids: Sequence[int]) -> None:
        await self._do(self._account.delete(chat_id, message_ids))

    async def create_channel(self, title: str, *, admin_username: str) -> AccountChat:
        call = self._account.create_channel(title, admin_username=admin_username)
        result: AccountChat = await self._do(call)
        return result

    def events(self) -> AsyncIterator[AccountEvent]:
        raise AccountError("the runner reads the account's events: use runner.on_event()")


class AccountRunner:
    """Runs the user account while this process leads (see the module doc)."""

    def __init__(
        self,
        settings: Settings,
        alerts: Any,  # bot.runtime.alerts.Alerts: report(key, title, detail)
        *,
        factory: AccountFactory | None = None,
        first_retry_s: float = FIRST_RETRY_S,
        retry_s: float = RETRY_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.alerts = alerts
        self.configured = factory is not None or account_configured(settings)
        self._factory = factory or kurigram_factory
        self.first_retry_s = first_retry_s
        self.retry_s = retry_s
        self.clock = clock
        self.account: Account | None = None
        self.me: AccountUser | None = None
        self.connected = asyncio.Event()
        self.revoked = False
        self._revoked_alerted = False
        self._real: Account | None = None
        self._event_callbacks: list[EventCallback] = []
        self._start_callbacks: list[StartCallback] = []
        self._task: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._floods: deque[float] = deque()
        self._storm_alerted_at: float | None = None
        self._spawned: set[asyncio.Task[Any]] = set()

    @classmethod
    def inert(cls) -> AccountRunner:
        """A runner with no account (tests that build Services by hand)."""
        return cls(Settings.model_construct(), None)

    # -- what the features register ----------------------------------------------------------

    def on_event(self, callback: EventCallback) -> None:
        self._event_callbacks.append(callback)

    def on_start(self, callback: StartCallback) -> None:
        self._start_callbacks.append(callback)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    # -- lifecycle (BotApp) ------------------------------------------------------------------

    def start(self) -> None:
        """Start connecting (this process leads); nothing when unconfigured or running."""
        if not self.configured or self.running:
            return
        self._stopping = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="user-account")

    async def stop(self, timeout: float = STOP_S) -> None:
        """Disconnect (leadership lost, database lost, or the bot stops)."""
        self._stopping.set()
        real = self._real
        if real is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(real.stop(), timeout)
        task, self._task = self._task, None
        if task is not None:
            done, _pending = await asyncio.wait({task}, timeout=timeout)
            if not done:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        for spawned in list(self._spawned):
            spawned.cancel()

    # -- the connection ----------------------------------------------------------------------

    async def _run(self) -> None:
        delay, failures = self.first_retry_s, 0
        while not self._stopping.is_set() and not self.revoked:
            try:
                account = self._factory(self.settings)
                me = await account.start()
            except SessionRevoked:
                await self._session_revoked()
                break
            except FloodWait as wait:
                self.saw_error(wait)
                await self._pause(wait.seconds)
                continue
            except Exception as error:  # AccountError, or the library's own trouble
                failures += 1
                log.warning(
                    "account_connect_failed", error=_describe(error), retry_in_s=round(delay)
                )
                if failures == ALERT_AFTER_FAILURES:
                    await self._alert_unreachable(error)
                await self._pause(delay)
                delay = min(delay * 2, self.retry_s)
                continue
            delay, failures = self.first_retry_s, 0
            await self._connected(account, me)
            if not self._stopping.is_set() and not self.revoked:
                await self._pause(self.first_retry_s)  # the events ended: connect again
        self._stopping.set()

    async def _connected(self, account: Account, me: AccountUser) -> None:
        self._real, self.me = account, me
        watched = _Watched(account, self, me)
        self.account = watched
        self.connected.set()
        log.info("account_connected", account_id=me.id)
        try:
            for callback in list(self._start_callbacks):
                await _guarded("account_start_callback_failed", callback(watched))
            await self._consume(account, watched)
        except SessionRevoked:
            await self._session_revoked()
        except AccountError as error:
            log.warning("account_events_failed", error=_describe(error))
        except Exception as error:
            log.error("account_events_failed", error=_describe(error), exc_info=True)
        finally:
            self.connected.clear()
            self.account, self._real = None, None
            with contextlib.suppress(Exception):
                await asyncio.wait_for(account.stop(), STOP_S)
            log.info("account_disconnected", account_id=me.id)
        if self.revoked:
            await self._session_revoked()

    async def _consume(self, account: Account, watched: Account) -> None:
        async for event in account.events():
            for callback in list(self._event_callbacks):
                await _guarded("account_event_callback_failed", callback(watched, event))
            if self._stopping.is_set() or self.revoked:
                return

    async def _pause(self, seconds: float) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), max(0.0, seconds))

    # -- faults ------------------------------------------------------------------------------

    def saw_error(self, error: AccountError) -> None:
        """A call of the account failed (whoever made it): a revoked session, a FloodWait."""
        if isinstance(error, SessionRevoked) and not self.revoked:
            self.revoked = True
            real = self._real
            if real is not None:  # ends the events: the runner alerts and stays down
                self._spawn(real.stop())
        elif isinstance(error, FloodWait):
            self._note_flood(error.seconds)

    def _note_flood(self, seconds: float) -> None:
        now = self.clock()
        self._floods.append(now)
        while self._floods and now - self._floods[0] > STORM_WINDOW_S:
            self._floods.popleft()
        storm = seconds >= STORM_LONG_S or len(self._floods) >= STORM_COUNT
        recent = self._storm_alerted_at is not None and now - self._storm_alerted_at < (
            STORM_WINDOW_S
        )
        log.info("account_flood_wait", seconds=seconds, in_window=len(self._floods))
        if storm and not recent:
            self._storm_alerted_at = now
            count, wait = len(self._floods), seconds
            self._spawn(
                self._report(
                    "account_flood",
                    __("Telegram is slowing the user account down (FloodWait)"),
                    lazy_text(
                        lambda: _(
                            "{count} waits in the last 10 minutes, the last one {seconds} s. "
                            "Posts read through the account are delayed, not lost; the bot "
                            "and its other sources run on."
                        ).format(count=count, seconds=f"{wait:.0f}")
                    ),
                )
            )

    async def _session_revoked(self) -> None:
        if self._revoked_alerted:
            return
        self._revoked_alerted = True
        self.revoked = True
        log.error("account_session_revoked")
        await self._report(
            "account_session",
            __("The user account's session no longer works"),
            __(
                "Sources read through the account are paused; the bot and its other sources "
                "run on. Make a new session string with python -m bot.userbot.login and put "
                "it in the PYROGRAM_SESSION_STRING config var."
            ),
        )

    async def _alert_unreachable(self, error: Exception) -> None:
        reason = _describe(error)
        await self._report(
            "account_unreachable",
            __("The user account cannot connect"),
            lazy_text(
                lambda: (
                    reason + "\n" + _("The bot runs on and tries again, at most every 10 minutes.")
                )
            ),
        )

    async def _report(self, key: str, title: Any, detail: Any) -> None:
        if self.alerts is None:
            return
        try:
            await self.alerts.report(key, title, detail)
        except Exception as error:  # an alert must never take the account down
            log.warning("account_alert_failed", error=_describe(error))

    def _spawn(self, work: Awaitable[Any]) -> None:
        task = asyncio.ensure_future(work)
        self._spawned.add(task)
        task.add_done_callback(self._spawned.discard)


def _describe(error: BaseException) -> str:
    """The kind and Telegram's reason: account errors never carry a secret by contract, the
    library's own are cut to their type (their text may quote a request)."""
    if isinstance(error, AccountError):
        return f"{type(error).__name__}: {error}"
    return type(error).__name__


async def _guarded(event: str, work: Awaitable[None]) -> None:
    try:
        await work
    except asyncio.CancelledError:
        raise
    except Exception as error:
        log.error(event, error=_describe(error), exc_info=True)
