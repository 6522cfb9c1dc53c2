"""The catalog: the one place that turns a movie reference into a cached row.

Every feature (search, show, marks, discover, chat tools, importers) goes through here:

* `resolve_movie(ctx, ref)` — a TMDB id, an IMDb id (`tt…`) or a title → a `MovieView`
  whose full details (both languages, trailers, poster, IMDb id, IMDb rating when an
  OMDb key exists) are cached. The first call fetches; later calls read the database.
* `store_summaries(ctx, summaries, lang=...)` — upsert search/discover results as rows.
* `search(ctx, query, ...)` — TMDB search, each page remembered for `search-freshness`;
  the local cache answers when TMDB cannot (no key, no network, `--offline`).
* `show(ctx, ref, ...)` — `resolve_movie` plus the user's status.

Upstream payloads are mapped to rows only after the clients validated them, and only
after every request of an operation succeeded: nothing half-fetched reaches the database.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, delete, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mydw.db.models import Movie, MovieCatalog, SearchCache, TmdbGenre, UserMovie
from mydw.domain.constants import OMDB_HINT
from mydw.domain.errors import (
    Ambiguous,
    InvalidInput,
    NotFound,
    UpstreamAuthError,
    UpstreamError,
    UsageError,
)
from mydw.domain.types import fold, parse_duration, parse_language, utcnow
from mydw.services import upstream
from mydw.services.context import AppContext
from mydw.services.filters import BUILTIN_GENRES
from mydw.services.views import MovieView, movie_view

if TYPE_CHECKING:
    from mydw.clients.omdb import OmdbClient, OmdbRating
    from mydw.clients.tmdb import TmdbClient, TmdbMovieDetails, TmdbMovieSummary

log = logging.getLogger("mydw.catalog")

_MOVIES = cast(Table, Movie.__table__)  # Core inserts honour an explicit None

Chooser = Callable[[list[MovieView]], MovieView | None]
"""Lets a person pick among ambiguous titles; None (or no chooser) → `Ambiguous`."""

TMDB_PAGE_SIZE = 20
TMDB_MAX_PAGE = 500
MAX_LIMIT = 100
DEFAULT_FRESHNESS = timedelta(hours=24)
SEARCH_CACHE_KEEP = timedelta(days=30)  # older search pages are pruned when new ones arrive
GENRE_REFETCH_AFTER = timedelta(days=7)  # an unknown genre id refetches the list after this
LANGUAGE_TAGS = {"en": "en-US", "fr": "fr-FR"}


_IMDB_ID = re.compile(r"(?:https?://(?:www\.|m\.)?imdb\.com/title/)?(tt\d{7,10})/?", re.I)
_TMDB_ID = re.compile(
    r"(?:tmdb:|https?://(?:www\.)?themoviedb\.org/movie/)?(\d{1,9})(?:-[^/\s]*)?/?", re.I
)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class SearchResult:
    """What `search` found. `source` is "tmdb" (TMDB's answer, possibly replayed from the
    search cache within the freshness window) or "cache" (the local cache answered);
    `notice` says why the local cache answered."""

    movies: list[MovieView]
    source: str
    notice: str | None = None
    query: str = ""
    lang: str = "en"
    page: int = 1
    total_results: int | None = None  # TMDB's count, or the number of local matches
    fetched_on: datetime | None = None  # when TMDB gave this answer (None: local cache)
    from_search_cache: bool = False  # True: replayed without any request


@dataclass(frozen=True)
class _Cached:
    view: MovieView
    detailed: bool  # the full details were fetched once


@dataclass(frozen=True)
class _Details:
    """Everything fetched for one movie, validated, before anything is written."""

    en: TmdbMovieDetails
    fr: TmdbMovieDetails
    rating: OmdbRating | None
    rating_checked: bool  # OMDb answered (possibly "no data")


# --------------------------------------------------------------------------- clients


class _Upstream:
    """Clients created on first use (a cached answer needs no credential and no httpx)."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._tmdb: TmdbClient | None = None
        self._omdb: OmdbClient | None = None
        self._omdb_ready = False

    @property
    def tmdb(self) -> TmdbClient:
        if self._tmdb is None:
            self._tmdb = upstream.tmdb_client(self.ctx)
        return self._tmdb

    @property
    def has_tmdb_credential(self) -> bool:
        return self._tmdb is not None or bool(upstream.tmdb_credential(self.ctx))

    @property
    def omdb(self) -> OmdbClient | None:
        if not self._omdb_ready:
            self._omdb_ready = True
            self._omdb = upstream.omdb_client(self.ctx)
        return self._omdb

    def __enter__(self) -> _Upstream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        for client in (self._tmdb, self._omdb):
            if client is not None:
                client.close()


