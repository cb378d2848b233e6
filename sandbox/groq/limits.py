"""Rate limits and errors of the Groq stand-in: the sliding windows behind the ``x-ratelimit-*``
headers and 429s, Groq's duration format, and its error body shape
``{"error": {"message", "type", "param"?, "code"?}}``. No I/O here."""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from typing import Any


def format_duration(seconds: float) -> str:
    """Groq's (Go's) duration format at millisecond precision: ``2m59.56s``, ``7.66s``, ``450ms``."""
    ms = max(0, round(seconds * 1000))
    if ms == 0:
        return "0s"
    if ms < 1000:
        return f"{ms}ms"
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs = f"{rest / 1000:.3f}".rstrip("0").rstrip(".")
    out = f"{hours}h" if hours else ""
    if hours or minutes:
        out += f"{minutes}m"
    return f"{out}{secs}s"


class SlidingWindow:
    """Amounts spent in the last ``window`` seconds against a ``limit`` (times are passed in)."""

    def __init__(self, limit: int, window: float) -> None:
        self.limit = limit
        self.window = window
        self._entries: deque[list[float]] = deque()  # [timestamp, amount], oldest first

    def _prune(self, now: float) -> None:
        while self._entries and self._entries[0][0] + self.window <= now:
            self._entries.popleft()

    def used(self, now: float) -> float:
        self._prune(now)
        return sum(amount for _, amount in self._entries)

    def remaining(self, now: float) -> int:
        return max(0, math.floor(self.limit - self.used(now)))

    def add(self, now: float, amount: float) -> list[float]:
        """Spend ``amount`` now; the returned entry may be adjusted later (``entry[1] = n``)."""
        entry = [now, float(amount)]
        self._entries.append(entry)
        return entry

    def wait_for_room(self, now: float, amount: float) -> float:
        """Seconds until ``amount`` more fits (0 if it fits now, ``inf`` if it never can)."""
        if amount > self.limit:
            return math.inf
        excess = self.used(now) + amount - self.limit
        if excess <= 0:
            return 0.0
        for stamp, spent in self._entries:
            excess -= spent
            if excess <= 0:
                return stamp + self.window - now
        return self.window  # unreachable while amount <= limit

    def reset_in(self, now: float) -> float:
        """Seconds until the window is back to its full limit (the newest entry leaves it)."""
        self._prune(now)
        return self._entries[-1][0] + self.window - now if self._entries else 0.0

    def clear(self) -> None:
        self._entries.clear()


@dataclass(frozen=True)
class Refusal:
    status: int  # 429, or 413 when the request alone exceeds the token budget
    body: dict[str, Any]
    retry_after: float | None  # seconds until it would fit


class RateLimiter:
    """Groq's two budgets, requests and tokens per window, and the headers that report them.

    A request is admitted when one more request and its prompt tokens fit; the caller then sets
    the returned entry's amount to the total tokens once the completion is known.
    """

    def __init__(self, requests: int, tokens: int, window: float = 60.0) -> None:
        self.requests = SlidingWindow(requests, window)
        self.tokens = SlidingWindow(tokens, window)

    def headers(self, now: float) -> dict[str, str]:
        return {
            "x-ratelimit-limit-requests": str(self.requests.limit),
            "x-ratelimit-limit-tokens": str(self.tokens.limit),
            "x-ratelimit-remaining-requests": str(self.requests.remaining(now)),
            "x-ratelimit-remaining-tokens": str(self.tokens.remaining(now)),
            "x-ratelimit-reset-requests": format_duration(self.requests.reset_in(now)),
            "x-ratelimit-reset-tokens": format_duration(self.tokens.reset_in(now)),
        }

    def admit(self, now: float, model: str, prompt_tokens: int) -> list[float] | Refusal:
        where = f"for model `{model}` in organization `org_standin` service tier `on_demand` on"
        need = prompt_tokens
        if self.tokens.wait_for_room(now, need) == math.inf:
            message = (
                f"Request too large {where} tokens per minute (TPM): Limit {self.tokens.limit}, "
                f"Requested {need}, please reduce your message size and try again."
            )
            return Refusal(413, error_body(message, "tokens", code="rate_limit_exceeded"), None)
        for window, label, kind, amount in (
            (self.requests, "requests per minute (RPM)", "requests", 1),
            (self.tokens, "tokens per minute (TPM)", "tokens", need),
        ):
            wait = window.wait_for_room(now, amount)
            if wait > 0:
                message = (
                    f"Rate limit reached {where} {label}: Limit {window.limit}, "
                    f"Used {math.ceil(window.used(now))}, Requested {amount}. "
                    f"Please try again in {format_duration(wait)}."
                )
                body = error_body(message, kind, code="rate_limit_exceeded")
                return Refusal(429, body, wait)
        self.requests.add(now, 1)
        return self.tokens.add(now, need)

    def clear(self) -> None:
        self.requests.clear()
        self.tokens.clear()


# ---------------------------------------------------------------------------------------------
# Error bodies


def error_body(
    message: str,
    type_: str = "invalid_request_error",
    *,
    code: str | None = None,
    param: str | None = None,
) -> dict[str, Any]:
    error: dict[str, Any] = {"message": message, "type": type_}
    if param is not None:
        error["param"] = param
    if code is not None:
        error["code"] = code
    return {"error": error}


_FAULT_MESSAGES = {
    500: ("Internal Server Error", "internal_server_error", None),
    502: ("Bad Gateway", "internal_server_error", None),
    503: ("Service Unavailable", "internal_server_error", "service_unavailable"),
    504: ("Gateway Timeout", "internal_server_error", None),
}


def fault_body(status: int, model: str = "openai/gpt-oss-20b") -> dict[str, Any]:
    """The body of an injected failure with HTTP ``status``."""
    if status == 429:
        return error_body(
            f"Rate limit reached for model `{model}` in organization `org_standin` service tier "
            "`on_demand` on requests per minute (RPM): Limit 30, Used 30, Requested 1. "
            "Please try again in 1s. (injected by the Groq stand-in)",
            "requests",
            code="rate_limit_exceeded",
        )
    message, type_, code = _FAULT_MESSAGES.get(
        status,
        (
            f"Error {status} (injected by the Groq stand-in)",
            "internal_server_error" if status >= 500 else "invalid_request_error",
            None,
        ),
    )
    return error_body(message, type_, code=code)
