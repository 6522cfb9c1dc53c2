"""What a user noticed (issue 8): each test failed before its fix."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.fakes.tmdb import FAKE_TMDB_API_KEY, FAKE_TMDB_TOKEN


@pytest.fixture
def at_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Prompts are allowed (as if a person were at the terminal)."""
    from mydw.cli import output

    monkeypatch.setattr(output, "interactive", lambda: True)


def _answers(monkeypatch: pytest.MonkeyPatch, visible: list[str], hidden: list[str]) -> list[str]:
    """Feed the prompts: `visible` to input(), `hidden` to getpass; returns the prompts asked."""
    from typer._click import termui

    asked: list[str] = []
    seen: Iterator[str] = iter(visible)
    secret: Iterator[str] = iter(hidden)

    def fake_input(prompt: str = "") -> str:
        asked.append("visible")
        return next(seen)

    def fake_getpass(prompt: str = "") -> str:
        asked.append("hidden")
        return next(secret)

    monkeypatch.setattr(termui, "visible_prompt_func", fake_input)
    monkeypatch.setattr(termui, "hidden_prompt_func", fake_getpass)
    return asked


# --------------------------------------------------------------------------- search


def test_search_joins_unquoted_words_into_one_query(online: Cli) -> None:
    found = online.ok("search", "lighthouse", "keeper", "--json").json()
    assert {m["tmdb_id"] for m in found} == {900001, 900002}


def test_search_with_no_result_names_the_year(online: Cli) -> None:
    result = online.ok("search", "dune", "--year", "1900")
    assert result.stdout == ""
    assert "no movie matches 'dune' from 1900" in result.stderr.lower()


# --------------------------------------------------------------------------- list


def test_list_of_several_statuses_shows_each_movies_status(online: Cli) -> None:
    online.signup()
    online.ok("mark", "seen", "900001")
    online.ok("mark", "later", "900003")
    lines = online.ok("list", "-s", "seen", "-s", "later").stdout.splitlines()
    keeper = [line for line in lines if "Lighthouse Keeper" in line]
    summer = [line for line in lines if "Burning Summer" in line]
    assert len(keeper) == 1 and len(summer) == 1, lines
    assert "seen" in keeper[0] and "later" in summer[0]


def test_a_filtered_list_with_no_match_says_so_and_counts_your_movies(online: Cli) -> None:
    online.signup()
    online.ok("mark", "seen", "900001", "900003")
    result = online.ok("list", "--status", "later")
    assert result.stdout == ""
    assert "mark some" not in result.stderr.lower()
    assert "no movie matches the filters" in result.stderr.lower()
    assert "2" in result.stderr
    empty = Cli(router=online.router)
    empty("logout")
    empty.signup("bob@example.com")
    assert "mark some" in empty.ok("list").stderr.lower()


# --------------------------------------------------------------------------- stats


def test_stats_shows_the_years_the_json_has(online: Cli) -> None:
    online.signup()
    online.ok("mark", "seen", "900001", "900002")
    data = online.ok("stats", "--json").json()
    years = [entry["year"] for entry in data["years"]]
    assert years == [1998, 2019]
    shown = online.ok("stats").stdout
    assert "1998" in shown and "2019" in shown


# --------------------------------------------------------------------------- config set


def test_a_secret_is_read_from_a_pipe(cli: Cli) -> None:
    cli.ok("config", "set", "tmdb-api-key", input=FAKE_TMDB_API_KEY + "\n")
    got = cli.ok("config", "get", "tmdb-api-key", "--reveal").stdout.strip()
    assert got == FAKE_TMDB_API_KEY
    cli.ok("config", "set", "tmdb-api-key", input=FAKE_TMDB_TOKEN + "\n")


def test_a_key_of_the_wrong_format_is_refused_when_it_is_set(cli: Cli) -> None:
    result = cli("config", "set", "tmdb-api-key", "not-a-key")
    assert result.returncode == 1
    assert "32 hex" in result.stderr
    assert cli.ok("config", "get", "tmdb-api-key", "--json").json()["value"] is None
    piped = cli("config", "set", "tmdb-api-key", input="0123\n")
    assert piped.returncode == 1 and "32 hex" in piped.stderr


# --------------------------------------------------------------------------- prompts


def test_end_of_input_at_a_prompt_is_one_line_of_ours(cli: Cli, at_terminal: None) -> None:
    result = cli("login", input="")
    assert result.returncode == 1
    assert "Aborted" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert len(errors) == 1 and errors[0].startswith("mydw: error: ")


def test_ctrl_c_at_a_prompt_exits_130_with_one_line(
    cli: Cli, at_terminal: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer._click import termui

    def interrupted(prompt: str = "") -> str:
        raise KeyboardInterrupt

    monkeypatch.setattr(termui, "visible_prompt_func", interrupted)
    result = cli("login")
    assert result.returncode == 130
    assert "Aborted" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if "error:" in line]
    assert errors == ["mydw: error: interrupted"]
    as_json = cli("login", "--json")
    assert as_json.returncode == 130 and as_json.stdout == ""
    assert json.loads(as_json.stderr.strip().splitlines()[-1])["error"]["code"] == "interrupted"


