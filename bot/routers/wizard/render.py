"""The wizard's texts. Everything a user or a channel wrote is HTML-escaped here."""

from __future__ import annotations

from html import escape
from typing import Any

from bot.forwarding.rules.filters import FilterSpec, describe
from bot.forwarding.rules.spec import ChatRef
from bot.routers.wizard.keyboards import AI_FAILURES, EDIT_POLICIES


def chat_label(ref: dict[str, Any]) -> str:
    chat = ChatRef.model_validate(ref)
    return f"{escape(chat.label())} <code>{chat.chat_id}</code>"


def chats_list(refs: list[dict[str, Any]]) -> str:
    if not refs:
        return "  (none yet)"
    return "\n".join(f"  • {chat_label(ref)}" for ref in refs)


def step_lines(steps: list[dict[str, Any]]) -> list[str]:
    try:
        from bot.forwarding.steps.pipeline import describe_steps
    except ImportError:  # the pipeline lands with the transform issue
        return [str(step.get("type", "?")) for step in steps]
    return describe_steps(steps)


def sources_prompt(refs: list[dict[str, Any]]) -> str:
    return (
        "<b>New rule · 1/6 · Sources</b>\n"
        "Which chats should I watch? Pick a channel or group with the buttons, forward me a "
        "post from it, or send its @username, id or t.me link (a topic link picks the topic).\n\n"
        f"Sources so far:\n{chats_list(refs)}\n\nPress {escape('✅ Done')} when the list is complete."
    )


def destinations_prompt(refs: list[dict[str, Any]]) -> str:
    return (
        "<b>New rule · 2/6 · Destinations</b>\n"
        "Where should the posts go? Same ways as for sources; I need the right to post there.\n\n"
        f"Destinations so far:\n{chats_list(refs)}\n\nPress ✅ Done when the list is complete."
    )


MODE_PROMPT = (
    "<b>New rule · 3/6 · How to send</b>\n"
    "📋 <b>Copy</b>: the post looks like your own; transforms and AI steps are possible.\n"
    "↪️ <b>Forward</b>: shows “Forwarded from”; posts go unchanged."
)


def filters_prompt(filters: dict[str, Any]) -> str:
    lines = describe(FilterSpec.from_stored(filters))
    body = "\n".join(f"  • {escape(line)}" for line in lines)
    return (
        "<b>New rule · 4/6 · Filters</b>\n"
        "Which posts should go? Every post goes unless a filter says no.\n\n"
        f"{body}"
    )


FILTER_INPUT = {
    "include_keywords": "Send the words or phrases a post must contain (any of them), separated by commas.",
    "exclude_keywords": "Send the words or phrases that make me skip a post, separated by commas.",
    "include_regex": "Send regular expressions a post must match (any of them), one per line.",
    "exclude_regex": "Send regular expressions that make me skip a post, one per line.",
    "length": "Send the allowed length in characters as min-max, for example 20-2000, 50- or -500.",
    "senders": "Send the user ids whose group messages may go (comma separated), or 0 for anyone.",
}


def steps_prompt(steps: list[dict[str, Any]], forward_mode: bool) -> str:
    head = "<b>New rule · 5/6 · Transform steps</b>\n"
    if forward_mode:
        return head + "Forward mode sends posts unchanged, so there are no steps. Continue."
    if not steps:
        listing = "  (none: posts go as they are)"
    else:
        listing = "\n".join(f"  {n}. {escape(line)}" for n, line in enumerate(step_lines(steps), 1))
    return f"{head}Steps run in order on every post:\n{listing}\n\nAdd a step, reorder or remove."


STEP_INPUT = {
    "rewrite": "Send the tone for the rewrite, for example “calm and factual”.",
    "translate": "Send the language to translate into, for example “Polish”.",
    "custom": "Send your instruction for the AI, for example “Turn the post into three bullet points”.",
    "ai_filter": "Send the topic: only posts about it will go, for example “electric cars”.",
    "regex_replace": "Send the pattern and its replacement on two lines: the regex first, then the new text (an empty second line removes the matches).",
    "header": "Send the header text. Placeholders: {source_title}, {source_link}, {source_name_link}, {date}.",
    "footer": "Send the footer text. Placeholders: {source_title}, {source_link}, {source_name_link}, {date}.",
    "summarize": "Send the maximum length of the summary in characters (50–4000).",
}

PREVIEW_PROMPT = (
    "<b>New rule · 6/6 · Try it</b>\n"
    "Send a sample post (text) and I will show what this rule would publish. Send as many as "
    "you like, then continue."
)


def name_prompt(suggestion: str) -> str:
    return f"<b>Name the rule</b>\nSend a short name (up to 64 characters), or use “{escape(suggestion)}”."


def suggested_name(data: dict[str, Any]) -> str:
    def first(key: str) -> str:
        refs = data.get(key) or []
        return ChatRef.model_validate(refs[0]).label() if refs else "?"

    return f"{first('sources')} → {first('destinations')}"[:64]


def summary(data: dict[str, Any], editing: bool) -> str:
    mode = "copy" if data.get("mode", "copy") == "copy" else "forward"
    steps = step_lines(data.get("steps") or [])
    filters = describe(FilterSpec.from_stored(data.get("filters") or {}))
    title = "Edit rule" if editing else "Ready to save"
    lines = [
        f"<b>{title}: {escape(data.get('name') or suggested_name(data))}</b>",
        f"<b>From</b>\n{chats_list(data.get('sources') or [])}",
        f"<b>To</b>\n{chats_list(data.get('destinations') or [])}",
        f"<b>Mode</b>: {mode}",
        "<b>Filters</b>\n" + "\n".join(f"  • {escape(line)}" for line in filters),
        "<b>Steps</b>\n"
        + ("\n".join(f"  {n}. {escape(s)}" for n, s in enumerate(steps, 1)) or "  none"),
        f"<b>Edits</b>: {EDIT_POLICIES[data.get('edit_policy', 'edit')]}"
        f" · <b>AI down</b>: {AI_FAILURES[data.get('ai_failure', 'hold')]}"
        f" · <b>Review</b>: {'on' if data.get('review') else 'off'}",
    ]
    return "\n\n".join(lines)
