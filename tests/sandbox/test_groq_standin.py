"""The Groq stand-in, driven by the real Groq SDK (``groq.AsyncGroq``) over loopback."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any, cast

import aiohttp
import groq
import pytest
from groq import AsyncGroq
from groq.types.chat import ChatCompletionMessageParam

from sandbox.groq.limits import (
    SlidingWindow,
    format_duration,
)
from sandbox.groq.logic import (
    count_tokens,
    default_responder,
    summarize,
)
from sandbox.groq.server import GroqStandIn, reasoning_text

KEY = "gsk_test"
PLAIN = "moonshotai/kimi-k2-instruct"  # not a reasoning model
OSS = "openai/gpt-oss-20b"
REPO = Path(__file__).resolve().parents[2]


def chat(
    post: str, task: str | None = None, *, wrap: bool = True
) -> list[ChatCompletionMessageParam]:
    messages: list[dict[str, Any]] = []
    if task is not None:
        messages.append(
            {"role": "system", "content": f"You edit posts.\nTASK: {task}\nKeep the HTML tags."}
        )
    messages.append({"role": "user", "content": f"<post>\n{post}\n</post>" if wrap else post})
    return cast("list[ChatCompletionMessageParam]", messages)


@pytest.fixture
async def standin() -> AsyncIterator[GroqStandIn]:
    server = GroqStandIn(api_keys={KEY})
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def make_client(server: GroqStandIn, **kwargs: Any) -> AsyncGroq:
    kwargs.setdefault("max_retries", 0)
    kwargs.setdefault("timeout", 5.0)
    kwargs.setdefault("api_key", KEY)
    return AsyncGroq(base_url=server.base_url, **kwargs)


@pytest.fixture
async def client(standin: GroqStandIn) -> AsyncIterator[AsyncGroq]:
    sdk = make_client(standin)
    try:
        yield sdk
    finally:
        await sdk.close()


# -- the TASK-line protocol ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("task", "post", "expected"),
    [
        (None, "Hello <b>world</b>", "[echo] Hello <b>world</b>"),
        ("rewrite formal", "hi <i>there</i> & co", "[rewritten:formal] hi <i>there</i> & co"),
        ("Rewrite very casual", "Good day.", "[rewritten:very casual] Good day."),
        ("summarize 20", "First one. Second sentence is long.", "[summary] First one."),
        ("summarize 200", "Short post. Fits whole.", "[summary] Short post. Fits whole."),
        ("summarize 15", "<b>Bold.</b> Next part here.", "[summary] <b>Bold.</b>"),
        ("summarize 5", "Abcdefghijkl", "[summary] Abcde"),
        ("summarize 30", "Title line\nbody text that goes on and on", "[summary] Title line"),
        ("translate de", "Hallo <a href='x'>Welt</a>", "[de] Hallo <a href='x'>Welt</a>"),
        ("translate de", "[de] Schon übersetzt", "[de] Schon übersetzt"),
        ("classify Crypto", "A new CRYPTO exchange opens", "yes"),
        ("classify sports", "A new crypto exchange opens", "no"),
        ("custom talk like a pirate", "Ahoy", "[custom] Ahoy"),
        ("frobnicate x", "post", "[unknown-task:frobnicate] post"),
    ],
)
async def test_task_kinds(client: AsyncGroq, task: str | None, post: str, expected: str) -> None:
    completion = await client.chat.completions.create(model=PLAIN, messages=chat(post, task))
    assert completion.choices[0].message.content == expected
    assert completion.choices[0].finish_reason == "stop"
    assert default_responder({"messages": chat(post, task)}) == expected


async def test_post_block_last_system_task_and_user_task_ignored(client: AsyncGroq) -> None:
    messages: list[Any] = [
        {"role": "system", "content": "TASK: rewrite old"},
        {"role": "system", "content": "Rules.\nTASK: translate fr\n"},
        {"role": "user", "content": "earlier message"},
        {"role": "user", "content": "TASK: classify evil\nno post block here"},
    ]
    completion = await client.chat.completions.create(model=PLAIN, messages=messages)
    assert completion.choices[0].message.content == "[fr] TASK: classify evil\nno post block here"

    parts: list[Any] = [
        {"role": "user", "content": [{"type": "text", "text": "<post>a <u>b</u></post>"}]}
    ]
    completion = await client.chat.completions.create(model=PLAIN, messages=parts)
    assert completion.choices[0].message.content == "[echo] a <u>b</u>"


async def test_pluggable_responder_sync_async_and_failing(
    standin: GroqStandIn, client: AsyncGroq
) -> None:
    hostile = "<script>alert(1)</script><b>unclosed " + "x" * 5000
    standin.responder = lambda request: hostile
    completion = await client.chat.completions.create(model=PLAIN, messages=chat("p"))
    assert completion.choices[0].message.content == hostile

    async def slow_echo(request: dict[str, Any]) -> str:
        await asyncio.sleep(0)
        return "async:" + request["model"]

    standin.responder = slow_echo
    completion = await client.chat.completions.create(model=PLAIN, messages=chat("p"))
    assert completion.choices[0].message.content == "async:" + PLAIN

    def broken(request: dict[str, Any]) -> str:
        raise RuntimeError("boom")

    standin.responder = broken
    with pytest.raises(groq.InternalServerError):
        await client.chat.completions.create(model=PLAIN, messages=chat("p"))


# -- reasoning -------------------------------------------------------------------------------


async def test_reasoning_field_never_in_content(client: AsyncGroq) -> None:
    messages = chat("Some post.", "rewrite formal")
    body = {"model": OSS, "messages": messages}
    thought = reasoning_text(body)
    r_tokens = count_tokens(thought)

    default = await client.chat.completions.create(model=OSS, messages=messages)
    message = default.choices[0].message
    assert message.content == "[rewritten:formal] Some post."
    assert message.reasoning == thought
    assert default.usage is not None and default.usage.completion_tokens_details is not None
    assert default.usage.completion_tokens_details.reasoning_tokens == r_tokens
    assert default.usage.completion_tokens == r_tokens + count_tokens(message.content)

    hidden = await client.chat.completions.create(
        model=OSS,
        messages=messages,
        include_reasoning=False,
    )
    assert hidden.choices[0].message.reasoning is None
    assert hidden.choices[0].message.content == "[rewritten:formal] Some post."
    assert hidden.usage is not None and hidden.usage.completion_tokens_details is not None
    assert hidden.usage.completion_tokens_details.reasoning_tokens == r_tokens

    qwen = await client.chat.completions.create(model="qwen/qwen3-32b", messages=messages)
    assert qwen.choices[0].message.reasoning is None
    parsed = await client.chat.completions.create(
        model="qwen/qwen3-32b",
        messages=messages,
        reasoning_format="parsed",
    )
    assert parsed.choices[0].message.reasoning == reasoning_text(
        {"model": "qwen/qwen3-32b", "messages": messages}
    )
    off = await client.chat.completions.create(
        model="qwen/qwen3-32b",
        messages=messages,
        reasoning_effort="none",
    )
    assert off.usage is not None and off.usage.completion_tokens_details is not None
    assert off.usage.completion_tokens_details.reasoning_tokens == 0

    plain = await client.chat.completions.create(model=PLAIN, messages=messages)
    assert plain.choices[0].message.reasoning is None

    with pytest.raises(groq.BadRequestError) as not_supported:
        await client.chat.completions.create(
            model=PLAIN,
            messages=messages,
            reasoning_format="parsed",
        )
    assert "not supported" in str(not_supported.value)
    with pytest.raises(groq.BadRequestError):
        await client.chat.completions.create(
            model=OSS,
            messages=messages,
            reasoning_format="parsed",
            include_reasoning=True,
        )


# -- validation and errors -------------------------------------------------------------------


async def test_unknown_model(client: AsyncGroq) -> None:
    model = "llama-3.3-70b-versatile"  # shut down: not in the default list
    with pytest.raises(groq.NotFoundError) as caught:
        await client.chat.completions.create(model=model, messages=chat("x"))
    assert caught.value.status_code == 404
    assert caught.value.body == {
        "error": {
            "message": f"The model `{model}` does not exist or you do not have access to it.",
            "type": "invalid_request_error",
            "code": "model_not_found",
        }
    }


async def test_wrong_or_missing_key(standin: GroqStandIn) -> None:
    sdk = make_client(standin, api_key="gsk_wrong")
    try:
        with pytest.raises(groq.AuthenticationError) as caught:
            await sdk.chat.completions.create(model=PLAIN, messages=chat("x"))
    finally:
        await sdk.close()
    assert caught.value.status_code == 401
    body: Any = caught.value.body
    assert body["error"]["code"] == "invalid_api_key"
    assert body["error"]["message"] == "Invalid API Key"
    recorded = standin.requests[-1]
    assert recorded.key_valid is False
    assert recorded.status == 401
    assert recorded.headers["Authorization"] == "<redacted>"
    assert all("gsk_wrong" not in value for value in recorded.headers.values())

    async with (
        aiohttp.ClientSession() as session,
        session.post(
            standin.base_url + "/openai/v1/chat/completions",
            json={"model": PLAIN, "messages": chat("x")},
        ) as response,
    ):
        assert response.status == 401
        assert (await response.json())["error"]["code"] == "invalid_api_key"


async def test_bad_requests(standin: GroqStandIn, client: AsyncGroq) -> None:
    with pytest.raises(groq.BadRequestError) as empty:
        await client.chat.completions.create(model=PLAIN, messages=[])
    assert "messages" in str(empty.value)

    with pytest.raises(groq.BadRequestError) as stream:
        await client.chat.completions.create(model=PLAIN, messages=chat("x"), stream=True)
    assert "unsupported_by_standin" in str(stream.value)

    standin.context_window = 20
    with pytest.raises(groq.BadRequestError) as too_long:
        await client.chat.completions.create(model=PLAIN, messages=chat("y" * 200))
    body: Any = too_long.value.body
    assert body["error"] == {
        "message": "Please reduce the length of the messages or completion.",
        "type": "invalid_request_error",
        "param": "messages",
        "code": "context_length_exceeded",
    }


async def test_unknown_url_and_models(standin: GroqStandIn, client: AsyncGroq) -> None:
    models = await client.models.list()
    assert [m.id for m in models.data] == list(standin.models)
    card = await client.models.retrieve("openai/gpt-oss-120b")
    assert card.owned_by == "OpenAI"
    with pytest.raises(groq.NotFoundError):
        await client.models.retrieve("llama3-8b-8192")
    async with (
        aiohttp.ClientSession() as session,
        session.get(standin.base_url + "/v1/chat/completions") as response,
    ):
        assert response.status == 404
        assert (await response.json())["error"]["code"] == "unknown_url"


# -- completion shape, usage, truncation -----------------------------------------------------


async def test_usage_and_shape(client: AsyncGroq) -> None:
    messages = chat("Post body here.", "rewrite calm")
    completion = await client.chat.completions.create(model=PLAIN, messages=messages)
    content = "[rewritten:calm] Post body here."
    prompt = sum(count_tokens(cast(str, m["content"])) for m in messages)
    assert completion.object == "chat.completion"
    assert completion.id.startswith("chatcmpl-")
    assert completion.model == PLAIN
    assert completion.created > 0
    assert completion.system_fingerprint
    assert completion.x_groq is not None and completion.x_groq.id.startswith("req_")
    assert completion.usage is not None
    assert completion.usage.prompt_tokens == prompt
    assert completion.usage.completion_tokens == count_tokens(content)
    assert completion.usage.total_tokens == prompt + count_tokens(content)


async def test_max_tokens_truncates_with_finish_reason_length(client: AsyncGroq) -> None:
    post = "A fairly long post that will not fit into three tokens."
    full = "[echo] " + post
    cut = await client.chat.completions.create(model=PLAIN, messages=chat(post), max_tokens=3)
    assert cut.choices[0].finish_reason == "length"
    assert cut.choices[0].message.content == full[:12]
    assert cut.usage is not None and cut.usage.completion_tokens == 3

    roomy = await client.chat.completions.create(
        model=PLAIN,
        messages=chat(post),
        max_completion_tokens=1000,
    )
    assert roomy.choices[0].finish_reason == "stop"
    assert roomy.choices[0].message.content == full

    # On a reasoning model the reasoning spends the budget first, as on Groq.
    r_tokens = count_tokens(reasoning_text({"model": OSS, "messages": chat(post)}))
    oss = await client.chat.completions.create(
        model=OSS,
        messages=chat(post),
        max_completion_tokens=r_tokens + 2,
    )
    assert oss.choices[0].finish_reason == "length"
    assert oss.choices[0].message.content == full[:8]
    starved = await client.chat.completions.create(
        model=OSS,
        messages=chat(post),
        max_completion_tokens=2,
    )
    assert starved.choices[0].finish_reason == "length"
    assert starved.choices[0].message.content == ""
    assert starved.choices[0].message.reasoning is not None
    assert len(starved.choices[0].message.reasoning) == 8


# -- rate limits -----------------------------------------------------------------------------


async def test_rate_limit_headers_present_and_decreasing() -> None:
    server = GroqStandIn(api_keys={KEY}, requests_per_minute=30, tokens_per_minute=8000)
    await server.start()
    sdk = make_client(server)
    try:
        seen = []
        for _ in range(3):
            raw = await sdk.chat.completions.with_raw_response.create(
                model=PLAIN,
                messages=chat("hello there"),
            )
            completion = await raw.parse()
            assert completion.choices[0].message.content == "[echo] hello there"
            seen.append(raw.headers)
    finally:
        await sdk.close()
        await server.stop()
    for headers in seen:
        assert headers["x-ratelimit-limit-requests"] == "30"
        assert headers["x-ratelimit-limit-tokens"] == "8000"
        assert headers["x-ratelimit-reset-requests"].endswith("s")
        assert headers["x-ratelimit-reset-tokens"].endswith("s")
        assert headers["x-request-id"].startswith("req_")
    requests_left = [int(h["x-ratelimit-remaining-requests"]) for h in seen]
    tokens_left = [int(h["x-ratelimit-remaining-tokens"]) for h in seen]
    assert requests_left == [29, 28, 27]
    assert tokens_left[0] < 8000 and tokens_left[0] > tokens_left[1] > tokens_left[2]
    assert seen[0]["x-ratelimit-reset-requests"].startswith(("59", "1m0"))


async def test_injected_429_retry_after_as_the_sdk_reads_it(
    standin: GroqStandIn, client: AsyncGroq
) -> None:
    standin.fail_next(429, retry_after=7)
    with pytest.raises(groq.RateLimitError) as caught:
        await client.chat.completions.create(model=PLAIN, messages=chat("x"))
    headers = caught.value.response.headers
    assert headers["retry-after"] == "7"
    assert "retry-after-ms" not in headers
    assert client._parse_retry_after_header(headers) == 7.0
    assert "x-ratelimit-remaining-requests" in headers
    body: Any = caught.value.body
    assert body["error"]["code"] == "rate_limit_exceeded"

    # A fractional retry-after adds retry-after-ms, which the SDK prefers and obeys when retrying.
    standin.fail_next(429, count=2, retry_after=0.05)
    retrying = make_client(standin, max_retries=2)
    try:
        loop = asyncio.get_running_loop()
        started = loop.time()
        completion = await retrying.chat.completions.create(model=PLAIN, messages=chat("x"))
        elapsed = loop.time() - started
    finally:
        await retrying.close()
    assert completion.choices[0].message.content == "[echo] x"
    assert [r.status for r in standin.requests[-3:]] == [429, 429, 200]
    assert [r.headers["x-stainless-retry-count"] for r in standin.requests[-3:]] == ["0", "1", "2"]
    assert 0.1 <= elapsed < 1.0  # two waits of 50 ms, not the SDK's 0.5 s backoff


async def test_request_and_token_budgets_answer_429_and_413() -> None:
    server = GroqStandIn(api_keys={KEY}, requests_per_minute=2, tokens_per_minute=100)
    await server.start()
    sdk = make_client(server)
    try:
        for _ in range(2):
            await sdk.chat.completions.create(model=PLAIN, messages=chat("hi"))
        with pytest.raises(groq.RateLimitError) as by_requests:
            await sdk.chat.completions.create(model=PLAIN, messages=chat("hi"))
        headers = by_requests.value.response.headers
        assert 1 <= int(headers["retry-after"]) <= 60
        assert headers["x-ratelimit-remaining-requests"] == "0"
        body: Any = by_requests.value.body
        assert body["error"]["type"] == "requests"
        assert "requests per minute (RPM): Limit 2, Used 2" in body["error"]["message"]

        server.rate_limits.clear()
        await sdk.chat.completions.create(model=PLAIN, messages=chat("t" * 280))
        with pytest.raises(groq.RateLimitError) as by_tokens:
            await sdk.chat.completions.create(model=PLAIN, messages=chat("t" * 100))
        body = by_tokens.value.body
        assert body["error"]["type"] == "tokens"
        assert by_tokens.value.response.headers["x-ratelimit-remaining-tokens"] == "0"

        with pytest.raises(groq.APIStatusError) as too_large:
            await sdk.chat.completions.create(model=PLAIN, messages=chat("t" * 1000))
        assert too_large.value.status_code == 413
    finally:
        await sdk.close()
        await server.stop()


async def test_sliding_window_and_duration_format() -> None:
    window = SlidingWindow(limit=3, window=60.0)
    window.add(0.0, 1)
    window.add(10.0, 1)
    window.add(20.0, 1)
    assert window.remaining(20.0) == 0
    assert window.wait_for_room(20.0, 1) == pytest.approx(40.0)
    assert window.reset_in(20.0) == pytest.approx(60.0)
    assert window.remaining(60.0) == 1
    assert window.wait_for_room(60.0, 1) == 0.0
    assert window.wait_for_room(60.0, 4) == float("inf")
    assert format_duration(179.56) == "2m59.56s"
    assert format_duration(7.66) == "7.66s"
    assert format_duration(0.45) == "450ms"
    assert format_duration(0) == "0s"
    assert format_duration(60) == "1m0s"
    assert format_duration(3723.5) == "1h2m3.5s"
    assert summarize("One. Two. Three.", 9) == "One. Two."


# -- faults ----------------------------------------------------------------------------------


async def test_injected_500_and_x_should_retry(standin: GroqStandIn, client: AsyncGroq) -> None:
    standin.fail_next(500)
    with pytest.raises(groq.InternalServerError) as caught:
        await client.chat.completions.create(model=PLAIN, messages=chat("x"))
    assert caught.value.status_code == 500
    body: Any = caught.value.body
    assert body["error"]["type"] == "internal_server_error"

    standin.fail_next(503, should_retry=False)
    patient = make_client(standin, max_retries=3)
    try:
        before = standin.count
        with pytest.raises(groq.InternalServerError):
            await patient.chat.completions.create(model=PLAIN, messages=chat("x"))
        assert standin.count == before + 1  # the SDK obeyed x-should-retry: false
    finally:
        await patient.close()
    completion = await client.chat.completions.create(model=PLAIN, messages=chat("x"))
    assert completion.choices[0].message.content == "[echo] x"


async def test_outage_on_and_off(standin: GroqStandIn, client: AsyncGroq) -> None:
    standin.set_outage(True)
    for _ in range(3):
        with pytest.raises(groq.InternalServerError) as caught:
            await client.chat.completions.create(model=PLAIN, messages=chat("x"))
        assert caught.value.status_code == 503
    standin.set_outage(False)
    completion = await client.chat.completions.create(model=PLAIN, messages=chat("x"))
    assert completion.choices[0].message.content == "[echo] x"
    assert [r.status for r in standin.requests] == [503, 503, 503, 200]


async def test_latency_is_concurrent(standin: GroqStandIn, client: AsyncGroq) -> None:
    standin.latency = 0.3
    loop = asyncio.get_running_loop()
    started = loop.time()
    results = await asyncio.wait_for(
        asyncio.gather(
            *(
                client.chat.completions.create(model=PLAIN, messages=chat(f"post {i}"))
                for i in range(10)
            )
        ),
        timeout=2.5,
    )
    elapsed = loop.time() - started
    assert [r.choices[0].message.content for r in results] == [
        f"[echo] post {i}" for i in range(10)
    ]
    assert 0.3 <= elapsed < 1.5


async def test_hang_until_the_client_gives_up(standin: GroqStandIn) -> None:
    sdk = make_client(standin, timeout=0.3)
    try:
        standin.hang_next(1)
        with pytest.raises(groq.APITimeoutError):
            await sdk.chat.completions.create(model=PLAIN, messages=chat("x"))
        await standin.wait_for(lambda: standin.hanging == 0, timeout=5)
        assert standin.requests[-1].status is None
        completion = await sdk.chat.completions.create(model=PLAIN, messages=chat("x"))
        assert completion.choices[0].message.content == "[echo] x"
    finally:
        await sdk.close()


async def test_timeout_mode_released_by_stop_without_leaking_tasks() -> None:
    server = GroqStandIn(api_keys={KEY})
    await server.start()
    sdk = make_client(server, timeout=10.0)
    server.set_hanging(True)
    calls = [
        asyncio.ensure_future(sdk.chat.completions.create(model=PLAIN, messages=chat("x")))
        for _ in range(3)
    ]
    try:
        await server.wait_for(lambda: server.hanging == 3, timeout=5)
        await asyncio.wait_for(server.stop(), timeout=5)
        outcomes = await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), 5)
        assert all(isinstance(o, groq.APIError) for o in outcomes)
        assert server.hanging == 0
    finally:
        await sdk.close()
        await server.stop()
    assert asyncio.all_tasks() == {asyncio.current_task()}


async def test_records_and_wait_for(standin: GroqStandIn, client: AsyncGroq) -> None:
    with pytest.raises(TimeoutError):
        await standin.wait_for(lambda: standin.count >= 1, timeout=0.05)
    waiter = asyncio.ensure_future(standin.wait_for(lambda: standin.count >= 2, timeout=5))
    await client.chat.completions.create(
        model=PLAIN,
        messages=chat("one"),
        temperature=0.2,
        max_tokens=50,
    )
    await client.chat.completions.create(model=OSS, messages=chat("two"), reasoning_effort="low")
    await waiter
    assert standin.count == 2
    first, second = standin.bodies
    assert first is not None and second is not None
    assert first["temperature"] == 0.2 and first["max_tokens"] == 50
    assert second["reasoning_effort"] == "low"
    assert standin.requests[0].headers["Authorization"] == "<redacted>"
    assert standin.requests[0].key_valid is True
    standin.reset()
    assert standin.count == 0


# -- standalone ------------------------------------------------------------------------------


async def test_standalone_module_serves_and_stops_on_sigterm() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "sandbox.groq.server",
        "--port",
        "0",
        "--key",
        "gsk_cli",
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), timeout=15)).decode()
        url = line.split("GROQ_BASE_URL=")[1].rstrip(")\n")
        sdk = AsyncGroq(api_key="gsk_cli", base_url=url, max_retries=0, timeout=5)
        try:
            completion = await sdk.chat.completions.create(
                model=OSS,
                messages=chat("hi", "translate es"),
            )
        finally:
            await sdk.close()
        assert completion.choices[0].message.content == "[es] hi"
        proc.terminate()
        assert await asyncio.wait_for(proc.wait(), timeout=10) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
