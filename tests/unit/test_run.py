"""The in-process core: `run(argv, context)` is the one error boundary and returns the code."""

from __future__ import annotations

import json

import pytest
from tests.conftest import Cli
from tests.fakes.tmdb import FAKE_TMDB_API_KEY, FakeTmdb


@pytest.fixture
def online(cli: Cli, tmdb: FakeTmdb, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("MYDW_TMDB_BASE_URL", tmdb.api_url)
    monkeypatch.setenv("MYDW_TMDB_API_KEY", FAKE_TMDB_API_KEY)
    return cli


def test_a_command_runs_in_process_against_the_fakes(online: Cli, tmdb: FakeTmdb) -> None:
    online.signup()
    found = online.ok("search", "lighthouse keeper", "--json").json()
    assert {m["tmdb_id"] for m in found} == {900001, 900002}
    assert tmdb.count("/3/search/movie") == 1
    online.ok("mark", "seen", "900001")
    listed = online.ok("list", "--json").json()
    assert [(m["tmdb_id"], m["status"]) for m in listed] == [(900001, "seen")]


def test_json_errors_are_one_object_on_stderr_and_nothing_on_stdout(cli: Cli) -> None:
    result = cli("whoami", "--json")
    assert result.returncode == 3
    assert result.stdout == ""
    error = json.loads(result.stderr)["error"]
    assert error["code"] == "not_logged_in"
    assert error["exit_code"] == 3
    assert error["message"]


def test_a_usage_error_has_the_code_usage_and_exit_2(cli: Cli) -> None:
    result = cli("list", "--limit", "lots", "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    assert json.loads(result.stderr)["error"]["code"] == "usage"
    human = cli("list", "--limit", "lots")
    assert human.returncode == 2
    assert human.stderr.startswith("mydw: error: ")
    assert "Traceback" not in human.stderr


def test_a_service_parameter_is_shown_as_the_commands_flag(cli: Cli) -> None:
    result = cli("search", "keeper", "--offline", "--limit", "1000")
    assert result.returncode in (1, 2)
    assert "--limit" in result.stderr
    data = json.loads(cli("search", "keeper", "--offline", "--limit", "1000", "--json").stderr)
    assert data["error"]["parameter"] == "limit"


def test_no_arguments_prints_the_help_on_stderr_with_exit_2(cli: Cli) -> None:
    result = cli()
    assert result.returncode == 2
    assert "Usage: mydw" in result.stderr
    assert result.stdout == ""


def test_an_upstream_that_never_answers_falls_back_to_the_cache(
    online: Cli, tmdb: FakeTmdb
) -> None:
    online.ok("search", "lighthouse keeper")
    tmdb.fail_next(10, status=None, delay=60)
    result = online("search", "keeper", "--refresh", "--json",
                    env={"MYDW_HTTP_TIMEOUT": "0.5"})
    assert result.returncode == 0
    assert {m["tmdb_id"] for m in result.json()} >= {900001, 900002}
    assert "local cache" in result.stderr
