"""recommend(): TMDB's recommendations of the user's seen movies (fake TMDB, in-process),
the cache when TMDB cannot answer; never a marked movie, and `because` names only movies
the user has seen."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.fakes.tmdb import FAKE_TMDB_API_KEY, FakeMovie, FakeTmdb
from tests.helpers import add_user

from mydw.domain.errors import UsageError
from mydw.services import catalog, marks, recommend
from mydw.services.context import AppContext
from mydw.services.views import MovieView

SEEN = (900001, 900005)  # Drama/Mystery 1998, Drama/History 1987
LATER = 900007  # Adventure/Fantasy
NOT_INTERESTED = 900009  # Western/Action
FANTASY_ONLY = 900013  # shares genres only with the watch-later movie

# What the fake TMDB recommends after each movie (the test decides, not the fake's rule).
RECOMMENDED: dict[int, list[int]] = {
    900001: [900002, 900011, LATER, 900004, NOT_INTERESTED],
    900005: [900002, 900003, 900001],
    LATER: [FANTASY_ONLY, 900006, 900012],
    NOT_INTERESTED: [900010, 900006],
}


@pytest.fixture
def world(home: Path, memory_keyring: Any, tmdb: FakeTmdb,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[AppContext, int]]:
    monkeypatch.setenv("MYDW_TMDB_BASE_URL", tmdb.api_url)
    monkeypatch.setenv("MYDW_TMDB_API_KEY", FAKE_TMDB_API_KEY)
    tmdb.add_movie(FakeMovie(FANTASY_ONLY, "The Glass Owl", "en", "2012-05-05", "The Glass Owl",
                             "An owl made of glass guards a forgotten kingdom.",
                             genre_ids=(14,), imdb_id="tt9000013", vote_average=7.0,
                             vote_count=900, popularity=5.0))

    def recommended(movie: FakeMovie) -> list[FakeMovie]:
        found = [tmdb.movie(i) for i in RECOMMENDED.get(movie.tmdb_id, [])]
        return [m for m in found if m is not None]

    monkeypatch.setattr(tmdb, "recommended", recommended)
    ctx = AppContext()
    uid = add_user(ctx)
    yield ctx, uid
    ctx.close()


def _mark_all(ctx: AppContext, uid: int) -> None:
    marks.mark(ctx, uid, [str(i) for i in SEEN], "seen")
    marks.mark(ctx, uid, [str(LATER)], "later")
    marks.mark(ctx, uid, [str(NOT_INTERESTED)], "not_interested")


def _ids(result: recommend.RecommendResult) -> list[int]:
    return [m.tmdb_id for m in result.movies]


def _marked(ctx: AppContext, uid: int) -> set[int]:
    return {m.tmdb_id for m in marks.list_movies(ctx, uid)}


def test_online_never_a_marked_movie_and_only_seen_movies_are_credited(
    world: tuple[AppContext, int], tmdb: FakeTmdb
) -> None:
    ctx, uid = world
    _mark_all(ctx, uid)
    tmdb.clear_log()
    result = recommend.recommend(ctx, uid, limit=20)
    assert result.origin == "tmdb" and result.notice is None
    ids = _ids(result)
    assert ids and not set(ids) & _marked(ctx, uid)
    # recommended only after the watch-later / not-interested movies: never a result
    assert not {FANTASY_ONLY, 900006, 900012, 900010} & set(ids)
    assert set(ids) == {900002, 900011, 900004, 900003}
    for item in result.items:
        assert item.because, item
        assert {b.tmdb_id for b in item.because} <= set(SEEN)
        for b in item.because:
            assert item.movie.tmdb_id in RECOMMENDED[b.tmdb_id]  # it really pointed at it
            assert b.reason == "tmdb"
    # the unseen marked movies were never asked about
    assert tmdb.count(f"/3/movie/{LATER}/recommendations") == 0
    assert tmdb.count(f"/3/movie/{NOT_INTERESTED}/recommendations") == 0
    assert all(tmdb.count(f"/3/movie/{i}/recommendations") == 1 for i in SEEN)
    assert {s.tmdb_id for s in result.sources} == set(SEEN)


def test_two_sources_pointing_at_a_movie_rank_it_first(world: tuple[AppContext, int]) -> None:
    ctx, uid = world
    _mark_all(ctx, uid)
    result = recommend.recommend(ctx, uid)
    first = result.items[0]
    assert first.movie.tmdb_id == 900002
    assert sorted(b.tmdb_id for b in first.because) == sorted(SEEN)
    assert first.score > result.items[1].score
    scores = [i.score for i in result.items]
    assert scores == sorted(scores, reverse=True)
    assert all(len(i.because) == 1 for i in result.items[1:])


def test_json_is_the_movie_object_plus_score_and_because(
    world: tuple[AppContext, int]
) -> None:
    ctx, uid = world
    _mark_all(ctx, uid)
    result = recommend.recommend(ctx, uid, limit=2)
    data = result.to_json()
    assert len(data) == 2
    movie_keys = set(result.items[0].movie.to_json())
    assert set(data[0]) == movie_keys | {"score", "because"}
    assert data[0]["status"] is None
    titles = {b["tmdb_id"]: b["title_en"] for b in data[0]["because"]}
    assert titles == {900001: "The Lighthouse Keeper", 900005: "October Tides"}


def test_genres_restrict_the_results_english_or_french(world: tuple[AppContext, int]) -> None:
    ctx, uid = world
    _mark_all(ctx, uid)
    thriller = recommend.recommend(ctx, uid, genres=["Thriller"])
    assert _ids(thriller) == [900002]
    romance = recommend.recommend(ctx, uid, genres=["drame", "Romance"])
    assert _ids(romance) == [900003]
    with pytest.raises(UsageError) as info:
        recommend.recommend(ctx, uid, genres=["Space Opera Western"])
    assert info.value.parameter == "genres"
    with pytest.raises(UsageError) as info:
        recommend.recommend(ctx, uid, limit=0)
    assert info.value.parameter == "limit"


def test_sources_are_asked_concurrently(world: tuple[AppContext, int], tmdb: FakeTmdb,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    ctx, uid = world
    more = [900002, 900003, 900004, 900006]
    marks.mark(ctx, uid, [str(i) for i in (*SEEN, *more)], "seen")
    lock = threading.Lock()
    state = {"now": 0, "most": 0}
    plain: Callable[[FakeMovie], list[FakeMovie]] = tmdb.recommended

    def slow(movie: FakeMovie) -> list[FakeMovie]:
        with lock:
            state["now"] += 1
            state["most"] = max(state["most"], state["now"])
        time.sleep(0.05)
        with lock:
            state["now"] -= 1
        return plain(movie)

    monkeypatch.setattr(tmdb, "recommended", slow)
    recommend.recommend(ctx, uid)
    assert 1 < state["most"] <= recommend.WORKERS


def test_no_seen_movie_asks_nothing_and_returns_nothing(
    world: tuple[AppContext, int], tmdb: FakeTmdb
) -> None:
    ctx, uid = world
    marks.mark(ctx, uid, [str(LATER)], "later")
    tmdb.clear_log()
    result = recommend.recommend(ctx, uid)
    assert result.origin == "none" and result.items == [] and result.to_json() == []
    assert tmdb.count() == 0


# --------------------------------------------------------------------------- cache


def _cache_everything(ctx: AppContext) -> None:
    for word in ("e", "o", "glass"):
        catalog.search(ctx, word)


def _check_cache_answer(ctx: AppContext, uid: int, result: recommend.RecommendResult) -> None:
    assert result.origin == "cache"
    ids = _ids(result)
    assert ids and not set(ids) & _marked(ctx, uid)
    assert FANTASY_ONLY not in ids  # shares genres only with the watch-later movie
    for item in result.items:
        assert item.because and {b.tmdb_id for b in item.because} <= set(SEEN)
        for b in item.because:
            assert b.reason == "genres"
            source = next(s for s in result.sources if s.tmdb_id == b.tmdb_id)
            assert set(item.movie.genre_ids) & set(source.genre_ids)
            assert b.shared


def test_offline_from_the_cache_shared_genres_then_years(
    world: tuple[AppContext, int], tmdb: FakeTmdb
) -> None:
    ctx, uid = world
    _cache_everything(ctx)
    _mark_all(ctx, uid)
    before = tmdb.count()
    result = recommend.recommend(ctx, uid, offline=True, limit=20)
    assert tmdb.count() == before
    assert result.notice == "TMDB unavailable (offline); answered from the local cache"
    _check_cache_answer(ctx, uid, result)
    ids = _ids(result)
    # only Drama shares a genre with what was seen (Drama, Mystery, History)
    assert set(ids) == {900002, 900003}
    top = result.items[0]
    assert top.because[0].shared == ("Drama",)
    french = recommend.recommend(ctx, uid, offline=True, genres=["Romance"])
    assert _ids(french) == [900003]


def test_no_key_answers_from_the_cache(world: tuple[AppContext, int],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    ctx, uid = world
    _cache_everything(ctx)
    _mark_all(ctx, uid)
    monkeypatch.delenv("MYDW_TMDB_API_KEY")
    keyless = AppContext()
    try:
        result = recommend.recommend(keyless, uid)
    finally:
        keyless.close()
    assert result.notice == ("TMDB unavailable (no API key configured); answered from the "
                             "local cache")
    _check_cache_answer(ctx, uid, result)


def test_one_source_failing_answers_everything_from_the_cache(
    world: tuple[AppContext, int], tmdb: FakeTmdb
) -> None:
    ctx, uid = world
    _cache_everything(ctx)
    _mark_all(ctx, uid)
    tmdb.fail_next(5, status=401, path_prefix="/3/movie/900005/recommendations")
    result = recommend.recommend(ctx, uid)
    assert result.notice == "TMDB unavailable (API key refused); answered from the local cache"
    _check_cache_answer(ctx, uid, result)


def test_an_unknown_source_is_skipped(world: tuple[AppContext, int], tmdb: FakeTmdb) -> None:
    ctx, uid = world
    _mark_all(ctx, uid)
    tmdb.remove_movie(900005)
    result = recommend.recommend(ctx, uid)
    assert result.origin == "tmdb"
    assert all({b.tmdb_id for b in i.because} == {900001} for i in result.items)
    assert set(_ids(result)) == {900002, 900011, 900004}


def test_directors_shared_in_the_catalog_are_a_reason(
    world: tuple[AppContext, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx, uid = world
    _cache_everything(ctx)
    _mark_all(ctx, uid)
    cached = {v.tmdb_id: v.id for v in (catalog.resolve_cached(ctx, str(t))
                                         for t in (900001, 900006))}
    monkeypatch.setattr(recommend, "_directors", lambda _ctx, _ids: {
        cached[900001]: {"Jane Doe"}, cached[900006]: {"Jane Doe", "Kim Lee"}})
    result = recommend.recommend(ctx, uid, offline=True, limit=20)
    comedy = next(i for i in result.items if i.movie.tmdb_id == 900006)  # no genre shared
    assert [(b.tmdb_id, b.reason, b.shared) for b in comedy.because] == [
        (900001, "directors", ("Jane Doe",))]


def test_directors_are_read_only_when_the_catalog_has_them(
    world: tuple[AppContext, int]
) -> None:
    ctx, _uid = world
    from mydw.db.models import MovieCatalog

    found = recommend._directors(ctx, [1, 2])
    if not hasattr(MovieCatalog, "directors"):
        assert found == {}
    else:
        assert isinstance(found, dict)


# --------------------------------------------------------------------------- sources


def _view(tmdb_id: int, rating: float | None, day: int, **extra: Any) -> MovieView:
    base = MovieView(tmdb_id, tmdb_id, None, f"M{tmdb_id}", None, None, None, None, None, None,
                     None if rating is None else rating, 1000, [], [], 2000, "en", None, None,
                     "seen", datetime(2026, 1, day))
    if not extra:
        return base
    return _Rated(**{**base.__dict__, **extra})


@dataclass(frozen=True)
class _Rated(MovieView):
    """MovieView as the diary branch makes it: with `my_rating` and `watched_on`."""

    my_rating: float | None = None
    watched_on: date | None = None


def test_sources_best_imdb_rated_then_most_recent_without_my_rating() -> None:
    seen = [_view(i, float(i % 10), i) for i in range(1, 15)]  # ratings 1..9,0..4; days 1..14
    picked = [v.tmdb_id for v in recommend.pick_sources(seen)]
    assert picked[:5] == [9, 8, 7, 6, 5]
    assert picked[5:] == [14, 13, 12, 11, 10]
    assert len(set(picked)) == len(picked) == 10
    unrated = [_view(i, None, i) for i in range(1, 13)]
    assert [v.tmdb_id for v in recommend.pick_sources(unrated)] == list(range(12, 2, -1))
    few = [_view(1, 7.0, 1), *unrated[1:]]  # one rated: it, then the 9 most recent
    assert [v.tmdb_id for v in recommend.pick_sources(few)] == [1, *range(12, 3, -1)]


def test_sources_prefer_my_rating_and_skip_disliked_movies() -> None:
    seen = [
        _view(1, 9.5, 1, my_rating=None),  # IMDb 9.5, not rated by the user
        _view(2, 5.0, 2, my_rating=9.0),  # the user loved it
        _view(3, 8.0, 3, my_rating=7.0),
        _view(4, 9.9, 20, my_rating=3.0),  # disliked: never a source, even the latest
        _view(5, 6.0, 5, my_rating=None, watched_on=date(2026, 2, 1)),  # watched last
    ]
    picked = [v.tmdb_id for v in recommend.pick_sources(seen)]
    assert 4 not in picked
    assert picked[:3] == [2, 3, 1]  # own ratings first, then IMDb's
    assert recommend.personal_rating(seen[1]) == 9.0
    assert recommend.personal_rating(_view(7, 8.0, 1)) is None
    recent = sorted(seen, key=recommend._recency, reverse=True)
    assert recent[0].tmdb_id == 5  # the viewing date wins over when it was marked
