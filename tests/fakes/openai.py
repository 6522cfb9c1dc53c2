"""FakeOpenAI: an OpenAI-compatible Chat Completions server that answers from a script.

Point a client at ``fake.api_url`` (``http://127.0.0.1:<port>/v1``). Each request to
``/v1/chat/completions`` takes the next scripted ``Answer`` (or ``fake.default`` once the
script is empty); an answer is rendered as one JSON body, or as Server-Sent Events when
the request says ``"stream": true`` — with the quirks of real servers on demand
(docs/chat.md): tool calls without ``index`` or ``id``, ``arguments`` as an object, the
whole call in one fragment, content next to tool calls, ``: keep-alive`` comments, a usage
chunk with empty ``choices``, an ``{"error": ...}`` data line.

    with FakeOpenAI() as fake:
        fake.script(Answer(tool_calls=[Call("recommend", {"genre": "Drama"})]),
                    Answer("Here you are."))
        ... MYDW_LLM_BASE_URL=fake.api_url MYDW_LLM_MODEL=fake-model ...
        fake.bodies()[1]["messages"][-1]["role"] == "tool"

An answer may also be a function of the request body returning an Answer. With
``api_key`` set, a request without ``Authorization: Bearer <key>`` gets OpenAI's 401.
``fail_next`` (from FakeServer) scripts HTTP errors and delays.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.fakes.server import FakeServer, RecordedRequest, Reply

FAKE_LLM_KEY = "sk-fake-0123456789"
FAKE_MODEL = "fake-model"
INVALID_KEY_BODY = {"error": {"message": "Incorrect API key provided.",
                              "type": "invalid_request_error", "code": "invalid_api_key"}}


@dataclass(frozen=True)
class Call:
    name: str
    arguments: dict[str, Any] | str = field(default_factory=dict)
    id: str | None = None  # None: "call_fake_<n>"


@dataclass(frozen=True)
class Answer:
    content: str = ""
    tool_calls: tuple[Call, ...] | list[Call] = ()
    # quirks (streamed unless noted)
    no_index: bool = False  # fragments without "index" (old Ollama)
    no_id: bool = False  # calls without "id" (streamed and plain)
    object_arguments: bool = False  # "arguments" as a JSON object (streamed and plain)
    one_fragment: bool = False  # each call whole in one fragment
    keepalive: bool = False  # ": keep-alive" comment lines
    usage_chunk: bool = True  # a last chunk with "choices": [] and "usage"
    stream_error: str | None = None  # a data line {"error": {...}} instead of the answer
    chunk_size: int = 5  # characters per content fragment


Scripted = Answer | Callable[[dict[str, Any]], Answer]


class FakeOpenAI(FakeServer):
    name = "OpenAI"

    def __init__(self, *, api_key: str | None = None, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        super().__init__(host, port)
        self.api_key = api_key
        self.default: Scripted = Answer("OK.")
        self._script: list[Scripted] = []
        self._script_lock = threading.Lock()
        self._calls = 0

    @property
    def api_url(self) -> str:
        return self.url + "/v1"

    def script(self, *answers: Scripted) -> None:
        with self._script_lock:
            self._script.extend(answers)

    def bodies(self) -> list[dict[str, Any]]:
        """The JSON bodies of every chat completion request, in order."""
        return [json.loads(r.body) for r in self.requests
                if r.path == "/v1/chat/completions" and r.body]

    # -- serving ---------------------------------------------------------------------
    def handle(self, request: RecordedRequest) -> Reply:
        if self.api_key is not None and \
                request.headers.get("authorization") != f"Bearer {self.api_key}":
            return Reply.json(INVALID_KEY_BODY, status=401)
        if request.path == "/v1/models":
            return Reply.json({"object": "list", "data": [
                {"id": FAKE_MODEL, "object": "model", "created": 1733000000,
                 "owned_by": "fake"}]})
        if request.path != "/v1/chat/completions" or request.method != "POST":
            return Reply.json({"error": {"message": "not found", "type": "not_found"}}, 404)
        body = json.loads(request.body or b"{}")
        with self._script_lock:
            scripted = self._script.pop(0) if self._script else self.default
            first_call = self._calls
            self._calls += 1
        answer = scripted(body) if callable(scripted) else scripted
        if body.get("stream"):
            return self._stream(body, answer, first_call)
        return Reply.json(self._completion(body, answer, first_call))

    def _ids(self, answer: Answer, n: int) -> list[str | None]:
        return [None if answer.no_id else (c.id or f"call_fake_{n}_{i}")
                for i, c in enumerate(answer.tool_calls)]

    @staticmethod
    def _arguments(call: Call, as_object: bool) -> Any:
        if isinstance(call.arguments, str):
            return call.arguments
        return call.arguments if as_object else json.dumps(call.arguments)

    def _completion(self, body: dict[str, Any], answer: Answer, n: int) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": answer.content or None}
        if answer.tool_calls:
            calls = []
            for call, call_id in zip(answer.tool_calls, self._ids(answer, n), strict=True):
                item: dict[str, Any] = {"type": "function", "function": {
                    "name": call.name,
                    "arguments": self._arguments(call, answer.object_arguments)}}
                if call_id is not None:
                    item["id"] = call_id
                calls.append(item)
            message["tool_calls"] = calls
        return {
            "id": f"chatcmpl-fake{n}", "object": "chat.completion", "created": 1733000000,
            "model": body.get("model", FAKE_MODEL),
            "choices": [{"index": 0, "message": message, "logprobs": None,
                         "finish_reason": "tool_calls" if answer.tool_calls else "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
        }

    def _stream(self, body: dict[str, Any], answer: Answer, n: int) -> Reply:
        model = body.get("model", FAKE_MODEL)
        lines: list[str] = []

        def chunk(delta: dict[str, Any] | None, finish: str | None = None,
                  **extra: Any) -> None:
            data: dict[str, Any] = {"id": f"chatcmpl-fake{n}", "object": "chat.completion.chunk",
                                    "created": 1733000000, "model": model}
            data["choices"] = [] if delta is None else [
                {"index": 0, "delta": delta, "finish_reason": finish}]
            data.update(extra)
            lines.append("data: " + json.dumps(data, ensure_ascii=False))
            lines.append("")
            if answer.keepalive:
                lines.append(": keep-alive")
                lines.append("")

        if answer.stream_error is not None:
            chunk({"role": "assistant", "content": ""})
            lines.append("data: " + json.dumps({"error": {"message": answer.stream_error,
                                                          "type": "server_error"}}))
            lines.append("")
            return self._sse(lines)
        chunk({"role": "assistant", "content": ""})
        size = max(1, answer.chunk_size)
        for start in range(0, len(answer.content), size):
            chunk({"content": answer.content[start:start + size]})
        for i, (call, call_id) in enumerate(zip(answer.tool_calls, self._ids(answer, n),
                                                strict=True)):
            head: dict[str, Any] = {"type": "function", "function": {"name": call.name}}
            if not answer.no_index:
                head["index"] = i
            if call_id is not None:
                head["id"] = call_id
            args = self._arguments(call, answer.object_arguments)
            if answer.one_fragment or not isinstance(args, str):
                head["function"]["arguments"] = args
                chunk({"tool_calls": [head]})
                continue
            head["function"]["arguments"] = ""
            chunk({"tool_calls": [head]})
            for start in range(0, len(args), 7):
                piece: dict[str, Any] = {"function": {"arguments": args[start:start + 7]}}
                if not answer.no_index:
                    piece["index"] = i
                chunk({"tool_calls": [piece]})
        chunk({}, "tool_calls" if answer.tool_calls else "stop")
        if answer.usage_chunk:
            chunk(None, usage={"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15})
        lines.append("data: [DONE]")
        lines.append("")
        return self._sse(lines)

    @staticmethod
    def _sse(lines: list[str]) -> Reply:
        return Reply(200, ("\n".join(lines) + "\n").encode("utf-8"),
                     {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
