"""Similar: movies like a given one that the user has not marked.

Online: TMDB's recommendations for the movie (`/movie/{id}/recommendations`), stored as
cached movies like search results. Offline, or when TMDB cannot answer: cached movies
sharing the most genres with the source, then the closest release years, then the most
IMDb votes. Never a movie the user marked (any status), never the source itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from mydw.db.models import Movie
from mydw.domain.constants import LANGUAGE_TAGS, MAX_LIMIT
from mydw.domain.errors import UpstreamError, UpstreamNotFound
from mydw.domain.types import check_language
from mydw.services import catalog, notices, upstream
from mydw.services.catalog.common import check_limit
from mydw.services.context import AppContext
from mydw.services.discover import not_marked_by
from mydw.services.views import MovieView, movie_view

if TYPE_CHECKING:
    from mydw.clients.tmdb import TmdbClient

MAX_PAGES = 3  # recommendation pages of 20 read per call, at most
CACHE_SCAN = 5000  # cached movies considered offline, at most (most IMDb votes first)


@dataclass(frozen=True)
class SimilarResult:
    source: MovieView  # the movie the others are like
    movies: list[MovieView]
    notice: str | None = None
    origin: str = "tmdb"  # "tmdb" (TMDB's recommendations) or "cache"

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source.to_json(),
            "movies": [m.to_json() for m in self.movies],
            "notice": self.notice,
        }


def similar(ctx: AppContext, user_id: int, ref: str, *, limit: int = 10, lang: str = "en",
            offline: bool = False) -> SimilarResult:
    """Movies like `ref` (any MOVIE reference, see `catalog.resolve_movie`) that `user_id`
    has not marked. `offline` (or TMDB failing) answers from the local cache with a
    `notice`; `ref` itself must then be in the cache (else `NotFound`)."""
    check_limit(limit, MAX_LIMIT)
    lang = check_language(lang)
    if offline:
        source = _cached_source(ctx, ref, lang)
        return _from_cache(ctx, user_id, source, limit,
                           notices.from_cache("TMDB", notices.OFFLINE))
    source = catalog.resolve_movie(ctx, ref, lang=lang)
    try:
        client = upstream.tmdb_client(ctx)
    except UpstreamError as error:
        return _from_cache(ctx, user_id, source, limit, notices.from_cache("TMDB", error))
    with client:
        try:
            movies = _recommended(ctx, user_id, source, limit, lang, client)
        except UpstreamNotFound:
            movies = []  # TMDB no longer knows the movie: nothing to recommend after it
        except UpstreamError as error:
            return _from_cache(ctx, user_id, source, limit, notices.from_cache("TMDB", error))
    return SimilarResult(source, movies)


def _cached_source(ctx: AppContext, ref: str, lang: str) -> MovieView:
    """The source from the cache only: no request when offline."""
    return catalog.resolve_cached(ctx, ref, lang=lang)


def _recommended(ctx: AppContext, user_id: int, source: MovieView, limit: int, lang: str,
                 client: TmdbClient) -> list[MovieView]:
    picked: list[MovieView] = []
    seen: set[int] = {source.tmdb_id}
    for number in range(1, MAX_PAGES + 1):
        page = client.recommendations(source.tmdb_id, language=LANGUAGE_TAGS[lang], page=number)
        fresh = [s for s in page.results if s.tmdb_id not in seen]
        seen.update(s.tmdb_id for s in fresh)
        catalog.store_summaries(ctx, fresh, lang=lang)
        allowed = _unmarked(ctx, user_id, [s.tmdb_id for s in fresh])
        picked += [allowed[s.tmdb_id] for s in fresh if s.tmdb_id in allowed]
        if len(picked) >= limit or page.page >= page.total_pages or len(page.results) < 1:
            break
    return picked[:limit]


def unmarked_views(ctx: AppContext, user_id: int, tmdb_ids: list[int]) -> dict[int, MovieView]:
    """The cached movies among `tmdb_ids` that `user_id` has not marked (any status), by
    TMDB id (also used by `services.recommend`)."""
    return _unmarked(ctx, user_id, tmdb_ids)


def _unmarked(ctx: AppContext, user_id: int, tmdb_ids: list[int]) -> dict[int, MovieView]:
    if not tmdb_ids:
        return {}
    with ctx.db.read() as session:
        rows = session.scalars(
            select(Movie).where(Movie.tmdb_id.in_(tmdb_ids), not_marked_by(user_id))
        ).all()
        return {m.tmdb_id: movie_view(m) for m in rows}


def _from_cache(ctx: AppContext, user_id: int, source: MovieView, limit: int,
                notice: str) -> SimilarResult:
    """Cached movies sharing the most genres with `source`, then the closest years."""
    genres = set(source.genre_ids)
    with ctx.db.read() as session:
        rows = session.scalars(
            select(Movie)
            .where(Movie.id != source.id, not_marked_by(user_id))
            .order_by(Movie.vote_count.desc().nulls_last(), Movie.id)
            .limit(CACHE_SCAN)
        ).all()
        views = [movie_view(m) for m in rows]

    def key(view: MovieView) -> tuple[int, int, int]:
        shared = len(genres & set(view.genre_ids))
        if source.release_year is None or view.release_year is None:
            distance = 10_000
        else:
            distance = abs(source.release_year - view.release_year)
        return (-shared, distance, -(view.vote_count or 0))

    related = [v for v in views if not genres or genres & set(v.genre_ids)]
    related.sort(key=key)
    return SimilarResult(source, related[:limit], notice, origin="cache")

