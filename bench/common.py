"""What the benchmarks share: the database, the Telegram stand-in, the running bot, RSS, output.

* Database: a dedicated Postgres database (``bench`` on 127.0.0.1 unless ``BENCH_DATABASE_URL``
  says otherwise), created if missing, its public schema dropped and recreated at the start of
  every run, then brought up to date with the bot's own migrations (``bot.runtime.db.upgrade_schema``).
  Rows are seeded with ``COPY`` through asyncpg.
* Telegram: the stand-in (``sandbox/telegram/standin.py``) runs in a child process on loopback, driven
  through its ``/_sandbox`` control routes. It checks every call against the Bot API
  specification and keeps a record of every call; in a child process that work (and that memory)
  is not charged to the bot being measured, as it would not be against the real Telegram.
* The bot: the real ``BotApp``, started in this process as ``tests/e2e/conftest.py`` does.
* Output: progress lines with the time since the start, then one ``RESULT key=value …`` line.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import asyncpg

from bot.forwarding.rules.spec import RuleSpec
from bot.runtime.config import Settings
from bot.runtime.db import upgrade_schema
from sandbox.settings import standin_settings

if TYPE_CHECKING:
    from bot.app import BotApp

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/bench"

TOKEN = "123456:BENCH-TOKEN-abcdefghijklmnopqrstuvwxyz"
BOT_ID = 123456
OWNER = 1001
ALERTS = -1001000000900

# Chat ids of the measured rules: one source, its destinations numbered from DEST_BASE down.
SOURCE = -1001000000101
DEST_BASE = -1001000100000
# Rules that are not measured: each watches its own chat and writes to its own chat.
OTHER_SOURCE_BASE = -1002000000000
OTHER_DEST_BASE = -1003000000000

_started = time.monotonic()


def database_url() -> str:
    return os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)


def sibling_database(url: str, name: str) -> str:
    """The same server, another database (the smoke tests use their own)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


# -- output -------------------------------------------------------------------------------------


def say(message: str) -> None:
    print(f"[{time.monotonic() - _started:6.1f}s] {message}", flush=True)


def say_load() -> None:
    """The machine's load: figures taken on a busy machine are not comparable."""
    one, five, _ = os.getloadavg()
    say(f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} CPUs")


def result_line(**pairs: object) -> str:
    def text(value: object) -> str:
        if isinstance(value, float):
            return f"{value:.2f}" if abs(value) < 10 else f"{value:.1f}"
        return str(value)

    line = "RESULT " + " ".join(f"{key}={text(value)}" for key, value in pairs.items())
    print(line, flush=True)
    return line


def report(**figures: float | int) -> dict[str, float | int]:
    """The closing lines of a benchmark: the machine's load, then its RESULT line."""
    say_load()
    result_line(**figures)
    return figures


def run_logged(name: str, measurement: Coroutine[Any, Any, object]) -> None:
    """Run a benchmark's measurement with the bot's logs in a file of its own."""
    with bot_logs(Path(tempfile.gettempdir()) / "forwarding-bench" / f"{name}.log"):
        asyncio.run(measurement)


def cli(
    name: str, doc: str, measure: Callable[..., Coroutine[Any, Any, object]], **defaults: int
) -> None:
    """A benchmark's command line: one integer option per default, then the logged run."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    for option, default in defaults.items():
        parser.add_argument(f"--{option}", type=int, default=default)
    run_logged(name, measure(**vars(parser.parse_args())))


def rate(count: int, seconds: float) -> float:
    return count / seconds if seconds > 0 else 0.0


@contextlib.contextmanager
def bot_logs(path: Path) -> Iterator[None]:
    """The bot's own logging as in production (JSON at INFO), written to ``path`` not the screen."""
    from bot.runtime.logging import configure_logging

    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as stream:
        real = sys.stderr
        sys.stderr = stream
        try:
            configure_logging("INFO", json=True)
        finally:
            sys.stderr = real
        say(f"bot logs: {path}")
        yield


# -- memory -------------------------------------------------------------------------------------


def _status_kb(field: str, pid: int | str = "self") -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/{pid}/status")


def rss_mb(pid: int | str = "self") -> float:
    """Resident set size in MiB (``VmRSS``)."""
    return _status_kb("VmRSS", pid) / 1024


