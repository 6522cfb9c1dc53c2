"""`mydw chat` at the command line: -m, sessions, errors, and a start-up that loads no chat."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import Cli
from tests.fakes.openai import Answer, Call, FakeOpenAI
from tests.fakes.tmdb import FAKE_TMDB_API_KEY, FakeTmdb

CHAT_MODULES = ("mydw.services.chat", "mydw.clients.chat_model", "readline", "rapidfuzz")


@pytest.fixture
def llm(router: Any) -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        router.add(server)
        yield server


@pytest.fixture
def model(cli: Cli, tmdb: FakeTmdb, llm: FakeOpenAI, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("MYDW_TMDB_BASE_URL", tmdb.api_url)
    monkeypatch.setenv("MYDW_TMDB_API_KEY", FAKE_TMDB_API_KEY)
    monkeypatch.setenv("MYDW_LLM_BASE_URL", llm.api_url)
    monkeypatch.setenv("MYDW_LLM_MODEL", "fake-model")
    cli.signup()
    return cli


def test_one_turn_for_people_prints_the_reply_then_the_movies(model: Cli,
                                                             llm: FakeOpenAI) -> None:
    llm.script(Answer(tool_calls=[Call("get_movie", {"movie": "tt9000004"})]),
               Answer("Quantum Orchard: apples in every timeline."))
    result = model.ok("chat", "-m", "what is Quantum Orchard?")
    lines = result.stdout.splitlines()
    assert lines[0] == "Quantum Orchard: apples in every timeline."
    assert "Quantum Orchard (2021)" in lines[1] and "tmdb:900004" in lines[1]
    assert "session " in result.stderr
    plain = model.ok("chat", "-m", "and?", "--no-stream", "--continue")
    assert plain.stdout == "OK.\n"
    assert llm.bodies()[-1]["stream"] is False and llm.bodies()[0]["stream"] is True


def test_the_json_of_one_turn(model: Cli) -> None:
    data = model.ok("chat", "-m", "hello", "--json").json()
    assert set(data) == {"session_id", "reply", "movies", "filters", "actions", "assistant"}
    assert data["reply"] == "OK." and data["movies"] == [] and data["actions"] == []


def test_list_show_delete(model: Cli) -> None:
    first = model.ok("chat", "-m", "first question", "--json").json()["session_id"]
    second = model.ok("chat", "-m", "second question", "--json").json()["session_id"]
    listed = model.ok("chat", "list", "--json").json()
    assert [s["id"] for s in listed] == [second, first]
    assert listed[0]["title"] == "second question" and listed[0]["messages"] == 2
    assert set(listed[0]) == {"id", "title", "created_on", "updated_on", "messages"}
    human = model.ok("chat", "list").stdout
    assert second[:8] in human and "second question" in human
    shown = model.ok("chat", "show", first[:5], "--json").json()
    assert shown["id"] == first and shown["conversation"][0]["content"] == "first question"
    assert "you: first question" in model.ok("chat", "show", first).stdout
    assert model.ok("chat", "delete", first, "--json").json() == {"deleted": first}
    missing = model("chat", "show", first, "--json")
    assert missing.returncode == 4
    assert json.loads(missing.stderr)["error"]["code"] == "not_found"


def test_an_ambiguous_prefix_lists_the_sessions(model: Cli) -> None:
    # 17 sessions: two of them share a first hex digit
    ids = [model.ok("chat", "-m", f"q{n}", "--json").json()["session_id"] for n in range(17)]
    shared = next(a[0] for a in ids if sum(b[0] == a[0] for b in ids) > 1)
    result = model("chat", "show", shared, "--json")
    assert result.returncode == 4
    error = json.loads(result.stderr)["error"]
    assert error["code"] == "ambiguous"
    assert all(i in error["message"] for i in ids if i.startswith(shared))


def test_chat_needs_a_logged_in_user(cli: Cli) -> None:
    result = cli("chat", "-m", "hello", "--json")
    assert result.returncode == 3
    assert json.loads(result.stderr)["error"]["code"] == "not_logged_in"


def test_session_and_continue_together_are_a_usage_error(model: Cli) -> None:
    result = model("chat", "-m", "x", "--session", "abc", "--continue")
    assert result.returncode == 2


def test_the_model_failing_is_exit_5_naming_the_endpoint(model: Cli, llm: FakeOpenAI) -> None:
    llm.fail_next(10, status=401, body={"error": {"message": "Incorrect API key provided."}})
    result = model("chat", "-m", "hello")
    assert result.returncode == 5
    assert f"{llm.api_url}/chat/completions" in result.stderr
    assert "Incorrect API key" in result.stderr
    assert model.ok("chat", "list", "--json").json() == []


@pytest.mark.parametrize("args", [("--help",), ("whoami", "--help"), ("chat", "--help"),
                                  ("list", "--help")])
def test_start_up_imports_nothing_of_chat(args: tuple[str, ...]) -> None:
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "mydw", *args],
                          capture_output=True, text=True, check=False)
    imported = {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines()
                if line.startswith("import time:") and "|" in line}
    assert "typer" in imported
    loaded = {m for m in imported for c in CHAT_MODULES if m == c or m.startswith(c + ".")}
    assert not loaded, loaded


def test_the_builtin_leaves_out_the_genre_the_user_said_no_to(model: Cli) -> None:
    # Through the real tools and discover, against the fake TMDB.
    every = model.ok("discover", "--min-rating", "0", "--min-votes", "0", "--limit", "50",
                     "--json").json()
    assert any(18 in m["genre_ids"] for m in every)  # dramas exist
    data = model.ok("chat", "-m", "no drama please, anything rated above 1", "--builtin",
                    "--json").json()
    assert data["filters"]["without_genres"] == ["Drama"]
    assert data["movies"] and all(18 not in m["genre_ids"] for m in data["movies"])
    assert "no Drama" in data["reply"].splitlines()[0]
