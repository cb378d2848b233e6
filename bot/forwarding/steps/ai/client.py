"""The Groq client of the AI steps: one :class:`AiClient` per process.

``run(step, post_html)`` returns the transformed text, or raises :class:`AiUnavailable` (Groq is
down, overloaded or unreachable after bounded retries: the rule's failure policy applies) or
:class:`AiRejected` (Groq answered but this post cannot be transformed as configured: bad request,
unknown model, post too long, answer too long).

Decisions:

* The SDK's own retries are off (``max_retries=0``): the loop here is the only one, so attempts are
  bounded by ``max_attempts`` and never stacked. Like the SDK, it prefers ``retry-after-ms`` to
  ``retry-after`` and obeys ``x-should-retry``.
* 429: wait ``retry-after`` and retry; the wait also pauses every other call of the process. A
  wait longer than ``max_wait`` (60 s) is not slept through: the call fails at once with
  AiUnavailable, and so do the next ones until that time (a daily quota can reset hours later).
* 5xx, 408, 409, timeouts, connection errors: backoff 0.5 s, 1 s, 2 s (±25 % jitter).
  401/403 (a bad or revoked key) are AiUnavailable without retry: it is an outage of the whole
  deployment the owner must fix, not something wrong with one post. Other 4xx (and 413, a request
  above the token budget) are AiRejected at once.
* Pacing from the ``x-ratelimit-*`` headers: see ``pacing``. Cache and single flight: ``flights``.
* Reasoning models: gpt-oss gets ``reasoning_effort="low"`` and ``include_reasoning=False``;
  qwen3 accepts only ``none``/``default`` as effort on Groq, so it gets ``reasoning_effort="none"``
  and ``reasoning_format="hidden"`` (mutually exclusive with include_reasoning). Only
  ``message.content`` is ever read, without any leading ``<think>…</think>`` block.
* An answer cut by ``finish_reason="length"`` or empty is retried once with twice the budget
  (that extra request is on top of ``max_attempts``), then AiRejected. An AI filter's answer cut
  after its yes or no is kept.
* Without an API key every run raises AiUnavailable("no GROQ_API_KEY"); that is configuration, not
  an outage: no outage callback, ``down`` stays False, ``configured`` is False.
* Counters for /status: ``calls`` (requests sent), ``failures`` (requests that failed),
  ``cache_hits`` (answers served without a request: cache hits and shared flights).
* An answer's ``prompt_tokens`` / ``completion_tokens`` are Groq's ``usage`` of every request it
  took (both of a retried truncated answer); a cached or shared answer carries the tokens of the
  request that made it, with ``cached=True``.
* ``chat_models()``: the chat models Groq lists, cached an hour (``listing``); AiUnavailable when
  Groq can't say.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, cast

import groq

from bot.forwarding.steps.ai.errors import AiAnswer, AiRejected, AiUnavailable
from bot.forwarding.steps.ai.flights import Flights
from bot.forwarding.steps.ai.listing import ModelList
from bot.forwarding.steps.ai.pacing import Pacer, TooLong, retry_after
from bot.forwarding.steps.prompts import AiStep, build_messages, fingerprint, parse_yes_no
from bot.runtime.logging import get_logger

log = get_logger(__name__)

REASONING_PREFIXES = ("openai/gpt-oss", "qwen/qwen3")
MAX_BUDGET = 8192  # max_completion_tokens of a first attempt
MAX_RETRY_BUDGET = 16384  # ... and of the one retry after a truncated answer
REASONING_ROOM = 1024
DEFAULT_BACKOFF = (0.5, 1.0, 2.0)

_THINK = re.compile(r"^\s*<think>.*?(?:</think>\s*|$)", re.DOTALL | re.IGNORECASE)


class _Failed(Exception):
    """One request failed; ``retry`` says whether another attempt may help."""

    def __init__(self, reason: str, *, retry: bool = True, wait: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry = retry
        self.wait = wait


@dataclass
class _Reply:
    text: str
    finish_reason: str
    prompt_tokens: int
    completion_tokens: int


@dataclass(frozen=True, slots=True)
class _Request:
    """One chat completion to ask for: ``budget`` caps the answer's tokens, ``estimate`` is the
    prompt's (for pacing)."""

    model: str
    messages: list[dict[str, str]]
    budget: int
    estimate: int
    temperature: float

    def params(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "messages": cast(Any, self.messages),
            "max_completion_tokens": self.budget,
            "temperature": self.temperature,
            **reasoning_params(self.model),
        }


def is_reasoning_model(model: str) -> bool:
    return model.startswith(REASONING_PREFIXES)


def reasoning_params(model: str) -> dict[str, Any]:
    """The reasoning parameters Groq accepts for ``model`` (none for other models)."""
    if model.startswith("openai/gpt-oss"):
        return {"reasoning_effort": "low", "include_reasoning": False}
    if model.startswith("qwen/qwen3"):
        return {"reasoning_effort": "none", "reasoning_format": "hidden"}
    return {}