def peak_rss_mb(pid: int | str = "self") -> float:
    """The highest resident set size so far in MiB (``VmHWM``)."""
    return _status_kb("VmHWM", pid) / 1024


# -- database -----------------------------------------------------------------------------------


async def prepare_database(url: str) -> None:
    """Create the database if missing, empty its public schema, apply the bot's migrations."""
    name = urlsplit(url).path.lstrip("/")
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(f"unexpected database name {name!r}")
    admin = await asyncpg.connect(sibling_database(url, "postgres"))
    try:
        exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            with contextlib.suppress(asyncpg.DuplicateDatabaseError):  # a parallel run made it
                await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;")
    finally:
        await conn.close()
    # In a task of its own: upgrade_schema leaves Tortoise state in the calling context, and the
    # bot's own upgrade_schema at start would then fail ("DB configuration not initialised").
    await asyncio.create_task(upgrade_schema(url))


RULE_COLUMNS = (
    "name",
    "active",
    "mode",
    "sources",
    "destinations",
    "filters",
    "steps",
    "edit_policy",
    "review",
    "ai_failure",
    "ai_model",
    "created_by",
    "created_at",
    "updated_at",
)


def rule_record(
    name: str,
    sources: Sequence[int],
    destinations: Sequence[int],
    filters: dict[str, Any] | None = None,
    steps: Sequence[dict[str, Any]] = (),
) -> tuple[Any, ...]:
    """A ``rules`` row as the rules service would store it (validated by ``RuleSpec``)."""
    spec = RuleSpec.model_validate(
        {
            "name": name,
            "sources": [{"chat_id": chat, "title": f"Source {chat}"} for chat in sources],
            "destinations": [{"chat_id": chat, "title": f"Dest {chat}"} for chat in destinations],
            "filters": filters or {},
            "steps": list(steps),
        }
    )
    data = spec.model_dump(mode="json")
    now = datetime.now(timezone.utc)
    return (
        data["name"],
        True,
        data["mode"],
        json.dumps(data["sources"]),
        json.dumps(data["destinations"]),
        json.dumps(data["filters"]),
        json.dumps(data["steps"]),
        data["edit_policy"],
        data["review"],
        data["ai_failure"],
        data["ai_model"],
        OWNER,
        now,
        now,
    )


def measured_destinations(count: int) -> list[int]:
    return [DEST_BASE - n for n in range(count)]


def standard_rules(total: int, measured: int = 10) -> Iterator[tuple[Any, ...]]:
    """``measured`` rules on SOURCE (one destination each, a keyword filter that "news" passes),
    then ``total - measured`` rules on other chats, one source and one destination each."""
    keyword = {"include_keywords": ["news"]}
    for n, dest in enumerate(measured_destinations(measured)):
        yield rule_record(f"measured {n}", [SOURCE], [dest], keyword)
    for n in range(total - measured):
        yield rule_record(
            f"other {n}",
            [OTHER_SOURCE_BASE - n],
            [OTHER_DEST_BASE - n],
            {"include_keywords": [f"topic{n % 50}"]},
        )


async def insert_rules(url: str, records: Iterable[tuple[Any, ...]]) -> int:
    rows = list(records)
    conn = await asyncpg.connect(url)
    try:
        await conn.copy_records_to_table("rules", records=rows, columns=RULE_COLUMNS)
    finally:
        await conn.close()
    return len(rows)


LINK_COLUMNS = (
    "rule_id",
    "source_chat_id",
    "source_message_id",
    "dest_chat_id",
    "dest_thread_id",
    "dest_message_id",
    "part",
    "created_at",
)


async def insert_links(url: str, count: int, rules: int, chunk: int = 20_000) -> int:
    """``count`` message links spread over rules 1..``rules`` (other chats' rules), by COPY."""
    now = time.time()

    def row(n: int) -> tuple[Any, ...]:
        rule = n % max(1, rules) + 1
        return (rule, OTHER_SOURCE_BASE - rule, 10 + n, OTHER_DEST_BASE - rule, 0, 20 + n, 0, now)

    conn = await asyncpg.connect(url)
    try:
        for start in range(0, count, chunk):
            rows = [row(n) for n in range(start, min(count, start + chunk))]
            await conn.copy_records_to_table("message_links", records=rows, columns=LINK_COLUMNS)
    finally:
        await conn.close()
    return count


