"""Header and footer: Telegram HTML put before or after the post, with placeholders filled in."""

from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import timezone
from html import escape
from typing import Any, ClassVar, Literal

from pydantic import model_validator

from bot.forwarding.html import html_to_text, sanitize_html
from bot.forwarding.steps.base import Ask, StepContext, TextStep, keep_text, short
from bot.runtime.i18n import _, __, lazy_text

TEMPLATE_LIMIT = 1000
PLACEHOLDERS = ("source_title", "source_link", "source_name_link", "date")
_KNOWN = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)


def _check_template(template: str) -> str:
    if not template.strip():
        raise ValueError(_("The template is empty."))
    if len(template) > TEMPLATE_LIMIT:
        raise ValueError(
            _("The template is too long ({length} characters; at most {limit}).").format(
                length=len(template), limit=TEMPLATE_LIMIT
            )
        )
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        raise ValueError(
            # Translators: {{ and }} show as { and }; {{{{ and }}}} as {{ and }}.
            _(
                "The template has a lone {{ or }}. Write {{{{ and }}}} for literal braces; "
                "placeholders are {placeholders}."
            ).format(placeholders=_KNOWN)
        ) from None
    for _literal, field, spec, conversion in parsed:
        if field is not None and (field not in PLACEHOLDERS or spec or conversion):
            raise ValueError(
                _("Unknown placeholder {placeholder}. Known placeholders: {placeholders}.").format(
                    placeholder="{" + field + "}", placeholders=_KNOWN
                )
            )
    return template


def source_link(ctx: StepContext) -> str:
    """The post's t.me link: public by username, private supergroup or channel by ``/c/``; ""
    when Telegram has none (a basic group, a private chat)."""
    if ctx.source_username:
        return f"https://t.me/{ctx.source_username}/{ctx.message_id}"
    chat = str(ctx.source_chat_id)
    if chat.startswith("-100") and len(chat) > 4:
        return f"https://t.me/c/{chat[4:]}/{ctx.message_id}"
    return ""


def render_template(template: str, ctx: StepContext) -> str:
    """A header / footer template filled in (values escaped) and sanitized."""
    title = ctx.source_title or (f"@{ctx.source_username}" if ctx.source_username else "")
    link = source_link(ctx)
    date = ctx.date if ctx.date.tzinfo else ctx.date.replace(tzinfo=timezone.utc)
    name_link = f'<a href="{escape(link)}">{escape(title)}</a>' if link and title else escape(title)
    values = {
        "source_title": escape(title),
        "source_link": escape(link),
        "source_name_link": name_link,
        "date": date.astimezone(timezone.utc).strftime("%Y-%m-%d"),
    }
    return sanitize_html(template.format_map(values))


def _has_text(html: str) -> bool:
    return bool(html_to_text(html).strip())


class _Frame(TextStep):
    template: str

    @model_validator(mode="after")
    def _valid_template(self) -> _Frame:
        _check_template(self.template)
        return self

    def join(self, html: str, added: str) -> str:
        raise NotImplementedError

    def apply(self, html: str, ctx: StepContext) -> str:
        added = render_template(self.template, ctx)
        if not _has_text(added):
            return html
        return self.join(html, added) if _has_text(html) else added

    def describe(self) -> str:
        return _("{step}: {template}").format(
            step=self.label, template=short(html_to_text(self.template), 40)
        )


class Header(_Frame, label=__("Header"), icon="⬆"):
    """Telegram HTML put before the post; ``{source_title}`` and the like are filled in."""

    ask = Ask(
        field="template",
        prompt=lazy_text(
            lambda: _("Send the header text. Placeholders: {placeholders}.").format(
                placeholders=_KNOWN
            )
        ),
        read=keep_text("template"),
    )
    example: ClassVar[Mapping[str, Any]] = {"template": "From {source_name_link} on {date}"}

    type: Literal["header"] = "header"

    def join(self, html: str, added: str) -> str:
        return f"{added}\n\n{html}"


class Footer(_Frame, label=__("Footer"), icon="⬇"):
    """Telegram HTML put after the post; ``{source_title}`` and the like are filled in."""

    ask = Ask(
        field="template",
        prompt=lazy_text(
            lambda: _("Send the footer text. Placeholders: {placeholders}.").format(
                placeholders=_KNOWN
            )
        ),
        read=keep_text("template"),
    )
    example: ClassVar[Mapping[str, Any]] = {"template": "Source: {source_link}"}

    type: Literal["footer"] = "footer"

    def join(self, html: str, added: str) -> str:
        return f"{html}\n\n{added}"
