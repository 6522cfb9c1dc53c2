"""`mydw search` and `mydw show` run in-process against FakeTmdb and FakeOmdb, counting
the requests they make. The same over real HTTP, in a process: tests/e2e/test_catalog_e2e.py."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli, Result
from tests.fakes.omdb import FAKE_OMDB_API_KEY, FakeOmdb
from tests.fakes.tmdb import FAKE_TMDB_API_KEY, FakeTmdb


@pytest.fixture
def cli(cli: Cli, tmdb: FakeTmdb, omdb: FakeOmdb) -> Cli:
    """mydw pointed at the fakes, with short timeouts."""
    cli.env.update(
        MYDW_TMDB_BASE_URL=tmdb.api_url,
        MYDW_TMDB_API_KEY=FAKE_TMDB_API_KEY,
        MYDW_OMDB_BASE_URL=omdb.url + "/",
        MYDW_OMDB_API_KEY=FAKE_OMDB_API_KEY,
        MYDW_HTTP_TIMEOUT="0.5",
    )
    return cli


@pytest.fixture
def seeded(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """Something already cached (a search and a full movie), written straight through the
    services into the same home and database the command will use."""
    from mydw.services import catalog
    from mydw.services.context import AppContext

    for name, value in cli.env.items():
        if name.startswith("MYDW_"):
            monkeypatch.setenv(name, value)
    ctx = AppContext()
    try:
        catalog.search(ctx, "orchard")
        catalog.resolve_movie(ctx, "900009")
    finally:
        ctx.close()


def cache_state(home: Path) -> Any:
    """What the local cache holds (movies, their details, remembered searches)."""
    from sqlalchemy import select

    from mydw.db.models import Movie, MovieCatalog, SearchCache
    from mydw.services.context import AppContext

    ctx = AppContext()  # same MYDW_HOME / database as the command
    try:
        with ctx.db.read() as session:
            return (
                [tuple(r) for r in session.execute(select(
                    Movie.tmdb_id, Movie.title_en, Movie.title_fr, Movie.overview_fr,
                    Movie.imdb_rating, Movie.trailer_en).order_by(Movie.tmdb_id))],
                [tuple(r) for r in session.execute(select(
                    MovieCatalog.movie_id, MovieCatalog.details_on).order_by(
                    MovieCatalog.movie_id))],
                sorted(r[0] for r in session.execute(select(SearchCache.query_key))),
            )
    finally:
        ctx.close()


def failed(result: Result, code: int) -> Result:
    assert result.returncode == code, (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert result.stderr.startswith("mydw: error: ") or "\nmydw: error: " in result.stderr
    return result


# --------------------------------------------------------------------------- caching


def test_repeated_search_makes_no_request(cli: Cli, tmdb: FakeTmdb) -> None:
    first = cli.ok("search", "lighthouse", "--json")
    movies = first.json()
    assert [m["tmdb_id"] for m in movies] == [900002, 900001]
    assert movies[0]["title_en"] == "The Lighthouse Keeper"
    assert movies[0]["genres"] == ["Drama", "Thriller"]
    assert movies[0]["status"] is None  # nobody is logged in: same keys, null
    requests = tmdb.count()
    assert tmdb.count("/3/search/movie") == 1

    again = cli.ok("search", "Lighthouse", "--json")
    assert again.json() == movies
    assert again.stderr == ""
    assert tmdb.count() == requests  # answered from the database

    cli.ok("search", "lighthouse", "--json", "--refresh")
    assert tmdb.count("/3/search/movie") == 2


def test_show_json_carries_both_languages(cli: Cli) -> None:
    data = cli.ok("show", "900001", "--json").json()
    assert set(data) >= {
        "tmdb_id", "imdb_id", "title_en", "title_fr", "overview_en", "overview_fr",
        "poster_url", "trailer_en", "trailer_fr", "imdb_rating", "vote_count", "genres",
        "genre_ids", "release_year", "original_language", "cached_on", "imdb_updated_on",
        "imdb_url",
    }
    assert data["title_en"] == "The Lighthouse Keeper"
    assert data["title_fr"] == "Le Gardien du phare"
    assert data["overview_en"].startswith("A keeper on a storm-battered island")
    assert data["overview_fr"].startswith("Sur une île battue par les tempêtes")
    assert data["trailer_en"] == "https://www.youtube.com/watch?v=LhK98enTr01"
    assert data["trailer_fr"] == "https://www.youtube.com/watch?v=LhK98frTr01"
    assert data["poster_url"] == "https://image.tmdb.org/t/p/w500/fakeLighthouse1998.jpg"
    assert data["imdb_id"] == "tt9000001"
    assert data["imdb_url"] == "https://www.imdb.com/title/tt9000001/"
    assert data["genres"] == ["Drama", "Mystery"] and data["genre_ids"] == [18, 9648]
    assert data["release_year"] == 1998 and data["original_language"] == "en"
    assert data["imdb_rating"] == 7.3 and data["vote_count"] == 45210
    assert data["cached_on"].endswith("Z") and data["imdb_updated_on"].endswith("Z")


def test_missing_french_overview_is_null_and_falls_back_on_display(cli: Cli) -> None:
    data = cli.ok("show", "900004", "--json").json()
    assert data["overview_fr"] is None
    assert data["imdb_rating"] is None and data["vote_count"] is None  # OMDb said N/A
    human = cli.ok("show", "900004", "--lang", "fr")
    assert "Botanists discover" in human.stdout  # English overview shown, not stored as French


def test_lang_fr_shows_french_titles(cli: Cli) -> None:
    table = cli.ok("search", "gardien", "--lang", "fr")
    assert table.stdout.count("Le Gardien du phare") == 2
    assert "Drame" in table.stdout
    data = cli.ok("search", "gardien", "--lang", "fr", "--json").json()
    assert [m["title_fr"] for m in data] == ["Le Gardien du phare"] * 2
    english = cli.ok("search", "lighthouse")
    assert "The Lighthouse Keeper" in english.stdout and "Gardien" not in english.stdout
    shown = cli.ok("show", "900003", "--lang", "fr")
    assert "Été brûlant" in shown.stdout and "Trois cousins" in shown.stdout
    setting = cli.ok("search", "summer", env={"MYDW_LANG": "fr"})
    assert "Été brûlant" in setting.stdout


def test_status_is_shown_when_logged_in(cli: Cli, home: Path) -> None:
    cli.signup()
    movies = cli.ok("search", "lighthouse", "--json").json()
    assert [m["status"] for m in movies] == [None, None]
    _mark(home, 900001, "later")
    marked = cli.ok("search", "lighthouse", "--json").json()
    assert [m["status"] for m in marked] == [None, "later"]
    assert "later" in cli.ok("search", "lighthouse").stdout
    assert cli.ok("show", "900001", "--json").json()["status"] == "later"


def _mark(home: Path, tmdb_id: int, status: str) -> None:
    from sqlalchemy import select

    from mydw.db.models import Movie, User, UserMovie
    from mydw.services.context import AppContext

    ctx = AppContext()
    try:
        with ctx.db.write() as session:
            user_id = session.scalar(select(User.id))
            movie_id = session.scalar(select(Movie.id).where(Movie.tmdb_id == tmdb_id))
            session.add(UserMovie(user_id=user_id, movie_id=movie_id, status=status))
    finally:
        ctx.close()


# --------------------------------------------------------------------------- offline


def test_offline_search_is_accent_and_case_insensitive(cli: Cli, tmdb: FakeTmdb) -> None:
    cli.ok("search", "zero")
    cli.ok("search", "summer")
    before = tmdb.count()
    for query, title in [("ZERO ABSOLU", "Absolute Zero"), ("ete brulant", "Burning Summer"),
                         ("Été", "Burning Summer")]:
        result = cli.ok("search", query, "--offline", "--json")
        assert title in [m["title_en"] for m in result.json()], query
        assert "local cache" in result.stderr
    human = cli.ok("search", "absolu", "--offline")
    assert "Absolute Zero" in human.stdout
    empty = cli.ok("search", "no such thing", "--offline", "--json")
    assert empty.json() == []
    assert tmdb.count() == before


def test_no_key_answers_from_the_cache_or_says_how_to_set_one(cli: Cli) -> None:
    cli.ok("search", "lighthouse")
    without = {"MYDW_TMDB_API_KEY": ""}
    cached = cli.ok("search", "keeper", "--json", env=without)
    assert len(cached.json()) == 2
    assert "TMDB unavailable (no API key configured); answered from the local cache" in (
        cached.stderr)
    nothing = failed(cli("search", "orchard", env=without), 5)
    assert "mydw config set tmdb-api-key" in nothing.stderr


def test_network_down_answers_from_the_cache(cli: Cli) -> None:
    cli.ok("search", "lighthouse")
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}/3"
    result = cli.ok("search", "keeper", "--json", env={"MYDW_TMDB_BASE_URL": dead})
    assert len(result.json()) == 2
    assert "TMDB unavailable (no connection); answered from the local cache" in result.stderr


# --------------------------------------------------------------------------- resolving


def test_ambiguous_title_lists_the_candidates(cli: Cli, home: Path) -> None:
    result = failed(cli("show", "The Lighthouse Keeper"), 4)
    assert "matches 2 movies" in result.stderr
    assert "The Lighthouse Keeper (2019) — tmdb:900002" in result.stderr
    assert "The Lighthouse Keeper (1998) — tmdb:900001" in result.stderr
    chosen = cli.ok("show", "The Lighthouse Keeper", "--year", "2019", "--json").json()
    assert chosen["tmdb_id"] == 900002


def test_unknown_movies_exit_4(cli: Cli, home: Path) -> None:
    for ref in ("424242", "tt0000001", "Nothing Called Like This"):
        result = failed(cli("show", ref), 4)
        assert "no" in result.stderr.lower()
    assert cache_state(home)[0] == []


def test_imdb_id_lookup(cli: Cli, tmdb: FakeTmdb) -> None:
    data = cli.ok("show", "tt9000005", "--json").json()
    assert data["tmdb_id"] == 900005 and data["title_en"] == "October Tides"
    assert data["title_fr"] == "Les Marées d'Octobre"
    assert tmdb.last("/3/find/").param("external_source") == "imdb_id"  # type: ignore[union-attr]


def test_bad_input_exits_1(cli: Cli, tmdb: FakeTmdb) -> None:
    failed(cli("show", " "), 1)
    failed(cli("search", "x", "--lang", "de"), 2)  # outside the option's choices: usage
    failed(cli("search", "x", "--limit", "0"), 2)  # outside the option's range: usage
    assert tmdb.count() == 0


# --------------------------------------------------------------------------- upstream failures


@pytest.mark.parametrize(
    ("fault", "code", "message"),
    [
        pytest.param({"n": 1, "status": 401, "body": {"status_code": 7, "success": False,
                      "status_message": "Invalid API key: You must be granted a valid key."}},
                     5, "mydw config set tmdb-api-key", id="401"),
        pytest.param({"n": 5, "status": 429, "headers": {"Retry-After": "1"}},
                     5, "too many", id="429-retry-after-always"),
        pytest.param({"n": 5, "status": 429}, 5, "too many", id="429-always"),
        pytest.param({"n": 5, "status": 500}, 5, "having trouble", id="500-always"),
        pytest.param({"n": 5, "status": None, "delay": 1.5}, 5, "did not answer in time",
                     id="timeout"),
        pytest.param({"n": 1, "status": None, "truncate": True}, 5, "not valid JSON",
                     id="truncated-json"),
    ],
)
@pytest.mark.parametrize("command", ["search", "show"])
def test_upstream_failures(cli: Cli, tmdb: FakeTmdb, home: Path, seeded: None, command: str,
                           fault: dict[str, Any], code: int, message: str) -> None:
    before = cache_state(home)
    assert len(before[0]) == 2
    tmdb.fail_next(**fault)
    args = ("search", "lighthouse") if command == "search" else ("show", "900001")
    result = failed(cli(*args), code)
    assert message in result.stderr
    assert cache_state(home) == before


def test_refused_key_exits_5_with_a_hint(cli: Cli, home: Path) -> None:
    result = failed(cli("search", "lighthouse", env={"MYDW_TMDB_API_KEY": "0" * 32}), 5)
    assert "TMDB refused the API key" in result.stderr
    assert "mydw config set tmdb-api-key" in result.stderr
    assert cache_state(home)[0] == []


def test_not_found_exits_4_and_caches_nothing(cli: Cli, tmdb: FakeTmdb, home: Path) -> None:
    result = failed(cli("show", "31337"), 4)
    assert "TMDB has no movie with id 31337" in result.stderr
    assert tmdb.count("/3/movie/31337") == 1  # 404 is not retried
    assert cache_state(home)[0] == []


def test_a_misspelt_title_suggests_the_close_ones(cli: Cli, tmdb: FakeTmdb) -> None:
    result = failed(cli("show", "Quantum Orchrad"), 4)
    assert result.stderr.splitlines() == [
        "mydw: error: no movie titled 'Quantum Orchrad' on TMDB",
        "  Quantum Orchard (2021) — tmdb:900004",
        'hint: did you mean "Quantum Orchard (2021)"?']
    # the title missed, then its words (the longest first half too) were searched at once
    asked = [r.param("query") for r in tmdb.requests if r.path == "/3/search/movie"]
    assert asked[0] == "Quantum Orchrad"
    assert sorted(asked[1:]) == ["orch", "orchrad", "quantum"]
    as_json = cli("show", "Quantum Orchrad", "--json")
    assert as_json.returncode == 4 and as_json.stdout == ""
    error = json.loads(as_json.stderr)["error"]
    assert error["code"] == "not_found"
    assert [c["tmdb_id"] for c in error["candidates"]] == [900004]
    assert set(error["candidates"][0]) == set(cli.ok("search", "orchard", "--json").json()[0])


def test_a_search_that_finds_nothing_suggests_too(cli: Cli, tmdb: FakeTmdb) -> None:
    result = cli.ok("search", "Cartographr Daughtr")
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "No movie matches 'Cartographr Daughtr'.",
        'hint: did you mean "The Cartographer\'s Daughter (2011)"?']
    asked = tmdb.count("/3/search/movie")
    assert cli.ok("search", "Cartographr Daughtr").stderr == result.stderr
    assert tmdb.count("/3/search/movie") == asked  # the searches were remembered
    assert cli.ok("search", "Cartographr Daughtr", "--json").json() == []
    tmdb.clear_log()
    assert cli.ok("search", "Cartographr Dauhgtr", "--json").json() == []
    assert tmdb.count("/3/search/movie") == 1  # scripts pay no did-you-mean searches


@pytest.mark.parametrize("ref", ["tt123", "TT12", "tt123456789012"])
def test_an_imdb_id_with_too_few_or_many_digits_is_refused_not_searched(
    cli: Cli, tmdb: FakeTmdb, ref: str,
) -> None:
    result = failed(cli("show", ref), 1)
    assert f"{ref!r} is not an IMDb id: tt and 7 to 10 digits (tt0133093)" in result.stderr
    assert tmdb.count() == 0


def test_a_title_found_costs_no_suggestion_search(cli: Cli, tmdb: FakeTmdb) -> None:
    cli.ok("show", "Quantum Orchard")
    assert [r.param("query") for r in tmdb.requests if r.path == "/3/search/movie"] == [
        "Quantum Orchard"]


def test_no_suggestion_for_a_title_close_to_nothing(cli: Cli, tmdb: FakeTmdb) -> None:
    result = failed(cli("show", "Zzyzx Qwertyuiop"), 4)
    assert result.stderr.splitlines() == ["mydw: error: no movie titled 'Zzyzx Qwertyuiop' on TMDB"]


def test_marking_a_misspelt_title_marks_nothing_and_suggests(cli: Cli) -> None:
    cli.signup()
    result = cli("mark", "seen", "Cartographers Dauhgter", "--json")
    assert result.returncode == 4
    error = json.loads(result.stderr)["error"]
    assert [c["tmdb_id"] for c in error["candidates"]] == [900007]
    assert error["hint"] == 'did you mean "The Cartographer\'s Daughter (2011)"?'
    assert cli.ok("list", "--json").json() == []


@pytest.mark.parametrize(
    "fault",
    [
        pytest.param({"n": 2, "status": 429, "headers": {"Retry-After": "1"}},
                     id="429-retry-after"),
        pytest.param({"n": 2, "status": 429}, id="429-no-retry-after"),
        pytest.param({"n": 1, "status": 500}, id="500-then-success"),
        pytest.param({"n": 1, "status": None, "delay": 1.5}, id="one-timeout"),
    ],
)
def test_transient_failures_are_retried(cli: Cli, tmdb: FakeTmdb, fault: dict[str, Any]) -> None:
    tmdb.fail_next(path_prefix="/3/search/", **fault)
    result = cli.ok("search", "lighthouse", "--json")
    assert [m["tmdb_id"] for m in result.json()] == [900002, 900001]
    assert tmdb.count("/3/search/movie") == fault["n"] + 1


def test_omdb_refusal_does_not_fail_show(cli: Cli, omdb: FakeOmdb) -> None:
    result = cli.ok("show", "900011", "--json", env={"MYDW_OMDB_API_KEY": "deadbeef"})
    data = result.json()
    assert data["title_fr"] == "Le Jardin des machines silencieuses"
    assert data["imdb_rating"] is None and data["imdb_updated_on"] is None
    assert "IMDb rating not fetched" in result.stderr
