"""The OpenAI-compatible client: request shape, plain and streamed replies, server quirks."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from tests.fakes.openai import FAKE_LLM_KEY, Answer, Call, FakeOpenAI

from mydw.clients.chat_model import ChatModelClient, ToolCallAccumulator
from mydw.domain.errors import UpstreamAuthError, UpstreamError

TOOLS = [{"type": "function", "function": {"name": "recommend", "parameters": {
    "type": "object", "properties": {"genre": {"type": "string"}}, "required": []}}}]
MESSAGES = [{"role": "user", "content": "hi"}]


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


def client(fake: FakeOpenAI, **options: object) -> ChatModelClient:
    return ChatModelClient(fake.api_url, "fake-model", transport=fake.transport(),
                           sleep=lambda _s: None, **options)  # type: ignore[arg-type]


def test_request_shape_no_key_no_tool_choice(fake: FakeOpenAI) -> None:
    reply = client(fake).complete(MESSAGES, TOOLS)
    assert reply.content == "OK." and reply.tool_calls == []
    request = fake.last("/v1/chat/completions")
    assert request is not None and request.method == "POST"
    assert "authorization" not in request.headers
    body = json.loads(request.body)
    assert body == {"model": "fake-model", "messages": MESSAGES, "stream": False, "tools": TOOLS}


def test_the_key_is_sent_as_a_bearer_token(fake: FakeOpenAI) -> None:
    client(fake, api_key=FAKE_LLM_KEY).complete(MESSAGES)
    request = fake.last()
    assert request is not None and request.headers["authorization"] == f"Bearer {FAKE_LLM_KEY}"


@pytest.mark.parametrize("quirks", [{}, {"no_id": True}, {"object_arguments": True}])
@pytest.mark.parametrize("stream", [False, True])
def test_tool_calls_plain_and_streamed(fake: FakeOpenAI, stream: bool,
                                       quirks: dict[str, bool]) -> None:
    fake.script(Answer("Let me look.", [Call("recommend", {"genre": "Drama"}),
                                        Call("get_movie", {"movie": "603"})], **quirks))
    c = client(fake)
    seen: list[str] = []
    reply = c.stream(MESSAGES, TOOLS, on_text=seen.append) if stream else c.complete(MESSAGES)
    assert reply.content == "Let me look."
    assert [(t.name, t.arguments) for t in reply.tool_calls] == [
        ("recommend", {"genre": "Drama"}), ("get_movie", {"movie": "603"})]
    ids = [t.id for t in reply.tool_calls]
    assert len(set(ids)) == 2 and all(ids)
    if quirks.get("no_id"):
        assert ids == ["call_0", "call_1"]
    assert all(isinstance(json.loads(t.raw_arguments), dict) for t in reply.tool_calls)
    if stream:
        assert "".join(seen) == "Let me look." and len(seen) > 1
        assert reply.message()["tool_calls"][0]["function"]["arguments"] == '{"genre": "Drama"}'


@pytest.mark.parametrize("quirks", [
    {"no_index": True}, {"no_index": True, "no_id": True}, {"one_fragment": True},
    {"no_index": True, "one_fragment": True, "no_id": True}, {"keepalive": True},
    {"usage_chunk": False}, {"object_arguments": True, "no_index": True},
])
def test_streamed_quirks_of_real_servers(fake: FakeOpenAI, quirks: dict[str, bool]) -> None:
    fake.script(Answer(tool_calls=[Call("search_movies", {"query": "Heat", "year": 1995}),
                                   Call("recommend", {"genre": "Crime"})], **quirks))
    reply = client(fake).stream(MESSAGES, TOOLS)
    assert [(t.name, t.arguments) for t in reply.tool_calls] == [
        ("search_movies", {"query": "Heat", "year": 1995}), ("recommend", {"genre": "Crime"})]
    assert reply.finish_reason == "tool_calls"


def test_the_same_index_for_every_call_still_makes_two_calls() -> None:
    acc = ToolCallAccumulator()
    for fragment in (
        {"index": 0, "function": {"name": "get_movie", "arguments": '{"movie": "603"}'}},
        {"index": 0, "function": {"name": "get_movie", "arguments": '{"movie": "604"}'}},
    ):
        acc.add(fragment)
    assert [c.arguments for c in acc.calls()] == [{"movie": "603"}, {"movie": "604"}]


def test_unparsable_arguments_are_kept_for_the_model_to_hear_about(fake: FakeOpenAI) -> None:
    fake.script(Answer(tool_calls=[Call("recommend", '{"genre": "Dra')]))
    call = client(fake).complete(MESSAGES).tool_calls[0]
    assert call.arguments is None and call.raw_arguments == '{"genre": "Dra'


def test_a_server_answering_json_to_a_stream_request_is_understood() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"choices": [{"message": {"role": "assistant",
                                                                  "content": "plain"}}]})

    seen: list[str] = []
    reply = ChatModelClient("http://m.test/v1", "m", transport=httpx.MockTransport(handler)
                            ).stream(MESSAGES, on_text=seen.append)
    assert reply.content == "plain" and seen == ["plain"]


@pytest.mark.parametrize(("status", "error", "words"), [
    (401, UpstreamAuthError, "wants an API key"),
    (500, UpstreamError, "is having trouble (500"),
    (404, UpstreamError, "no such endpoint or model"),
    (400, UpstreamError, "rejected the request (400"),
])
def test_http_errors_name_the_endpoint(fake: FakeOpenAI, status: int, error: type,
                                       words: str) -> None:
    fake.fail_next(5, status=status, body={"error": {"message": "nope", "type": "x"}})
    with pytest.raises(error) as raised:
        client(fake).complete(MESSAGES)
    assert f"{fake.api_url}/chat/completions" in raised.value.message
    assert words in raised.value.message and "nope" in raised.value.message
    assert raised.value.exit_code == 5


def test_a_refused_key_says_so(fake: FakeOpenAI) -> None:
    fake.api_key = "the-right-one"
    with pytest.raises(UpstreamAuthError, match="refused the API key"):
        client(fake, api_key="a-wrong-one").complete(MESSAGES)


def test_busy_servers_get_a_second_try(fake: FakeOpenAI) -> None:
    fake.fail_next(1, status=503)
    assert client(fake).complete(MESSAGES).content == "OK."
    assert fake.count("/v1/chat/completions") == 2


def test_unreachable_and_timeout_are_upstream_errors(fake: FakeOpenAI) -> None:
    unreachable = ChatModelClient("http://127.0.0.1:9/v1", "m",
                                  transport=httpx.MockTransport(_refuse))
    with pytest.raises(UpstreamError, match=r"could not reach the chat model at "
                       r"http://127.0.0.1:9/v1/chat/completions"):
        unreachable.complete(MESSAGES)
    fake.fail_next(1, status=None, delay=5)
    with pytest.raises(UpstreamError, match="did not answer in time"):
        client(fake, timeout=0.5).complete(MESSAGES)


def _refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("refused", request=request)


def test_an_error_inside_the_stream_is_raised(fake: FakeOpenAI) -> None:
    fake.script(Answer(stream_error="model overloaded"))
    with pytest.raises(UpstreamError, match="answered with an error: model overloaded"):
        client(fake).stream(MESSAGES)


def test_a_cut_stream_is_an_error(fake: FakeOpenAI) -> None:
    fake.script(Answer("a long answer " * 20))
    fake.fail_next(1, status=None, truncate=True)
    with pytest.raises(UpstreamError):
        client(fake).stream(MESSAGES)