# --------------------------------------------------------------------------- small helpers


def _write(ctx: AppContext, work: Callable[[Session], Any]) -> Any:
    """Run `work` in a write transaction; once more if a concurrent writer inserted the
    same movie first (PostgreSQL; SQLite writers are serialised by BEGIN IMMEDIATE)."""
    for attempt in range(2):
        try:
            with ctx.db.write() as session:
                return work(session)
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _search_lines(*titles: str | None, existing: str = "") -> str:
    lines = [line for line in existing.split("\n") if line]
    lines += [fold(t) for t in titles if t and t.strip()]
    return "\n".join(dict.fromkeys(lines))


def _cached_rows(session: Session, *conditions: Any) -> list[_Cached]:
    rows = session.execute(
        select(Movie, MovieCatalog.details_on)
        .outerjoin(MovieCatalog, MovieCatalog.movie_id == Movie.id)
        .where(*conditions)
    ).all()
    return [_Cached(movie_view(movie), details_on is not None) for movie, details_on in rows]


def _cached(ctx: AppContext, *conditions: Any) -> _Cached | None:
    with ctx.db.read() as session:
        rows = _cached_rows(session, *conditions)
    return rows[0] if rows else None


def _statuses(
    session: Session, user_id: int | None, movie_ids: Iterable[int]
) -> dict[int, tuple[str | None, datetime | None]]:
    ids = list(movie_ids)
    if user_id is None or not ids:
        return {}
    rows = session.execute(
        select(UserMovie.movie_id, UserMovie.status, UserMovie.updated_at).where(
            UserMovie.user_id == user_id, UserMovie.movie_id.in_(ids)
        )
    ).all()
    return {row.movie_id: (row.status, row.updated_at) for row in rows}


def _with_status(session: Session, user_id: int | None, views: list[MovieView]) -> list[MovieView]:
    found = _statuses(session, user_id, (v.id for v in views))
    return [
        replace(v, status=found[v.id][0], updated_at=found[v.id][1]) if v.id in found else v
        for v in views
    ]


def _views_in_order(session: Session, movie_ids: Sequence[int]) -> list[MovieView]:
    rows = session.scalars(select(Movie).where(Movie.id.in_(list(movie_ids)))).all()
    by_id = {m.id: movie_view(m) for m in rows}
    return [by_id[i] for i in movie_ids if i in by_id]


def genre_labels(movie: MovieView, lang: str = "en") -> list[str]:
    """Genre names for display: the stored English names, or French ones for `fr`."""
    if lang != "fr" or len(movie.genre_ids) != len(movie.genres):
        return list(movie.genres)
    return [
        BUILTIN_GENRES[g][1] if g in BUILTIN_GENRES else name
        for g, name in zip(movie.genre_ids, movie.genres, strict=True)
    ]


# --------------------------------------------------------------------------- genres


def _english_genres(ctx: AppContext, up: _Upstream, needed: set[int]) -> dict[int, str]:
    """English names for `needed` genre ids: the stored list, fetched from TMDB once."""
    with ctx.db.read() as session:
        stored = session.execute(
            select(TmdbGenre.id, TmdbGenre.name_en, TmdbGenre.fetched_on)
        ).all()
    names = {row.id: row.name_en for row in stored}
    missing = needed - names.keys()
    oldest = min((row.fetched_on for row in stored), default=None)
    stale = oldest is None or utcnow() - oldest > GENRE_REFETCH_AFTER
    if missing and stale and up.has_tmdb_credential:
        fetched = _fetch_genres(ctx, up)
        names.update(fetched)
    fallback = {g: en for g, (en, _fr) in BUILTIN_GENRES.items()}
    return {g: names.get(g) or fallback[g] for g in needed if g in names or g in fallback}


def _fetch_genres(ctx: AppContext, up: _Upstream) -> dict[int, str]:
    try:
        fetched = up.tmdb.genres(language="en")
    except UpstreamError as error:  # names are a nicety: the built-in table stands in
        log.debug("genre list not fetched: %s", error)
        return {}
    now = utcnow()

    def save(session: Session) -> None:
        session.execute(delete(TmdbGenre))
        session.add_all(TmdbGenre(id=g, name_en=n, fetched_on=now) for g, n in fetched.items())

    _write(ctx, save)
    return fetched


