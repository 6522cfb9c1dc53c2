"""`mydw recommend`, in-process against the fake TMDB: JSON and human output, the cache
without a key, a user with nothing seen; never a marked movie, reasons only seen movies."""

from __future__ import annotations

import io

import pytest

from tests.conftest import Cli
from tests.fakes.tmdb import FakeMovie, FakeTmdb

SEEN = 900001  # The Lighthouse Keeper (1998): Drama, Mystery
LATER = 900007  # Adventure, Fantasy
NOT_INTERESTED = 900002


@pytest.fixture
def steered(tmdb: FakeTmdb, monkeypatch: pytest.MonkeyPatch) -> dict[int, list[int]]:
    """The fake TMDB recommends what the test says after each movie."""
    recs: dict[int, list[int]] = {
        SEEN: [NOT_INTERESTED, 900005, LATER, 900003, 900006],
        LATER: [900011, 900012],  # only the watch-later movie points at these
        NOT_INTERESTED: [900004],
    }

    def recommended(movie: FakeMovie) -> list[FakeMovie]:
        return [m for m in (tmdb.movie(i) for i in recs.get(movie.tmdb_id, [])) if m]

    monkeypatch.setattr(tmdb, "recommended", recommended)
    return recs


def _marks(cli: Cli) -> None:
    cli.signup()
    cli.ok("mark", "seen", str(SEEN))
    cli.ok("mark", "later", str(LATER))
    cli.ok("mark", "not-interested", str(NOT_INTERESTED))


def test_json_never_a_marked_movie_and_because_only_seen(
    online: Cli, tmdb: FakeTmdb, steered: dict[int, list[int]]
) -> None:
    _marks(online)
    result = online.ok("recommend", "--json")
    assert result.stderr == ""
    found = result.json()
    ids = [m["tmdb_id"] for m in found]
    assert set(ids) == {900005, 900003, 900006}
    show = online.ok("show", "900005", "--json").json()
    for movie in found:
        page_only = {"imdb_url", "original_title", "runtime", "directors"}  # show --json only
        assert set(movie) == set(show) - page_only | {"score", "because"}
        assert movie["status"] is None
        assert isinstance(movie["score"], float)
        assert [b["tmdb_id"] for b in movie["because"]] == [SEEN]
        assert movie["because"][0]["title_en"] == "The Lighthouse Keeper"
    assert tmdb.count(f"/3/movie/{LATER}/recommendations") == 0
    assert tmdb.count(f"/3/movie/{NOT_INTERESTED}/recommendations") == 0


def test_human_lines_say_because(online: Cli, steered: dict[int, list[int]]) -> None:
    _marks(online)
    out = online.ok("recommend", "--limit", "2", "--lang", "fr").stdout.splitlines()
    assert len(out) == 2
    assert all(line.endswith("because you watched Le Gardien du phare (1998)") for line in out)
    assert all("tmdb:" in line and "\t" not in line for line in out)


def test_genre_option_in_french(online: Cli, steered: dict[int, list[int]]) -> None:
    _marks(online)
    found = online.ok("recommend", "--genre", "comédie", "--json").json()
    assert [m["tmdb_id"] for m in found] == [900006]
    bad = online("recommend", "--genre", "space-opera-western")
    assert bad.returncode == 2 and bad.stdout == ""
    assert "--genre" in bad.stderr
    assert online("recommend", "--limit", "0").returncode == 2


def test_nothing_seen_is_a_clear_message_and_an_empty_array(
    online: Cli, tmdb: FakeTmdb
) -> None:
    online.signup()
    online.ok("mark", "later", str(LATER))
    before = tmdb.count()
    as_json = online.ok("recommend", "--json")
    assert as_json.json() == []
    assert "not marked any movie as seen" in as_json.stderr
    human = online.ok("recommend")
    assert human.stdout == ""
    assert "mark seen" in human.stderr
    assert tmdb.count() == before


def test_without_a_key_answers_from_the_cache_and_says_so(
    online: Cli, steered: dict[int, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    _marks(online)
    online.ok("search", "e")  # caches most of the catalogue
    monkeypatch.delenv("MYDW_TMDB_API_KEY")
    result = online.ok("recommend", "--json")
    assert result.stderr == ("TMDB unavailable (no API key configured); answered from the "
                             "local cache\n")
    found = result.json()
    assert found
    marked = {SEEN, LATER, NOT_INTERESTED}
    for movie in found:
        assert movie["tmdb_id"] not in marked
        assert {b["tmdb_id"] for b in movie["because"]} == {SEEN}
        assert movie["because"][0]["reason"] == "genres"
        assert set(movie["genre_ids"]) & {18, 9648}
    human = online.ok("recommend").stdout
    assert "shares Drama with The Lighthouse Keeper (1998)" in human


def test_terminal_table_has_a_because_column() -> None:
    from datetime import datetime

    from rich.console import Console

    from mydw.cli import render
    from mydw.services.views import MovieView

    movie = MovieView(1, 900003, None, "Burning Summer", None, None, None, None, None, None,
                      6.8, 1500, ["Drama"], [18], 2004, "fr", datetime(2026, 1, 1), None)
    buffer = io.StringIO()
    console = Console(file=buffer, width=100, no_color=True)
    render.recommendations([movie], ["because you watched The Lighthouse Keeper (1998)"], "en",
                           console=console)
    text = buffer.getvalue()
    assert "Because" in text and "Lighthouse" in text and "Burning Summer" in text
