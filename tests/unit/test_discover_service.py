"""Discover: TMDB's discovery judged by IMDb numbers, never a marked movie, cache fallback.

Runs the real TMDB/OMDb clients against FakeTmdb / FakeOmdb on 127.0.0.1 (default
catalogue of tests/fakes/tmdb.py: TMDB average/votes and IMDb rating/votes per movie).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from tests.fakes.omdb import FAKE_OMDB_API_KEY, FakeOmdb
from tests.fakes.tmdb import FAKE_TMDB_API_KEY, FakeMovie, FakeTmdb
from tests.helpers import add_user

from mydw.db.models import Movie, UserMovie
from mydw.domain.errors import UsageError
from mydw.services import discover as svc
from mydw.services import filters, marks
from mydw.services.context import AppContext

# Pass the defaults (7.0 and 5000) by TMDB's numbers (the proxy), most popular first.
PROXY_PICKS = [900011, 900007, 900001, 900005]


@dataclass
class World:
    ctx: AppContext
    tmdb: FakeTmdb
    user_id: int
    monkeypatch: pytest.MonkeyPatch

    def fresh(self) -> AppContext:
        """A new context (settings re-read from the environment)."""
        self.ctx.close()
        self.ctx = AppContext()
        return self.ctx


@pytest.fixture
def world(home: Path, memory_keyring: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    with FakeTmdb() as tmdb:
        monkeypatch.setenv("MYDW_TMDB_BASE_URL", tmdb.api_url)
        monkeypatch.setenv("MYDW_TMDB_API_KEY", FAKE_TMDB_API_KEY)
        ctx = AppContext()
        uid = add_user(ctx)
        w = World(ctx, tmdb, uid, monkeypatch)
        yield w
        w.ctx.close()


@pytest.fixture
def omdb(world: World) -> Iterator[FakeOmdb]:
    with FakeOmdb() as fake:
        world.monkeypatch.setenv("MYDW_OMDB_BASE_URL", fake.url + "/")
        world.monkeypatch.setenv("MYDW_OMDB_API_KEY", FAKE_OMDB_API_KEY)
        world.fresh()
        yield fake


def _ids(result: svc.DiscoverResult) -> list[int]:
    return [m.tmdb_id for m in result.movies]


def _closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/3"


# --------------------------------------------------------------------------- online


def test_defaults_judge_by_tmdb_numbers_when_no_imdb_rating_is_known(world: World) -> None:
    result = svc.discover(world.ctx, world.user_id)
    assert result.source == "tmdb" and result.notice is None
    assert _ids(result) == PROXY_PICKS
    assert all(m.imdb_rating is None and m.status is None for m in result.movies)
    request = world.tmdb.last("/3/discover/movie")
    assert request is not None
    assert request.param("sort_by") == "popularity.desc"
    assert request.param("language") == "en-US"
    # every result of the page is cached
    with world.ctx.db.read() as session:
        cached = set(session.scalars(sa.select(Movie.tmdb_id)))
    assert set(PROXY_PICKS) <= cached
    assert result.to_json()[0]["title_en"] == "Garden of Quiet Machines"


def test_marked_movies_are_never_included(world: World) -> None:
    marks.mark(world.ctx, world.user_id, ["900011"], "seen")
    marks.mark(world.ctx, world.user_id, ["900001"], "not-interested")
    marks.mark(world.ctx, world.user_id, ["900007"], "later")
    result = svc.discover(world.ctx, world.user_id)
    assert _ids(result) == [900005]
    everything = svc.discover(world.ctx, world.user_id, min_rating=0, min_votes=0, limit=100)
    assert len(everything.movies) == 9  # 12 in the catalogue, 3 marked
    assert not {900011, 900001, 900007} & set(_ids(everything))


def test_with_omdb_the_imdb_numbers_decide_and_are_cached(world: World, omdb: FakeOmdb) -> None:
    # October Tides: TMDB 2,210 votes (x10 passes 10,000) but IMDb only 9,120 votes.
    result = svc.discover(world.ctx, world.user_id, min_votes=10_000)
    assert _ids(result) == [900011, 900007, 900001]
    assert [m.imdb_rating for m in result.movies] == [8.1, 7.2, 7.3]
    assert result.movies[1].vote_count == 2_345_678
    with world.ctx.db.read() as session:
        stored = dict(session.execute(sa.select(Movie.tmdb_id, Movie.imdb_rating)
                                      .where(Movie.imdb_rating.is_not(None))).all())
    assert stored[900011] == 8.1 and stored[900005] == 7.8
    assert 0 < omdb.count() <= svc.ENRICH_MAX
    # A second call needs no OMDb lookup for the movies already rated.
    before = omdb.count()
    again = svc.discover(world.fresh(), world.user_id, min_votes=10_000)
    assert _ids(again) == _ids(result)
    assert omdb.count() == before


def test_omdb_daily_limit_is_a_notice_not_a_failure(world: World, omdb: FakeOmdb) -> None:
    omdb.daily_limit = 1
    result = svc.discover(world.ctx, world.user_id)
    assert result.source == "tmdb"
    assert result.notice is not None and "OMDb" in result.notice
    assert _ids(result) == PROXY_PICKS  # the others judged by TMDB's numbers


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"genres": ["Drame"]}, [900001, 900005]),
        ({"genres": ["drama", "HISTORY"]}, [900005]),
        ({"language": "fr"}, [900005]),
        ({"year_from": 2000}, [900011, 900007]),
        ({"year_to": 1999}, [900001, 900005]),
        ({"sort": "rating"}, [900011, 900005, 900001, 900007]),
        ({"sort": "votes"}, [900011, 900007, 900001, 900005]),
        ({"sort": "year"}, [900011, 900007, 900001, 900005]),
        ({"max_rating": 7.5}, [900007, 900001]),
        ({"min_rating": 8}, [900011]),
        ({"limit": 2}, [900011, 900007]),
        ({"min_rating": 6.8, "min_votes": 10_000}, [900011, 900007, 900001, 900003, 900005]),
    ],
)
def test_filters(world: World, options: dict[str, Any], expected: list[int]) -> None:
    assert _ids(svc.discover(world.ctx, world.user_id, **options)) == expected


def test_filters_reach_tmdb(world: World) -> None:
    svc.discover(world.ctx, world.user_id, genres=["science-fiction", "Thriller"],
                 year_from=2000, year_to=2024, language="FR", sort="votes", lang="fr")
    request = world.tmdb.last("/3/discover/movie")
    assert request is not None
    assert request.params["with_genres"] == "878,53"
    assert request.params["primary_release_date.gte"] == "2000-01-01"
    assert request.params["primary_release_date.lte"] == "2024-12-31"
    assert request.params["with_original_language"] == "fr"
    assert request.params["sort_by"] == "vote_count.desc"
    assert request.params["language"] == "fr-FR"


def test_french_titles_are_cached_in_french(world: World) -> None:
    result = svc.discover(world.ctx, world.user_id, lang="fr", limit=1)
    assert result.movies[0].title_fr == "Le Jardin des machines silencieuses"


def test_settings_give_the_default_thresholds(world: World) -> None:
    world.monkeypatch.setenv("MYDW_DISCOVER_MIN_RATING", "8.0")
    assert _ids(svc.discover(world.fresh(), world.user_id)) == [900011]
    world.monkeypatch.setenv("MYDW_DISCOVER_MIN_RATING", "6.0")
    world.monkeypatch.setenv("MYDW_DISCOVER_MIN_VOTES", "40000")
    assert _ids(svc.discover(world.fresh(), world.user_id)) == [900011, 900007]


def test_pages_until_enough_unmarked_movies_within_a_bound(world: World) -> None:
    crowd = [FakeMovie(800000 + i, f"Crowd {i}", "en", "2010-01-01", f"Crowd {i}", "x",
                       genre_ids=(18,), vote_average=7.5, vote_count=900,
                       popularity=1000.0 - i) for i in range(45)]
    for movie in crowd:
        world.tmdb.add_movie(movie)
    with world.ctx.db.write() as session:  # the user marked all of them already
        movies = [Movie(tmdb_id=m.tmdb_id, title_en=m.title_en) for m in crowd]
        session.add_all(movies)
        session.flush()
        session.add_all(UserMovie(user_id=world.user_id, movie_id=m.id, status="seen")
                        for m in movies)
    result = svc.discover(world.ctx, world.user_id, limit=3)
    assert _ids(result) == PROXY_PICKS[:3]
    pages = [r.param("page") for r in world.tmdb.requests if r.path == "/3/discover/movie"]
    assert pages == ["1", "2", "3"]


def test_the_number_of_pages_is_bounded(world: World) -> None:
    for i in range(300):  # popular, but all below the rating threshold
        world.tmdb.add_movie(FakeMovie(700000 + i, f"Meh {i}", "en", "2012-01-01", f"Meh {i}",
                                       "x", vote_average=6.2, vote_count=5000,
                                       popularity=5000.0 - i))
    result = svc.discover(world.ctx, world.user_id, min_rating=7.0)
    assert result.movies == []
    assert world.tmdb.count("/3/discover/movie") == svc.MAX_PAGES


# --------------------------------------------------------------------------- the cache


def _go_offline(world: World) -> None:
    world.monkeypatch.setenv("MYDW_TMDB_BASE_URL", _closed_port_url())
    world.fresh()


def test_unreachable_tmdb_answers_from_the_cache(world: World, omdb: FakeOmdb) -> None:
    svc.discover(world.ctx, world.user_id, min_rating=0, min_votes=0, limit=100)  # caches all
    marks.mark(world.ctx, world.user_id, ["900011"], "not_interested")
    _go_offline(world)
    result = svc.discover(world.ctx, world.user_id)
    assert result.source == "cache"
    assert result.notice == "TMDB unavailable (no connection); answered from the local cache"
    # IMDb numbers only (no proxy in the cache); most IMDb votes first; never a marked one.
    assert _ids(result) == [900007, 900001, 900005]
    assert _ids(svc.discover(world.ctx, world.user_id, sort="rating")) == [900005, 900001,
                                                                            900007]
    assert _ids(svc.discover(world.ctx, world.user_id, genres=["aventure"])) == [900007]
    assert _ids(svc.discover(world.ctx, world.user_id, year_from=2000, min_rating=6,
                             min_votes=1000)) == [900007, 900006, 900002, 900003]
    assert _ids(svc.discover(world.ctx, world.user_id, language="fr", min_rating=6.5,
                             min_votes=0)) == [900005, 900003, 900008]


def test_no_tmdb_key_answers_from_the_cache_and_says_why(world: World) -> None:
    with world.ctx.db.write() as session:
        session.add_all([
            Movie(tmdb_id=1, title_en="Rated", imdb_rating=7.5, vote_count=50_000,
                  genre_ids=[18]),
            Movie(tmdb_id=2, title_en="Unrated", genre_ids=[18]),
            Movie(tmdb_id=3, title_en="Few votes", imdb_rating=9.0, vote_count=100),
        ])
    world.monkeypatch.delenv("MYDW_TMDB_API_KEY")
    result = svc.discover(world.fresh(), world.user_id)
    assert result.source == "cache"
    assert result.notice == (
        "TMDB unavailable (no API key configured); answered from the local cache"
    )
    assert _ids(result) == [1]
    assert world.tmdb.count() == 0
    everything = svc.discover(world.ctx, world.user_id, min_rating=0, min_votes=0)
    assert _ids(everything) == [1, 3, 2]


def test_tmdb_failing_after_the_first_page_keeps_what_was_found(world: World) -> None:
    for i in range(30):
        world.tmdb.add_movie(FakeMovie(600000 + i, f"Dud {i}", "en", "2012-01-01", f"Dud {i}",
                                       "x", vote_average=5.0, vote_count=5000,
                                       popularity=900.0 - i))
    world.tmdb.fail_next(1, status=None, path_prefix="/3/discover")  # page 1 answers
    world.tmdb.fail_next(10, status=503, path_prefix="/3/discover")  # then TMDB is down
    result = svc.discover(world.ctx, world.user_id, min_rating=0, min_votes=0, limit=25)
    assert result.source == "tmdb"
    assert result.notice == "TMDB unavailable (server error 503) after page 1"
    assert len(result.movies) == 20


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("options", "parameter", "message"),
    [
        ({"min_rating": 8, "max_rating": 7}, "min_rating", "min_rating 8 is above max_rating 7"),
        ({"min_rating": -1}, "min_rating", "min_rating -1 is not between 0 and 10"),
        ({"max_rating": 10.5}, "max_rating", "max_rating 10.5 is not between 0 and 10"),
        ({"min_rating": float("nan")}, "min_rating", "min_rating nan is not between 0 and 10"),
        ({"min_votes": -5}, "min_votes", "min_votes must not be negative"),
        ({"genres": ["Bollywood"]}, "genres", "genres: unknown genre 'Bollywood'"),
        ({"sort": "title"}, "sort", "sort: unknown sort 'title'"),
        ({"limit": 0}, "limit", "limit must be between 1 and 100"),
        ({"limit": 101}, "limit", "limit must be between 1 and 100"),
        ({"year_from": 2020, "year_to": 2010}, "year_from", "year_from 2020 is after year_to 2010"),
        ({"year_from": 1200}, "year_from", "year_from 1200 is not a plausible release year"),
        ({"language": "french"}, "language", "language 'french' is not a language code"),
        ({"lang": "de"}, "lang", "lang: unknown language 'de'"),
        ({"keywords": ["heist", " "]}, "keywords", "keywords must not hold an empty word"),
    ],
)
def test_bad_input(world: World, options: dict[str, Any], parameter: str, message: str) -> None:
    with pytest.raises(UsageError) as info:
        svc.discover(world.ctx, world.user_id, **options)
    assert info.value.parameter == parameter
    assert info.value.message.startswith(message)
    assert info.value.exit_code == 2
    assert world.tmdb.count() == 0


def test_genre_names_in_both_languages() -> None:
    assert filters.parse_genres(["Science Fiction", "science-fiction", "SCI-FI", "878"]) == [878]
    assert filters.parse_genres(["Comédie", "comedie", "Drame", "Familial"]) == [35, 18, 10751]
    assert filters.parse_genres(["Mystère", "guerre", "Téléfilm"]) == [9648, 10752, 10770]


# --------------------------------------------------------------------------- sort, then cut


def test_sort_by_rating_sorts_everything_that_passed_then_cuts(world: World) -> None:
    # TMDB's order (its own average) differs from the IMDb ratings the movies are judged on.
    numbers = [(9.0, 6.0), (8.9, 7.0), (8.8, 9.5), (8.7, 9.3), (8.6, 9.4)]
    with world.ctx.db.write() as session:
        for i, (tmdb_avg, imdb) in enumerate(numbers):
            world.tmdb.add_movie(FakeMovie(500000 + i, f"Ranked {i}", "en", "2001-01-01",
                                           f"Ranked {i}", "x", genre_ids=(37,),
                                           vote_average=tmdb_avg, vote_count=5000))
            session.add(Movie(tmdb_id=500000 + i, title_en=f"Ranked {i}", imdb_rating=imdb,
                              vote_count=90_000, genre_ids=[37]))
    result = svc.discover(world.ctx, world.user_id, genres=["western"], sort="rating",
                          limit=3, min_rating=0, min_votes=0)
    assert result.source == "tmdb"
    assert _ids(result) == [500002, 500004, 500003]  # the three best IMDb ratings


# --------------------------------------------------------------------------- keywords


def test_keywords_online_go_through_tmdb_keywords(world: World) -> None:
    marks.mark(world.ctx, world.user_id, ["900001"], "later")  # marked: never discovered
    result = svc.discover(world.ctx, world.user_id, keywords=["Lighthouse", "haunted"],
                          min_rating=0, min_votes=0)
    assert result.source == "tmdb"
    assert sorted(_ids(result)) == [900002, 900010]
    keyword_searches = [r.param("query") for r in world.tmdb.requests
                        if r.path == "/3/search/keyword"]
    # asked at once: the order they reach the server in is not the words' order
    assert sorted(keyword_searches) == ["Lighthouse", "haunted"]
    sent = world.tmdb.last("/3/discover/movie").param("with_keywords")  # type: ignore[union-attr]
    assert sent is not None and "|" in sent
    assert set(sent.split("|")) == {"970001", "970017", "970018"}


def test_keywords_offline_match_cached_overviews(world: World) -> None:
    for lang in ("en", "fr"):  # caches all, both languages
        svc.discover(world.ctx, world.user_id, min_rating=0, min_votes=0, limit=100, lang=lang)
    marks.mark(world.ctx, world.user_id, ["900001"], "seen")
    before = world.tmdb.count()
    result = svc.discover(world.ctx, world.user_id, keywords=["LIGHTHOUSE", "grand-MÈRE"],
                          min_rating=0, min_votes=0, offline=True)
    assert world.tmdb.count() == before
    assert result.source == "cache"
    assert result.notice == "TMDB unavailable (offline); answered from the local cache"
    # 900002 (English overview), 900003 (French overview "grand-mère"); 900001 is marked
    assert sorted(_ids(result)) == [900002, 900003]


def test_keywords_tmdb_does_not_know_fall_back_to_the_cache(world: World) -> None:
    svc.discover(world.ctx, world.user_id, min_rating=0, min_votes=0, limit=100)
    result = svc.discover(world.ctx, world.user_id, keywords=["orchestra", "zzzz"],
                          min_rating=0, min_votes=0)
    assert result.source == "tmdb"  # orchestra is a TMDB keyword
    assert _ids(result) == [900012]
    none = svc.discover(world.ctx, world.user_id, keywords=["zzzz"], min_rating=0, min_votes=0)
    assert none.source == "cache" and none.movies == []
    assert none.notice == (
        "TMDB unavailable (no TMDB keyword matches 'zzzz'); answered from the local cache"
    )


# --------------------------------------------------------------------------- without genres


def _genre_ids(ctx: AppContext, tmdb_ids: list[int]) -> dict[int, list[int]]:
    with ctx.db.read() as session:
        rows = session.execute(sa.select(Movie.tmdb_id, Movie.genre_ids)
                               .where(Movie.tmdb_id.in_(tmdb_ids))).all()
    return {tmdb_id: list(genres or []) for tmdb_id, genres in rows}


@pytest.mark.parametrize("offline", [False, True])
def test_without_genres_leaves_every_movie_of_them_out(world: World, offline: bool) -> None:
    every = svc.discover(world.ctx, world.user_id, min_rating=0, min_votes=0, limit=100)
    dramas = [i for i, g in _genre_ids(world.ctx, _ids(every)).items() if 18 in g]
    assert dramas and len(dramas) < len(every.movies)  # the catalogue has both kinds
    result = svc.discover(world.ctx, world.user_id, min_rating=0, min_votes=0, limit=100,
                          without_genres=["drame"], offline=offline)
    assert result.source == ("cache" if offline else "tmdb")
    assert set(_ids(result)) == set(_ids(every)) - set(dramas)
    if not offline:
        sent = world.tmdb.last("/3/discover/movie")
        assert sent is not None and sent.param("without_genres") == "18"


def test_a_genre_both_wanted_and_left_out_is_a_usage_error(world: World) -> None:
    with pytest.raises(UsageError, match="also a wanted genre") as caught:
        svc.discover(world.ctx, world.user_id, genres=["Drama"], without_genres=["Drame"])
    assert caught.value.parameter == "without_genres"
