"""similar(): TMDB's recommendations online (fake TMDB), the cache offline; never a marked
movie (any status), never the source."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.fakes.tmdb import FAKE_TMDB_API_KEY, FakeTmdb
from tests.helpers import add_user

from mydw.domain.errors import NotFound, UsageError
from mydw.services import catalog, marks, similar
from mydw.services.context import AppContext


@pytest.fixture
def world(home: Path, memory_keyring: Any, tmdb: FakeTmdb,
          monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[AppContext, int]]:
    monkeypatch.setenv("MYDW_TMDB_BASE_URL", tmdb.api_url)
    monkeypatch.setenv("MYDW_TMDB_API_KEY", FAKE_TMDB_API_KEY)
    ctx = AppContext()
    uid = add_user(ctx)
    yield ctx, uid
    ctx.close()


def _ids(result: similar.SimilarResult) -> list[int]:
    return [m.tmdb_id for m in result.movies]


def test_online_follows_tmdb_recommendations_without_marked_movies(
    world: tuple[AppContext, int], tmdb: FakeTmdb
) -> None:
    ctx, uid = world
    expected = [m.tmdb_id for m in tmdb.recommended(tmdb.movie(900001))]  # type: ignore[arg-type]
    assert expected[0] == 900002
    marks.mark(ctx, uid, ["900002"], "not_interested")
    marks.mark(ctx, uid, ["900005"], "later")
    result = similar.similar(ctx, uid, "900001", limit=3)
    assert result.source.tmdb_id == 900001
    assert result.notice is None
    wanted = [t for t in expected if t not in (900002, 900005)][:3]
    assert _ids(result) == wanted
    assert tmdb.count("/3/movie/900001/recommendations") == 1
    # recommended movies were stored like search results: found offline afterwards
    cached = catalog.resolve_cached(ctx, str(wanted[0]))
    assert cached.tmdb_id == wanted[0]


def test_source_by_title_with_year_and_french_titles(world: tuple[AppContext, int]) -> None:
    ctx, uid = world
    result = similar.similar(ctx, uid, "The Lighthouse Keeper (2019)", lang="fr", limit=5)
    assert result.source.tmdb_id == 900002
    assert 900002 not in _ids(result)
    assert result.movies and all(m.title_fr or m.title_en for m in result.movies)


def test_offline_uses_shared_genres_then_closest_years(
    world: tuple[AppContext, int], tmdb: FakeTmdb
) -> None:
    ctx, uid = world
    catalog.search(ctx, "e")  # caches most of the catalogue
    catalog.search(ctx, "o")
    catalog.resolve_movie(ctx, "900001")
    marks.mark(ctx, uid, ["900003"], "seen")
    before = tmdb.count()
    result = similar.similar(ctx, uid, "900001", offline=True)  # Drama, Mystery; 1998
    assert tmdb.count() == before
    assert result.notice == "TMDB unavailable (offline); answered from the local cache"
    ids = _ids(result)
    assert 900001 not in ids and 900003 not in ids
    # Drama movies (one shared genre) by closest year: 900005 (1987) before 900002 (2019)
    assert ids.index(900005) < ids.index(900002)
    assert all(set(m.genre_ids) & {18, 9648} for m in result.movies)


def test_tmdb_down_answers_from_the_cache(
    world: tuple[AppContext, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    ctx, uid = world
    catalog.search(ctx, "lighthouse")
    catalog.resolve_movie(ctx, "900001")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("MYDW_TMDB_BASE_URL", f"http://127.0.0.1:{port}/3")
    down = AppContext()
    try:
        result = similar.similar(down, uid, "900001")
    finally:
        down.close()
    assert result.notice == "TMDB unavailable (no connection); answered from the local cache"
    assert _ids(result) == [900002]  # the only other cached movie sharing a genre


def test_offline_source_must_be_cached_and_limit_is_checked(
    world: tuple[AppContext, int]
) -> None:
    ctx, uid = world
    with pytest.raises(NotFound):
        similar.similar(ctx, uid, "900007", offline=True)
    with pytest.raises(UsageError) as info:
        similar.similar(ctx, uid, "900007", limit=0)
    assert info.value.parameter == "limit"