# --------------------------------------------------------------------------- storing


def _rows_for(session: Session, tmdb_ids: Sequence[int]) -> dict[int, tuple[Movie, MovieCatalog]]:
    """The Movie and MovieCatalog rows of these TMDB ids, created when missing."""
    wanted = list(dict.fromkeys(tmdb_ids))
    missing = set(wanted) - set(
        session.scalars(select(Movie.tmdb_id).where(Movie.tmdb_id.in_(wanted)))
    )
    if missing:
        now = utcnow()
        # imdb_updated_on stays NULL until an IMDb rating is really fetched (the seed's
        # column default would say "rated now"); an explicit None in a bulk insert wins.
        session.execute(insert(_MOVIES), [
            {"tmdb_id": t, "cached_on": now, "imdb_updated_on": None} for t in sorted(missing)
        ])
    found = session.execute(
        select(Movie, MovieCatalog)
        .outerjoin(MovieCatalog, MovieCatalog.movie_id == Movie.id)
        .where(Movie.tmdb_id.in_(wanted))
    ).all()
    rows: dict[int, tuple[Movie, MovieCatalog]] = {}
    for movie, catalog in found:
        if catalog is None:  # new, or a row written by something else than the catalog
            catalog = MovieCatalog(movie_id=movie.id, search_text="")
            session.add(catalog)
        rows[movie.tmdb_id] = (movie, catalog)
    return rows


def _apply_summary(
    movie: Movie, catalog: MovieCatalog, s: TmdbMovieSummary, lang: str, names: dict[int, str]
) -> None:
    """Fill a row from a search/discover result without clobbering fetched details."""
    from mydw.clients.tmdb import poster_url

    detailed = catalog.details_on is not None

    def put(attr: str, value: Any) -> None:
        if value is None or value == [] or (detailed and getattr(movie, attr) not in (None, [])):
            return
        setattr(movie, attr, value)

    put(f"title_{lang}", s.title)
    put(f"overview_{lang}", s.overview)  # "" was already turned into None by the client
    put("release_year", s.release_year)
    put("original_language", s.original_language)
    put("poster_url", poster_url(s.poster_path))
    if s.genre_ids and not (detailed and movie.genre_ids):
        movie.genre_ids = list(s.genre_ids)
        movie.genres = [names[g] for g in s.genre_ids if g in names]
    catalog.search_text = _search_lines(
        movie.title_en, movie.title_fr, s.original_title, existing=catalog.search_text
    )


def store_summaries(
    ctx: AppContext, summaries: Sequence[TmdbMovieSummary], *, lang: str
) -> list[MovieView]:
    """Upsert search/discover results as Movie rows; views in the same order.

    Titles and overviews go to the `lang` columns (an empty French overview stays NULL);
    genre names are TMDB's English ones. Rows whose full details were already fetched
    only get their empty fields filled.
    """
    lang = parse_language(lang)
    if not summaries:
        return []
    with _Upstream(ctx) as up:
        return _store_summaries(ctx, up, summaries, lang)


def _store_summaries(
    ctx: AppContext, up: _Upstream, summaries: Sequence[TmdbMovieSummary], lang: str
) -> list[MovieView]:
    needed = {g for s in summaries for g in s.genre_ids}
    names = _english_genres(ctx, up, needed) if needed else {}

    def work(session: Session) -> list[MovieView]:
        rows = _rows_for(session, [s.tmdb_id for s in summaries])
        for s in summaries:
            movie, catalog = rows[s.tmdb_id]
            _apply_summary(movie, catalog, s, lang, names)
        session.flush()
        return [movie_view(rows[s.tmdb_id][0]) for s in summaries]

    views: list[MovieView] = _write(ctx, work)
    return views


