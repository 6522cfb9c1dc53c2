"""Requests that do not depend on each other go out together, within each service's limits,
and never more of them than one after another: against fakes that answer 0.25 s late."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from tests.fakes.omdb import FAKE_OMDB_API_KEY, FakeOmdbTitle
from tests.fakes.slow import SlowOmdb, SlowTmdb
from tests.fakes.tmdb import FAKE_TMDB_API_KEY, FakeMovie
from tests.helpers import add_user

from mydw.services import discover, marks
from mydw.services.context import AppContext

LATENCY = 0.25
SLACK = 1.5  # start-up of the clients, the database writes, a loaded machine


@dataclass
class World:
    ctx: AppContext
    tmdb: SlowTmdb
    omdb: SlowOmdb
    user_id: int


def _extra_movies(count: int) -> tuple[list[FakeMovie], list[FakeOmdbTitle]]:
    movies, titles = [], []
    for i in range(count):
        imdb_id = f"tt95{i:05d}"
        movies.append(FakeMovie(950_000 + i, f"Extra {i}", "en", "2001-01-01", f"Extra {i}",
                                "An extra.", genre_ids=(18,), imdb_id=imdb_id,
                                vote_average=7.5, vote_count=900, popularity=100.0 - i))
        titles.append(FakeOmdbTitle(imdb_id, f"Extra {i}", "2001", "7.6", "60,000"))
    return movies, titles


@pytest.fixture
def world(home: Path, memory_keyring: Any, monkeypatch: pytest.MonkeyPatch,
          request: pytest.FixtureRequest) -> Iterator[World]:
    extra = getattr(request, "param", 0)
    movies, titles = _extra_movies(extra)
    with SlowTmdb(latency=LATENCY) as tmdb, SlowOmdb(latency=LATENCY) as omdb:
        for movie in movies:
            tmdb.add_movie(movie)
        for title in titles:
            omdb.add_title(title)
        monkeypatch.setenv("MYDW_TMDB_BASE_URL", tmdb.api_url)
        monkeypatch.setenv("MYDW_TMDB_API_KEY", FAKE_TMDB_API_KEY)
        monkeypatch.setenv("MYDW_OMDB_BASE_URL", omdb.url + "/")
        monkeypatch.setenv("MYDW_OMDB_API_KEY", FAKE_OMDB_API_KEY)
        ctx = AppContext()
        uid = add_user(ctx)
        yield World(ctx, tmdb, omdb, uid)
        ctx.close()


def test_the_movies_of_one_mark_are_fetched_together(world: World) -> None:
    refs = ["900002", "900003", "900005", "900006", "900007"]
    started = time.monotonic()
    marked = marks.mark(world.ctx, world.user_id, refs, "seen")
    took = time.monotonic() - started
    assert [str(m.tmdb_id) for m in marked] == refs  # in the order asked
    assert all(m.title_fr and m.imdb_rating is not None for m in marked)
    # one request per movie to each service, never more ...
    assert (world.tmdb.count(), world.omdb.count()) == (5, 5)
    # ... all at once: two round trips (TMDB, then OMDb), not ten
    assert world.tmdb.peak_in_flight == 5
    assert took <= 2 * LATENCY + SLACK


@pytest.mark.parametrize("world", [15], indirect=True)
def test_at_most_ten_connections_to_tmdb(world: World) -> None:
    refs = [str(950_000 + i) for i in range(15)]
    marks.mark(world.ctx, world.user_id, refs, "later")
    assert world.tmdb.count("/3/movie/") == 15
    assert 5 <= world.tmdb.peak_in_flight <= 10


def test_discover_asks_for_its_ratings_together(world: World) -> None:
    started = time.monotonic()
    result = discover.discover(world.ctx, world.user_id, min_rating=0, min_votes=0)
    took = time.monotonic() - started
    assert result.source == "tmdb" and len(result.movies) == 12
    # the page and the genre names, then 12 external ids and 11 OMDb lookups (900010 has
    # no IMDb id): exactly what one after another asked
    assert world.tmdb.count("/3/discover/movie") == 1
    assert world.tmdb.count("/3/genre/movie/list") == 1
    assert world.tmdb.count("/3/movie/") == 12
    assert world.omdb.count() == 11
    assert 2 <= world.tmdb.peak_in_flight <= 10
    # page ‖ genres, 2 waves of external ids (10 connections) overlapping the OMDb lookups
    assert took <= 4 * LATENCY + SLACK


def test_a_reached_omdb_quota_costs_one_request_as_before(world: World) -> None:
    world.omdb.daily_limit = 0
    result = discover.discover(world.ctx, world.user_id, min_rating=0, min_votes=0)
    assert result.source == "tmdb"
    assert "too many requests" in (result.notice or "")
    assert world.omdb.count() == 1


@pytest.mark.parametrize("world", [25], indirect=True)
def test_the_omdb_budget_goes_to_the_first_movies_in_order(world: World) -> None:
    result = discover.discover(world.ctx, world.user_id, min_rating=0, min_votes=0, limit=30)
    asked = [r.param("i") for r in world.omdb.requests]
    assert sorted(asked) == sorted(f"tt95{i:05d}" for i in range(discover.ENRICH_MAX))
    assert len(result.movies) == 30


@pytest.mark.parametrize("world", [25], indirect=True)
def test_the_next_page_is_asked_for_only_when_sure_to_be_needed(world: World) -> None:
    full = discover.discover(world.ctx, world.user_id, min_rating=0, min_votes=0, limit=20)
    assert len(full.movies) == 20
    assert world.tmdb.count("/3/discover/movie") == 1  # page 1 was enough: no page 2


@pytest.mark.parametrize("world", [25], indirect=True)
def test_a_page_that_cannot_fill_the_list_brings_the_next_one(world: World) -> None:
    # IMDb 7.6 for the extras: none passes 7.7; the default movies fill in from page 2
    result = discover.discover(world.ctx, world.user_id, min_rating=7.7, min_votes=0)
    assert world.tmdb.count("/3/discover/movie") == 2
    assert [r.param("page") for r in world.tmdb.requests
            if r.path == "/3/discover/movie"] == ["1", "2"]
    assert all((m.imdb_rating or 0) >= 7.7 or m.imdb_rating is None for m in result.movies)
    assert world.omdb.count() == discover.ENRICH_MAX


def test_the_titles_of_one_mark_are_searched_together(world: World) -> None:
    refs = ["Burning Summer", "Midnight Paperwork (2015)", "October Tides"]
    started = time.monotonic()
    marked = marks.mark(world.ctx, world.user_id, refs, "seen")
    took = time.monotonic() - started
    assert [m.tmdb_id for m in marked] == [900003, 900006, 900005]
    assert world.tmdb.count("/3/search/movie") == 3
    assert world.tmdb.count("/3/movie/") == 3
    assert world.omdb.count() == 3
    years = sorted(r.param("primary_release_year") or "-" for r in world.tmdb.requests
                   if r.path == "/3/search/movie")
    assert years == ["-", "-", "2015"]
    # searches at once, then details at once, then ratings at once
    assert took <= 3 * LATENCY + SLACK


def test_a_title_that_fails_to_search_stops_the_mark_as_before(world: World) -> None:
    from mydw.domain.errors import UpstreamError

    world.tmdb.fail_next(5, status=401, body={"status_code": 7, "status_message": "no"},
                         path_prefix="/3/search/movie")
    with pytest.raises(UpstreamError):
        marks.mark(world.ctx, world.user_id, ["Burning Summer", "October Tides"], "seen")
    assert world.tmdb.count("/3/movie/") == 0 and world.omdb.count() == 0


def test_a_mark_asks_omdb_for_its_movies_at_once(world: World) -> None:
    refs = ["900002", "900003", "900005"]
    marks.mark(world.ctx, world.user_id, refs, "seen")
    assert world.omdb.peak_in_flight == 3  # no first request alone: one round trip
