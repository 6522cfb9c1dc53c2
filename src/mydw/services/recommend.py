"""Recommend: "because you watched X" — movies like the ones the user saw and liked.

Sources (at most `BEST_SOURCES + RECENT_SOURCES`, no movie twice): the user's best-rated
seen movies, then the most recent seen ones not already picked (more of them when fewer
than `BEST_SOURCES` have a rating). "Best-rated" is the
user's own rating (`my_rating`, 10-point scale) when MovieView has it and the movie is
rated, else the movie's IMDb rating; "most recent" is the latest viewing (`watched_on`)
when known, else when it was marked seen. A seen movie the user rated below
`DISLIKED_BELOW` is never a source. Only movies marked *seen* are sources: a movie on the
watch-later or not-interested list never is, so no result is ever credited to one.

Online, TMDB's recommendations of each source (`/movie/{id}/recommendations`, the first
page of 20) are asked for concurrently (`WORKERS` threads sharing one client, so its rate
limiter keeps them within TMDB's limit) and stored in the cache like search results.
Each candidate is scored:

    score = SOURCE_WEIGHT  * support
          + GENRE_WEIGHT   * affinity
          + QUALITY_WEIGHT * quality

* `support`: for each source that recommends the candidate, ``1 - rank / (2 * 20)``
  (TMDB's first pick counts 1.0, its 20th 0.525), summed: the more sources point at a
  candidate, and the higher, the more it counts.
* `affinity` (0-1): how much the user watches the candidate's genres — the mean, over its
  genres, of the number of the user's seen movies in that genre divided by the count of
  the user's most-seen genre (0 for a movie without genres).
* `quality` (0-1): the IMDb rating pulled towards `PRIOR_RATING` by few votes (a Bayesian
  average: ``(v * R + PRIOR_VOTES * PRIOR_RATING) / (v + PRIOR_VOTES) / 10``). Without an
  IMDb rating, TMDB's average and vote count times `discover.TMDB_VOTE_RATIO` stand in
  (online); with neither, `PRIOR_RATING`.

From the cache (no TMDB key, TMDB unreachable or failing, `offline`): the candidates are
the cached movies the user has not marked; a source "points at" a candidate that shares a
genre with it, or a director when the catalog knows directors. Its `support` is then the
sum over those sources of ``similarity = jaccard(genres) * (0.5 + 0.5 * closeness(years))
(+ DIRECTOR_BONUS when a director is shared)``, capped at 1 per source, where closeness is
``1 - |year difference| / 30`` (at least 0; 0.5 when a year is unknown).

Ties: the higher score, then the more votes, then the lower TMDB id. A movie the user
marked with any status is never a result (excluded in SQL after the candidates are
cached), and `because` names only the seen sources that pointed at the result: online the
sources whose TMDB recommendations hold it (`reason` "tmdb"); from the cache the sources
it shares genres (`reason` "genres") or directors (`reason` "directors") with, best first,
at most `CACHE_BECAUSE`.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from mydw.db.models import Movie, MovieCatalog
from mydw.domain.constants import LANGUAGE_TAGS, MAX_LIMIT
from mydw.domain.errors import UpstreamError, UpstreamNotFound
from mydw.domain.types import check_language
from mydw.services import catalog, notices, upstream
from mydw.services.catalog.common import check_limit
from mydw.services.context import AppContext
from mydw.services.discover import TMDB_VOTE_RATIO, not_marked_by
from mydw.services.similar import CACHE_SCAN, unmarked_views
from mydw.services.views import MovieView, movie_view

if TYPE_CHECKING:
    from mydw.clients.tmdb import TmdbClient, TmdbMovieSummary, TmdbPage

BEST_SOURCES = 5  # best-rated seen movies asked about
RECENT_SOURCES = 5  # most recent seen movies asked about (besides the best-rated)
WORKERS = 4  # concurrent TMDB requests, at most
DISLIKED_BELOW = 5.0  # a seen movie the user rated below this is never a source
PAGE_SIZE = 20  # TMDB's recommendations per page (only the first page is read)
SOURCE_WEIGHT = 1.0
GENRE_WEIGHT = 1.0
QUALITY_WEIGHT = 2.0
PRIOR_RATING = 6.5  # the rating a movie with few or no votes is pulled towards
PRIOR_VOTES = 5000  # how many votes weigh as much as the prior
DIRECTOR_BONUS = 0.5  # similarity added by a shared director (cache)
YEAR_SPAN = 30  # years apart at which release years stop counting as close (cache)
CACHE_BECAUSE = 3  # sources named per cached result, at most


@dataclass(frozen=True)
class Because:
    """A seen movie behind a recommendation."""

    tmdb_id: int
    title_en: str | None
    title_fr: str | None
    release_year: int | None
    reason: str  # "tmdb" (TMDB recommends it after this one), "genres", "directors"
    shared: tuple[str, ...] = ()  # the genres (English names) or directors in common

    def title(self, lang: str = "en") -> str:
        first, second = (
            (self.title_fr, self.title_en) if lang == "fr" else (self.title_en, self.title_fr)
        )
        return first or second or f"TMDB #{self.tmdb_id}"

    def label(self, lang: str = "en") -> str:
        year = f" ({self.release_year})" if self.release_year else ""
        return f"{self.title(lang)}{year}"

    def to_json(self) -> dict[str, Any]:
        return {"tmdb_id": self.tmdb_id, "title_en": self.title_en, "title_fr": self.title_fr,
                "release_year": self.release_year, "reason": self.reason,
                "shared": list(self.shared)}


@dataclass(frozen=True)
class Recommendation:
    movie: MovieView
    score: float
    because: list[Because]

    def to_json(self) -> dict[str, Any]:
        """The movie object of every command plus `score` and `because`."""
        data = self.movie.to_json()
        data["score"] = round(self.score, 4)
        data["because"] = [b.to_json() for b in self.because]
        return data


@dataclass(frozen=True)
class RecommendResult:
    items: list[Recommendation]
    sources: list[MovieView] = field(default_factory=list)  # the seen movies asked about
    origin: str = "tmdb"  # "tmdb", "cache", or "none" (no seen movie to start from)
    notice: str | None = None

    @property
    def movies(self) -> list[MovieView]:
        return [r.movie for r in self.items]

    def to_json(self) -> list[dict[str, Any]]:
        return [r.to_json() for r in self.items]


# --------------------------------------------------------------------------- entry point


def recommend(ctx: AppContext, user_id: int, *, genres: Sequence[str] = (), limit: int = 10,
              lang: str = "en", offline: bool = False) -> RecommendResult:
    """Movies `user_id` has not marked, like the seen movies they rated best and saw last.

    `genres` (English or French names) restricts the results to movies having every one.
    When TMDB has no key, cannot be reached or fails, or `offline`, answers from the local
    cache with a `notice`. A user with no seen movie gets no result (`origin` "none").
    """
    check_limit(limit, MAX_LIMIT)
    lang = check_language(lang)
    wanted = tuple(catalog.parse_genres([genres] if isinstance(genres, str) else genres))
    seen = _seen(ctx, user_id, lang)
    sources = pick_sources(seen)
    if not sources:
        return RecommendResult([], [], origin="none")
    scorer = _Scorer(seen, wanted)
    if offline:
        return _from_cache(ctx, user_id, sources, scorer, limit,
                           notices.from_cache("TMDB", notices.OFFLINE))
    try:
        client = upstream.tmdb_client(ctx)
    except UpstreamError as error:
        return _from_cache(ctx, user_id, sources, scorer, limit,
                           notices.from_cache("TMDB", error))
    with client:
        try:
            pages = _ask_tmdb(client, sources, lang)
            items = _from_tmdb(ctx, user_id, sources, pages, scorer, lang)
        except UpstreamError as error:
            return _from_cache(ctx, user_id, sources, scorer, limit,
                               notices.from_cache("TMDB", error))
    return RecommendResult(items[:limit], sources)


# --------------------------------------------------------------------------- sources


def _seen(ctx: AppContext, user_id: int, lang: str) -> list[MovieView]:
    from mydw.services import marks

    return marks.list_movies(ctx, user_id, statuses=["seen"], sort="updated", lang=lang)


def personal_rating(view: MovieView) -> float | None:
    """The user's own rating when MovieView carries one (`my_rating`), else None."""
    value = getattr(view, "my_rating", None)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _recency(view: MovieView) -> tuple[int, date, datetime]:
    watched = getattr(view, "watched_on", None)
    marked = view.updated_at or datetime.min
    if isinstance(watched, datetime):
        watched = watched.date()
    if isinstance(watched, date):
        return (1, watched, marked)
    return (1 if view.updated_at else 0, marked.date(), marked)