def _apply_details(movie: Movie, catalog: MovieCatalog, d: _Details) -> None:
    from mydw.clients.tmdb import poster_url
    from mydw.services.catalog.trailers import pick_trailer

    en, fr = d.en, d.fr
    now = utcnow()
    movie.imdb_id = en.imdb_id or fr.imdb_id or movie.imdb_id
    movie.title_en = en.title
    movie.title_fr = fr.title  # TMDB's French answer (it falls back to the original title)
    movie.overview_en = en.overview
    movie.overview_fr = fr.overview  # None when TMDB has no French overview: never English
    movie.poster_url = poster_url(en.poster_path) or poster_url(fr.poster_path) or movie.poster_url
    movie.trailer_en = pick_trailer(en.videos, "en")
    movie.trailer_fr = pick_trailer(fr.videos, "fr")  # strict: an English one is not French
    movie.genre_ids = [g for g, _name in en.genres]
    movie.genres = [name for _g, name in en.genres]
    movie.release_year = en.release_year
    movie.original_language = en.original_language
    movie.cached_on = now
    if d.rating_checked:
        movie.imdb_rating = d.rating.imdb_rating if d.rating else None
        movie.vote_count = d.rating.imdb_votes if d.rating else None
        movie.imdb_updated_on = now
    catalog.details_on = now
    catalog.search_text = _search_lines(
        en.title, fr.title, en.original_title, existing=catalog.search_text
    )


def _store_details(ctx: AppContext, details: _Details) -> _Cached:
    def work(session: Session) -> MovieView:
        movie, catalog = _rows_for(session, [details.en.tmdb_id])[details.en.tmdb_id]
        _apply_details(movie, catalog, details)
        session.flush()
        return movie_view(movie)

    return _Cached(_write(ctx, work), True)


# --------------------------------------------------------------------------- fetching


def _omdb_rating(up: _Upstream, imdb_id: str | None) -> tuple[OmdbRating | None, bool]:
    """(rating, checked): OMDb's answer when a key is configured; failures only warn."""
    client = up.omdb
    if client is None or not imdb_id:
        return None, False
    try:
        return client.rating(imdb_id), True
    except UpstreamError as error:
        log.warning("IMDb rating not fetched (%s); `mydw refresh` will fill it", error)
        return None, False


def _fetch_details(up: _Upstream, tmdb_id: int) -> _Details:
    en = up.tmdb.movie_details(tmdb_id, language=LANGUAGE_TAGS["en"])
    fr = up.tmdb.movie_details(tmdb_id, language=LANGUAGE_TAGS["fr"])
    rating, checked = _omdb_rating(up, en.imdb_id or fr.imdb_id)
    return _Details(en, fr, rating, checked)


def _complete(ctx: AppContext, up: _Upstream, tmdb_id: int, cached: _Cached | None) -> _Cached:
    """The movie with its full details: from the database, or fetched once and stored."""
    if cached is not None and cached.detailed:
        return cached
    try:
        details = _fetch_details(up, tmdb_id)
    except UpstreamError as error:
        if cached is None:
            raise
        log.warning("%s; showing what the local cache holds", error)
        return cached
    return _store_details(ctx, details)


def fill_imdb_rating(ctx: AppContext, tmdb_id: int) -> MovieView:
    """Fetch the IMDb rating and votes of a cached movie from OMDb and store them.

    Needs an OMDb key (UpstreamAuthError otherwise); OMDb failures raise. A movie OMDb
    has no data for gets NULL rating and votes, with `imdb_updated_on` set (checked).
    """
    cached = _cached(ctx, Movie.tmdb_id == tmdb_id)
    if cached is None:
        raise NotFound(f"movie tmdb:{tmdb_id} is not in the local cache")
    with _Upstream(ctx) as up:
        client = up.omdb
        if client is None:
            raise UpstreamAuthError(
                "no OMDb API key is configured", service="OMDb", hint=OMDB_HINT
            )
        if not cached.view.imdb_id:
            return cached.view
        rating = client.rating(cached.view.imdb_id)

    def work(session: Session) -> MovieView:
        movie = session.get(Movie, cached.view.id)
        if movie is None:
            raise NotFound(f"movie tmdb:{tmdb_id} is not in the local cache")
        movie.imdb_rating = rating.imdb_rating if rating else None
        movie.vote_count = rating.imdb_votes if rating else None
        movie.imdb_updated_on = utcnow()
        session.flush()
        return movie_view(movie)

    view: MovieView = _write(ctx, work)
    return view


# --------------------------------------------------------------------------- resolve


