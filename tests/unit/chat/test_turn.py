"""A chat turn: which assistant answers, what is saved (all, nothing, or a note), and
never a marked movie among the suggestions."""

from __future__ import annotations

import json
import sys
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from tests.conftest import Cli
from tests.fakes.openai import Answer, Call, FakeOpenAI
from tests.fakes.tmdb import FAKE_TMDB_API_KEY, FakeTmdb

from mydw.services.chat.tools import ToolCall, ToolOutcome


@pytest.fixture
def llm(router: Any) -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        router.add(server)
        yield server


@pytest.fixture
def online(cli: Cli, tmdb: FakeTmdb, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("MYDW_TMDB_BASE_URL", tmdb.api_url)
    monkeypatch.setenv("MYDW_TMDB_API_KEY", FAKE_TMDB_API_KEY)
    cli.signup()
    return cli


@pytest.fixture
def model(online: Cli, llm: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("MYDW_LLM_BASE_URL", llm.api_url)
    monkeypatch.setenv("MYDW_LLM_MODEL", "fake-model")
    return online


def chat(cli: Cli, *args: str) -> Any:
    return cli.ok("chat", "--json", *args).json()


def stored(cli: Cli, session_id: str) -> list[dict[str, Any]]:
    return cli.ok("chat", "show", session_id, "--json").json()["conversation"]


# --------------------------------------------------------------------------- the model


def test_a_model_turn_runs_tools_and_saves_one_exchange(model: Cli, llm: FakeOpenAI) -> None:
    llm.script(Answer(tool_calls=[Call("set_status", {"movie": "Quantum Orchard",
                                                      "status": "seen"})]),
               Answer("Done: Quantum Orchard is marked as seen."))
    reply = chat(model, "-m", "I watched Quantum Orchard")
    assert reply["assistant"] == "fake-model"
    assert reply["reply"] == "Done: Quantum Orchard is marked as seen."
    assert reply["actions"] == [{"tmdb_id": 900004, "status": "seen"}]
    assert [(m["tmdb_id"], m["status"]) for m in reply["movies"]] == [(900004, "seen")]
    assert reply["filters"] is None
    assert [m["tmdb_id"] for m in model.ok("list", "--json").json()] == [900004]
    conversation = stored(model, reply["session_id"])
    assert [(m["role"], m["content"]) for m in conversation] == [
        ("user", "I watched Quantum Orchard"), ("assistant", reply["reply"])]
    assert conversation[1]["movies"] == [900004]
    assert conversation[1]["actions"] == [{"tmdb_id": 900004, "status": "seen"}]
    assert all(m["at"].endswith("Z") for m in conversation)
    system = llm.bodies()[0]["messages"][0]
    assert system["role"] == "system" and "never invent" in system["content"]


def test_continue_resends_the_stored_exchanges_without_tool_rounds(
    model: Cli, llm: FakeOpenAI
) -> None:
    llm.script(Answer(tool_calls=[Call("get_movie", {"movie": "900004"})]),
               Answer("Quantum Orchard is about apples."), Answer("You are welcome."))
    first = chat(model, "-m", "tell me about Quantum Orchard", "--lang", "fr")
    second = chat(model, "-m", "thanks", "--continue")
    assert second["session_id"] == first["session_id"]
    sent = llm.bodies()[-1]["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
    assert sent[1]["content"] == "tell me about Quantum Orchard"
    assert sent[2]["content"].startswith("Quantum Orchard is about apples.")
    assert "900004" in sent[2]["content"]
    assert "Answer in English" in sent[0]["content"]  # rebuilt each turn, in this turn's lang
    assert "Answer in French" in llm.bodies()[0]["messages"][0]["content"]
    assert len(stored(model, first["session_id"])) == 4


def test_the_history_sent_is_bounded_by_llm_history(model: Cli, llm: FakeOpenAI,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    first = chat(model, "-m", "one")
    for text in ("two", "three"):
        chat(model, "-m", text, "--session", first["session_id"][:8])
    monkeypatch.setenv("MYDW_LLM_HISTORY", "3")
    chat(model, "-m", "four", "--continue")
    assert [m["content"] for m in llm.bodies()[-1]["messages"][1:]] == ["three", "OK.", "four"]


def test_a_failed_model_saves_nothing(model: Cli, llm: FakeOpenAI) -> None:
    first = chat(model, "-m", "hello")
    llm.fail_next(10, status=500, body={"error": {"message": "boom"}})
    failed = model("chat", "--json", "-m", "again", "--continue")
    assert failed.returncode == 5 and failed.stdout == ""
    error = json.loads(failed.stderr)["error"]
    assert error["code"] == "upstream" and "/v1/chat/completions" in error["message"]
    assert "session_id" not in error
    assert len(stored(model, first["session_id"])) == 2
    assert model.ok("chat", "list", "--json").json()[0]["messages"] == 2


def test_a_model_failing_after_a_status_change_saves_a_note(model: Cli, llm: FakeOpenAI) -> None:
    llm.script(Answer(tool_calls=[Call("set_status", {"movie": "900006", "status": "later"})]))
    llm.script(lambda body: _boom())
    failed = model("chat", "--json", "-m", "add Midnight Paperwork to my watchlist")
    assert failed.returncode == 5, failed.stderr
    error = json.loads(failed.stderr)["error"]
    conversation = stored(model, error["session_id"])
    assert conversation[0]["content"] == "add Midnight Paperwork to my watchlist"
    note = conversation[1]
    assert note["actions"] == [{"tmdb_id": 900006, "status": "later"}]
    assert "Midnight Paperwork (2015) → later" in note["content"]
    assert "the model failed" in note["content"]
    assert model.ok("list", "--json").json()[0]["status"] == "later"


def _boom() -> Answer:
    from mydw.domain.errors import UpstreamError

    raise UpstreamError("the chat model at http://x/v1/chat/completions went away")


def test_ctrl_c_during_a_turn_saves_nothing_and_exits_130(model: Cli, llm: FakeOpenAI) -> None:
    def interrupt(body: dict[str, Any]) -> Answer:
        raise KeyboardInterrupt

    llm.script(interrupt)
    result = model("chat", "--json", "-m", "hello")
    assert result.returncode == 130
    assert json.loads(result.stderr)["error"]["code"] == "interrupted"
    assert model.ok("chat", "list", "--json").json() == []


def test_a_model_url_without_a_model_name_is_a_config_error(
    online: Cli, llm: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MYDW_LLM_BASE_URL", llm.api_url)
    result = online("chat", "-m", "hello")
    assert result.returncode == 1
    assert "llm-model" in result.stderr
    assert llm.count() == 0


def test_the_key_header_only_when_configured(model: Cli, llm: FakeOpenAI) -> None:
    chat(model, "-m", "hello")
    assert "authorization" not in llm.requests[-1].headers
    result = model.ok("chat", "--json", "-m", "hello", env={"MYDW_LLM_API_KEY": "sk-test"})
    assert result.json()["reply"] == "OK."
    assert llm.requests[-1].headers["authorization"] == "Bearer sk-test"


def test_suggestions_never_include_a_marked_movie(model: Cli, llm: FakeOpenAI,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    model.ok("mark", "seen", "900011")
    from mydw.services import catalog, discover

    real = discover.discover

    def leaky(ctx: Any, user_id: int, **options: Any) -> Any:  # a service bug, say
        result = real(ctx, user_id, **options)
        marked = catalog.show(ctx, "900011", user_id=None)
        return discover.DiscoverResult([marked, *result.movies], result.source)

    monkeypatch.setattr(discover, "discover", leaky)
    llm.script(Answer(tool_calls=[Call("recommend", {"min_rating": 0})]),
               Answer("Garden of Quiet Machines and others."))
    reply = chat(model, "-m", "something good")
    tool_result = json.loads(llm.bodies()[1]["messages"][-1]["content"])
    assert 900011 not in [m["tmdb_id"] for m in tool_result["movies"]]
    assert 900011 not in [m["tmdb_id"] for m in reply["movies"]]
    assert reply["movies"] and reply["filters"]["min_rating"] == 0


def test_the_movies_of_a_reply_are_those_it_names(model: Cli, llm: FakeOpenAI) -> None:
    llm.script(Answer(tool_calls=[Call("search_movies", {"query": "lighthouse keeper"})]),
               Answer("The 1998 one, The Lighthouse Keeper, is the original."))
    reply = chat(model, "-m", "lighthouse keeper?")
    assert {m["tmdb_id"] for m in reply["movies"]} == {900001, 900002}
    llm.script(Answer(tool_calls=[Call("search_movies", {"query": "lighthouse keeper"}),
                                  Call("get_movie", {"movie": "900004"})]),
               Answer("Nothing I can name."))
    reply = chat(model, "-m", "again")
    assert [m["tmdb_id"] for m in reply["movies"]] == [900004]  # the last tool result's


# --------------------------------------------------------------------------- the built-in


@dataclass
class StandInReply:
    content: str
    outcomes: list[ToolOutcome] = field(default_factory=list)
    pending: dict[str, Any] | None = None


def install_builtin(monkeypatch: pytest.MonkeyPatch, respond: Callable[..., StandInReply]) -> None:
    """A stand-in for services/chat/builtin.py (contract 4), for these tests only."""
    import mydw.services.chat as package

    module = types.ModuleType("mydw.services.chat.builtin")
    module.respond = respond  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "mydw.services.chat.builtin", module)
    monkeypatch.setattr(package, "builtin", module, raising=False)


def test_the_builtin_answers_without_a_model_through_the_tools(
    online: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[dict[str, Any]] = []

    def respond(ctx: Any, user_id: int, text: str, *, lang: str,
                history: list[dict[str, Any]],
                execute: Callable[[ToolCall], ToolOutcome]) -> StandInReply:
        seen.append({"text": text, "lang": lang, "history": history})
        if text == "2":
            outcome = execute(ToolCall("set_status", {"movie": "900002", "status": "seen"}))
            return StandInReply("Marked.", [outcome])
        outcome = execute(ToolCall("recommend", {"genre": "Drama", "min_rating": 0}))
        return StandInReply("Des drames :", [outcome], pending={"choices": [900001, 900002]})

    install_builtin(monkeypatch, respond)
    first = chat(online, "-m", "des drames", "--lang", "fr")
    assert first["assistant"] == "builtin" and first["reply"] == "Des drames :"
    assert first["filters"]["genres"] == ["Drama"]
    assert first["movies"] and all(m["status"] is None for m in first["movies"])
    assert stored(online, first["session_id"])[1]["pending"] == {"choices": [900001, 900002]}
    second = chat(online, "-m", "2", "--continue", "--lang", "fr")
    assert seen[1]["history"][1]["pending"] == {"choices": [900001, 900002]}
    assert seen[1]["lang"] == "fr"
    assert second["actions"] == [{"tmdb_id": 900002, "status": "seen"}]


def test_builtin_flag_wins_over_a_configured_model(
    model: Cli, llm: FakeOpenAI, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_builtin(monkeypatch, lambda *a, **k: StandInReply("built-in here"))
    reply = chat(model, "-m", "hello", "--builtin")
    assert reply["assistant"] == "builtin" and reply["reply"] == "built-in here"
    assert llm.count() == 0
