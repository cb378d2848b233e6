"""What every step kind declares, and what a step is given and gives back when it runs.

A kind is a pydantic model (its stored settings; ``type`` is the discriminator) whose ``run`` does
the work and whose ``describe`` is its one line on the rule card and in the wizard. Its class
variables are its catalogue entry: label, icon, what the wizard asks (:class:`Ask`, plain data, no
Telegram markup) and an example of its settings.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, Protocol

from pydantic import BaseModel, ConfigDict

from bot.forwarding.post import Post
from bot.forwarding.steps.ai.errors import AiAnswer


@dataclass(frozen=True, slots=True)
class StepContext:
    """What the steps know about the source post."""

    source_chat_id: int
    source_title: str
    source_username: str | None  # None for a private chat
    message_id: int
    date: datetime  # of the post; a naive one is taken as UTC


class AiRunner(Protocol):
    """The AI client as the steps use it."""

    async def run(self, step: Any, post_html: str, *, model: str | None = None) -> AiAnswer: ...


@dataclass(frozen=True, slots=True)
class Env:
    """What a running step may use besides the text."""

    ctx: StepContext
    post: Post
    ai: AiRunner | None = None
    model: str | None = None
    allowed_links: Collection[str] | None = None  # None: the AI may add links


@dataclass(frozen=True, slots=True)
class Effect:
    """A step's result: the HTML after it (None: the post is filtered out) and what a preview
    shows for it."""

    html: str | None
    shown: str
    filtered_by: str | None = None
    ai_calls: int = 0

    @classmethod
    def kept(cls, html: str, ai_calls: int = 0) -> Effect:
        return cls(html=html, shown=html, ai_calls=ai_calls)


@dataclass(frozen=True, slots=True)
class Ask:
    """What the wizard asks to add a step. With no ``field`` the step is added at once."""

    field: str | None = None  # the setting asked for
    # The texts below may be lazy (``__``): str() them where they are shown.
    prompt: Any = ""  # what to type for it
    question: Any = ""  # above the choice buttons
    choices: tuple[str | int, ...] = ()
    # typed text → the step's settings; ValueError says what to send instead
    read: Callable[[str], dict[str, Any]] | None = None
    # the setting is the rule's own value of ``field`` (e.g. its filters); ``unset`` when it has none
    from_rule: bool = False
    unset: Any = ""

    def settings(self, text: str) -> dict[str, Any]:
        """The settings a typed answer gives."""
        if self.read is not None:
            return self.read(text)
        assert self.field is not None
        return {self.field: text.strip()}


class StepModel(BaseModel):
    """A step's stored settings. A kind is declared ``class Rewrite(AiStep, label="Rewrite",
    icon="✍️")``; it sets ``type``, ``run``, what the wizard asks and an example of its settings,
    and ``describe`` when it has settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    uses_ai: ClassVar[bool] = False
    # "Translate" (lazy, ``__``): the kind's name and (after the icon) the wizard's button
    label: ClassVar[Any]
    icon: ClassVar[str]
    ask: ClassVar[Ask] = Ask()
    example: ClassVar[Mapping[str, Any]] = {}  # valid settings besides ``type``, for the tests

    def __init_subclass__(cls, *, label: Any = "", icon: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if label:  # a kind (bases such as AiStep have no label)
            cls.label, cls.icon = label, icon

    @classmethod
    def type_name(cls) -> str:
        """The ``type`` that stored steps of this kind carry ("translate")."""
        return str(cls.model_fields["type"].default)

    @classmethod
    def button(cls) -> str:
        return f"{cls.icon} {cls.label}"

    def describe(self) -> str:
        """One plain-text line (the caller escapes it for HTML); by default the kind's label."""
        return str(self.label)

    async def run(self, html: str, env: Env) -> Effect:
        raise NotImplementedError


class TextStep(StepModel):
    """A step done here, exactly, on the visible text of Telegram HTML (tags are never matched)."""

    def apply(self, html: str, ctx: StepContext) -> str:
        raise NotImplementedError

    async def run(self, html: str, env: Env) -> Effect:
        return Effect.kept(self.apply(html, env.ctx))


def keep_text(field: str) -> Callable[[str], dict[str, Any]]:
    """A reader that keeps the typed text as written (a prompt, a template)."""
    return lambda text: {field: text}


def short(text: str, limit: int) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