def resolve_movie(
    ctx: AppContext,
    ref: str,
    *,
    year: int | None = None,
    choose: Chooser | None = None,
    lang: str | None = None,
) -> MovieView:
    """A TMDB id (`603`, `tmdb:603`), an IMDb id (`tt0133093`) or a title → a cached movie
    with its full details (fetched once; later calls read the database only).

    A title is matched against the local cache first (English, French and original
    titles, accent- and case-insensitive), then searched on TMDB in `lang` (default: the
    `lang` setting). `year` picks among remakes. Several matches → `choose`, else
    `Ambiguous` (exit 4) listing "Title (year) — tmdb:ID"; none → `NotFound` (exit 4).
    """
    text = (ref or "").strip()
    if not text:
        raise InvalidInput("no movie given: use a TMDB id, an IMDb id (tt…) or a title")
    check_year(year)
    lang = parse_language(lang or ctx.settings.lang)
    with _Upstream(ctx) as up:
        if match := _TMDB_ID.fullmatch(text):
            tmdb_id = int(match.group(1))
            return _complete(ctx, up, tmdb_id, _cached(ctx, Movie.tmdb_id == tmdb_id)).view
        if match := _IMDB_ID.fullmatch(text):
            return _by_imdb_id(ctx, up, match.group(1).lower()).view
        return _by_title(ctx, up, text, year, choose, lang).view


def _by_imdb_id(ctx: AppContext, up: _Upstream, imdb_id: str) -> _Cached:
    cached = _cached(ctx, Movie.imdb_id == imdb_id)
    if cached is not None:
        return _complete(ctx, up, cached.view.tmdb_id, cached)
    found = up.tmdb.find_by_imdb_id(imdb_id, language=LANGUAGE_TAGS["en"])
    if not found:
        raise NotFound(f"TMDB knows no movie with the IMDb id {imdb_id}")
    tmdb_id = found[0].tmdb_id
    return _complete(ctx, up, tmdb_id, _cached(ctx, Movie.tmdb_id == tmdb_id))


def _local_exact(ctx: AppContext, title: str, year: int | None) -> list[_Cached]:
    """Cached movies one of whose titles is exactly `title` (folded)."""
    wanted = fold(title)
    with ctx.db.read() as session:
        ids = [
            movie_id for movie_id, lines, _votes in _local_candidates(session, wanted.split(), year)
            if wanted in lines.split("\n")
        ]
        return _cached_rows(session, Movie.id.in_(ids)) if ids else []


def _by_title(
    ctx: AppContext, up: _Upstream, title: str, year: int | None, choose: Chooser | None,
    lang: str,
) -> _Cached:
    local = _local_exact(ctx, title, year)
    if local:
        picked = _pick(title, year, [c.view for c in local], choose, lang)
        cached = next((c for c in local if c.view.id == picked.id), None)
        return _complete(ctx, up, picked.tmdb_id, cached or _cached(ctx, Movie.id == picked.id))
    page = _search_page(ctx, up, title, lang, year, 1, refresh=False)
    found = _views_with_lines(ctx, page.tmdb_ids)
    if year is not None:
        found = [(v, lines) for v, lines in found if v.release_year == year]
    wanted = fold(title)
    exact = [v for v, lines in found if wanted in lines]
    candidates = exact or [v for v, _lines in found]
    if not candidates:
        suffix = f" from {year}" if year else ""
        raise NotFound(f"no movie titled {title!r}{suffix} on TMDB")
    picked = _pick(title, year, candidates, choose, lang)
    return _complete(ctx, up, picked.tmdb_id, _cached(ctx, Movie.id == picked.id))


def _views_with_lines(ctx: AppContext, tmdb_ids: Sequence[int]) -> list[tuple[MovieView, set[str]]]:
    """Cached movies in `tmdb_ids` order, with their folded titles (incl. the original)."""
    with ctx.db.read() as session:
        rows = session.execute(
            select(Movie, MovieCatalog.search_text)
            .outerjoin(MovieCatalog, MovieCatalog.movie_id == Movie.id)
            .where(Movie.tmdb_id.in_(list(tmdb_ids)))
        ).all()
        by_tmdb = {m.tmdb_id: (movie_view(m), set((text or "").split("\n"))) for m, text in rows}
    return [by_tmdb[t] for t in tmdb_ids if t in by_tmdb]


def _pick(
    title: str, year: int | None, candidates: list[MovieView], choose: Chooser | None, lang: str
) -> MovieView:
    if len(candidates) == 1:
        return candidates[0]
    if choose is not None:
        chosen = choose(list(candidates))
        if chosen is not None:
            return chosen
    where = f" from {year}" if year else ""
    raise Ambiguous(
        f"{title!r}{where} matches {len(candidates)} movies",
        candidates=candidates,
        hint=f"use one of these TMDB ids (e.g. tmdb:{candidates[0].tmdb_id}), or add a year",
    )


