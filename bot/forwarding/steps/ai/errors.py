"""What an AI step gets back from the client: an answer, or one of the two errors."""

from __future__ import annotations

from dataclasses import dataclass


class AiError(Exception):
    """An AI step could not produce an answer; ``reason`` is one line for the owner and the log."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class AiUnavailable(AiError):
    """Groq is unreachable, down or out of quota (after bounded retries), or not configured."""


class AiRejected(AiError):
    """Groq answered, but this post cannot be transformed as configured."""


@dataclass(frozen=True)
class AiAnswer:
    text: str
    model: str
    cached: bool
    prompt_tokens: int
    completion_tokens: int
