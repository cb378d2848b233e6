"""The models a rule may choose: those Groq lists that can chat, fetched once an hour.

Groq's ``GET /openai/v1/models`` also lists speech-to-text (whisper), text-to-speech (``*-tts``,
orpheus), safety classifiers (llama-guard, prompt-guard, gpt-oss-safeguard) and embeddings; none
of them can rewrite a post, so any id containing one of :data:`NOT_CHAT` is left out, and so is a
model Groq marks ``active: false``. A failed fetch is not cached: the next ask tries again.

A model is named in callback data by :func:`model_key`, a short hash of its id (ids can be longer
than Telegram's 64 bytes of callback data).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

LIST_TTL_S = 3600.0
NOT_CHAT = ("whisper", "tts", "orpheus", "guard", "embed")


def is_chat_model(model_id: str, *, active: object = True) -> bool:
    name = model_id.lower()
    return active is not False and not any(marker in name for marker in NOT_CHAT)


def chat_models(cards: Sequence[Any]) -> tuple[str, ...]:
    """The ids of the chat models among Groq's model cards, sorted, each once."""
    ids = {
        card.id for card in cards if is_chat_model(card.id, active=getattr(card, "active", True))
    }
    return tuple(sorted(ids))


def model_key(model_id: str) -> str:
    """Ten hex digits naming ``model_id`` in a button."""
    return hashlib.blake2b(model_id.encode(), digest_size=5).hexdigest()


def find_model(models: Sequence[str], key: str) -> str | None:
    """The model of ``models`` that ``key`` names, if any."""
    return next((model for model in models if model_key(model) == key), None)


class ModelList:
    """Groq's chat models, cached ``ttl`` seconds; concurrent askers share one fetch."""

    def __init__(
        self,
        fetch: Callable[[], Awaitable[Sequence[Any]]],
        clock: Callable[[], float],
        ttl: float = LIST_TTL_S,
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self.ttl = ttl
        self._models: tuple[str, ...] | None = None
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    def _fresh(self) -> tuple[str, ...] | None:
        if self._models is not None and self._clock() - self._fetched_at < self.ttl:
            return self._models
        return None

    async def get(self) -> tuple[str, ...]:
        """The chat models; whatever ``fetch`` raises when they are not cached."""
        fresh = self._fresh()
        if fresh is not None:
            return fresh
        async with self._lock:
            fresh = self._fresh()
            if fresh is not None:
                return fresh
            models = chat_models(await self._fetch())
            self._models, self._fetched_at = models, self._clock()
            return models
