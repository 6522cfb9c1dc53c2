"""The installed `mydw chat` against a fake OpenAI-compatible server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import socket
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from tests.conftest import MYDW, Mydw
from tests.fakes.openai import FAKE_LLM_KEY, Answer, Call, FakeOpenAI
from tests.fakes.tmdb import FAKE_TMDB_API_KEY, FakeTmdb

pytestmark = pytest.mark.e2e


@pytest.fixture
def llm() -> Iterator[FakeOpenAI]:
    with FakeOpenAI() as server:
        yield server


@pytest.fixture
def user(mydw: Mydw, llm: FakeOpenAI, tmdb: FakeTmdb) -> Mydw:
    mydw.env.update({"MYDW_TMDB_BASE_URL": tmdb.api_url, "MYDW_TMDB_API_KEY": FAKE_TMDB_API_KEY,
                     "MYDW_LLM_BASE_URL": llm.api_url, "MYDW_LLM_MODEL": "fake-model"})
    mydw.signup()
    return mydw


def test_a_tool_changes_the_database_and_continue_resends_the_history(
    user: Mydw, llm: FakeOpenAI
) -> None:
    llm.script(Answer(tool_calls=[Call("set_status", {"movie": "tt9000007", "status": "later"})]),
               Answer("Added The Cartographer's Daughter to your watchlist."),
               Answer("It is an adventure."))
    first = user.ok("chat", "-m", "add The Cartographer's Daughter to my watchlist", "--json")
    reply = first.json()
    assert reply["actions"] == [{"tmdb_id": 900007, "status": "later"}]
    assert [(m["tmdb_id"], m["status"]) for m in user.ok("list", "--json").json()] == [
        (900007, "later")]
    assert "authorization" not in llm.requests[0].headers
    user.ok("chat", "-m", "what kind of film?", "--continue", "--json",
            env={"MYDW_LLM_API_KEY": FAKE_LLM_KEY})
    sent = llm.bodies()[-1]["messages"]
    assert [(m["role"], m["content"].split("\n")[0]) for m in sent[1:]] == [
        ("user", "add The Cartographer's Daughter to my watchlist"),
        ("assistant", "Added The Cartographer's Daughter to your watchlist."),
        ("user", "what kind of film?")]
    assert llm.requests[-1].headers["authorization"] == f"Bearer {FAKE_LLM_KEY}"
    listed = user.ok("chat", "list", "--json").json()
    assert len(listed) == 1 and listed[0]["messages"] == 4


def test_the_step_cap_holds(user: Mydw, llm: FakeOpenAI) -> None:
    llm.default = Answer(tool_calls=[Call("list_my_movies", {"limit": 1})])
    result = user.ok("chat", "-m", "loop forever", "--json")
    assert llm.count("/v1/chat/completions") == 6  # 5 rounds of tools, then it stops
    assert "stopped after 5 rounds" in result.json()["reply"]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize("failure", ["401", "500", "unreachable"])
def test_a_failing_model_is_exit_5_and_saves_nothing(user: Mydw, llm: FakeOpenAI,
                                                      failure: str) -> None:
    env = {}
    if failure == "unreachable":
        env["MYDW_LLM_BASE_URL"] = f"http://127.0.0.1:{_closed_port()}/v1"
    else:
        llm.fail_next(10, status=int(failure), body={"error": {"message": "no luck"}})
    result = user("chat", "-m", "hello", "--json", env=env)
    assert result.returncode == 5, result.stderr
    assert result.stdout == ""
    error = json.loads(result.stderr)["error"]
    assert error["code"] == ("upstream_auth" if failure == "401" else "upstream")
    assert "/v1/chat/completions" in error["message"]
    assert user.ok("chat", "list", "--json").json() == []


def test_a_streamed_reply_with_server_quirks(user: Mydw, llm: FakeOpenAI) -> None:
    llm.script(Answer("Looking…", [Call("recommend", {"genre": "Animation", "min_rating": 0})],
                      no_index=True, no_id=True, object_arguments=True, one_fragment=True,
                      keepalive=True),
               Answer("Try Garden of Quiet Machines.", keepalive=True))
    result = user.ok("chat", "-m", "an animated film?")
    lines = result.stdout.splitlines()
    assert lines[:3] == ["Looking…", "", "Try Garden of Quiet Machines."]
    assert any("Garden of Quiet Machines (2018)" in line for line in lines[3:])
    assert json.loads(llm.bodies()[1]["messages"][-1]["content"])["filters"]["genres"] == [
        "Animation"]


def test_the_repl(user: Mydw, llm: FakeOpenAI, home: Path) -> None:
    llm.script(Answer("Hello there."))
    child = pexpect.spawn(MYDW, ["chat"], env=user.env, encoding="utf-8", timeout=20)
    child.expect("/help")
    child.expect("> ")
    child.sendline("hi")
    child.expect("Hello there.")
    child.expect("> ")
    llm.fail_next(1, status=500)
    child.sendline("again")
    child.expect("is having trouble")
    child.expect("> ")  # the REPL stays open after a model error
    llm.fail_next(1, status=None, delay=8)
    child.sendline("slow one")
    deadline = time.monotonic() + 10
    while llm.count("/v1/chat/completions") < 3 and time.monotonic() < deadline:
        time.sleep(0.02)  # until the request is in flight
    started = time.monotonic()
    child.sendintr()  # Ctrl-C cancels the turn in flight
    child.expect("cancelled")
    child.expect("> ")
    assert time.monotonic() - started < 4  # not the 8 s the server would take
    child.sendline("/new")
    child.expect("new session")
    child.sendline("fresh")
    child.expect("OK.")
    child.expect("> ")
    child.sendeof()  # Ctrl-D leaves
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    sessions = user.ok("chat", "list", "--json").json()
    assert sorted(s["messages"] for s in sessions) == [2, 2]  # nothing of the failed turns
    history = home / "chat_history"
    assert stat.S_IMODE(os.stat(history).st_mode) == 0o600
    assert "fresh" in history.read_text()
