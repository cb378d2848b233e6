"""HTTP side of the Telegram stand-in: routes, request decoding, dispatch, records.

``POST|GET /bot<token>/<method>`` answers like api.telegram.org: parameters from
the query string and from an urlencoded, multipart or JSON body; the answer is
``{"ok": true, "result": ...}`` or ``{"ok": false, "error_code": N,
"description": "...", "parameters": {...}}`` with HTTP status N. Each call is
checked against the specification, may be failed on purpose (``fail_next``),
then goes to its handler. ``/_sandbox/<action>`` exposes the control API as
JSON for scripts in another process.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

# The handler modules register their methods in HANDLERS when imported.
from sandbox.telegram import messages as telegram_messages  # noqa: F401
from sandbox.telegram import methods as telegram_methods  # noqa: F401
from sandbox.telegram.api import HANDLERS, Answer, ApiError, CallContext
from sandbox.telegram.flood import FloodControl, FloodLimits
from sandbox.telegram.spec import UploadedFile, load_spec
from sandbox.telegram.state import TelegramState

log = logging.getLogger(__name__)

# Parameters naming the chat a ``fail_next(chat_id=...)`` fault is limited to.
_CHAT_PARAMS = ("chat_id", "from_chat_id")


@dataclass
class CallRecord:
    """One Bot API request as the stand-in saw and answered it."""

    method: str
    token: str
    raw_params: dict[str, Any]
    params: dict[str, Any] = field(default_factory=dict)
    api_method: str | None = None
    ok: bool = False
    error_code: int | None = None
    description: str | None = None
    result: Any = None
    spec_errors: list[str] = field(default_factory=list)
    spec_warnings: list[str] = field(default_factory=list)
    injected: bool = False
    unimplemented: bool = False
    started_at: float = field(default_factory=time.time)
    finished: bool = False

    def to_json(self) -> dict[str, Any]:
        def plain(value: Any) -> Any:
            if isinstance(value, UploadedFile):
                return {"file": value.filename, "size": value.size}
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list):
                return [plain(v) for v in value]
            return value

        return {
            "method": self.api_method or self.method,
            "params": plain(self.params or self.raw_params),
            "ok": self.ok,
            "error_code": self.error_code,
            "description": self.description,
            "spec_errors": self.spec_errors,
            "spec_warnings": self.spec_warnings,
            "injected": self.injected,
        }


@dataclass
class Fault:
    """A failure to answer instead of performing the next matching call(s)."""

    method: str
    error_code: int
    description: str
    count: int = 1
    retry_after: int | None = None
    chat_id: int | str | None = None
    parameters: dict[str, Any] | None = None

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        if self.method.lower() != method.lower():
            return False
        if self.chat_id is None:
            return True
        return any(str(params.get(key)) == str(self.chat_id) for key in _CHAT_PARAMS)


@dataclass
class Stats:
    """Counters of what the stand-in answered."""

    calls: int = 0
    errors: int = 0
    flood_refusals: int = 0
    injected_faults: int = 0
    responses_429: int = 0
    retry_after_total: int = 0


def token_error(token: str) -> tuple[int, str] | None:
    """The real server's refusal of a malformed token (``ClientManager::send``)."""
    if not token or token[0] == "0" or len(token) > 80 or "/" in token or ":" not in token:
        return 401, "Unauthorized: invalid token specified"
    bot_id = token.split(":", 1)[0]
    if not bot_id.isdigit():
        return 421, "Misdirected Request: unallowed token specified"
    if not 0 < int(bot_id) < 1 << 54:
        return 401, "Unauthorized: invalid token specified"
    return None


async def read_params(request: web.Request) -> dict[str, Any]:
    """Query string, then the body: urlencoded, multipart or JSON."""
    params: dict[str, Any] = dict(request.query)
    if request.method != "POST" or not request.can_read_body:
        return params
    if request.content_type == "application/json":
        body = await request.json()
        if isinstance(body, dict):
            params.update(body)
        return params
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            params[key] = UploadedFile(
                name=key,
                filename=value.filename,
                content_type=value.content_type,
                data=value.file.read(),
            )
        else:
            params[key] = value
    return params


