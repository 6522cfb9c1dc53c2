"""Discover: great movies the user didn't watch — TMDB's discover, judged by IMDb numbers.

How a movie is judged (`--min-rating`, `--max-rating`, `--min-votes` are IMDb figures):

* With an IMDb rating known (cached, or fetched from OMDb when a key is configured —
  at most `ENRICH_MAX` lookups per call), the IMDb rating and IMDb vote count decide.
* With no IMDb rating known (no OMDb key, OMDb has no data, the budget is spent),
  TMDB's own numbers stand in: its average must pass the same rating bounds, and its
  vote count times `TMDB_VOTE_RATIO` must reach `--min-votes`. TMDB counts far fewer
  votes than IMDb (about 5 to 80 times fewer), so 10 is a cautious factor: with the
  default 5,000 IMDb votes a movie needs 500 TMDB votes. Such movies show no IMDb rating.
* From the cache alone (no TMDB key, TMDB unreachable), only IMDb numbers can be used:
  a cached movie without an IMDb rating is left out whenever a threshold is set.

A movie the user marked with any status is never included: excluded in SQL, both online
(after the page is cached) and from the cache.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, exists, func, literal, select, update

from mydw.db.models import Movie, UserMovie
from mydw.domain.errors import InvalidInput, MydwError, UpstreamError
from mydw.domain.types import parse_language, utcnow
from mydw.services import upstream
from mydw.services.context import AppContext
from mydw.services.filters import has_genre, parse_genres, parse_language_filter
from mydw.services.views import MovieView, movie_view

if TYPE_CHECKING:
    from mydw.clients.omdb import OmdbClient
    from mydw.clients.tmdb import TmdbClient, TmdbMovieSummary

SORTS = ("popularity", "rating", "votes", "year")
TMDB_SORTS = {
    "popularity": "popularity.desc",
    "rating": "vote_average.desc",
    "votes": "vote_count.desc",
    "year": "primary_release_date.desc",
}
MAX_LIMIT = 100
MAX_PAGES = 5  # TMDB pages of 20 read per call, at most
ENRICH_MAX = 20  # OMDb lookups per call, at most (the free key allows 1,000 a day)
TMDB_VOTE_RATIO = 10  # TMDB votes x 10 stand in for IMDb votes (see the module doc)
RATING_SLACK = 1.0  # TMDB pre-filter: IMDb and TMDB averages rarely differ by more
PREFILTER_VOTE_DIVISOR = 50  # TMDB pre-filter on votes: loose, only cuts the noise

def not_marked_by(user_id: int) -> ColumnElement[bool]:
    """SQL: the user has no `user_movies` row (any status) for this movie."""
    return ~exists(select(literal(1)).where(
        UserMovie.user_id == user_id, UserMovie.movie_id == Movie.id))


# --------------------------------------------------------------------------- criteria


@dataclass(frozen=True)
class Criteria:
    genre_ids: list[int]
    min_rating: float
    max_rating: float
    min_votes: int
    year_from: int | None
    year_to: int | None
    language: str | None
    sort: str
    limit: int
    lang: str


@dataclass(frozen=True)
class DiscoverResult:
    movies: list[MovieView]
    source: str  # "tmdb" or "cache"
    notice: str | None = None

    def to_json(self) -> list[dict[str, Any]]:
        return [m.to_json(user_context=True) for m in self.movies]


def _criteria(ctx: AppContext, *, genres: Sequence[str], min_rating: float | None,
              max_rating: float | None, min_votes: int | None, year_from: int | None,
              year_to: int | None, language: str | None, sort: str, limit: int,
              lang: str) -> Criteria:
    low = ctx.settings.discover_min_rating if min_rating is None else min_rating
    high = 10.0 if max_rating is None else max_rating
    votes = ctx.settings.discover_min_votes if min_votes is None else min_votes
    for value in (low, high):
        if not 0 <= value <= 10:
            raise InvalidInput(f"the rating {value:g} is not between 0 and 10")
    if low > high:
        raise InvalidInput(f"--min-rating {low:g} is above --max-rating {high:g}")
    if votes < 0:
        raise InvalidInput("--min-votes must not be negative")
    if year_from is not None and year_to is not None and year_from > year_to:
        raise InvalidInput(f"--year-from {year_from} is after --year-to {year_to}")
    if sort not in SORTS:
        raise InvalidInput(f"unknown sort {sort!r} (choose from {', '.join(SORTS)})")
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"--limit must be between 1 and {MAX_LIMIT}")
    return Criteria(parse_genres(genres), low, high, votes, year_from, year_to,
                    parse_language_filter(language), sort, limit, parse_language(lang))


# --------------------------------------------------------------------------- entry point


def discover(ctx: AppContext, user_id: int, *, genres: Sequence[str] = (),
             min_rating: float | None = None, max_rating: float | None = None,
             min_votes: int | None = None, year_from: int | None = None,
             year_to: int | None = None, language: str | None = None,
             sort: str = "popularity", limit: int = 20, lang: str = "en",
             offline: bool = False) -> DiscoverResult:
    """Great movies the user has not marked: TMDB's discover, else the local cache.

    Defaults: `ctx.settings.discover_min_rating` (7.0) and `discover_min_votes` (5000).
    When TMDB has no key or cannot be reached, or `offline`, answers from the cache with a
    `notice`.
    """
    c = _criteria(ctx, genres=genres, min_rating=min_rating, max_rating=max_rating,
                  min_votes=min_votes, year_from=year_from, year_to=year_to,
                  language=language, sort=sort, limit=limit, lang=lang)
    if offline:
        return _from_cache(ctx, user_id, c, "--offline")
    try:
        client = upstream.tmdb_client(ctx)
    except UpstreamError as error:
        return _from_cache(ctx, user_id, c, f"{error.message}; {_hint(error)}")
    with client:
        try:
            return _from_tmdb(ctx, user_id, c, client)
        except _TmdbDown as down:
            return _from_cache(ctx, user_id, c, f"TMDB could not be reached ({down.reason})")


def _hint(error: MydwError) -> str:
    return error.hint or "check the TMDB settings"


class _TmdbDown(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# --------------------------------------------------------------------------- from TMDB


def _from_tmdb(ctx: AppContext, user_id: int, c: Criteria, client: TmdbClient) -> DiscoverResult:
    from mydw.services import catalog

    enricher = _Enricher(ctx, client)
    picked: list[tuple[MovieView, TmdbMovieSummary]] = []
    seen: set[int] = set()
    notices: list[str] = []
    for page_number in range(1, MAX_PAGES + 1):
        try:
            page = client.discover(**_tmdb_params(c, page_number))
        except UpstreamError as error:
            if page_number == 1:
                raise _TmdbDown(error.message) from error
            notices.append(
                f"TMDB stopped answering after page {page_number - 1} ({error.message})")
            break
        fresh = [s for s in page.results if s.tmdb_id not in seen]
        seen.update(s.tmdb_id for s in fresh)
        catalog.store_summaries(ctx, fresh, lang=c.lang)
        candidates = _unmarked(ctx, user_id, [s.tmdb_id for s in fresh])
        for summary in fresh:
            view = candidates.get(summary.tmdb_id)
            if view is None:
                continue  # marked by the user (any status)
            view = enricher.enrich(view)
            if _passes(view, summary, c):
                picked.append((view, summary))
                if len(picked) >= c.limit:
                    break
        if len(picked) >= c.limit or page.page >= page.total_pages:
            break
    if enricher.notice:
        notices.append(enricher.notice)
    movies = [v for v, _ in _sorted(picked, c.sort)][: c.limit]
    return DiscoverResult(movies, "tmdb", "; ".join(notices) or None)


def _tmdb_params(c: Criteria, page: int) -> dict[str, Any]:
    return {
        "language": "fr-FR" if c.lang == "fr" else "en-US",
        "page": page,
        "sort_by": TMDB_SORTS[c.sort],
        "with_genres": c.genre_ids or None,
        "vote_average_gte": max(0.0, c.min_rating - RATING_SLACK) if c.min_rating > 0 else None,
        "vote_count_gte": c.min_votes // PREFILTER_VOTE_DIVISOR or None,
        "release_year_from": c.year_from,
        "release_year_to": c.year_to,
        "with_original_language": c.language,
    }


def _unmarked(ctx: AppContext, user_id: int, tmdb_ids: Sequence[int]) -> dict[int, MovieView]:
    """The cached movies among `tmdb_ids` that the user has not marked (one query)."""
    if not tmdb_ids:
        return {}
    with ctx.db.read() as session:
        rows = session.scalars(
            select(Movie).where(Movie.tmdb_id.in_(list(tmdb_ids)), not_marked_by(user_id))
        ).all()
        return {m.tmdb_id: movie_view(m) for m in rows}


def _numbers(view: MovieView, summary: TmdbMovieSummary | None) -> tuple[float | None, float]:
    """(rating, votes) used to judge a movie: IMDb's, else TMDB's as a proxy."""
    tmdb_votes = summary.vote_count * TMDB_VOTE_RATIO if summary else 0
    if view.imdb_rating is not None:
        votes = view.vote_count if view.vote_count is not None else tmdb_votes
        return view.imdb_rating, float(votes)
    if summary is None:
        return None, 0.0
    return summary.vote_average, float(tmdb_votes)


def _passes(view: MovieView, summary: TmdbMovieSummary | None, c: Criteria) -> bool:
    rating, votes = _numbers(view, summary)
    if rating is None:
        return False
    return c.min_rating <= rating <= c.max_rating and votes >= c.min_votes


def _sorted(picked: list[tuple[MovieView, TmdbMovieSummary]], sort: str,
            ) -> list[tuple[MovieView, TmdbMovieSummary]]:
    """TMDB's order for popularity; else by the numbers the movies were judged on."""
    if sort == "popularity":
        return picked

    def key(item: tuple[MovieView, TmdbMovieSummary]) -> float:
        view, summary = item
        rating, votes = _numbers(view, summary)
        if sort == "rating":
            return -(rating or 0.0)
        if sort == "votes":
            return -votes
        return -(view.release_year or 0)

    return sorted(picked, key=key)


