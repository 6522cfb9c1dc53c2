"""Random option values through `run()` (the one error boundary) for `list`, `discover`,
`search` and `refresh`: exit 0, 1, 2, 4 or 5 with a clear message, never "internal
error" or a traceback. In-process against the fake TMDB (the `cli` fixture)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import Cli
from tests.fakes.tmdb import FAKE_TMDB_API_KEY, FakeTmdb
from tests.stress.conftest import STRESS

ALLOWED = {0, 1, 2, 4, 5}
NUMBER = st.integers(-10, 3000).map(str) | st.integers(-10**9, 10**9).map(str) | \
    st.floats().map(str) | \
    st.sampled_from(["", "abc", "1e999", "٣", "10" * 20, "-0", "0x10", " 5 "])
WORDS = st.text(max_size=20) | st.sampled_from(["", "-", "--", "drama", "sci-fi", "é" * 3])


def _online(cli: Cli, tmdb: FakeTmdb, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("MYDW_TMDB_BASE_URL", tmdb.api_url)
    monkeypatch.setenv("MYDW_TMDB_API_KEY", FAKE_TMDB_API_KEY)
    return cli


def check(cli: Cli, *argv: str) -> None:
    result = cli(*argv)
    where = (argv, result.returncode, result.stderr[-400:])
    assert result.returncode in ALLOWED, where
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr, where
    if result.returncode:
        assert result.stderr.strip(), where


def _options(draw: Any, names: list[str]) -> list[str]:
    argv: list[str] = []
    for name in draw(st.lists(st.sampled_from(names), max_size=4, unique=True)):
        argv += [name, draw(TEXTUAL.get(name, NUMBER))]
    return argv


DURATION = (st.integers(0, 10**6).map(str) | st.sampled_from(["", "7", "d", "-1d", "1.5h"])) \
    .flatmap(lambda n: st.sampled_from(["", "s", "m", "h", "d", "w", "x"]).map(lambda u: n + u))
TEXTUAL = {name: WORDS for name in ("--genre", "--sort", "--language", "--status", "--lang",
                                    "--source")}
TEXTUAL["--older-than"] = DURATION
LIST = ["--limit", "--year-from", "--year-to", "--min-rating", "--genre", "--sort",
        "--language", "--status", "--lang"]
DISCOVER = ["--limit", "--year-from", "--year-to", "--min-rating", "--max-rating",
            "--min-votes", "--genre", "--sort", "--language", "--lang"]
SEARCH = ["--year", "--limit", "--page", "--lang"]
REFRESH = ["--limit", "--older-than", "--source"]


@settings(max_examples=500 if STRESS else 8)  # 4 commands an example (~0.1 s each)
@given(st.data())
def test_list_discover_search_refresh_any_options(
    cli: Cli, tmdb: FakeTmdb, monkeypatch: pytest.MonkeyPatch, data: Any
) -> None:
    online = _online(cli, tmdb, monkeypatch)
    if online("whoami").returncode:
        online.signup()
    check(online, "list", *_options(data.draw, LIST), "--json")
    check(online, "discover", *_options(data.draw, DISCOVER), "--json")
    words = data.draw(st.lists(st.text(min_size=1, max_size=12), min_size=1, max_size=3))
    check(online, "search", *_options(data.draw, SEARCH), "--", *words)
    check(online, "refresh", *_options(data.draw, REFRESH), "--json")


def test_the_options_are_checked(online_cli: Cli) -> None:
    """Out-of-range values are usage errors naming the flag (what the property allows)."""
    result = online_cli("discover", "--min-rating", "11", "--json")
    assert result.returncode == 2 and "--min-rating" in result.stderr
    assert online_cli("list", "--json").returncode == 0


@pytest.fixture
def online_cli(cli: Cli, tmdb: FakeTmdb, monkeypatch: pytest.MonkeyPatch) -> Cli:
    online = _online(cli, tmdb, monkeypatch)
    online.signup()
    return online




@pytest.mark.parametrize("argv", [
    ("list", "--limit", str(10**30)), ("discover", "--min-votes", str(10**30)),
    ("refresh", "--older-than", "100000000d")], ids=lambda a: " ".join(a)[:40])
def test_huge_numbers_are_usage_errors(online_cli: Cli, argv: tuple[str, ...]) -> None:
    result = online_cli(*argv, "--json")
    assert result.returncode == 2, result.stderr
    assert "internal error" not in result.stderr


@pytest.mark.parametrize("argv", [
    ("discover", "--year-from", str(10**30)), ("search", "x", "--limit", str(10**30))],
    ids=lambda a: " ".join(a)[:40])
def test_huge_numbers_already_refused(online_cli: Cli, argv: tuple[str, ...]) -> None:
    result = online_cli(*argv, "--json")
    assert result.returncode == 2 and "is not in the range" in result.stderr, result.stderr