# --------------------------------------------------------------------------- search


@dataclass(frozen=True)
class _Page:
    tmdb_ids: list[int]
    total_results: int
    total_pages: int
    fetched_on: datetime
    from_cache: bool


def _query_key(query: str, lang: str, year: int | None, page: int) -> str:
    return f"{lang}|{year if year is not None else '-'}|{page}|{' '.join(query.casefold().split())}"


def _freshness(ctx: AppContext) -> timedelta:
    try:
        return parse_duration(ctx.settings.search_freshness)
    except InvalidInput:
        return DEFAULT_FRESHNESS


def _fresh_page(ctx: AppContext, key: str) -> _Page | None:
    with ctx.db.read() as session:
        entry = session.scalar(select(SearchCache).where(SearchCache.query_key == key))
        if entry is None or utcnow() - entry.fetched_on > _freshness(ctx):
            return None
        return _Page(list(entry.tmdb_ids), entry.total_results, entry.total_pages,
                     entry.fetched_on, True)


def _search_page(
    ctx: AppContext, up: _Upstream, query: str, lang: str, year: int | None, page: int,
    *, refresh: bool,
) -> _Page:
    """One TMDB search page: replayed from the search cache when fresh, else fetched,
    its movies stored and the page remembered."""
    key = _query_key(query, lang, year, page)
    if not refresh and (cached := _fresh_page(ctx, key)) is not None:
        return cached
    answer = up.tmdb.search_movies(query, language=LANGUAGE_TAGS[lang], year=year, page=page)
    _store_summaries(ctx, up, answer.results, lang)
    now = utcnow()
    ids = [s.tmdb_id for s in answer.results]

    def remember(session: Session) -> None:
        session.execute(delete(SearchCache).where(
            (SearchCache.query_key == key) | (SearchCache.fetched_on < now - SEARCH_CACHE_KEEP)
        ))
        session.add(SearchCache(query_key=key, tmdb_ids=ids, total_results=answer.total_results,
                                total_pages=answer.total_pages, fetched_on=now))

    _write(ctx, remember)
    return _Page(ids, answer.total_results, answer.total_pages, now, False)


def check_year(year: int | None) -> None:
    if year is not None and not 1870 <= year <= 2100:
        raise UsageError(f"year {year} is not a plausible release year", parameter="year")


def _check_search(query: str, limit: int, page: int, year: int | None) -> str:
    text = " ".join((query or "").split())
    if not text:
        raise InvalidInput("the search query is empty", parameter="query")
    if not 1 <= limit <= MAX_LIMIT:
        raise UsageError(f"limit must be between 1 and {MAX_LIMIT}", parameter="limit")
    if page < 1:
        raise UsageError("page must be 1 or more", parameter="page")
    check_year(year)
    return text


def search(
    ctx: AppContext,
    query: str,
    *,
    year: int | None = None,
    lang: str = "en",
    limit: int = 20,
    page: int = 1,
    offline: bool = False,
    refresh: bool = False,
    user_id: int | None = None,
) -> SearchResult:
    """Search TMDB (titles in `lang`), caching every result as a Movie row.

    `page` counts pages of `limit` results. The same query within `search-freshness` is
    answered from the database with no request (`refresh=True` asks TMDB again). With
    `offline`, no credential or no TMDB, the local cache answers (both languages, accent-
    and case-insensitive) and `notice` says why; when it has nothing, the TMDB error is
    raised. Statuses are filled in for `user_id`.
    """
    text = _check_search(query, limit, page, year)
    lang = parse_language(lang)
    if offline:
        return _local_search(ctx, text, year, lang, limit, page, user_id,
                             notice="offline: searched the local cache only")
    try:
        return _tmdb_search(ctx, text, year, lang, limit, page, refresh, user_id)
    except UpstreamError as error:
        local = _local_search(ctx, text, year, lang, limit, page, user_id,
                              notice=f"{error.message}; answered from the local cache")
        if not local.total_results:
            raise
        return local