class _Enricher:
    """Fills missing IMDb ratings from OMDb (when a key exists), at most ENRICH_MAX a call."""

    def __init__(self, ctx: AppContext, tmdb: TmdbClient) -> None:
        self.ctx = ctx
        self.tmdb = tmdb
        self.budget = ENRICH_MAX
        self.notice: str | None = None
        self._omdb: OmdbClient | None = upstream.omdb_client(ctx)

    def enrich(self, view: MovieView) -> MovieView:
        if view.imdb_rating is not None or self._omdb is None or self.budget <= 0:
            return view
        self.budget -= 1
        try:
            imdb_id = view.imdb_id or self.tmdb.external_imdb_id(view.tmdb_id)
            found = self._omdb.rating(imdb_id) if imdb_id else None
        except MydwError as error:  # quota, refused key, network: stop asking this call
            self.notice = f"IMDb ratings could not be fetched from OMDb ({error.message})"
            self._omdb.close()
            self._omdb = None
            return view
        rating = found.imdb_rating if found else None
        votes = found.imdb_votes if found else None
        self._store(view.id, imdb_id, rating, votes)
        return replace(view, imdb_id=imdb_id, imdb_rating=rating, vote_count=votes)

    def _store(self, movie_id: int, imdb_id: str | None, rating: float | None,
               votes: int | None) -> None:
        values: dict[str, Any] = {"imdb_rating": rating, "vote_count": votes,
                                  "imdb_updated_on": utcnow()}
        if imdb_id:
            values["imdb_id"] = imdb_id
        with self.ctx.db.write() as session:
            session.execute(update(Movie).where(Movie.id == movie_id).values(**values))


