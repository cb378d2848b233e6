"""A Groq API stand-in on loopback (aiohttp) for tests, benchmarks and the offline demo.

Point the official SDK at it: ``AsyncGroq(api_key="gsk_test", base_url=standin.base_url)``; the SDK
appends ``/openai/v1/...`` to the server root. Replies are a pure function of the request (the
TASK-line protocol is documented in :mod:`sandbox.groq.logic`), so tests can predict them.

Routes: ``POST /openai/v1/chat/completions``, ``GET /openai/v1/models``,
``GET /openai/v1/models/{id}``; anything else answers 404 ``unknown_url``.

Order of checks on a chat completion (every call is recorded first):
outage (503) → injected faults (``fail_next``) → hangs (``hang_next`` / ``set_hanging``) →
``Authorization: Bearer`` key (401 ``invalid_api_key``) → body validation (400; unknown model 404
``model_not_found``; prompt + max tokens above ``context_window`` 400 ``context_length_exceeded``)
→ rate limits (429 ``rate_limit_exceeded`` with ``retry-after``; 413 when one request alone exceeds
the token budget) → ``latency`` → the reply. Every response carries the six ``x-ratelimit-*``
headers; ``reset-*`` is the time until that window is back to its full limit.

Reasoning models (``reasoning_models``, by default gpt-oss and qwen3) spend
``count_tokens(reasoning_text(request))`` completion tokens on reasoning before the answer, unless
``reasoning_effort="none"``; those tokens count against ``max_completion_tokens`` / ``max_tokens``
first, as on Groq. The text comes back in ``message.reasoning`` (never in ``content``) when
``reasoning_format="parsed"`` or ``include_reasoning=true``, or by default on ``openai/gpt-oss-*``;
``"raw"`` and ``"hidden"`` return none. Not implemented: ``stream=true`` (400
``unsupported_by_standin``), ``n`` > 1, tools and JSON mode (accepted and ignored), other endpoints.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import inspect
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from aiohttp import web

from sandbox.groq.limits import (
    RateLimiter,
    Refusal,
    error_body,
    fault_body,
)
from sandbox.groq.logic import (
    DEFAULT_MODELS,
    REASONING_MODELS,
    Params,
    build_completion,
    default_responder,
    model_card,
    reasoning_text,
    validate_request,
)
from sandbox.serving import serve_until_signalled

__all__ = [
    "DEFAULT_MODELS",
    "REASONING_MODELS",
    "GroqStandIn",
    "RecordedRequest",
    "default_responder",
    "reasoning_text",
]

log = logging.getLogger("sandbox.groq.server")

_CHAT_PATH = "/openai/v1/chat/completions"

Responder = Callable[[dict[str, Any]], "str | Awaitable[str]"]


@dataclass
class RecordedRequest:
    """One chat-completions call as the stand-in saw it."""

    body: dict[str, Any] | None  # the parsed JSON body; None if it was not a JSON object
    headers: dict[str, str]  # request headers, the Authorization value replaced by "<redacted>"
    key_valid: bool  # whether the bearer key was one of ``api_keys``
    received_at: float  # time.monotonic()
    status: int | None = None  # HTTP status answered; None while in flight or if never answered
    usage: dict[str, Any] | None = None  # the ``usage`` of the completion answered (200 only)


@dataclass
class _Fault:
    status: int
    retry_after: float | None
    should_retry: bool | None


def _json(status: int, body: dict[str, Any], headers: dict[str, str]) -> web.Response:
    return web.json_response(body, status=status, headers=headers)


def _bearer_key(request: web.Request) -> str:
    auth = request.headers.get("Authorization", "")
    return auth[7:].strip() if auth[:7].lower() == "bearer " else ""


class GroqStandIn:
    """The server. Configure at construction; steer at run time with the public attributes."""

    def __init__(
        self,
        *,
        api_keys: Iterable[str] = ("gsk_test",),
        models: Iterable[str] = DEFAULT_MODELS,
        reasoning_models: Iterable[str] = REASONING_MODELS,
        context_window: int = 131_072,
        max_completion_tokens: int = 65_536,
        requests_per_minute: int = 1_000,
        tokens_per_minute: int = 1_000_000,
        window_seconds: float = 60.0,
        latency: float = 0.0,
        responder: Responder | None = None,
    ) -> None:
        self.api_keys = set(api_keys)
        self.models = list(models)
        self.reasoning_models = frozenset(reasoning_models)
        self.context_window = context_window
        self.max_completion_tokens = max_completion_tokens
        self.latency = latency
        self.responder: Responder = responder or default_responder
        self.requests: list[RecordedRequest] = []
        self.rate_limits = RateLimiter(requests_per_minute, tokens_per_minute, window_seconds)
        self._faults: deque[_Fault] = deque()
        self._outage = False
        self._hang_count = 0
        self._hang_all = False
        self._hanging = 0
        self._changed = asyncio.Event()
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._base_url: str | None = None

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> str:
        """Listen on ``host:port`` (0 = any free port); returns :attr:`base_url`."""
        if self._runner is not None:
            raise RuntimeError("the Groq stand-in is already running")
        self._closing = asyncio.Event()
        self._changed = asyncio.Event()
        app = web.Application()
        app.router.add_post(_CHAT_PATH, self._chat)
        app.router.add_get("/openai/v1/models", self._list_models)
        app.router.add_get("/openai/v1/models/{model:.+}", self._get_model)
        app.router.add_route("*", "/{tail:.*}", self._unknown)
        # handler_cancellation: a client that gives up cancels its handler, so nothing lingers.
        runner = web.AppRunner(
            app, handler_cancellation=True, shutdown_timeout=2.0, access_log=None
        )
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        bound_port = runner.addresses[0][1] if runner.addresses else port
        shown = f"[{host}]" if ":" in host else host
        self._base_url = f"http://{shown}:{bound_port}"
        return self._base_url

    async def stop(self) -> None:
        """Release held requests (they answer 503) and close the server. Idempotent."""
        self._closing.set()
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def __aenter__(self) -> GroqStandIn:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """The server root, e.g. ``http://127.0.0.1:PORT``: what GROQ_BASE_URL should be."""
        if self._base_url is None:
            raise RuntimeError("the Groq stand-in has not been started")
        return self._base_url

    # -- steering -------------------------------------------------------------------------------

    def fail_next(
        self,
        status: int = 500,
        count: int = 1,
        retry_after: float | None = None,
        *,
        should_retry: bool | None = None,
    ) -> None:
        """Answer the next ``count`` chat calls with ``status`` in Groq's error format.

        ``retry_after`` (seconds) sends ``retry-after`` (rounded up to whole seconds) and, when it
        is fractional, ``retry-after-ms`` too (which the SDK prefers); a 429 without it sends
        ``retry-after: 1``. ``should_retry`` sends ``x-should-retry: true|false``.
        """
        if not 400 <= status <= 599:
            raise ValueError(f"status must be an HTTP error code, not {status}")
        if status == 429 and retry_after is None:
            retry_after = 1.0
        for _ in range(count):
            self._faults.append(_Fault(status, retry_after, should_retry))

    def set_outage(self, on: bool) -> None:
        """While on, every chat call answers 503."""
        self._outage = on

    def hang_next(self, count: int = 1) -> None:
        """The next ``count`` chat calls never answer (until the client gives up or stop())."""
        self._hang_count += count

    def set_hanging(self, on: bool) -> None:
        """Timeout mode: while on, every new chat call hangs like :meth:`hang_next`."""
        self._hang_all = on

    @property
    def hanging(self) -> int:
        """How many requests are being held right now."""
        return self._hanging

    @property
    def count(self) -> int:
        """How many chat-completion calls arrived (answered or not)."""
        return len(self.requests)

    @property
    def bodies(self) -> list[dict[str, Any] | None]:
        return [r.body for r in self.requests]

    def reset(self) -> None:
        """Forget recorded calls, pending faults and hangs, the outage and the rate windows."""
        self.requests.clear()
        self._faults.clear()
        self._outage = self._hang_all = False
        self._hang_count = 0
        self.rate_limits.clear()
        self._signal()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until ``predicate()`` is true; re-checked whenever a call arrives or finishes.

        Raises :class:`TimeoutError` after ``timeout`` seconds.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"condition not met within {timeout} s")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    def _signal(self) -> None:
        # An Event swap rather than a Condition: it can be fired synchronously, even from the
        # ``finally`` of a handler being cancelled.
        self._changed.set()
        self._changed = asyncio.Event()

    def _rate_headers(self) -> dict[str, str]:
        return self.rate_limits.headers(time.monotonic())

    # -- handlers -------------------------------------------------------------------------------

    async def _chat(self, request: web.Request) -> web.Response:
        headers = {
            k: ("<redacted>" if k.lower() == "authorization" else v)
            for k, v in request.headers.items()
        }
        key = _bearer_key(request)
        raw = await request.read()
        body: Any
        try:
            body = await request.json() if raw else None
        except ValueError:
            body = None
        record = RecordedRequest(
            body=body if isinstance(body, dict) else None,
            headers=headers,
            key_valid=key in self.api_keys,
            received_at=time.monotonic(),
        )
        self.requests.append(record)
        self._signal()
        try:
            response = await self._answer(record)
            record.status = response.status
            return response
        finally:
            self._signal()

    async def _answer(self, record: RecordedRequest) -> web.Response:
        if self._outage:
            return self._fault_response(_Fault(503, None, None), record)
        if self._faults:
            return self._fault_response(self._faults.popleft(), record)
        if self._hang_all or self._hang_count > 0:
            if not self._hang_all:
                self._hang_count -= 1
            self._hanging += 1
            self._signal()
            try:
                await self._closing.wait()
            finally:
                self._hanging -= 1
            return self._stopping()
        if not record.key_valid:
            return _json(
                401,
                error_body("Invalid API Key", code="invalid_api_key"),
                self._rate_headers(),
            )
        checked = validate_request(
            record.body,
            models=self.models,
            reasoning_models=self.reasoning_models,
            context_window=self.context_window,
            max_completion_tokens=self.max_completion_tokens,
        )
        if not isinstance(checked, Params):
            status, error = checked
            return _json(status, error, self._rate_headers())
        admitted = self.rate_limits.admit(time.monotonic(), checked.model, checked.prompt_tokens)
        if isinstance(admitted, Refusal):
            headers = self._rate_headers()
            if admitted.retry_after is not None:
                headers["retry-after"] = str(max(1, math.ceil(admitted.retry_after)))
            return _json(admitted.status, admitted.body, headers)
        if self.latency > 0:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._closing.wait(), self.latency)
            if self._closing.is_set():
                return self._stopping()
        assert record.body is not None
        try:
            content = self.responder(record.body)
            if inspect.isawaitable(content):
                content = await content
        except Exception as exc:
            log.exception("Groq stand-in responder failed")
            return _json(
                500,
                error_body(f"stand-in responder failed: {exc!r}", "internal_server_error"),
                self._rate_headers(),
            )
        completion = build_completion(record.body, checked, str(content))
        admitted[1] = completion["usage"]["total_tokens"]
        record.usage = completion["usage"]
        headers = self._rate_headers()
        headers["x-request-id"] = completion["x_groq"]["id"]
        return _json(200, completion, headers)

    def _stopping(self) -> web.Response:
        return _json(
            503,
            error_body("the Groq stand-in is shutting down", "internal_server_error"),
            self._rate_headers(),
        )

    def _fault_response(self, fault: _Fault, record: RecordedRequest) -> web.Response:
        model = str((record.body or {}).get("model") or "openai/gpt-oss-20b")
        headers = self._rate_headers()
        if fault.retry_after is not None:
            headers["retry-after"] = str(max(0, math.ceil(fault.retry_after)))
            if fault.retry_after != int(fault.retry_after):
                headers["retry-after-ms"] = str(round(fault.retry_after * 1000))
        if fault.should_retry is not None:
            headers["x-should-retry"] = "true" if fault.should_retry else "false"
        return _json(fault.status, fault_body(fault.status, model), headers)

    def _check_key(self, request: web.Request) -> web.Response | None:
        if _bearer_key(request) in self.api_keys:
            return None
        return _json(
            401, error_body("Invalid API Key", code="invalid_api_key"), self._rate_headers()
        )

    async def _list_models(self, request: web.Request) -> web.Response:
        denied = self._check_key(request)
        if denied is not None:
            return denied
        data = [model_card(m, self.context_window, self.max_completion_tokens) for m in self.models]
        return _json(200, {"object": "list", "data": data}, self._rate_headers())

    async def _get_model(self, request: web.Request) -> web.Response:
        denied = self._check_key(request)
        if denied is not None:
            return denied
        model = request.match_info["model"]
        if model not in self.models:
            message = f"The model `{model}` does not exist or you do not have access to it."
            return _json(404, error_body(message, code="model_not_found"), self._rate_headers())
        card = model_card(model, self.context_window, self.max_completion_tokens)
        return _json(200, card, self._rate_headers())

    async def _unknown(self, request: web.Request) -> web.Response:
        message = (
            f"Unknown request URL: {request.method} {request.path}. "
            "Please check the URL for typos, or see the docs at https://console.groq.com/docs/"
        )
        return _json(404, error_body(message, code="unknown_url"), self._rate_headers())


# -- standalone --------------------------------------------------------------------------------


async def _serve(args: argparse.Namespace) -> None:
    standin = GroqStandIn(
        api_keys=args.key or ["gsk_test"],
        requests_per_minute=args.rpm,
        tokens_per_minute=args.tpm,
        context_window=args.context_window,
        latency=args.latency,
    )
    url = await standin.start(args.host, args.port)
    print(f"Groq stand-in listening on {url} (GROQ_BASE_URL={url})", flush=True)
    await serve_until_signalled(standin.stop)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m sandbox.groq.server", description="A Groq API stand-in on loopback."
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8082, help="0 picks a free port")
    parser.add_argument(
        "--key", action="append", help="accepted API key (repeatable; default gsk_test)"
    )
    parser.add_argument(
        "--rpm", type=int, default=1_000, help="requests per minute (Groq free tier: 30)"
    )
    parser.add_argument(
        "--tpm", type=int, default=1_000_000, help="tokens per minute (free tier: 8000)"
    )
    parser.add_argument("--context-window", type=int, default=131_072)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to each answer")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