async def count_rows(url: str, sql: str, *args: Any) -> int:
    conn = await asyncpg.connect(url)
    try:
        return int(await conn.fetchval(sql, *args))
    finally:
        await conn.close()


# -- the Telegram stand-in ----------------------------------------------------------------------


class StandInError(RuntimeError):
    pass


class StandIn:
    """The Telegram stand-in in a child process, driven through its control routes."""

    def __init__(
        self,
        tokens: Sequence[str] = (TOKEN,),
        *,
        flood: bool = True,
        latency_ms: int = 0,  # before each answer goes out, as real Telegram takes tens of ms
        module: str = "sandbox.telegram.standin",  # or one taking the same options
    ) -> None:
        self.tokens = tuple(tokens)
        self.flood = flood
        self.latency_ms = latency_ms
        self.module = module
        self.url = ""
        self.process: asyncio.subprocess.Process | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> str:
        args = [
            sys.executable,
            "-m",
            self.module,
            "--host",
            "127.0.0.1",
            "--port",
            "0",
        ]
        for token in self.tokens:
            args += ["--token", token]
        if not self.flood:
            args.append("--no-flood")
        if self.latency_ms:
            args += ["--latency-ms", str(self.latency_ms)]
        self.process = await asyncio.create_subprocess_exec(
            *args, cwd=ROOT, stdout=asyncio.subprocess.PIPE
        )
        assert self.process.stdout is not None
        line = (await asyncio.wait_for(self.process.stdout.readline(), 30)).decode()
        found = re.search(r"http://127\.0\.0\.1:\d+", line)
        if not found:
            await self.stop()
            raise StandInError(f"the Telegram stand-in did not start: {line!r}")
        self.url = found.group(0)
        self._session = aiohttp.ClientSession()
        return self.url

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
        process, self.process = self.process, None
        if process is None or process.returncode is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 10)
        except asyncio.TimeoutError:
            process.kill()
            await process.wait()

    async def __aenter__(self) -> StandIn:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    async def call(self, action: str, **kwargs: Any) -> Any:
        assert self._session is not None, "start the stand-in first"
        async with self._session.post(f"{self.url}/_sandbox/{action}", json=kwargs) as response:
            body = await response.json()
        if not body.get("ok"):
            raise StandInError(f"{action}: {body.get('error')}")
        return body.get("result")

    async def stats(self) -> dict[str, int]:
        return dict(await self.call("stats"))

    async def invalid_calls(self) -> int:
        return len(await self.call("invalid_calls"))

    async def channel(self, chat_id: int, title: str, admins: Iterable[int] = (BOT_ID,)) -> None:
        await self.call("add_chat", type="channel", title=title, chat_id=chat_id)
        for bot_id in admins:
            # notify=False: no my_chat_member updates queued in front of the measured backlog
            await self.call(
                "set_member",
                chat_id=chat_id,
                user_id=bot_id,
                status="administrator",
                notify=False,
                can_post_messages=True,
            )

    async def basic_world(self) -> None:
        """The owner and an alert chat, as the end-to-end tests set them up."""
        await self.call("add_user", user_id=OWNER, first_name="Olivia", username="olivia")
        await self.call("add_chat", type="supergroup", title="Alerts", chat_id=ALERTS)
        await self.call("set_member", chat_id=ALERTS, user_id=OWNER, status="creator", notify=False)
        await self.call("set_member", chat_id=ALERTS, user_id=BOT_ID, status="member", notify=False)

    async def post_many(self, chat_id: int, texts: Sequence[str], concurrency: int = 8) -> None:
        """Queue channel posts (order among concurrent ones is not kept; it does not matter)."""
        queue = iter(texts)

        async def feeder() -> None:
            for text in queue:
                await self.call("channel_post", chat_id=chat_id, text=text)

        await asyncio.gather(*(feeder() for _ in range(concurrency)))


# -- the bot ------------------------------------------------------------------------------------


def bot_settings(db_url: str, telegram_url: str) -> Settings:
    return standin_settings(TOKEN, OWNER, ALERTS, db_url, telegram_url)


@dataclass
class Started:
    app: BotApp
    startup_s: float  # from BotApp.run() to the start line (schema check, index load, …)
    at: float  # time.perf_counter() when it was up


