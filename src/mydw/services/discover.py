"""Discover: great movies the user didn't watch — TMDB's discover, judged by IMDb numbers.

Why this module is long: online and cached discover judge movies by the same criteria, and
the online path's paging, read-ahead and ratings enrichment share one loop's state.

How a movie is judged (`min_rating`, `max_rating`, `min_votes` are IMDb figures):

* With an IMDb rating known (cached, or fetched from OMDb by `services.ratings` when a key
  is configured — at most `ENRICH_MAX` lookups per call), the IMDb rating and IMDb vote
  count decide.
* With no IMDb rating known (no OMDb key, OMDb has no data, the budget is spent),
  TMDB's own numbers stand in: its average must pass the same rating bounds, and its
  vote count times `TMDB_VOTE_RATIO` must reach `min_votes`. TMDB counts far fewer
  votes than IMDb (about 5 to 80 times fewer), so 10 is a cautious factor: with the
  default 5,000 IMDb votes a movie needs 500 TMDB votes. Such movies show no IMDb rating.
* From the cache alone (no TMDB key, TMDB unreachable, `offline`), only IMDb numbers can be
  used: a cached movie without an IMDb rating is left out whenever a threshold is set.

Every movie that passed is sorted, then the list is cut to `limit` (TMDB pages are read
whole, up to `MAX_PAGES`, until enough passed).

`keywords` (free words: "haunted", "heist"): online, TMDB's keywords matching them
(`/search/keyword`), any of them (`with_keywords` joined with `|`); from the cache, movies
whose overview holds any of the words (accent- and case-insensitive).

A movie the user marked with any status is never included: excluded in SQL, both online
(after the page is cached) and from the cache.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import ColumnElement, exists, literal, select

from mydw.db.models import Movie, TmdbGenre, UserMovie
from mydw.domain.constants import DISCOVER_SORTS, LANGUAGE_TAGS, MAX_LIMIT
from mydw.domain.errors import MydwError, UpstreamError, UsageError
from mydw.domain.types import check_language, fold
from mydw.services import notices, ratings, upstream
from mydw.services.catalog.common import check_limit
from mydw.services.context import AppContext
from mydw.services.filters import MovieFilter
from mydw.services.views import MovieView, movie_view

if TYPE_CHECKING:
    from mydw.clients.tmdb import TmdbClient, TmdbMovieSummary, TmdbPage

SORTS = DISCOVER_SORTS
TMDB_SORTS = {
    "popularity": "popularity.desc",
    "rating": "vote_average.desc",
    "votes": "vote_count.desc",
    "year": "primary_release_date.desc",
}
MAX_PAGES = 5  # TMDB pages of 20 read per call, at most
ENRICH_MAX = 20  # OMDb lookups per call, at most (the free key allows 1,000 a day)
TMDB_VOTE_RATIO = 10  # TMDB votes x 10 stand in for IMDb votes (see the module doc)
RATING_SLACK = 1.0  # TMDB pre-filter: IMDb and TMDB averages rarely differ by more
PREFILTER_VOTE_DIVISOR = 50  # TMDB pre-filter on votes: loose, only cuts the noise
MAX_KEYWORDS = 10  # free words per call
KEYWORD_IDS_PER_WORD = 5  # TMDB keywords kept per word (its best matches first)


def not_marked_by(user_id: int) -> ColumnElement[bool]:
    """SQL: the user has no `user_movies` row (any status) for this movie."""
    return ~exists(select(literal(1)).where(
        UserMovie.user_id == user_id, UserMovie.movie_id == Movie.id))


# --------------------------------------------------------------------------- criteria


@dataclass(frozen=True)
class Criteria:
    filter: MovieFilter  # min/max rating and min votes always set (the defaults applied)
    keywords: tuple[str, ...]
    sort: str
    limit: int
    lang: str

    @property
    def min_rating(self) -> float:
        return self.filter.min_rating or 0.0

    @property
    def max_rating(self) -> float:
        return 10.0 if self.filter.max_rating is None else self.filter.max_rating

    @property
    def min_votes(self) -> int:
        return self.filter.min_votes or 0


@dataclass(frozen=True)
class DiscoverResult:
    movies: list[MovieView]
    source: str  # "tmdb" or "cache"
    notice: str | None = None

    def to_json(self) -> list[dict[str, Any]]:
        return [m.to_json(user_context=True) for m in self.movies]


def _keywords(words: Sequence[str]) -> tuple[str, ...]:
    if isinstance(words, str):
        words = [words]
    cleaned = tuple(dict.fromkeys(" ".join(str(w).split()) for w in words))
    if any(not w for w in cleaned):
        raise UsageError("keywords must not hold an empty word", parameter="keywords")
    if len(cleaned) > MAX_KEYWORDS:
        raise UsageError(f"keywords: at most {MAX_KEYWORDS} words", parameter="keywords")
    return cleaned


def _criteria(ctx: AppContext, *, genres: Sequence[str], min_rating: float | None,
              max_rating: float | None, min_votes: int | None, year_from: int | None,
              year_to: int | None, language: str | None, sort: str, limit: int,
              lang: str, keywords: Sequence[str], without_genres: Sequence[str]) -> Criteria:
    low = ctx.settings.discover_min_rating if min_rating is None else min_rating
    high = 10.0 if max_rating is None else max_rating
    votes = ctx.settings.discover_min_votes if min_votes is None else min_votes
    wanted = MovieFilter.parse(genres=genres, year_from=year_from, year_to=year_to,
                               min_rating=low, max_rating=high, min_votes=votes,
                               language=language, without_genres=without_genres)
    if sort not in SORTS:
        raise UsageError(f"sort: unknown sort {sort!r} (choose from {', '.join(SORTS)})",
                         parameter="sort")
    check_limit(limit, MAX_LIMIT)
    return Criteria(wanted, _keywords(keywords), sort, limit,
                    check_language(lang))


# --------------------------------------------------------------------------- entry point


def discover(ctx: AppContext, user_id: int, *, genres: Sequence[str] = (),
             min_rating: float | None = None, max_rating: float | None = None,
             min_votes: int | None = None, year_from: int | None = None,
             year_to: int | None = None, language: str | None = None,
             sort: str = "popularity", limit: int = 20, lang: str = "en",
             offline: bool = False, keywords: Sequence[str] = (),
             without_genres: Sequence[str] = ()) -> DiscoverResult:
    """Great movies the user has not marked: TMDB's discover, else the local cache.

    Defaults: `ctx.settings.discover_min_rating` (7.0) and `discover_min_votes` (5000).
    When TMDB has no key or cannot be reached, or `offline`, answers from the cache with a
    `notice`.
    """
    c = _criteria(ctx, genres=genres, min_rating=min_rating, max_rating=max_rating,
                  min_votes=min_votes, year_from=year_from, year_to=year_to,
                  language=language, sort=sort, limit=limit, lang=lang, keywords=keywords,
                  without_genres=without_genres)
    if offline:
        return from_cache(ctx, user_id, c, notices.from_cache("TMDB", notices.OFFLINE))
    try:
        client = upstream.tmdb_client(ctx)
    except UpstreamError as error:
        return from_cache(ctx, user_id, c, notices.from_cache("TMDB", error))
    with client, ctx.progress("Asking TMDB…"):
        try:
            return _from_tmdb(ctx, user_id, c, client)
        except _TmdbDown as down:
            return from_cache(ctx, user_id, c, notices.from_cache("TMDB", down.error))


class _TmdbDown(Exception):
    def __init__(self, error: UpstreamError) -> None:
        super().__init__(error.message)
        self.error = error


# --------------------------------------------------------------------------- from TMDB


def _keyword_ids(client: TmdbClient, words: Sequence[str]) -> list[int]:
    """TMDB's keywords for the words, all asked at once (in the words' order)."""
    from mydw.services.parallel import each

    ids: list[int] = []
    for found in each(lambda word: client.search_keywords(word), list(words)):
        if isinstance(found, UpstreamError):
            raise _TmdbDown(found) from found
        if isinstance(found, MydwError):
            raise found
        ids += [k.id for k in found[:KEYWORD_IDS_PER_WORD]]
    return list(dict.fromkeys(ids))


def _genres_unknown(ctx: AppContext) -> bool:
    """No TMDB genre names stored yet: the first page's storing would ask for them."""
    with ctx.db.read() as session:
        return session.scalar(select(TmdbGenre.id).limit(1)) is None


