"""What a rule says, validated: the one shape the wizard, the service and the tests share.

Its steps are checked through the step catalogue and kept in their stored form, so a step that
would fail when run (a catastrophic regex, an oversized prompt) is refused when the rule is saved.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

from bot.forwarding.rules.filters import FilterSpec
from bot.forwarding.steps.catalogue import parse_steps
from bot.runtime.i18n import _

Mode = Literal["copy", "forward"]
EditPolicy = Literal["edit", "repost", "ignore"]
AiFailure = Literal["hold", "original", "skip"]
MAX_DELAY_MINUTES = 1440  # a day: a post held longer is better scheduled by hand


class ChatRef(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    chat_id: int
    thread_id: int | None = Field(default=None, gt=0)
    title: str = Field(default="", max_length=256)
    # "account": a source read through the owner's user account (bot/userbot/), not by the bot
    via: Literal["account"] | None = None

    @model_serializer(mode="wrap")
    def _stored(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """``via`` is stored only when set: the refs of bot-read chats keep their old shape."""
        data: dict[str, Any] = handler(self)
        if data.get("via") is None:
            data.pop("via", None)
        return data

    @property
    def key(self) -> tuple[int, int]:
        return self.chat_id, self.thread_id or 0

    def label(self) -> str:
        name = self.title or str(self.chat_id)
        if not self.thread_id:
            return name
        return _("{chat} (topic {topic})").format(chat=name, topic=self.thread_id)


class RuleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=64)
    sources: list[ChatRef] = Field(max_length=50)
    destinations: list[ChatRef] = Field(max_length=50)
    mode: Mode = "copy"
    filters: FilterSpec = Field(default_factory=FilterSpec)
    steps: list[dict[str, Any]] = Field(default_factory=list, max_length=20)
    edit_policy: EditPolicy = "edit"
    review: bool = False
    ai_failure: AiFailure = "hold"
    ai_model: str | None = Field(default=None, max_length=100)
    allow_new_links: bool = False
    delay_minutes: int = Field(default=0, ge=0, le=MAX_DELAY_MINUTES, strict=True)
    sync_deletions: bool = False  # a source message deleted (seen by the account): copies too

    @field_validator("sources", "destinations")
    @classmethod
    def _not_empty(cls, value: list[ChatRef], info: ValidationInfo) -> list[ChatRef]:
        if not value:
            if info.field_name == "sources":
                raise ValueError(_("A rule needs at least one source."))
            raise ValueError(_("A rule needs at least one destination."))
        return value

    @model_validator(mode="after")
    def _valid_steps(self) -> RuleSpec:
        # a model check, not a field one: the message names the step, not "steps"
        self.steps = parse_steps(self.steps)
        return self

    @model_validator(mode="after")
    def _coherent(self) -> RuleSpec:
        self.name = self.name.strip()
        if not self.name:
            raise ValueError(_("The rule needs a name."))
        source_keys = {s.key for s in self.sources}
        if any(dest.via for dest in self.destinations):
            raise ValueError(_("Only a source can be read through your account."))
        for dest in self.destinations:
            if dest.key in source_keys or (dest.chat_id, 0) in source_keys:
                raise ValueError(
                    _("{chat} is both a source and a destination: posts would loop.").format(
                        chat=dest.label()
                    )
                )
        if len({d.key for d in self.destinations}) != len(self.destinations):
            raise ValueError(_("The same destination is listed twice."))
        if self.mode == "forward" and self.edit_policy == "edit":
            raise ValueError(
                _(
                    "Forwarded messages can't be edited by a bot: with forward mode choose "
                    "“post again” or “ignore” for edits."
                )
            )
        if self.mode == "forward" and self.steps:
            raise ValueError(
                _(
                    "Forward mode sends posts unchanged: remove the transform steps or use copy mode."
                )
            )
        return self
