"""The request-level parts of the Groq stand-in (served by ``sandbox/groq/server.py``); no I/O here.

* the deterministic reply protocol (the ``TASK:`` line, the ``<post>`` block) and the reasoning
  text of reasoning models,
* token counting (about four characters a token, always rounded up),
* request validation and the ``chat.completion`` object, as Groq shapes them,
(rate limits and error bodies are in ``limits.py``).

The TASK-line protocol
----------------------
The *task* comes from the last ``system`` (or ``developer``) message holding a line of the form
``TASK: <kind> <args>`` (leading spaces allowed; if that message has several, the last one counts).
The kind is matched case-insensitively; ``args`` is the rest of the line, stripped. User messages
are never searched, so a post that contains ``TASK:`` cannot steer the stand-in.

The *post* is the text between the first ``<post>`` and the last ``</post>`` of the last ``user``
message, or that whole message when it has no such block; either way stripped of surrounding
whitespace. HTML inside the post is kept byte for byte.

====================  ==============================================================
``rewrite <tone>``    ``"[rewritten:<tone>] " + post``
``summarize <n>``     ``"[summary] " + s`` where ``s`` is the longest prefix of the post
                      that ends at a sentence end (``.``, ``!``, ``?``, ``…`` plus any
                      closing tags, before a blank or the end) or before a line break and
                      is at most ``n`` characters (right-stripped); the whole post when
                      it fits; ``post[:n]`` right-stripped when no boundary fits.
                      ``n`` missing or not a positive integer: 200.
``translate <lang>``  ``"[<lang>] " + post``; the post unchanged if it already starts
                      with ``[<lang>]``.
``classify <topic>``  ``"yes"`` if ``topic`` occurs in the post (case-insensitive
                      substring), else ``"no"``.
``custom ...``        ``"[custom] " + post`` (arguments ignored).
no TASK line          ``"[echo] " + post``
any other kind        ``"[unknown-task:<kind>] " + post``
====================  ==============================================================
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sandbox.groq.limits import error_body

DEFAULT_SUMMARY_CHARS = 200

_TASK_RE = re.compile(r"^[ \t]*TASK:[ \t]*(\S+)[ \t]*(.*?)[ \t]*$", re.MULTILINE)
_POST_RE = re.compile(r"<post>(.*)</post>", re.DOTALL)
_SENTENCE_END_RE = re.compile(r"[.!?…]+(?:</[A-Za-z][A-Za-z0-9]*>)*(?=\s|$)")


def count_tokens(text: str) -> int:
    """The stand-in's token count: ``ceil(len(text) / 4)``."""
    return (len(text) + 3) // 4


def message_text(message: Mapping[str, Any]) -> str:
    """The text of a chat message: a string ``content`` or the text parts of a list ``content``."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            part["text"]
            for part in content
            if isinstance(part, dict)
            and part.get("type") == "text"
            and isinstance(part.get("text"), str)
        )
    return ""


def prompt_tokens(messages: Sequence[Mapping[str, Any]]) -> int:
    """Prompt tokens of a request: the sum of :func:`count_tokens` over every message's text."""
    return sum(count_tokens(message_text(m)) for m in messages)


@dataclass(frozen=True)
class Task:
    kind: str  # lower-cased kind; "" when there is no TASK line
    args: str


def find_task(messages: Sequence[Mapping[str, Any]]) -> Task:
    for message in reversed(messages):
        if message.get("role") not in ("system", "developer"):
            continue
        found = _TASK_RE.findall(message_text(message))
        if found:
            kind, args = found[-1]
            return Task(kind.lower(), args)
    return Task("", "")


