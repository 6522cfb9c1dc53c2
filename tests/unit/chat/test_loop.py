"""The model loop: tool rounds until an answer, a step cap, errors back to the model."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from tests.fakes.openai import Answer, Call, FakeOpenAI

from mydw.clients.chat_model import ChatModelClient
from mydw.services.chat import loop
from mydw.services.chat.tools import ToolCall, ToolOutcome


@pytest.fixture
def fake() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


class Recorder:
    def __init__(self) -> None:
        self.calls: list[ToolCall] = []

    def __call__(self, call: ToolCall) -> ToolOutcome:
        self.calls.append(call)
        return ToolOutcome(call, True, [], None, [], {"echo": call.arguments})


def run(fake: FakeOpenAI, **options: object) -> tuple[loop.LoopResult, Recorder]:
    recorder = Recorder()
    client = ChatModelClient(fake.api_url, "fake-model", transport=fake.transport())
    messages = [{"role": "system", "content": "s"}, {"role": "user", "content": "u"}]
    return loop.run(client, messages, execute=recorder, **options), recorder  # type: ignore[arg-type]


def test_history_is_bounded_and_cut_only_before_a_user_message() -> None:
    stored = []
    for n in range(6):
        stored.append({"role": "user", "content": f"q{n}", "at": "x"})
        stored.append({"role": "assistant", "content": f"a{n}", "movies": [n] if n == 5 else []})
    stored.append({"role": "system", "content": "never resent"})
    assert [m["content"] for m in loop.bounded_history(stored, 4)] == [
        "q4", "a4", "q5", "a5\n[movies in this reply, TMDB ids: 5]"]
    assert [m["content"] for m in loop.bounded_history(stored, 3)] == [
        "q5", "a5\n[movies in this reply, TMDB ids: 5]"]
    assert all(set(m) == {"role", "content"} for m in loop.bounded_history(stored, 20))
    assert len(loop.bounded_history(stored, 20)) == 12


def test_tool_results_go_back_with_the_call_ids_then_the_answer(fake: FakeOpenAI) -> None:
    fake.script(Answer(tool_calls=[Call("recommend", {"genre": "Drama"}, id="call_A"),
                                   Call("get_movie", {"movie": "603"}, id="call_B")]),
                Answer("Here you are."))
    result, recorder = run(fake)
    assert result.content == "Here you are." and result.rounds == 1 and not result.capped
    assert [c.name for c in recorder.calls] == ["recommend", "get_movie"]
    second = fake.bodies()[1]["messages"]
    assert second[2]["role"] == "assistant" and second[2]["content"] is None
    assert [c["id"] for c in second[2]["tool_calls"]] == ["call_A", "call_B"]
    assert [(m["role"], m["tool_call_id"]) for m in second[3:]] == [
        ("tool", "call_A"), ("tool", "call_B")]
    assert json.loads(second[3]["content"]) == {"echo": {"genre": "Drama"}}
    assert "tool_choice" not in fake.bodies()[0]


def test_unparsable_arguments_go_back_to_the_model_as_an_error(fake: FakeOpenAI) -> None:
    fake.script(Answer(tool_calls=[Call("recommend", "{genre: Drama")]), Answer("Sorry."))
    result, recorder = run(fake)
    assert recorder.calls == [] and result.content == "Sorry."
    error = json.loads(fake.bodies()[1]["messages"][-1]["content"])["error"]
    assert error["code"] == "usage" and error["parameter"] == "arguments"
    assert result.outcomes[0].ok is False


def test_the_step_cap_holds(fake: FakeOpenAI) -> None:
    fake.default = Answer(tool_calls=[Call("list_my_movies", {})])
    result, recorder = run(fake, max_rounds=3)
    assert result.capped and result.rounds == 3 and len(recorder.calls) == 3
    assert fake.count("/v1/chat/completions") == 4
    assert "stopped after 3 rounds" in result.content


def test_streamed_text_of_every_round_is_shown_and_kept(fake: FakeOpenAI) -> None:
    fake.script(Answer("Let me check.", [Call("recommend", {})]), Answer("Done: two films."))
    shown: list[str] = []
    result, _ = run(fake, stream=True, on_text=shown.append)
    assert "".join(shown) == "Let me check.\n\nDone: two films."
    assert result.content == "Let me check.\n\nDone: two films."


def test_a_tool_call_written_as_text_is_run_not_shown(fake: FakeOpenAI) -> None:
    fake.script(Answer('```json\n{"name": "recommend", "parameters": {"genre": "Horror"}}\n```',
                       chunk_size=3),
                Answer("Two horror films."))
    shown: list[str] = []
    _result, recorder = run(fake, stream=True, on_text=shown.append)
    assert [(c.name, c.arguments) for c in recorder.calls] == [("recommend", {"genre": "Horror"})]
    assert "".join(shown) == "Two horror films."
    assert fake.bodies()[1]["messages"][2]["tool_calls"][0]["function"]["name"] == "recommend"


def test_json_that_is_not_a_tool_call_is_shown(fake: FakeOpenAI) -> None:
    fake.script(Answer('{"not": "a call"}'))
    shown: list[str] = []
    _result, recorder = run(fake, stream=True, on_text=shown.append)
    assert recorder.calls == [] and "".join(shown) == '{"not": "a call"}'


def test_an_empty_answer_says_so(fake: FakeOpenAI) -> None:
    fake.script(Answer(""))
    result, _ = run(fake, lang="fr")
    assert result.content == "(Le modèle n'a pas répondu.)"