def pick_sources(seen: Sequence[MovieView]) -> list[MovieView]:
    """The seen movies to start from: the `BEST_SOURCES` best-rated (own rating first, else
    IMDb's), then the `RECENT_SOURCES` most recent others (more when fewer are rated: at most
    `BEST_SOURCES + RECENT_SOURCES` in all); never one rated below `DISLIKED_BELOW`."""
    liked = [v for v in seen
             if (mine := personal_rating(v)) is None or mine >= DISLIKED_BELOW]

    def best(view: MovieView) -> tuple[int, float, float, int]:
        mine = personal_rating(view)
        imdb = view.imdb_rating if view.imdb_rating is not None else -1.0
        return (mine is not None, mine if mine is not None else -1.0, imdb,
                view.vote_count or 0)

    rated = [v for v in liked if personal_rating(v) is not None or v.imdb_rating is not None]
    chosen = sorted(rated, key=best, reverse=True)[:BEST_SOURCES]
    picked = {v.tmdb_id for v in chosen}
    recent = sorted((v for v in liked if v.tmdb_id not in picked), key=_recency, reverse=True)
    return chosen + recent[:RECENT_SOURCES + BEST_SOURCES - len(chosen)]


def _because(source: MovieView, reason: str, shared: Sequence[str] = ()) -> Because:
    return Because(source.tmdb_id, source.title_en, source.title_fr, source.release_year,
                   reason, tuple(shared))


