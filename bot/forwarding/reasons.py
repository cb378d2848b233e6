"""Why a post was not forwarded (or a delivery died, or a rule was paused), in the reader's
language.

The reasons are stored in English (``deliveries.last_error``, ``rules.paused_reason``: logs,
queries and other dynos read them as they are) and translated only when a screen shows them: the
card, /status, an alert. A reason this module does not know (an error text from Telegram, say),
and the detail after a known start, are shown as stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from bot.runtime.i18n import _, __

# The details some reasons end with: the names in FORWARD_ONLY and SERVICE_NAMES (a unit test
# checks that every one of them is here).
DETAIL_LABELS = {
    "paid media": __("paid media"),
    "giveaway": __("giveaway"),
    "giveaway winners": __("giveaway winners"),
    "invoice": __("invoice"),
    "chat title changed": __("chat title changed"),
    "chat photo changed": __("chat photo changed"),
    "chat photo removed": __("chat photo removed"),
    "new members": __("new members"),
    "member left": __("member left"),
    "pinned message": __("pinned message"),
    "auto-delete timer changed": __("auto-delete timer changed"),
    "group upgraded to a supergroup": __("group upgraded to a supergroup"),
}

# Whole reasons, as stored.
_EXACT: dict[str, Callable[[], str]] = {
    "cannot be forwarded: content this bot does not know": lambda: _(
        "cannot be forwarded: content this bot does not know"
    ),
    "cannot be copied: content this bot does not know": lambda: _(
        "cannot be copied: content this bot does not know"
    ),
    "cannot be forwarded: protected content": lambda: _("cannot be forwarded: protected content"),
    "cannot be copied: protected content": lambda: _("cannot be copied: protected content"),
    "cannot be copied: a quiz whose answer the bot does not know": lambda: _(
        "cannot be copied: a quiz whose answer the bot does not know"
    ),
    "near-duplicate": lambda: _("near-duplicate"),
    "rule deleted": lambda: _("rule deleted"),
    "skipped in review": lambda: _("skipped in review"),
    "no reason recorded": lambda: _("no reason recorded"),
    "other reasons": lambda: _("other reasons"),
    "nothing left to send after the transform steps": lambda: _(
        "nothing left to send after the transform steps"
    ),
    "the original post was not delivered here": lambda: _(
        "the original post was not delivered here"
    ),
    "deleted in the source": lambda: _("deleted in the source"),
    "deleted in the source before it was delivered here": lambda: _(
        "deleted in the source before it was delivered here"
    ),
}

# Reasons that start with a fixed part and end with a detail: (stored start, shown form).
_PREFIXED: tuple[tuple[str, Callable[[], str]], ...] = (
    ("service message: ", lambda: _("service message: {detail}")),
    ("cannot be copied: ", lambda: _("cannot be copied: {detail}")),
    ("near-duplicate of ", lambda: _("near-duplicate of {detail}")),
    ("filtered by a step: ", lambda: _("filtered by a step: {detail}")),
    ("AI unavailable: ", lambda: _("AI unavailable: {detail}")),
    (
        "the AI could not transform this post: ",
        lambda: _("the AI could not transform this post: {detail}"),
    ),
    ("a regex step failed: ", lambda: _("a regex step failed: {detail}")),
)

# Reasons with a number or a chat inside: (pattern, shown form filled from its named groups).
_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[], str]], ...] = (
    (
        re.compile(r"failed (?P<count>\d+) times: (?P<detail>.*)", re.DOTALL),
        lambda: _("failed {count} times: {detail}"),
    ),
    (
        re.compile(r"gave up after (?P<count>\d+) tries: (?P<detail>.*)", re.DOTALL),
        lambda: _("gave up after {count} tries: {detail}"),
    ),
    (
        re.compile(r"destination (?P<chat>-?\d+) refused: (?P<detail>.*)", re.DOTALL),
        lambda: _("destination {chat} refused: {detail}"),
    ),
)


def _detail(detail: str) -> str:
    label = DETAIL_LABELS.get(detail)
    return str(label) if label is not None else detail


def reason_text(reason: str) -> str:
    """``reason`` as stored, in the current language (plain text: escape it for HTML)."""
    exact = _EXACT.get(reason)
    if exact is not None:
        return exact()
    for start, shown in _PREFIXED:
        if reason.startswith(start):
            return shown().format(detail=_detail(reason[len(start) :]))
    for pattern, form in _PATTERNS:
        match = pattern.fullmatch(reason)
        if match is not None:
            return form().format(**match.groupdict())
    return reason