def test_signup_checks_the_password_length_before_asking_to_confirm(
    cli: Cli, at_terminal: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _answers(monkeypatch, ["Grace", "Hopper", "grace@example.com"],
             ["short", "hunter2hunter2", "hunter2hunter2"])
    result = cli("signup")
    assert result.returncode == 0, result.stderr
    # "short" is refused at once: the confirmation is asked once, for the good password
    assert result.stderr.count("Repeat for confirmation") == 1
    assert result.stderr.index("at least 8") < result.stderr.index("Repeat for confirmation")


def test_a_password_mismatch_shows_our_message_and_asks_again(
    cli: Cli, at_terminal: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _answers(monkeypatch, ["Grace", "Hopper", "grace@example.com"],
             ["hunter2hunter2", "something else", "hunter2hunter2", "hunter2hunter2"])
    result = cli("signup")
    assert result.returncode == 0, result.stderr
    assert "The two entered values do not match" not in result.stderr  # Click's own
    assert "passwords do not match" in result.stderr
    assert cli.ok("whoami", "--json").json()["email"] == "grace@example.com"


def test_signing_up_while_logged_in_says_who_was_logged_out(cli: Cli) -> None:
    cli.signup("ada@example.com")
    second = cli.signup("bob@example.com")
    assert "ada@example.com" in second.stderr and "logged out" in second.stderr
    assert cli.ok("whoami", "--json").json()["email"] == "bob@example.com"


# --------------------------------------------------------------------------- settings


def _config(home: Path, text: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(text)


@pytest.mark.parametrize(
    ("text", "name"), [("discover-min-votes = [1]\n", "discover-min-votes"),
                       ("lang = 3\n", "lang"),
                       ('search-freshness = "soon"\n', "search-freshness")],
)
def test_a_config_value_of_the_wrong_type_breaks_only_the_commands_that_read_it(
    online: Cli, home: Path, text: str, name: str
) -> None:
    _config(home, text)
    assert online("whoami").returncode == 3  # not logged in: nothing to do with the setting
    assert online("config", "get", "tmdb-base-url").returncode == 0
    assert online("config", "show").returncode == 0
    online.ok("config", "unset", name)
    _config(home, text)
    online.ok("config", "set", name, {"lang": "fr", "discover-min-votes": "10",
                                      "search-freshness": "1h"}[name])


def test_a_bad_config_value_fails_where_it_is_read_naming_the_key(
    online: Cli, home: Path
) -> None:
    online.signup()
    _config(home, "discover-min-votes = [1]\n")
    result = online("discover")
    assert result.returncode == 1
    assert "discover-min-votes" in result.stderr and "internal error" not in result.stderr
    assert len([line for line in result.stderr.splitlines() if "error:" in line]) == 1


@pytest.mark.parametrize(
    ("variable", "value", "args"),
    [("MYDW_DISCOVER_MIN_VOTES", "lots", ["discover"]),
     ("MYDW_HTTP_TIMEOUT", "abc", ["search", "keeper", "--refresh"]),
     ("MYDW_SEARCH_FRESHNESS", "soon", ["search", "keeper"])],
)
def test_a_bad_variable_is_exit_1_naming_it_and_harmless_elsewhere(
    online: Cli, variable: str, value: str, args: list[str]
) -> None:
    online.signup()
    online.ok(*args)  # with good settings (and the search cached)
    env = {variable: value}
    assert online("whoami", env=env).returncode == 0
    result = online(*args, env=env)
    assert result.returncode == 1, result.stderr
    assert variable in result.stderr
    assert "internal error" not in result.stderr
    as_json = json.loads(online(*args, "--json", env=env).stderr)["error"]
    assert as_json["code"] == "config"


# --------------------------------------------------------------------------- usage errors


@pytest.mark.parametrize(
    "args",
    [["list", "--limit", "0"], ["refresh", "--limit", "0"], ["list", "--sort", "imdb"],
     ["refresh", "--source", "imdb"], ["discover", "--limit", "0"],
     ["discover", "--sort", "title"], ["list", "--status", "watched"],
     ["mark", "watched", "900001"], ["list", "--lang", "de"], ["search", "x", "--limit", "0"],
     ["discover", "--min-rating", "11"], ["list", "--genre", "Bollywood"],
     ["refresh", "--older-than", "soon"], ["search", "x", "--page", "0"]],
)
def test_a_value_outside_an_options_type_choices_or_range_is_a_usage_error(
    cli: Cli, args: list[str]
) -> None:
    cli.signup()
    result = cli(*args)
    assert result.returncode == 2, (args, result.stderr)
    assert result.stderr.startswith("mydw: error: ")
    if "--json" not in args:
        data = json.loads(cli(*args, "--json").stderr)["error"]
        assert data["code"] == "usage" and data["exit_code"] == 2