def _tmdb_search(
    ctx: AppContext, text: str, year: int | None, lang: str, limit: int, page: int,
    refresh: bool, user_id: int | None,
) -> SearchResult:
    offset = (page - 1) * limit
    first = offset // TMDB_PAGE_SIZE + 1
    last = min((offset + limit - 1) // TMDB_PAGE_SIZE + 1, TMDB_MAX_PAGE)
    pages: list[_Page] = []
    with _Upstream(ctx) as up:
        for number in range(first, last + 1):
            pages.append(_search_page(ctx, up, text, lang, year, number, refresh=refresh))
            if number >= pages[-1].total_pages:
                break
    tmdb_ids = [t for p in pages for t in p.tmdb_ids]
    start = offset - (first - 1) * TMDB_PAGE_SIZE
    wanted = list(dict.fromkeys(tmdb_ids[start:start + limit]))
    with ctx.db.read() as session:
        rows = session.execute(select(Movie.id, Movie.tmdb_id).where(Movie.tmdb_id.in_(wanted)))
        ids_by_tmdb = {row.tmdb_id: row.id for row in rows}
        views = _views_in_order(session, [ids_by_tmdb[t] for t in wanted if t in ids_by_tmdb])
        views = _with_status(session, user_id, views)
    return SearchResult(
        movies=views, source="tmdb", query=text, lang=lang, page=page,
        total_results=pages[0].total_results if pages else 0,
        fetched_on=min((p.fetched_on for p in pages), default=None),
        from_search_cache=bool(pages) and all(p.from_cache for p in pages),
    )


# --------------------------------------------------------------------------- local search


def _local_candidates(
    session: Session, tokens: Sequence[str], year: int | None
) -> Iterator[tuple[int, str, int | None]]:
    """(movie id, folded title lines, IMDb votes) of cached movies whose titles contain
    every token.

    Catalog rows are filtered in SQL (LIKE on pre-folded text); movies written without a
    catalog row (by other tools) are folded here.
    """
    stmt = select(MovieCatalog.movie_id, MovieCatalog.search_text, Movie.vote_count).join(
        Movie, Movie.id == MovieCatalog.movie_id
    )
    orphans = (
        select(Movie.id, Movie.title_en, Movie.title_fr, Movie.vote_count)
        .outerjoin(MovieCatalog, MovieCatalog.movie_id == Movie.id)
        .where(MovieCatalog.movie_id.is_(None))
    )
    if year is not None:
        stmt = stmt.where(Movie.release_year == year)
        orphans = orphans.where(Movie.release_year == year)
    for token in tokens:
        stmt = stmt.where(MovieCatalog.search_text.contains(token, autoescape=True))
    for movie_id, lines, votes in session.execute(stmt):
        yield movie_id, lines, votes
    for movie_id, title_en, title_fr, votes in session.execute(orphans):
        lines = _search_lines(title_en, title_fr)
        if all(token in lines for token in tokens):
            yield movie_id, lines, votes


def _match_rank(lines: list[str], wanted: str, tokens: Sequence[str]) -> int:
    if wanted in lines:
        return 0
    if any(line.startswith(wanted) for line in lines):
        return 1
    if any(wanted in line for line in lines):
        return 2
    if any(all(t in line for t in tokens) for line in lines):
        return 3
    return 4


def _local_search(
    ctx: AppContext, text: str, year: int | None, lang: str, limit: int, page: int,
    user_id: int | None, *, notice: str,
) -> SearchResult:
    wanted = fold(text)
    tokens = wanted.split()
    with ctx.db.read() as session:
        found = list(_local_candidates(session, tokens, year))
        found.sort(key=lambda row: (_match_rank(row[1].split("\n"), wanted, tokens),
                                    -(row[2] or 0), row[1]))
        offset = (page - 1) * limit
        chosen = [movie_id for movie_id, _lines, _votes in found[offset:offset + limit]]
        views = _with_status(session, user_id, _views_in_order(session, chosen))
    return SearchResult(movies=views, source="cache", notice=notice, query=text, lang=lang,
                        page=page, total_results=len(found))


# --------------------------------------------------------------------------- show


def show(
    ctx: AppContext,
    ref: str,
    *,
    year: int | None = None,
    choose: Chooser | None = None,
    user_id: int | None = None,
    lang: str | None = None,
) -> MovieView:
    """One movie in full (see `resolve_movie`), with `user_id`'s status."""
    view = resolve_movie(ctx, ref, year=year, choose=choose, lang=lang)
    if user_id is None:
        return view
    with ctx.db.read() as session:
        return _with_status(session, user_id, [view])[0]