@contextlib.asynccontextmanager
async def running_bot(settings: Settings, **options: Any) -> AsyncIterator[Started]:
    """The real bot in this process, as ``tests/e2e/conftest.py`` ``running()`` starts it; on
    leaving, stopped as SIGTERM would stop it."""
    from bot.app import BotApp  # here: aiogram alone is ~165 MB, a seeding child needs none of it

    app = BotApp(settings, handle_signals=False, **options)
    begin = time.perf_counter()
    task = asyncio.create_task(app.run())
    started = asyncio.create_task(app.started.wait())
    await asyncio.wait({task, started}, timeout=60, return_when=asyncio.FIRST_COMPLETED)
    if not app.started.is_set():
        started.cancel()
        if not task.done():
            app.request_stop()
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
            raise RuntimeError("the bot did not start within 60 s")
        raise RuntimeError(f"the bot did not start (exit code {task.result()})")
    up = time.perf_counter()
    try:
        yield Started(app, up - begin, up)
    finally:
        app.request_stop()
        try:
            code = await asyncio.wait_for(task, timeout=45)
        except asyncio.TimeoutError:
            say("the bot did not stop within 45 s")
        else:
            if code != 0:
                say(f"the bot exited with code {code}")


def bot_environment(url: str, telegram_url: str, limits: bool = True) -> dict[str, str]:
    """The environment of a ``python main.py`` dyno against the stand-in."""
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV", "PYTHONPATH"}
    env = {key: value for key, value in os.environ.items() if key in keep}
    env.update(
        TELEGRAM_BOT_TOKEN=TOKEN,
        OWNER_TELEGRAM_ID=str(OWNER),
        ADMIN_CHAT_ID=str(ALERTS),
        DATABASE_URL=url,
        TELEGRAM_API_URL=telegram_url,
        TELEGRAM_FLOOD_LIMITS="true" if limits else "false",
        GROQ_API_KEY="gsk_bench",
        LOG_LEVEL="INFO",
    )
    return env


START_LINE = "Bot started. Listening for messages..."  # bot.app.START_LINE, without importing it
PROCESS_LOGS = Path(tempfile.gettempdir()) / "forwarding-bench" / "processes"


class BotProcess:
    """One ``python main.py`` (a dyno), its output kept in a log file of its own."""

    def __init__(self, process: asyncio.subprocess.Process, log: Path) -> None:
        self.process = process
        self.log = log
        self._up = asyncio.Event()
        assert process.stdout is not None
        self._keeper = asyncio.create_task(self._keep(process.stdout))

    @classmethod
    async def start(cls, env: dict[str, str], label: str, timeout: float = 60.0) -> BotProcess:
        """Started, and up: its start line printed."""
        PROCESS_LOGS.mkdir(parents=True, exist_ok=True)
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "main.py",
            cwd=ROOT,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        bot = cls(process, PROCESS_LOGS / f"{label}.log")
        try:
            await asyncio.wait_for(bot._up.wait(), timeout)
        except asyncio.TimeoutError:
            await bot.stop()
            raise RuntimeError(f"bot process {label} did not start; see {bot.log}") from None
        return bot

    async def _keep(self, stream: asyncio.StreamReader) -> None:
        with self.log.open("wb") as log:
            while line := await stream.readline():
                log.write(line)
                if START_LINE.encode() in line:
                    self._up.set()

    @property
    def running(self) -> bool:
        return self.process.returncode is None

    def kill(self) -> None:
        self.process.kill()

    async def wait(self) -> int:
        code = await self.process.wait()
        await self._keeper
        return code

    async def stop(self, timeout: float = 45.0) -> int:
        """As Heroku stops a dyno: SIGTERM, SIGKILL if it does not end in time."""
        if self.running:
            self.process.send_signal(signal.SIGTERM)
        try:
            return await asyncio.wait_for(self.wait(), timeout)
        except asyncio.TimeoutError:
            self.kill()
            return await self.wait()


async def wait_for(check: Callable[[], bool], deadline: float, interval: float = 0.005) -> bool:
    """Poll a cheap ``check()`` (a counter of the bot's, which offers no event to wait on) until
    it is true (True) or ``time.perf_counter()`` passes ``deadline`` (False)."""
    while True:
        if check():
            return True
        if time.perf_counter() >= deadline:
            return False
        await asyncio.sleep(interval)