# --------------------------------------------------------------------------- scoring


class _Scorer:
    """Genre affinity and quality (see the module doc), from every seen movie."""

    def __init__(self, seen: Sequence[MovieView], wanted: Sequence[int]) -> None:
        self.counts = Counter(g for v in seen for g in set(v.genre_ids))
        self.top = max(self.counts.values(), default=0)
        self.wanted = set(wanted)

    def keeps(self, movie: MovieView) -> bool:
        return self.wanted <= set(movie.genre_ids)

    def affinity(self, movie: MovieView) -> float:
        genres = set(movie.genre_ids)
        if not genres or not self.top:
            return 0.0
        return sum(self.counts[g] for g in genres) / (len(genres) * self.top)

    @staticmethod
    def quality(movie: MovieView, summary: TmdbMovieSummary | None = None) -> float:
        rating, votes = movie.imdb_rating, movie.vote_count or 0
        if rating is None and summary is not None and summary.vote_count > 0:
            rating, votes = summary.vote_average, summary.vote_count * TMDB_VOTE_RATIO
        if rating is None:
            return PRIOR_RATING / 10
        return (votes * rating + PRIOR_VOTES * PRIOR_RATING) / (votes + PRIOR_VOTES) / 10

    def score(self, movie: MovieView, support: float,
              summary: TmdbMovieSummary | None = None) -> float:
        return (SOURCE_WEIGHT * support + GENRE_WEIGHT * self.affinity(movie)
                + QUALITY_WEIGHT * self.quality(movie, summary))


def _ranked(items: list[Recommendation]) -> list[Recommendation]:
    return sorted(items, key=lambda r: (-r.score, -(r.movie.vote_count or 0), r.movie.tmdb_id))


# --------------------------------------------------------------------------- from TMDB


def _ask_tmdb(client: TmdbClient, sources: Sequence[MovieView],
              lang: str) -> list[TmdbPage | None]:
    """The first page of TMDB's recommendations for each source (None: TMDB no longer knows
    it), asked concurrently; the first other failure is raised once all have answered."""
    language = LANGUAGE_TAGS[lang]

    def ask(source: MovieView) -> TmdbPage | UpstreamError | None:
        try:
            return client.recommendations(source.tmdb_id, language=language, page=1)
        except UpstreamNotFound:
            return None
        except UpstreamError as error:
            return error

    with ThreadPoolExecutor(max_workers=min(WORKERS, len(sources)),
                            thread_name_prefix="mydw-recommend") as pool:
        answers = list(pool.map(ask, sources))
    pages: list[TmdbPage | None] = []
    for answer in answers:
        if isinstance(answer, UpstreamError):
            raise answer
        pages.append(answer)
    return pages


