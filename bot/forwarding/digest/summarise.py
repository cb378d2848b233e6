"""Summarising a period's posts: map (chunks of posts within a token budget) and reduce.

Decisions:

* Each post is one numbered line ``[n] <source>: <text>``, its text escaped and clipped
  (``MAX_ITEM_CHARS``). The lines go to the model inside the ``<post>`` block the AI client
  builds (``steps/prompts.py``): they are data, never instructions, like any post.
* Map: the lines are cut into chunks of at most ``CHUNK_TOKENS`` (the client's own estimate) and
  each chunk is summarised on its own, concurrently. Reduce: the chunk summaries are merged into
  one, again in chunks when they are many, until one summary is left. A period that fits one
  chunk costs one call. Never one oversized prompt.
* The model refers to posts by their numbers (``[3]``) and writes no links; its answer is
  sanitised like every AI answer, with no links allowed. The links are ours (``layout.py``).
* The language follows the rule's translate step if it has one, else the posts' language.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any, Literal

from bot.forwarding.html import clip, sanitize_html
from bot.forwarding.steps.ai.client import estimate_tokens
from bot.forwarding.steps.base import AiRunner
from bot.forwarding.steps.prompts import AiStep

CHUNK_TOKENS = 4000  # the posts (or partial summaries) of one request, in prompt tokens
MAX_ITEM_CHARS = 1000  # a post's text in the prompt
MAP_CHARS = 1200  # a chunk's summary
FINAL_CHARS = 2500  # the digest's summary


@dataclass(frozen=True, slots=True)
class Item:
    """A post as the digest shows it (an album is one item)."""

    number: int
    link: str
    source: str
    text: str
    media: str = ""


@dataclass(frozen=True, slots=True)
class Summary:
    html: str
    ai_calls: int


def post_link(chat_id: int, username: str | None, message_id: int) -> str:
    """The post's t.me link: a public chat's by username, a private channel's or supergroup's by
    ``/c/``; "" when Telegram has none (a basic group)."""
    if username:
        return f"https://t.me/{username}/{message_id}"
    chat = str(chat_id)
    if chat.startswith("-100") and len(chat) > 4:
        return f"https://t.me/c/{chat[4:]}/{message_id}"
    return ""


def items_of(posts: Sequence[Any]) -> list[Item]:
    """The period's posts (``DigestPost`` rows, oldest first) as numbered items; the items of an
    album become one, linked to its first message, with the first caption found."""
    items: list[Item] = []
    albums: dict[tuple[int, str], int] = {}
    for post in posts:
        group = (post.source_chat_id, post.media_group_id) if post.media_group_id else None
        if group is not None and group in albums:
            at = albums[group]
            if not items[at].text and post.text:
                old = items[at]
                items[at] = Item(old.number, old.link, old.source, post.text, old.media)
            continue
        if group is not None:
            albums[group] = len(items)
        items.append(
            Item(
                number=len(items) + 1,
                link=post_link(post.source_chat_id, post.chat_username, post.message_id),
                source=post.chat_title or str(post.source_chat_id),
                text=post.text,
                media=post.media,
            )
        )
    return items


def item_line(item: Item) -> str:
    text = clip(" ".join(item.text.split()), MAX_ITEM_CHARS)
    media = f" ({item.media})" if item.media else ""
    return f"[{item.number}] {_text(item.source)}{media}: {_text(text)}"


def chunks(lines: Sequence[str], budget: int = CHUNK_TOKENS) -> list[list[str]]:
    """``lines`` in order, cut into runs of at most ``budget`` estimated tokens (a line over the
    budget alone is a run of its own)."""
    runs: list[list[str]] = []
    size = budget + 1
    for line in lines:
        cost = estimate_tokens(line) + 1
        if size + cost > budget:
            runs.append([])
            size = 0
        runs[-1].append(line)
        size += cost
    return runs


class DigestStep(AiStep):
    """The request of one map or reduce call (never stored in a rule, not in the catalogue)."""

    type: Literal["digest"] = "digest"
    stage: Literal["map", "reduce"] = "map"
    max_chars: int = FINAL_CHARS
    language: str | None = None

    def job(self) -> tuple[str, str]:
        language = (
            f"Write in {self.language}."
            if self.language
            else "Write in the language most of the posts are written in."
        )
        if self.stage == "map":
            what = (
                "This time the post block holds several posts collected from Telegram chats "
                "over a period, one per line, each starting with its number in square brackets "
                "and its source. Write a digest of them: the main news grouped by topic, "
                "repeated stories told once."
            )
        else:
            what = (
                "This time the post block holds partial digests of one period, each already a "
                "summary of some of its posts. Merge them into one digest: the main news grouped "
                "by topic, repeated stories told once."
            )
        return (
            f"{what} Refer to the posts you mention by their numbers in square brackets, like "
            f"[3], exactly as given; write no links. At most {self.max_chars} characters. "
            f"{language}",
            f"TASK: summarize {self.max_chars}",
        )

    def answer_tokens(self, post_tokens: int) -> int:
        return min(2 * post_tokens + 256, self.max_chars // 2 + 256)

    def describe(self) -> str:
        return "Digest"


def language_of(steps: Sequence[dict[str, Any]]) -> str | None:
    """The language of the rule's (last) translate step, if it has one."""
    found = None
    for step in steps:
        if step.get("type") == "translate" and step.get("language"):
            found = str(step["language"])
    return found


async def summarise(
    items: Sequence[Item],
    ai: AiRunner,
    *,
    model: str | None = None,
    language: str | None = None,
    budget: int = CHUNK_TOKENS,
) -> Summary:
    """One summary of ``items`` (map, then reduce until one is left), sanitised, no links;
    AiUnavailable / AiRejected from the client go to the caller."""
    calls = 0

    async def ask(stage: Literal["map", "reduce"], run: list[str], last: bool) -> str:
        nonlocal calls
        step = DigestStep(
            stage=stage, max_chars=FINAL_CHARS if last else MAP_CHARS, language=language
        )
        answer = await ai.run(step, "\n".join(run), model=model)
        calls += 0 if answer.cached else 1
        return sanitize_html(answer.text, allowed_links=())

    runs = chunks([item_line(item) for item in items], budget)
    parts = list(await asyncio.gather(*(ask("map", run, len(runs) == 1) for run in runs)))
    while len(parts) > 1:
        runs = chunks(parts, budget)
        parts = list(await asyncio.gather(*(ask("reduce", run, len(runs) == 1) for run in runs)))
    return Summary(html=parts[0] if parts else "", ai_calls=calls)


def _text(text: str) -> str:
    return escape(text, quote=False)