class BotApiServer:
    """The aiohttp application answering Bot API requests for a :class:`TelegramState`."""

    def __init__(
        self,
        state: TelegramState,
        flood: FloodLimits,
        *,
        on_change: Callable[[], None],
        control: dict[str, Callable[..., Any]],
        clock: Callable[[], float] = time.monotonic,
        latency_s: float = 0.0,
    ) -> None:
        self.state = state
        self.latency_s = latency_s  # before each Bot API answer goes out, as over a network
        self.spec = load_spec()
        self.flood = FloodControl(flood, clock)
        self.calls: list[CallRecord] = []
        self.stats = Stats()
        self.faults: list[Fault] = []
        self._on_change = on_change
        self._control = control
        # More routes (path, handler) served beside the Bot API: the user-account API.
        self.extra_routes: list[tuple[str, Callable[[web.Request], Any]]] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    # -- lifecycle ------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{kind}/{file_id}", self._file)
        app.router.add_route("*", "/_sandbox/{action}", self._control_route)
        for path, handler in self.extra_routes:
            app.router.add_route("*", path, handler)
        return app

    async def start(self, host: str, port: int) -> str:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, host, port)
        await site.start()
        address = self._runner.addresses[0]
        self.url = f"http://{host}:{address[1]}"
        return self.url

    async def stop(self) -> None:
        for bot in self.state.bots.values():
            if bot.long_poll is not None:
                bot.long_poll.terminate("")
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # -- faults ---------------------------------------------------------------------------

    def fail_next(
        self,
        method: str,
        error_code: int,
        description: str | None = None,
        count: int = 1,
        retry_after: int | None = None,
        chat_id: int | str | None = None,
        parameters: dict[str, Any] | None = None,
    ) -> None:
        params = dict(parameters or {})
        if retry_after is not None:
            params["retry_after"] = int(retry_after)
        if description is None:
            if error_code == 429:
                description = f"Too Many Requests: retry after {retry_after or 1}"
                params.setdefault("retry_after", int(retry_after or 1))
            else:
                description = "Internal Server Error" if error_code >= 500 else "Bad Request"
        self.faults.append(
            Fault(method, error_code, description, count, retry_after, chat_id, params or None)
        )

    def _take_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        for fault in self.faults:
            if fault.matches(method, params):
                fault.count -= 1
                if fault.count <= 0:
                    self.faults.remove(fault)
                return fault
        return None

    # -- the Bot API ----------------------------------------------------------------------

    async def _file(self, request: web.Request) -> web.Response:
        """A file download, at the ``file_path`` getFile answered; 404 as Telegram answers for a
        file whose content the stand-in was never given."""
        if request.match_info["token"] not in self.state.bots:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        info = self.state.files.get(request.match_info["file_id"])
        if info is None or info.data is None or request.match_info["kind"] != f"{info.kind}s":
            return web.json_response(
                {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
            )
        return web.Response(body=info.data, content_type="application/octet-stream")

    async def _api(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        name = request.match_info["method"]
        try:
            raw = await read_params(request)
        except (ValueError, UnicodeDecodeError):
            raw = {}
            record = CallRecord(name, token, raw)
            self.calls.append(record)
            return self._finish(record, 400, "Bad Request: can't parse request body")
        record = CallRecord(name, token, raw)
        self.calls.append(record)
        self.stats.calls += 1
        try:
            response = await self._dispatch(record)
        finally:
            record.finished = True
            self._on_change()
        if self.latency_s:  # after the flood count: a call is counted when it arrives
            await asyncio.sleep(self.latency_s)
        return response

    async def _dispatch(self, record: CallRecord) -> web.Response:
        refusal = token_error(record.token)
        if refusal is not None:
            return self._finish(record, *refusal)
        bot = self.state.bots.get(record.token)
        if bot is None:
            return self._finish(record, 401, "Unauthorized")

        check = self.spec.check_call(record.method, record.raw_params)
        record.api_method = check.method
        record.params = check.params
        record.spec_warnings = check.warnings
        if check.error is not None:
            record.spec_errors = [check.error.description]
            return self._finish(record, check.error.error_code, check.error.description)
        assert check.method is not None

        fault = self._take_fault(check.method, check.params)
        if fault is not None:
            record.injected = True
            self.stats.injected_faults += 1
            return self._finish(record, fault.error_code, fault.description, fault.parameters)

        handler = HANDLERS.get(check.method)
        if handler is None:
            record.unimplemented = True
            return self._finish(
                record,
                500,
                f"Internal Server Error: {check.method} is not implemented by the Telegram stand-in",
            )
        ctx = CallContext(self.state, bot, self.flood, self._count_flood, self._on_change)
        try:
            result = handler(ctx, check.params)
            if inspect.isawaitable(result):
                result = await result
        except ApiError as exc:
            return self._finish(record, exc.error_code, exc.description, exc.parameters)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a bug in the stand-in: answer like a server error
            log.exception("telegram stand-in failed on %s", check.method)
            return self._finish(record, 500, f"Internal Server Error: {exc!r}")
        description = None
        if isinstance(result, Answer):
            result, description = result.result, result.description
        record.ok = True
        record.result = result
        body: dict[str, Any] = {"ok": True, "result": result}
        if description:
            body["description"] = description
        return web.json_response(body)

    def _count_flood(self, retry_after: int) -> None:
        self.stats.flood_refusals += 1

    def _finish(
        self,
        record: CallRecord,
        error_code: int,
        description: str,
        parameters: dict[str, Any] | None = None,
    ) -> web.Response:
        record.error_code = error_code
        record.description = description
        self.stats.errors += 1
        if error_code == 429:
            self.stats.responses_429 += 1
            self.stats.retry_after_total += int((parameters or {}).get("retry_after", 0))
        body: dict[str, Any] = {"ok": False, "error_code": error_code, "description": description}
        if parameters:
            body["parameters"] = parameters
        return web.json_response(body, status=error_code)

    # -- the control API over HTTP ----------------------------------------------------------

    async def _control_route(self, request: web.Request) -> web.Response:
        action = request.match_info["action"]
        target = self._control.get(action)
        if target is None:
            return web.json_response(
                {
                    "ok": False,
                    "error": f"unknown action {action!r}",
                    "actions": sorted(self._control),
                },
                status=404,
            )
        kwargs: dict[str, Any] = {}
        for key, value in request.query.items():
            try:
                kwargs[key] = json.loads(value)
            except ValueError:
                kwargs[key] = value
        if request.method == "POST" and request.can_read_body:
            try:
                body = await request.json()
            except ValueError:
                return web.json_response({"ok": False, "error": "body must be JSON"}, status=400)
            if isinstance(body, dict):
                kwargs.update(body)
        try:
            result = target(**kwargs)
            if inspect.isawaitable(result):
                result = await result
        except (ValueError, KeyError, TypeError, LookupError) as exc:
            return web.json_response({"ok": False, "error": str(exc)}, status=400)
        if isinstance(result, CallRecord):
            result = result.to_json()
        elif isinstance(result, list) and result and isinstance(result[0], CallRecord):
            result = [r.to_json() for r in result]
        return web.json_response({"ok": True, "result": result})