def _from_tmdb(ctx: AppContext, user_id: int, sources: Sequence[MovieView],
               pages: Sequence[TmdbPage | None], scorer: _Scorer,
               lang: str) -> list[Recommendation]:
    support: dict[int, float] = {}
    behind: dict[int, list[Because]] = {}
    summaries: dict[int, TmdbMovieSummary] = {}
    for source, page in zip(sources, pages, strict=True):
        if page is None:
            continue
        for rank, summary in enumerate(page.results[:PAGE_SIZE]):
            if summary.tmdb_id in behind and any(b.tmdb_id == source.tmdb_id
                                                 for b in behind[summary.tmdb_id]):
                continue  # TMDB listed it twice for the same source
            summaries.setdefault(summary.tmdb_id, summary)
            support[summary.tmdb_id] = (support.get(summary.tmdb_id, 0.0)
                                        + 1 - rank / (2 * PAGE_SIZE))
            behind.setdefault(summary.tmdb_id, []).append(_because(source, "tmdb"))
    if not summaries:
        return []
    catalog.store_summaries(ctx, list(summaries.values()), lang=lang)
    allowed = unmarked_views(ctx, user_id, list(summaries))
    items = [
        Recommendation(view, scorer.score(view, support[tid], summaries[tid]), behind[tid])
        for tid, view in allowed.items() if scorer.keeps(view)
    ]
    return _ranked(items)


# --------------------------------------------------------------------------- from the cache


def _directors(ctx: AppContext, movie_ids: Sequence[int]) -> dict[int, set[str]]:
    """Directors by movies.id, when the catalog knows them (a `directors` column)."""
    column = getattr(MovieCatalog, "directors", None)
    if column is None or not movie_ids:
        return {}
    found: dict[int, set[str]] = {}
    with ctx.db.read() as session:
        rows = session.execute(
            select(MovieCatalog.movie_id, column).where(MovieCatalog.movie_id.in_(movie_ids))
        ).all()
    for movie_id, names in rows:
        if isinstance(names, list | tuple):
            kept = {str(n).strip() for n in names if isinstance(n, str) and n.strip()}
            if kept:
                found[movie_id] = kept
    return found


def _closeness(a: int | None, b: int | None) -> float:
    if a is None or b is None:
        return 0.5
    return max(0.0, 1 - abs(a - b) / YEAR_SPAN)


def _from_cache(ctx: AppContext, user_id: int, sources: Sequence[MovieView], scorer: _Scorer,
                limit: int, notice: str) -> RecommendResult:
    from mydw.services.filters import genre_name

    with ctx.db.read() as session:
        rows = session.scalars(
            select(Movie).where(not_marked_by(user_id))
            .order_by(Movie.vote_count.desc().nulls_last(), Movie.id)
            .limit(CACHE_SCAN)
        ).all()
        candidates = [movie_view(m) for m in rows]
    candidates = [c for c in candidates if scorer.keeps(c)]
    directors = _directors(ctx, [s.id for s in sources] + [c.id for c in candidates])
    items: list[Recommendation] = []
    for candidate in candidates:
        mine = set(candidate.genre_ids)
        pointed: list[tuple[float, Because]] = []
        for source in sources:
            theirs = set(source.genre_ids)
            shared_genres = mine & theirs
            shared_directors = directors.get(candidate.id, set()) & directors.get(source.id,
                                                                                  set())
            if not shared_genres and not shared_directors:
                continue
            similarity = (len(shared_genres) / len(mine | theirs)
                          * (0.5 + 0.5 * _closeness(source.release_year,
                                                    candidate.release_year)))
            if shared_directors:
                similarity = min(1.0, similarity + DIRECTOR_BONUS)
                because = _because(source, "directors", sorted(shared_directors))
            else:
                because = _because(source, "genres",
                                   [genre_name(g, "en") for g in sorted(shared_genres)])
            pointed.append((similarity, because))
        if not pointed:
            continue
        pointed.sort(key=lambda p: -p[0])
        support = sum(s for s, _ in pointed)
        items.append(Recommendation(candidate, scorer.score(candidate, support),
                                    [b for _, b in pointed[:CACHE_BECAUSE]]))
    return RecommendResult(_ranked(items)[:limit], list(sources), origin="cache",
                           notice=notice)
