"""The removals: links, @mentions, #hashtags. None has settings."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Literal

from bot.forwarding.html import edit_text, remove_links, unwrap_links
from bot.forwarding.steps.base import StepContext, TextStep
from bot.runtime.i18n import __

# Telegram usernames: 5-32 of [A-Za-z0-9_]; not inside an e-mail address or a longer word.
_MENTION = re.compile(r"(?<![\w@/.])@[A-Za-z0-9_]{5,32}(?![\w@])")
# A hashtag has a letter (digits alone are no tag); "#tag@channel" is one tag.
_HASHTAG = re.compile(r"(?<![\w#&])#\w*[^\W\d]\w*(?:@[A-Za-z0-9_]{5,32})?(?![\w#])")


def _removing(pattern: re.Pattern[str]) -> Callable[[str], Iterator[tuple[int, int, str]]]:
    def find(text: str) -> Iterator[tuple[int, int, str]]:
        for match in pattern.finditer(text):
            yield match.start(), match.end(), ""

    return find


class RemoveLinks(TextStep, label=__("Remove links"), icon="🔗"):
    """Unwrap every link (dropping its text when that is the URL) and remove written-out URLs."""

    type: Literal["remove_links"] = "remove_links"

    def apply(self, html: str, ctx: StepContext) -> str:
        return remove_links(html)


class RemoveMentions(TextStep, label=__("Remove mentions"), icon="@"):
    """Remove @usernames; a mention of a user without a username keeps its text, unlinked."""

    type: Literal["remove_mentions"] = "remove_mentions"

    def apply(self, html: str, ctx: StepContext) -> str:
        html = unwrap_links(html, lambda href: href.lower().startswith("tg://user"))
        return edit_text(html, _removing(_MENTION), skip_code=True)


class RemoveHashtags(TextStep, label=__("Remove hashtags"), icon="#"):
    """Remove #hashtags."""

    type: Literal["remove_hashtags"] = "remove_hashtags"

    def apply(self, html: str, ctx: StepContext) -> str:
        return edit_text(html, _removing(_HASHTAG), skip_code=True)
