"""The step catalogue: every transform step kind, registered once.

A kind is one model class in a module under ``kinds/`` (its settings, label, icon, what the wizard
asks, its one-line description and how it runs); adding one is that module plus one line in
:data:`KINDS`.
The pipeline, the wizard and the rule card all read this list. Stored steps are JSON in the rule,
told apart by their ``type``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, Union

from pydantic import Field, TypeAdapter, ValidationError

from bot.forwarding.rules.filters import validation_message
from bot.forwarding.steps.base import StepModel
from bot.forwarding.steps.kinds.ai_filter import AiFilter
from bot.forwarding.steps.kinds.custom import CustomPrompt
from bot.forwarding.steps.kinds.frame import Footer, Header
from bot.forwarding.steps.kinds.refilter import FilterAgain
from bot.forwarding.steps.kinds.regex import RegexReplace
from bot.forwarding.steps.kinds.remove import RemoveHashtags, RemoveLinks, RemoveMentions
from bot.forwarding.steps.kinds.rewrite import Rewrite
from bot.forwarding.steps.kinds.summarize import Summarize
from bot.forwarding.steps.kinds.translate import Translate
from bot.runtime.i18n import _

# In the order the wizard offers them.
KINDS: tuple[type[StepModel], ...] = (
    Rewrite,
    Summarize,
    Translate,
    CustomPrompt,
    AiFilter,
    RegexReplace,
    RemoveLinks,
    RemoveMentions,
    RemoveHashtags,
    Header,
    Footer,
    FilterAgain,
)
BY_TYPE: dict[str, type[StepModel]] = {kind.type_name(): kind for kind in KINDS}
AI_STEP_TYPES = frozenset(kind.type_name() for kind in KINDS if kind.uses_ai)

# Stored steps are a discriminated union of the models, told apart by ``type``.
_UNION: Any = Annotated[
    Union[KINDS],  # noqa: UP007 (built from the registry)
    Field(discriminator="type"),
]
_STEPS: TypeAdapter[list[StepModel]] = TypeAdapter(list[_UNION])


def label(kind: str) -> str:
    """The name of a step kind ("Translate"); an unknown one is named from its ``type``."""
    known = BY_TYPE.get(kind)
    return str(known.label) if known else (kind.replace("_", " ").capitalize() or _("Step"))


def parse_step(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Validate one step as the owner gave it; its stored form, or ValueError saying why not."""
    kind = str(raw.get("type") or "")
    if kind not in BY_TYPE:
        raise ValueError(
            _("Unknown step type “{kind}”.").format(kind=kind)
            if kind
            else _("The step has no type.")
        )
    try:
        step = BY_TYPE[kind].model_validate(dict(raw))
    except ValidationError as error:
        raise ValueError(validation_message(error)) from None
    return step.model_dump(mode="json")


def parse_steps(raw: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Validate a rule's steps before they are saved; their stored forms, or ValueError naming the
    first step refused ("Step 2 (Regex replace): …")."""
    stored = []
    for number, step in enumerate(raw, 1):
        try:
            stored.append(parse_step(step))
        except ValueError as error:
            kind = BY_TYPE.get(str(step.get("type") or ""))
            name = (
                _("Step {number} ({kind})").format(number=number, kind=kind.label)
                if kind
                else _("Step {number}").format(number=number)
            )
            raise ValueError(f"{name}: {error}") from None
    return stored


def load_steps(raw: Sequence[Mapping[str, Any]]) -> list[StepModel]:
    """Stored steps back to models (they were validated when saved)."""
    return _STEPS.validate_python([dict(step) for step in raw], context={"trusted": True})


def describe_steps(raw: Sequence[Mapping[str, Any]]) -> list[str]:
    """One plain-text line per stored step, for the rule card and the wizard; a step that is
    unknown or no longer valid gets a line saying so."""
    return [_describe(step) for step in raw]


def _describe(raw: Mapping[str, Any]) -> str:
    kind = str(raw.get("type") or "")
    if kind not in BY_TYPE:
        return _("Unknown step “{kind}”").format(kind=kind) if kind else _("Unknown step")
    try:
        return BY_TYPE[kind].model_validate(dict(raw), context={"trusted": True}).describe()
    except (ValidationError, ValueError):
        return _("{step} (invalid settings)").format(step=label(kind))


def uses_ai(raw: Sequence[Mapping[str, Any]]) -> bool:
    return any(step.get("type") in AI_STEP_TYPES for step in raw)
