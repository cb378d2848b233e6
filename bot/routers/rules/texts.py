"""The short texts of the /rules menu and the text helpers its screens share: the list, the
delete question, the edit menu, the test prompt, the AI model choice.

Pure functions of plain data. Every text is HTML; everything a user or a channel wrote is escaped
here, and every screen is built from whole lines so that shortening one to Telegram's 4096
characters never cuts a tag.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from aiogram.utils.text_decorations import html_decoration

from bot.forwarding.html import clip, utf16_len
from bot.forwarding.rules.index import RuleView
from bot.runtime.i18n import _, __

MAX_TEXT = 4096  # Telegram's limit for a message text (UTF-16 code units after parsing)
PER_PAGE = 8

# Lazy: str() them where a str is needed (a callback answer, a message text).
NOT_FOUND = __("That rule no longer exists.")
NO_LAST_POST = __("No post has reached this rule yet: send a sample text instead.")
OUTDATED = __("This button is out of date. Send /rules again.")
EMPTY_LIST = __(
    "<b>Your rules</b>\n\n"
    "You have no rules yet. A rule forwards the posts of source chats to destination chats, "
    "with filters and transforms on the way.\n\n"
    "Send /newrule to create one."
)
NEW_RULE_HINT = __("Send /newrule to create a rule.")
TEST_HINT = __("Send the post as text (a photo with a caption works too), or /cancel.")

T = TypeVar("T")


def esc(text: object) -> str:
    return html_decoration.quote(str(text))


def fit(lines: Sequence[str], limit: int = MAX_TEXT) -> str:
    """Join whole HTML lines, dropping trailing ones (marked "…") to stay within ``limit``."""
    text = "\n".join(lines)
    if utf16_len(text) <= limit:
        return text
    kept: list[str] = []
    used = utf16_len("\n…")
    for line in lines:
        size = utf16_len(line) + 1
        if used + size > limit:
            break
        kept.append(line)
        used += size
    return "\n".join([*kept, "…"])


# -- the list -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list: its items, its 0-based number and how many pages there are."""

    items: tuple[Any, ...]
    number: int
    pages: int
    total: int

    @property
    def has_previous(self) -> bool:
        return self.number > 0

    @property
    def has_next(self) -> bool:
        return self.number < self.pages - 1


def paginate(items: Sequence[T], page: int, per_page: int = PER_PAGE) -> Page:
    """The page ``page`` of ``items``, clamped to the pages that exist (at least one)."""
    pages = max(1, -(-len(items) // per_page))
    number = min(max(page, 0), pages - 1)
    start = number * per_page
    return Page(tuple(items[start : start + per_page]), number, pages, len(items))


def list_text(page: Page) -> str:
    if not page.total:
        return str(EMPTY_LIST)
    title = _("<b>Your rules</b> ({count})").format(count=page.total)
    if page.pages > 1:
        title += " · " + _("page {page}/{pages}").format(page=page.number + 1, pages=page.pages)
    return title + "\n" + _("▶ active · ⏸ paused. Choose a rule to open its card.")


# -- the card's other screens -----------------------------------------------------------------


def delete_question(rule: RuleView) -> str:
    return _("Delete rule “{name}”? Its pending deliveries are dropped.").format(
        name=esc(rule.name)
    )


def edit_menu_text(rule: RuleView) -> str:
    return _("<b>{name}</b> · rule #{id}\nWhat do you want to change?").format(
        name=esc(rule.name), id=rule.id
    )


def error_text(error: Exception) -> str:
    return f"⚠️ {esc(clip(str(error), 3000))}"


def sample_prompt(rule: RuleView) -> str:
    return _(
        "🧪 Test of <b>{name}</b>\n\n"
        "Send me a sample post as text, or use the last post one of its sources sent. "
        "Nothing is forwarded. /cancel to stop."
    ).format(name=esc(rule.name))


# -- the AI model -------------------------------------------------------------------------------

UNKNOWN_MODEL = __("That model is not in Groq's list: nothing changed. Choose one of the list.")


def models_unavailable(reason: str) -> str:
    return clip(
        _("Groq can't say which models there are now ({reason}). Nothing changed.").format(
            reason=reason
        ),
        200,
    )


def model_chosen(model: str | None, default_model: str) -> str:
    if model:
        return clip(_("AI model: {model}.").format(model=model), 200)
    return clip(_("AI model: the default ({model}).").format(model=default_model), 200)


def model_screen(rule: RuleView, models: Sequence[str], default_model: str) -> str:
    current = (
        f"<code>{esc(rule.ai_model)}</code>"
        if rule.ai_model
        else _("the default, <code>{model}</code> (GROQ_MODEL)").format(model=esc(default_model))
    )
    lines = [
        _("<b>{name}</b> · rule #{id}").format(name=esc(rule.name), id=rule.id),
        _("AI model: {model}").format(model=current),
    ]
    if rule.ai_model and rule.ai_model not in models:
        lines.append(_("⚠️ Groq no longer lists this model."))
    lines += ["", _("Choose the model its AI steps use (the chat models Groq lists):")]
    return "\n".join(lines)


# -- the delay ------------------------------------------------------------------------------


def delay_label(minutes: int) -> str:
    """A delay as the card says it: none, 15 min, 3 h, 1 h 30 min."""
    if not minutes:
        return _("none")
    hours, rest = divmod(minutes, 60)
    parts = [_("{hours} h").format(hours=hours)] if hours else []
    return " ".join([*parts, _("{minutes} min").format(minutes=rest)] if rest else parts)