def estimate_tokens(text: str) -> int:
    """A rough, generous token count (about three characters a token)."""
    return (len(text) + 2) // 3


def completion_budget(step: AiStep, post_html: str, model: str) -> int:
    """``max_completion_tokens`` for a first attempt: the answer's likely size plus room."""
    need = step.answer_tokens(estimate_tokens(post_html))
    if is_reasoning_model(model):
        need += REASONING_ROOM
    return min(need, MAX_BUDGET)


def strip_reasoning(content: str) -> str:
    """``content`` without a leading ``<think>…</think>`` block (all of it if never closed)."""
    return _THINK.sub("", content, count=1)


def _error_reason(exc: groq.APIStatusError) -> str:
    body = exc.body
    detail: Any = body.get("error", body) if isinstance(body, dict) else body
    message = code = None
    if isinstance(detail, dict):
        message, code = detail.get("message"), detail.get("code")
    elif isinstance(detail, str):
        message = detail
    text = f"Groq answered {exc.status_code}"
    if code:
        text += f" ({code})"
    if message:
        flat = " ".join(str(message).split())
        text += ": " + (flat if len(flat) <= 300 else flat[:299] + "…")
    return text


class AiClient:
    """Runs AI steps on Groq with caching, single flight, pacing, bounded retries."""

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str | None,
        default_model: str,
        timeout: float = 30.0,
        max_attempts: int = 3,
        concurrency: int = 16,
        cache_size: int = 2048,
        clock: Callable[[], float] = time.monotonic,
        on_outage_start: Callable[[str], Awaitable[None]] | None = None,
        on_outage_end: Callable[[float], Awaitable[None]] | None = None,
        backoff: Sequence[float] = DEFAULT_BACKOFF,
        max_wait: float = 60.0,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.default_model = default_model
        self.timeout = timeout
        self.max_attempts = max_attempts
        self.backoff = tuple(backoff) or DEFAULT_BACKOFF
        self.max_wait = max_wait
        self._key = api_key or None
        self._clock = clock
        self._on_outage_start = on_outage_start
        self._on_outage_end = on_outage_end
        self._sdk: groq.AsyncGroq | None = None
        if self._key is not None:
            self._sdk = groq.AsyncGroq(
                api_key=self._key, base_url=base_url, max_retries=0, timeout=timeout
            )
        self._semaphore = asyncio.Semaphore(concurrency)
        self._flights = Flights(cache_size)
        self._pacer = Pacer(clock)
        self._models = ModelList(self._list_models, clock)
        self._closed = False
        self._down = False
        self._down_since = 0.0
        self.calls = 0
        self.failures = 0

    @property
    def configured(self) -> bool:
        return self._sdk is not None

    @property
    def down(self) -> bool:
        """True from the first AiUnavailable after a success until the next success."""
        return self._down

    @property
    def cache_hits(self) -> int:
        return self._flights.hits

    async def run(self, step: AiStep, post_html: str, *, model: str | None = None) -> AiAnswer:
        """Apply ``step`` to ``post_html`` (Telegram HTML); see the module doc for the errors."""
        if self._sdk is None:
            raise AiUnavailable("no GROQ_API_KEY")
        if self._closed:
            raise AiUnavailable("the AI client is closed")
        chosen = model or self.default_model
        key = (fingerprint(step, chosen), post_html)
        return await self._flights.answer(key, lambda: self._fly(step, post_html, chosen))

    async def chat_models(self) -> tuple[str, ...]:
        """The ids of the chat models Groq lists, sorted; AiUnavailable when Groq can't say."""
        if self._sdk is None:
            raise AiUnavailable("no GROQ_API_KEY")
        return await self._models.get()

    async def _list_models(self) -> list[Any]:
        assert self._sdk is not None
        try:
            listed = await asyncio.wait_for(self._sdk.models.list(), self.timeout + 5.0)
        except groq.APIStatusError as exc:
            raise AiUnavailable(self._redact(_error_reason(exc))) from None
        except (groq.APIError, asyncio.TimeoutError):
            raise AiUnavailable("cannot reach Groq") from None
        return list(listed.data)

    async def close(self) -> None:
        """Cancel flights in progress and close the HTTP client. Idempotent."""
        self._closed = True
        await self._flights.cancel()
        if self._sdk is not None:
            await self._sdk.close()

    async def _fly(self, step: AiStep, post_html: str, model: str) -> AiAnswer:
        messages = build_messages(step, post_html)
        request = _Request(
            model=model,
            messages=messages,
            budget=completion_budget(step, post_html, model),
            estimate=sum(estimate_tokens(m["content"]) for m in messages),
            temperature=0.0 if step.verdict else 0.3,
        )
        grown = False
        spent = (0, 0)
        while True:
            try:
                reply = await self._request(request)
            except AiUnavailable as exc:
                await self._outage_started(exc.reason)
                raise
            await self._outage_ended()
            spent = (spent[0] + reply.prompt_tokens, spent[1] + reply.completion_tokens)
            text = strip_reasoning(reply.text).strip()
            truncated = reply.finish_reason == "length"
            if truncated and step.verdict and parse_yes_no(text) is not None:
                truncated = False  # the verdict came first; the rest is only an explanation
            if truncated or not text:
                bigger = min(request.budget * 2, MAX_RETRY_BUDGET)
                if not grown and bigger > request.budget:
                    grown, request = True, replace(request, budget=bigger)
                    log.info("groq_answer_truncated", model=model, budget=bigger)
                    continue
                reason = "answer too long" if truncated else "empty answer"
                log.warning("groq_rejected", model=model, reason=reason)
                raise AiRejected(reason)
            return AiAnswer(
                text=text,
                model=model,
                cached=False,
                prompt_tokens=spent[0],
                completion_tokens=spent[1],
            )

    async def _request(self, request: _Request) -> _Reply:
        failed: _Failed | None = None
        for attempt in range(1, self.max_attempts + 1):
            try:
                return await self._send(request)
            except _Failed as exc:
                failed = exc
            if not failed.retry or attempt >= self.max_attempts:
                break
            wait = failed.wait if failed.wait is not None else self._backoff(attempt)
            log.warning(
                "groq_retry",
                model=request.model,
                attempt=attempt,
                wait_s=round(wait, 3),
                reason=failed.reason,
            )
            await asyncio.sleep(wait)
        assert failed is not None
        raise AiUnavailable(self._redact(failed.reason))

    def _backoff(self, attempt: int) -> float:
        base = self.backoff[min(attempt - 1, len(self.backoff) - 1)]
        return base * random.uniform(0.75, 1.25)

    async def _send(self, request: _Request) -> _Reply:
        assert self._sdk is not None
        async with self._semaphore:
            try:
                await self._pacer.pace(request.estimate, self.max_wait)
            except TooLong as exc:
                raise _Failed(str(exc), retry=False) from None
            self.calls += 1
            self._pacer.spend(request.estimate)
            create = self._sdk.chat.completions.with_raw_response.create
            try:
                raw = await asyncio.wait_for(create(**request.params()), self.timeout + 5.0)
                completion = await raw.parse()
            except groq.APIStatusError as exc:
                self.failures += 1
                self._pacer.note(exc.response.headers)
                raise self._classify(exc) from None
            except (groq.APITimeoutError, asyncio.TimeoutError):
                self.failures += 1
                raise _Failed(f"Groq did not answer within {self.timeout:g} s") from None
            except groq.APIConnectionError:
                self.failures += 1
                raise _Failed("cannot reach Groq (connection error)") from None
            except groq.APIError as exc:  # e.g. an answer that does not parse
                self.failures += 1
                raise _Failed(f"Groq sent an unusable answer ({type(exc).__name__})") from None
            self._pacer.note(raw.headers)
        if not completion.choices:
            return _Reply("", "stop", 0, 0)
        choice = completion.choices[0]
        usage = completion.usage
        return _Reply(
            text=choice.message.content or "",
            finish_reason=str(choice.finish_reason),
            prompt_tokens=usage.prompt_tokens if usage else 0,
            completion_tokens=usage.completion_tokens if usage else 0,
        )

    def _classify(self, exc: groq.APIStatusError) -> Exception:
        status = exc.status_code
        reason = self._redact(_error_reason(exc))
        headers = exc.response.headers
        should = headers.get("x-should-retry")
        if status == 429:
            wait = retry_after(headers)
            if wait is None:
                wait = self._backoff(1)
            self._pacer.pause(wait)
            if wait > self.max_wait:
                return _Failed(f"{reason} (retry in {wait:.0f} s)", retry=False)
            return _Failed(reason, wait=wait)
        if status in (401, 403):
            return _Failed(reason, retry=False)
        transient = status >= 500 or status in (408, 409)
        if should == "true" or (transient and should != "false"):
            return _Failed(reason)
        if transient:
            return _Failed(reason, retry=False)
        log.warning("groq_rejected", status=status, reason=reason)
        return AiRejected(reason)

    async def _outage_started(self, reason: str) -> None:
        if self._down:
            return
        self._down, self._down_since = True, self._clock()
        log.warning("groq_outage_start", reason=reason)
        await self._notify(self._on_outage_start, reason)

    async def _outage_ended(self) -> None:
        if not self._down:
            return
        self._down = False
        duration = max(0.0, self._clock() - self._down_since)
        log.info("groq_outage_end", duration_s=round(duration, 1))
        await self._notify(self._on_outage_end, duration)

    async def _notify(self, callback: Callable[[Any], Awaitable[None]] | None, value: Any) -> None:
        if callback is None:
            return
        try:
            await callback(value)
        except Exception:
            log.exception("groq_outage_callback_failed")

    def _redact(self, text: str) -> str:
        return text.replace(self._key, "<redacted>") if self._key else text