def extract_post(messages: Sequence[Mapping[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            text = message_text(message)
            match = _POST_RE.search(text)
            return (match.group(1) if match else text).strip()
    return ""


def summarize(post: str, limit: int) -> str:
    if len(post) <= limit:
        return post
    ends = [m.end() for m in _SENTENCE_END_RE.finditer(post)]
    ends += [m.start() for m in re.finditer("\n", post)]
    fitting = [end for end in ends if 0 < end <= limit]
    return post[: max(fitting)].rstrip() if fitting else post[:limit].rstrip()


def reply_for(task: Task, post: str) -> str:
    kind, args = task.kind, task.args
    if kind == "":
        return "[echo] " + post
    if kind == "rewrite":
        return f"[rewritten:{args}] {post}"
    if kind == "summarize":
        try:
            limit = int(args.split()[0]) if args else DEFAULT_SUMMARY_CHARS
        except ValueError:
            limit = DEFAULT_SUMMARY_CHARS
        if limit <= 0:
            limit = DEFAULT_SUMMARY_CHARS
        return "[summary] " + summarize(post, limit)
    if kind == "translate":
        tag = f"[{args}]"
        return post if post.startswith(tag) else f"{tag} {post}"
    if kind == "classify":
        return "yes" if args and args.casefold() in post.casefold() else "no"
    if kind == "custom":
        return "[custom] " + post
    return f"[unknown-task:{kind}] {post}"


def default_responder(request: Mapping[str, Any]) -> str:
    """The stand-in's reply to a chat-completions request body (a pure function of it)."""
    messages = request.get("messages") or []
    return reply_for(find_task(messages), extract_post(messages))


def reasoning_text(request: Mapping[str, Any]) -> str:
    """What a reasoning model "thinks" before answering (a pure function of the request)."""
    messages = request.get("messages") or []
    task = find_task(messages)
    what = " ".join(part for part in (task.kind or "echo", task.args) if part)
    return f"Stand-in reasoning: the task is {what}; the post has {len(extract_post(messages))} characters."


# ---------------------------------------------------------------------------------------------
# Requests and completions

DEFAULT_MODELS = (
    "openai/gpt-oss-20b",
    "openai/gpt-oss-120b",
    "qwen/qwen3-32b",
    "moonshotai/kimi-k2-instruct",
)
REASONING_MODELS = frozenset({"openai/gpt-oss-20b", "openai/gpt-oss-120b", "qwen/qwen3-32b"})
_OWNERS = {"openai": "OpenAI", "qwen": "Alibaba Cloud", "moonshotai": "Moonshot AI"}
_ROLES = frozenset({"system", "developer", "user", "assistant", "tool", "function"})


@dataclass(frozen=True)
class Params:
    """What :func:`validate_request` found out about a valid request."""

    model: str
    limit: int | None  # max_completion_tokens or max_tokens
    prompt_tokens: int
    reasons: bool  # the model spends reasoning tokens
    show_reasoning: bool  # ... and returns them in message.reasoning


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_request(
    body: dict[str, Any] | None,
    *,
    models: Collection[str],
    reasoning_models: Collection[str],
    context_window: int,
    max_completion_tokens: int,
) -> Params | tuple[int, dict[str, Any]]:
    """Check a chat-completions body as Groq would: the parameters to answer it, or (status, error)."""

    def bad(
        message: str, param: str | None = None, code: str | None = None
    ) -> tuple[int, dict[str, Any]]:
        return 400, error_body(message, param=param, code=code)

    if body is None:
        return bad("The request body must be a JSON object.")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        return bad("`model` is required and must be a string.", "model")
    if model not in models:
        message = f"The model `{model}` does not exist or you do not have access to it."
        return 404, error_body(message, code="model_not_found")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        return bad("`messages` must contain at least one message.", "messages")
    for i, message in enumerate(messages):
        if not isinstance(message, dict) or message.get("role") not in _ROLES:
            return bad(f"`messages.{i}.role` is missing or not a known role.", "messages")
    if body.get("stream"):
        return bad(
            "stream=true is not supported by the Groq stand-in.",
            "stream",
            "unsupported_by_standin",
        )
    if body.get("n") not in (None, 1):
        return bad("`n` must be at most 1.", "n")
    temperature = body.get("temperature")
    if temperature is not None and (
        isinstance(temperature, bool)
        or not isinstance(temperature, int | float)
        or not 0 <= temperature <= 2
    ):
        return bad("`temperature` must be a number between 0 and 2.", "temperature")
    for name in ("max_completion_tokens", "max_tokens"):
        value = body.get(name)
        if value is not None and (not _is_int(value) or value < 1):
            return bad(f"`{name}` must be a positive integer.", name)
        if value is not None and value > max_completion_tokens:
            return bad(
                f"`{name}` must be less than or equal to `{max_completion_tokens}`, "
                "the maximum value for this model.",
                name,
            )
    limit = body.get("max_completion_tokens") or body.get("max_tokens")
    reasoning_model = model in reasoning_models
    effort = body.get("reasoning_effort")
    fmt = body.get("reasoning_format")
    include = body.get("include_reasoning")
    if effort is not None and effort not in ("none", "default", "low", "medium", "high"):
        return bad(
            "`reasoning_effort` must be none, default, low, medium or high.", "reasoning_effort"
        )
    if fmt is not None and fmt not in ("hidden", "raw", "parsed"):
        return bad("`reasoning_format` must be hidden, raw or parsed.", "reasoning_format")
    if include is not None and not isinstance(include, bool):
        return bad("`include_reasoning` must be a boolean.", "include_reasoning")
    if fmt is not None and include is not None:
        return bad(
            "`include_reasoning` and `reasoning_format` are mutually exclusive.",
            "include_reasoning",
        )
    if not reasoning_model:
        for name, value in (("reasoning_effort", effort), ("reasoning_format", fmt)):
            if value is not None:
                return bad(f"`{name}` is not supported with this model.", name)
    if fmt is not None:
        show = fmt == "parsed"
    elif include is not None:
        show = include
    else:
        show = model.startswith("openai/gpt-oss")
    tokens = prompt_tokens(messages)
    if tokens + (limit or 0) > context_window:
        return bad(
            "Please reduce the length of the messages or completion.",
            "messages",
            "context_length_exceeded",
        )
    reasons = reasoning_model and effort != "none"
    return Params(model, limit, tokens, reasons, reasons and show)


def build_completion(body: Mapping[str, Any], params: Params, content: str) -> dict[str, Any]:
    """The ``chat.completion`` object answering ``body`` with ``content`` (see the module doc)."""
    reasoning = reasoning_text(body) if params.reasons else ""
    r_tokens = count_tokens(reasoning)
    finish = "stop"
    if params.limit is not None:
        if r_tokens > params.limit:
            reasoning, r_tokens, finish = reasoning[: params.limit * 4], params.limit, "length"
        budget = params.limit - r_tokens
        if count_tokens(content) > budget:
            content, finish = content[: budget * 4], "length"
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if params.show_reasoning:
        message["reasoning"] = reasoning
    completion_tokens = count_tokens(content) + r_tokens
    request_id = "req_" + uuid.uuid4().hex[:26]
    return {
        "id": f"chatcmpl-{uuid.uuid4()}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": params.model,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": finish}],
        "usage": {
            "queue_time": 0.0001,
            "prompt_tokens": params.prompt_tokens,
            "prompt_time": round(params.prompt_tokens / 100_000, 6),
            "completion_tokens": completion_tokens,
            "completion_time": round(completion_tokens / 1_000, 6),
            "total_tokens": params.prompt_tokens + completion_tokens,
            "total_time": round(params.prompt_tokens / 100_000 + completion_tokens / 1_000, 6),
            "prompt_tokens_details": {"cached_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": r_tokens},
        },
        "usage_breakdown": None,
        "system_fingerprint": "fp_standin0001",
        "x_groq": {
            "id": request_id,
            "usage": {"dram_cached_tokens": 0, "sram_cached_tokens": 0},
        },
        "service_tier": "on_demand",
    }


def model_card(model: str, context_window: int, max_completion_tokens: int) -> dict[str, Any]:
    """A ``GET /openai/v1/models`` entry."""
    return {
        "id": model,
        "object": "model",
        "created": 1_754_000_000,
        "owned_by": _OWNERS.get(model.split("/", 1)[0], "Groq"),
        "active": True,
        "context_window": context_window,
        "public_apps": None,
        "max_completion_tokens": max_completion_tokens,
    }
