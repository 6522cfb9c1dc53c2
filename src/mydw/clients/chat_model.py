"""An OpenAI-compatible Chat Completions client (OpenAI, Ollama, llama.cpp, vLLM, LM Studio).

`POST {base_url}/chat/completions` with `model`, `messages` and `tools`; never
`tool_choice` (Ollama ignores it, vLLM refuses "auto" unless started for it), and no
`Authorization` header unless a key is configured. Non-streaming (`complete`) and
streaming (`stream`: Server-Sent Events, `data:` lines up to `data: [DONE]`).

Tolerated, because real servers do it (see docs/chat.md): streamed tool calls without
`index` or `id` (ids are synthesized as `call_<n>`), `arguments` as a JSON object instead
of a string, content next to tool calls, a whole tool call in one fragment, a last usage
chunk with empty `choices`, SSE comments (`: keep-alive`), an `{"error": ...}` in a data
line, and a server that answers a streaming request with one plain JSON body.

Why this module is long: one wire format, read two ways (a whole body and a stream of
fragments), with the servers' quirks tolerated in both; splitting it would scatter the one
accumulator that makes streamed tool calls whole.

Failures raise `UpstreamError` / `UpstreamAuthError` (exit 5) with one line naming the
endpoint (scheme, host, port and path; never a query string or credentials).
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx

from mydw.clients.deadline import until
from mydw.clients.http import (
    USER_AGENT,
    backoff_scale_from_env,
    error_detail,
    network_transport,
    parse_retry_after,
)
from mydw.domain.errors import UpstreamAuthError, UpstreamError
from mydw.domain.text import clean_escapes

# A model's answer is text and a few tool calls: far more than this is not an answer (and
# must not fill memory).
MAX_ANSWER_BYTES = 8_000_000
SERVICE = "chat model"
DEFAULT_READ_TIMEOUT = 120.0  # local models on a CPU take their time
CONNECT_TIMEOUT = 5.0
RETRY_STATUSES = frozenset({429, 502, 503})  # busy or restarting: one more try after a wait
MAX_RETRIES = 2
MAX_RETRY_WAIT = 10.0
KEY_HINT = "set it with `mydw config set llm-api-key` or the MYDW_LLM_API_KEY variable"

TextSink = Callable[[str], None]


@dataclass
class ModelToolCall:
    """One tool call as the model asked for it. `arguments` is None when `raw_arguments`
    is not a JSON object (the caller tells the model so)."""

    id: str
    name: str
    raw_arguments: str
    arguments: dict[str, Any] | None

    def wire(self) -> dict[str, Any]:
        """As sent back in the assistant message (arguments always a JSON string)."""
        return {"id": self.id, "type": "function",
                "function": {"name": self.name, "arguments": self.raw_arguments}}


@dataclass
class ModelReply:
    content: str
    tool_calls: list[ModelToolCall] = field(default_factory=list)
    finish_reason: str | None = None

    def message(self) -> dict[str, Any]:
        """The assistant message to append before the tool results."""
        data: dict[str, Any] = {"role": "assistant", "content": self.content or None}
        if self.tool_calls:
            data["tool_calls"] = [c.wire() for c in self.tool_calls]
        return data


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _detail(response: httpx.Response) -> str:
    """OpenAI's `{"error": {"message": ...}}`, else the shared helper's reading."""
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError, RecursionError):  # deep JSON: not an answer
        body = None
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    if isinstance(message, str) and message.strip():
        flat = " ".join(message.split())
        return flat if len(flat) <= 160 else flat[:159] + "…"
    return error_detail(response)


def endpoint_label(base_url: str) -> str:
    """`http://host:port/v1/chat/completions` without userinfo or query."""
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path.rstrip('/')}/chat/completions"


def parse_arguments(value: Any) -> tuple[str, dict[str, Any] | None]:
    """(the JSON string to send back, the parsed object or None) from string or object."""
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False), value
    text = value if isinstance(value, str) else ("" if value is None else json.dumps(value))
    if not text.strip():
        return "{}", {}
    try:
        parsed = json.loads(text)
    except (ValueError, RecursionError):
        return text, None
    return text, parsed if isinstance(parsed, dict) else None


class ToolCallAccumulator:
    """Builds tool calls from streamed fragments, tolerating missing `index` and `id`.

    A fragment with an `index` goes to that call — unless it carries a new `id`, or a
    `function.name` while that call already has a name and complete arguments (servers
    that send `index: 0` for every call): then it starts a new call. A fragment without
    an `index` starts a new call when it has an `id` or a `function.name`, else extends
    the last call. Object `arguments` are serialized.
    """

    def __init__(self) -> None:
        self._calls: list[dict[str, Any]] = []
        self._by_index: dict[int, int] = {}

    def add(self, fragment: Any) -> None:
        if not isinstance(fragment, dict):
            return
        function = _obj(fragment.get("function"))
        call_id = _str(fragment.get("id"))
        name = _str(function.get("name"))
        args = function.get("arguments")
        index = fragment.get("index")
        target: dict[str, Any] | None = None
        if isinstance(index, int) and not isinstance(index, bool):
            position = self._by_index.get(index)
            if position is not None:
                current = self._calls[position]
                if not self._starts_another(current, call_id, name):
                    target = current
            if target is None:
                self._calls.append(self._new())
                self._by_index[index] = len(self._calls) - 1
                target = self._calls[-1]
        elif self._calls and not call_id and not name:
            target = self._calls[-1]
        elif self._calls and not call_id and name and name == self._calls[-1]["name"] \
                and not self._complete(self._calls[-1]):
            target = self._calls[-1]  # a server repeating the name on every fragment
        else:
            self._calls.append(self._new())
            target = self._calls[-1]
        if call_id and not target["id"]:
            target["id"] = call_id
        if name and not target["name"]:
            target["name"] = name
        if isinstance(args, dict):
            target["args"] = json.dumps(args, ensure_ascii=False) if not target["args"] \
                else target["args"] + json.dumps(args, ensure_ascii=False)
        elif isinstance(args, str):
            target["args"] += args

    @staticmethod
    def _new() -> dict[str, Any]:
        return {"id": "", "name": "", "args": ""}

    @staticmethod
    def _complete(call: dict[str, Any]) -> bool:
        return parse_arguments(call["args"])[1] is not None and bool(call["args"].strip())

    def _starts_another(self, current: dict[str, Any], call_id: str, name: str) -> bool:
        if call_id and current["id"] and call_id != current["id"]:
            return True
        return bool(name and current["name"] and self._complete(current))

    def calls(self) -> list[ModelToolCall]:
        return finish_calls(
            (c["id"], c["name"], c["args"]) for c in self._calls if c["name"] or c["args"])


def finish_calls(items: Iterable[tuple[str, str, Any]]) -> list[ModelToolCall]:
    """ModelToolCalls with ids synthesized (`call_<n>`) where missing or repeated."""
    calls: list[ModelToolCall] = []
    used: set[str] = set()
    for n, (call_id, name, args) in enumerate(items):
        if not call_id or call_id in used:
            call_id = f"call_{n}"
        used.add(call_id)
        raw, parsed = parse_arguments(args)
        calls.append(ModelToolCall(call_id, name, raw, parsed))
    return calls


class ChatModelClient:
    def __init__(self, base_url: str, model: str, *, api_key: str | None = None,
                 transport: httpx.BaseTransport | None = None, timeout: float | None = None,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.endpoint = endpoint_label(self.base_url)
        self._sleep = sleep
        self._has_key = bool(api_key)
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        read = timeout if timeout is not None else DEFAULT_READ_TIMEOUT
        self._client = httpx.Client(
            base_url=self.base_url + "/", headers=headers,
            transport=transport or network_transport(self.base_url),
            timeout=httpx.Timeout(read, connect=min(CONNECT_TIMEOUT, read)),
            # A redirect is an error, never followed: the key must not travel to another
            # host, and a POST would not survive it anyway.
            follow_redirects=False,
        )
        self._read_timeout = read
        self._deadline = float("inf")

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> ChatModelClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- requests --------------------------------------------------------------------
    def _body(self, messages: Sequence[dict[str, Any]], tools: Sequence[dict[str, Any]] | None,
              stream: bool) -> dict[str, Any]:
        body: dict[str, Any] = {"model": self.model, "messages": list(messages),
                                "stream": stream}
        if tools:
            body["tools"] = list(tools)
        return body

    def complete(self, messages: Sequence[dict[str, Any]],
                 tools: Sequence[dict[str, Any]] | None = None) -> ModelReply:
        """One non-streaming request."""
        with self._open(self._body(messages, tools, stream=False)) as response:
            return self._read_json(response)

    def stream(self, messages: Sequence[dict[str, Any]],
               tools: Sequence[dict[str, Any]] | None = None, *,
               on_text: TextSink | None = None) -> ModelReply:
        """One streaming request; `on_text` gets each content fragment as it arrives."""
        with self._open(self._body(messages, tools, stream=True)) as response:
            ctype = response.headers.get("content-type", "")
            if "text/event-stream" not in ctype and ctype.startswith("application/json"):
                reply = self._read_json(response)  # the server ignored "stream": true
                if reply.content and on_text is not None:
                    on_text(reply.content)
                return reply
            return self._read_events(response, on_text)

    def _open(self, body: dict[str, Any]) -> Any:
        from contextlib import contextmanager

        @contextmanager
        def opened() -> Iterator[httpx.Response]:
            self._deadline = time.monotonic() + 2 * self._read_timeout
            with until(self._deadline):  # every socket read, the headers' too, ends by it
                response = self._send(body)
                try:
                    yield response
                except httpx.TimeoutException as exc:
                    raise self._timeout() from exc
                except httpx.TransportError as exc:
                    raise UpstreamError(
                        f"the {SERVICE} at {self.endpoint} stopped answering mid-way "
                        "(connection lost)", service=SERVICE) from exc
                finally:
                    response.close()

        return opened()

    def _timeout(self) -> UpstreamError:
        return UpstreamError(
            f"the {SERVICE} at {self.endpoint} did not answer in time "
            f"({self._read_timeout:g} s)", service=SERVICE,
            hint="a bigger model may need MYDW_HTTP_TIMEOUT=300")

    def _send(self, body: dict[str, Any]) -> httpx.Response:
        request = self._client.build_request("POST", "chat/completions", json=body)
        for attempt in range(MAX_RETRIES + 1):
            try:
                response = self._client.send(request, stream=True)
            except httpx.TimeoutException as exc:
                raise self._timeout() from exc
            except httpx.TransportError as exc:
                reason = ("no connection" if isinstance(exc, httpx.ConnectError)
                          else "connection lost")
                raise UpstreamError(
                    f"could not reach the {SERVICE} at {self.endpoint} ({reason})",
                    service=SERVICE,
                    hint="is the server running? check the llm-base-url setting") from exc
            if response.status_code in RETRY_STATUSES and attempt < MAX_RETRIES:
                wait = parse_retry_after(response.headers.get("retry-after"))
                response.close()
                self._sleep(min(MAX_RETRY_WAIT, 1.0 * 2**attempt if wait is None else wait)
                            * backoff_scale_from_env())
                continue
            if response.status_code >= 300:
                with contextlib.suppress(httpx.HTTPError):
                    response.read()
                response.close()
                raise self._status_error(response)
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _status_error(self, response: httpx.Response) -> UpstreamError:
        status = response.status_code
        detail = _detail(response)
        where = f"the {SERVICE} at {self.endpoint}"
        if status in (401, 403):
            if self._has_key:
                return UpstreamAuthError(f"{where} refused the API key ({status}: {detail})",
                                         service=SERVICE, hint=KEY_HINT)
            return UpstreamAuthError(f"{where} wants an API key ({status}: {detail})",
                                     service=SERVICE, hint=KEY_HINT)
        if status == 404:
            return UpstreamError(
                f"{where} has no such endpoint or model {self.model!r} ({status}: {detail})",
                service=SERVICE, hint="check the llm-base-url (often ending in /v1) and "
                "llm-model settings")
        if 300 <= status < 400:
            return UpstreamError(
                f"{where} answered with a redirect ({status}), which is not followed",
                service=SERVICE, hint="set llm-base-url to the address the server redirects to")
        if status >= 500:
            return UpstreamError(f"{where} is having trouble ({status}: {detail})",
                                 service=SERVICE, hint="try again later")
        return UpstreamError(f"{where} rejected the request ({status}: {detail})",
                             service=SERVICE)

    # -- responses -------------------------------------------------------------------
    def _bad(self, what: str) -> UpstreamError:
        return UpstreamError(f"the {SERVICE} at {self.endpoint} sent {what}", service=SERVICE)

    def _too_big(self) -> UpstreamError:
        return self._bad(f"an answer over {MAX_ANSWER_BYTES // 1_000_000} MB (not read further)")

    def _check_deadline(self) -> None:
        """One deadline per answer (twice the read timeout, from the request on): a server
        that drips one byte at a time never times out a read, but it runs out of this."""
        if time.monotonic() > self._deadline:
            raise self._timeout()

    def _read_json(self, response: httpx.Response) -> ModelReply:
        body = bytearray()
        for chunk in response.iter_bytes():
            body += chunk
            if len(body) > MAX_ANSWER_BYTES:
                raise self._too_big()
            self._check_deadline()
        try:
            data = json.loads(bytes(body))
        except (ValueError, UnicodeDecodeError, RecursionError):  # deep JSON: not an answer
            raise self._bad("an answer that is not JSON") from None
        if not isinstance(data, dict):
            raise self._bad("an unexpected answer (not a JSON object)")
        self._raise_embedded(data)
        choices = data.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise self._bad("an answer without choices")
        choice = choices[0]
        message = _obj(choice.get("message"))
        content = message.get("content")
        raw_calls = message.get("tool_calls")
        items: list[tuple[str, str, Any]] = []
        for raw in raw_calls if isinstance(raw_calls, list) else []:
            if not isinstance(raw, dict):
                continue
            function = _obj(raw.get("function"))
            name = _str(function.get("name"))
            if not name:
                continue
            call_id = _str(raw.get("id"))
            items.append((call_id, name, function.get("arguments")))
        finish = choice.get("finish_reason")
        return ModelReply(content=clean_escapes(content) if isinstance(content, str) else "",
                          tool_calls=finish_calls(items),
                          finish_reason=finish if isinstance(finish, str) else None)

    def _raise_embedded(self, data: dict[str, Any]) -> None:
        error = data.get("error")
        if error is None or data.get("choices"):
            return
        message = error.get("message") if isinstance(error, dict) else error
        text = " ".join(str(message or "an error").split())[:200]
        raise UpstreamError(f"the {SERVICE} at {self.endpoint} answered with an error: "
                            f"{text}", service=SERVICE)

    def _read_events(self, response: httpx.Response, on_text: TextSink | None) -> ModelReply:
        content: list[str] = []
        calls = ToolCallAccumulator()
        finish: str | None = None
        done = False
        read = 0
        for line in response.iter_lines():
            read += len(line) + 1
            if read > MAX_ANSWER_BYTES:
                raise self._too_big()
            self._check_deadline()
            if not line.startswith("data:"):
                continue  # blank lines, `: keep-alive` comments, `event:` / `id:` fields
            payload = line[5:].strip()
            if payload == "[DONE]":
                done = True
                break
            if not payload:
                continue
            try:
                chunk = json.loads(payload)
            except (ValueError, RecursionError):
                raise self._bad("a stream line that is not JSON") from None
            if not isinstance(chunk, dict):
                continue
            self._raise_embedded(chunk)
            choices = chunk.get("choices")
            if not isinstance(choices, list):
                continue
            for choice in choices[:1]:  # a usage chunk has no choices at all
                if not isinstance(choice, dict):
                    continue
                delta = _obj(choice.get("delta"))
                text = delta.get("content")
                if isinstance(text, str) and (text := clean_escapes(text)):  # no ESC, CSI
                    content.append(text)
                    if on_text is not None:
                        on_text(text)
                fragments = delta.get("tool_calls")
                for fragment in fragments if isinstance(fragments, list) else []:
                    calls.add(fragment)
                if isinstance(choice.get("finish_reason"), str):
                    finish = choice["finish_reason"]
        if not done and finish is None:
            raise self._bad("a stream that ended before its end")
        return ModelReply(content="".join(content), tool_calls=calls.calls(),
                          finish_reason=finish)