def _save_genres(ctx: AppContext, fetched: dict[int, str]) -> None:
    from mydw.services.catalog.genres import store_genres

    with ctx.db.write() as session:
        store_genres(session, fetched)


def _first_page(ctx: AppContext, c: Criteria, client: TmdbClient,
                keyword_ids: Sequence[int]) -> TmdbPage:
    """Page 1, and TMDB's genre names beside it when none are stored (the storing of the
    page would ask for them next: asked now, they cost no extra wait)."""
    from mydw.services.parallel import each

    if not _genres_unknown(ctx):
        return client.discover(**_tmdb_params(c, 1, keyword_ids))
    def ask(what: str) -> TmdbPage | dict[int, str]:
        if what == "genres":
            return client.genres(language="en")
        return client.discover(**_tmdb_params(c, 1, keyword_ids))

    page, genres = each(ask, ["page", "genres"])
    if isinstance(genres, dict):
        _save_genres(ctx, genres)
    if isinstance(page, MydwError):
        raise page
    return cast("TmdbPage", page)


def _from_tmdb(ctx: AppContext, user_id: int, c: Criteria, client: TmdbClient) -> DiscoverResult:
    from mydw.services import catalog

    keyword_ids: list[int] = []
    if c.keywords:
        keyword_ids = _keyword_ids(client, c.keywords)
        if not keyword_ids:
            words = ", ".join(repr(w) for w in c.keywords)
            return from_cache(ctx, user_id, c, notices.from_cache(
                "TMDB", f"no TMDB keyword matches {words}"))
    picked: list[tuple[MovieView, TmdbMovieSummary]] = []
    seen: set[int] = set()
    notes: list[str] = []
    ahead = _PageAhead(client, c, keyword_ids)
    with ratings.OmdbRatings(ctx, tmdb=client, budget=ENRICH_MAX) as omdb, ahead:
        for page_number in range(1, MAX_PAGES + 1):
            try:
                page = (_first_page(ctx, c, client, keyword_ids) if page_number == 1
                        else ahead.page(page_number))
            except UpstreamError as error:
                if page_number == 1:
                    raise _TmdbDown(error) from error
                notes.append(notices.stopped("TMDB", f"page {page_number - 1}", error))
                break
            fresh = [s for s in page.results if s.tmdb_id not in seen]
            seen.update(s.tmdb_id for s in fresh)
            catalog.store_summaries(ctx, fresh, lang=c.lang)
            candidates = _unmarked(ctx, user_id, [s.tmdb_id for s in fresh])
            # marked by the user (any status): left out
            kept = [(candidates[s.tmdb_id], s) for s in fresh if s.tmdb_id in candidates]
            more_pages = page.page < page.total_pages and page_number < MAX_PAGES
            passed: dict[int, tuple[MovieView, TmdbMovieSummary]] = {}
            # The IMDb ratings of the page, asked all at once; each movie judged as its
            # answer arrives. As soon as the page cannot fill the list whatever the answers
            # still to come, the next page is asked for (it would be, after them).
            answers = omdb.fill_each([v for v, _s in kept])
            for judged, (i, view) in enumerate(answers, start=1):
                summary = kept[i][1]
                if _passes(view, summary, c):
                    passed[i] = (view, summary)
                if more_pages and len(picked) + len(passed) + len(kept) - judged < c.limit:
                    ahead.start(page_number + 1)
            picked += [passed[i] for i in sorted(passed)]  # TMDB's order
            # Whole pages only: a better movie may come later on the page than the limit.
            if len(picked) >= c.limit or not more_pages:
                break
        if omdb.notice:
            notes.append(omdb.notice)
    movies = [v for v, _ in _sorted(picked, c.sort)][: c.limit]
    return DiscoverResult(movies, "tmdb", "; ".join(notes) or None)