# --------------------------------------------------------------------------- from the cache


def _from_cache(ctx: AppContext, user_id: int, c: Criteria, why: str) -> DiscoverResult:
    with ctx.db.read() as session:
        dialect = session.get_bind().dialect.name
        query = select(Movie).where(not_marked_by(user_id))
        for genre_id in c.genre_ids:
            query = query.where(has_genre(dialect, genre_id))
        if c.year_from is not None:
            query = query.where(Movie.release_year >= c.year_from)
        if c.year_to is not None:
            query = query.where(Movie.release_year <= c.year_to)
        if c.language is not None:
            query = query.where(func.lower(Movie.original_language) == c.language)
        if c.min_rating > 0:
            query = query.where(Movie.imdb_rating >= c.min_rating)
        if c.max_rating < 10:
            query = query.where(Movie.imdb_rating <= c.max_rating)
        if c.min_votes > 0:
            query = query.where(Movie.vote_count >= c.min_votes)
        query = query.order_by(*_cache_order(c.sort), Movie.id).limit(c.limit)
        movies = [movie_view(m) for m in session.scalars(query)]
    notice = f"{why}: discovering from the local cache only ({len(movies)} found)"
    return DiscoverResult(movies, "cache", notice)


def _cache_order(sort: str) -> list[Any]:
    """Popularity is not cached: the IMDb vote count (how many people rated it) stands in."""
    by_votes = Movie.vote_count.desc().nulls_last()
    by_rating = Movie.imdb_rating.desc().nulls_last()
    if sort == "rating":
        return [by_rating, by_votes]
    if sort == "year":
        return [Movie.release_year.desc().nulls_last(), by_votes]
    return [by_votes, by_rating]

