"""The model loop: send the conversation, run the tools it asks for, until it answers.

One turn is at most `max_rounds` rounds of tool calls (5 by default, as llm's chain limit):
a model still asking for tools after that gets no more, and the reply says so. A tool call
whose arguments are not a JSON object, or that fails, goes back to the model as
`{"error": {...}}` with the stable code: the model can correct itself; nothing crashes.

The history sent is bounded (`bounded_history`): the last N stored messages, cut only
before a user message. Tool rounds of earlier turns are neither stored nor resent (their
outcome is in the assistant's reply, whose movies' TMDB ids are appended when resent).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mydw.domain.errors import UsageError
from mydw.services.chat.tools import TOOL_NAMES, TOOL_SCHEMAS, ToolCall, ToolOutcome, failed

if TYPE_CHECKING:
    from mydw.clients.chat_model import ChatModelClient, ModelReply, ModelToolCall

MAX_ROUNDS = 5

Executor = Callable[[ToolCall], ToolOutcome]
TextSink = Callable[[str], None]

_CAPPED = {
    "en": "(I stopped after {n} rounds of tool calls without a final answer; "
          "try a more precise request.)",
    "fr": "(Je me suis arrêté après {n} tours d'appels d'outils sans réponse finale ; "
          "essayez une demande plus précise.)",
}
_EMPTY = {"en": "(The model gave no answer.)", "fr": "(Le modèle n'a pas répondu.)"}


@dataclass
class LoopResult:
    content: str  # the reply as the user saw it (every round's text)
    outcomes: list[ToolOutcome] = field(default_factory=list)
    rounds: int = 0  # rounds of tool calls run
    capped: bool = False


# --------------------------------------------------------------------------- history


def bounded_history(conversation: Sequence[dict[str, Any]], limit: int) -> list[dict[str, Any]]:
    """The stored conversation as wire messages: the last `limit` or fewer, starting with a
    user message (never cut between a request and its reply)."""
    wire: list[dict[str, Any]] = []
    for message in conversation:
        role, content = message.get("role"), message.get("content")
        if role not in ("user", "assistant") or not isinstance(content, str):
            continue
        if role == "assistant":
            content = _with_movie_ids(content, message.get("movies"))
        wire.append({"role": role, "content": content})
    window = wire[-limit:] if limit > 0 else []
    while window and window[0]["role"] != "user":
        window.pop(0)
    return window


def _with_movie_ids(content: str, movies: Any) -> str:
    ids = [m for m in movies if isinstance(m, int) and not isinstance(m, bool)] \
        if isinstance(movies, list) else []
    if not ids:
        return content
    return f"{content}\n[movies in this reply, TMDB ids: {', '.join(map(str, ids))}]"


# --------------------------------------------------------------------------- tool calls


def text_tool_calls(content: str) -> list[ToolCall]:
    """Tool calls that a model wrote as text (`{"name": "recommend", "arguments": {...}}`,
    also `parameters`, a list of them, or inside a ```json fence) — LM Studio and small
    local models do this. [] when the text is anything else."""
    text = content.strip()
    if text.startswith("```"):
        text = text.strip("`").strip()
        if text.lower().startswith("json"):
            text = text[4:].strip()
    if not text.startswith(("{", "[")):
        return []
    try:
        data = json.loads(text)
    except ValueError:
        return []
    items = data if isinstance(data, list) else [data]
    calls: list[ToolCall] = []
    for item in items:
        if not isinstance(item, dict) or item.get("name") not in TOOL_NAMES:
            return []
        args = item.get("arguments", item.get("parameters", {}))
        if isinstance(args, str):
            try:
                args = json.loads(args or "{}")
            except ValueError:
                return []
        if not isinstance(args, dict):
            return []
        calls.append(ToolCall(str(item["name"]), args))
    return calls


def _as_model_calls(calls: Sequence[ToolCall], offset: int) -> list[ModelToolCall]:
    from mydw.clients.chat_model import ModelToolCall

    return [ModelToolCall(f"call_{offset + n}", c.name,
                          json.dumps(c.arguments, ensure_ascii=False), c.arguments)
            for n, c in enumerate(calls)]


class _Display:
    """Passes streamed text on, holding back text that may be a tool call written as
    JSON (shown only once it turns out not to be one); separates rounds by a blank line."""

    def __init__(self, sink: TextSink | None) -> None:
        self.sink = sink
        self.shown = False
        self.held = ""
        self.passing = False

    def start_round(self) -> None:
        self.held, self.passing = "", False

    def __call__(self, text: str) -> None:
        if self.sink is None:
            return
        if self.passing:
            self.sink(text)
            return
        self.held += text
        head = self.held.lstrip()
        if not head or head.startswith(("{", "[", "`")):
            return
        self.passing = True
        self._emit(self.held.lstrip() if not self.shown else self.held)

    def _emit(self, text: str) -> None:
        if self.sink is None or not text:
            return
        if self.shown:
            text = "\n\n" + text.lstrip()
        self.sink(text)
        self.shown = True

    def flush(self) -> None:
        if not self.passing and self.held.strip():
            self._emit(self.held.strip())
        self.held = ""


# --------------------------------------------------------------------------- the loop


def run(client: ChatModelClient, messages: list[dict[str, Any]], *, execute: Executor,
        lang: str = "en", max_rounds: int = MAX_ROUNDS, stream: bool = False,
        on_text: TextSink | None = None,
        outcomes: list[ToolOutcome] | None = None) -> LoopResult:
    """Run the conversation `messages` (system prompt first) to the model's answer.

    `outcomes` (a list the caller owns) receives every tool outcome as it happens, so a
    caller still knows what was changed when the model fails mid-turn.
    """
    done: list[ToolOutcome] = outcomes if outcomes is not None else []
    display = _Display(on_text)
    texts: list[str] = []
    rounds = 0
    while True:
        display.start_round()
        reply: ModelReply = (client.stream(messages, TOOL_SCHEMAS, on_text=display) if stream
                             else client.complete(messages, TOOL_SCHEMAS))
        calls = reply.tool_calls
        content = reply.content
        if not calls and (written := text_tool_calls(content)):
            calls, content = _as_model_calls(written, offset=rounds * 100), ""
            display.held = ""
        display.flush()
        if not stream and content.strip() and on_text is not None:
            display(content)
            display.flush()
        if content.strip():
            texts.append(content.strip())
        if not calls:
            break
        if rounds >= max_rounds:
            note = _CAPPED.get(lang, _CAPPED["en"]).format(n=max_rounds)
            texts.append(note)
            if on_text is not None:
                display.start_round()
                display(note)
                display.flush()
            return LoopResult("\n\n".join(texts), done, rounds, capped=True)
        rounds += 1
        messages.append({"role": "assistant", "content": content or None,
                         "tool_calls": [c.wire() for c in calls]})
        for call in calls:
            tool_call = ToolCall(call.name, call.arguments or {}, call.id)
            if call.arguments is None:
                outcome = failed(tool_call, UsageError(
                    f"arguments must be a JSON object (got {call.raw_arguments[:80]!r})",
                    parameter="arguments"))
            else:
                outcome = execute(tool_call)
            done.append(outcome)
            messages.append({"role": "tool", "tool_call_id": call.id,
                             "content": json.dumps(outcome.data, ensure_ascii=False)})
    if not texts:
        texts.append(_EMPTY.get(lang, _EMPTY["en"]))
        if on_text is not None:
            display.start_round()
            display(texts[0])
            display.flush()
    return LoopResult("\n\n".join(texts), done, rounds)