class _PageAhead:
    """The next discover page, asked for in a thread while this page's ratings come in
    (only once it is sure to be needed: never one request more than page after page)."""

    def __init__(self, client: TmdbClient, c: Criteria, keyword_ids: Sequence[int]) -> None:
        self.client, self.c, self.keyword_ids = client, c, keyword_ids
        self._pool: Any = None
        self._pending: dict[int, Any] = {}

    def start(self, number: int) -> None:
        if number in self._pending:
            return
        if self._pool is None:
            from concurrent.futures import ThreadPoolExecutor

            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mydw-page")
        self._pending[number] = self._pool.submit(
            self.client.discover, **_tmdb_params(self.c, number, self.keyword_ids))

    def page(self, number: int) -> TmdbPage:
        future = self._pending.pop(number, None)
        if future is None:
            return self.client.discover(**_tmdb_params(self.c, number, self.keyword_ids))
        return cast("TmdbPage", future.result())

    def __enter__(self) -> _PageAhead:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)


def _tmdb_params(c: Criteria, page: int, keyword_ids: Sequence[int]) -> dict[str, Any]:
    f = c.filter
    return {
        "language": LANGUAGE_TAGS[c.lang],
        "page": page,
        "sort_by": TMDB_SORTS[c.sort],
        "with_genres": list(f.genre_ids) or None,
        "without_genres": list(f.without_genre_ids) or None,
        "vote_average_gte": max(0.0, c.min_rating - RATING_SLACK) if c.min_rating > 0 else None,
        "vote_count_gte": c.min_votes // PREFILTER_VOTE_DIVISOR or None,
        "release_year_from": f.year_from,
        "release_year_to": f.year_to,
        "with_original_language": f.language,
        "with_keywords": list(keyword_ids) or None,
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


# --------------------------------------------------------------------------- from the cache


def _cache_filter(c: Criteria) -> MovieFilter:
    """The IMDb thresholds only where they cut something (0 and 10 keep unrated movies)."""
    return replace(c.filter, min_rating=c.min_rating if c.min_rating > 0 else None,
                   max_rating=c.max_rating if c.max_rating < 10 else None,
                   min_votes=c.min_votes if c.min_votes > 0 else None)


def mentions(view: MovieView, words: Sequence[str]) -> bool:
    """Whether the movie's overview (either language) holds any of `words` (folded)."""
    text = fold(" ".join(t for t in (view.overview_en, view.overview_fr) if t))
    return any(fold(w) in text for w in words)


def from_cache(ctx: AppContext, user_id: int, c: Criteria, notice: str) -> DiscoverResult:
    with ctx.db.read() as session:
        dialect = session.get_bind().dialect.name
        query = _cache_filter(c).apply(select(Movie).where(not_marked_by(user_id)), dialect)
        query = query.order_by(*_cache_order(c.sort), Movie.id)
        if not c.keywords:
            query = query.limit(c.limit)
        movies = [movie_view(m) for m in session.scalars(query)]
    if c.keywords:
        movies = [m for m in movies if mentions(m, c.keywords)][: c.limit]
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
