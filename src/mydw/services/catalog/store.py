"""Writing TMDB's answers to rows: search/discover summaries, and a movie's full details
(both languages, trailers, poster, IMDb id and rating), fetched once.

Upstream payloads are mapped to rows only after the clients validated them, and only after
every request of an operation succeeded: nothing half-fetched reaches the database.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from mydw.db.models import Movie, MovieCatalog
from mydw.domain.errors import MydwError, UpstreamError
from mydw.domain.types import check_language, utcnow
from mydw.services import notices, ratings
from mydw.services.catalog.common import Cached, Upstream, search_lines, write
from mydw.services.catalog.genres import english_genres
from mydw.services.context import AppContext
from mydw.services.views import MovieView, movie_view

if TYPE_CHECKING:
    from mydw.clients.tmdb import TmdbMovieDetails, TmdbMovieSummary

log = logging.getLogger("mydw.catalog")

_MOVIES = cast(Table, Movie.__table__)  # Core inserts honour an explicit None


@dataclass(frozen=True)
class Details:
    """Everything fetched for one movie, validated, before anything is written."""

    en: TmdbMovieDetails
    fr: TmdbMovieDetails
    rating: ratings.Found | None  # None: OMDb was not asked (no key) or failed


def rows_for(session: Session, tmdb_ids: Sequence[int]) -> dict[int, tuple[Movie, MovieCatalog]]:
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
    catalog.search_text = search_lines(
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
    lang = check_language(lang)
    if not summaries:
        return []
    with Upstream(ctx) as up:
        return store_with(ctx, up, summaries, lang)


def store_with(
    ctx: AppContext, up: Upstream, summaries: Sequence[TmdbMovieSummary], lang: str
) -> list[MovieView]:
    """`store_summaries` with the clients of an operation already under way."""
    needed = {g for s in summaries for g in s.genre_ids}
    names = english_genres(ctx, up, needed) if needed else {}

    def work(session: Session) -> list[MovieView]:
        rows = rows_for(session, [s.tmdb_id for s in summaries])
        for s in summaries:
            movie, catalog = rows[s.tmdb_id]
            _apply_summary(movie, catalog, s, lang, names)
        session.flush()
        return [movie_view(rows[s.tmdb_id][0]) for s in summaries]

    views: list[MovieView] = write(ctx, work)
    return views


def _apply_details(movie: Movie, catalog: MovieCatalog, d: Details) -> None:
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
    if d.rating is not None:
        ratings.apply(movie, d.rating.rating, now=now)
    catalog.details_on = now
    catalog.original_title = en.original_title or fr.original_title  # 0005: the movie page
    catalog.runtime = en.runtime or fr.runtime
    catalog.directors = list(en.directors or fr.directors)
    catalog.search_text = search_lines(
        en.title, fr.title, en.original_title, existing=catalog.search_text
    )


def _store_details(ctx: AppContext, details: Details) -> Cached:
    def work(session: Session) -> MovieView:
        movie, catalog = rows_for(session, [details.en.tmdb_id])[details.en.tmdb_id]
        _apply_details(movie, catalog, details)
        session.flush()
        return movie_view(movie)

    return Cached(write(ctx, work), True)


def _fetch_details(up: Upstream, tmdb_id: int) -> Details:
    en, fr = up.tmdb.movie_details_en_fr(tmdb_id)  # one request carries both languages
    found = up.ratings.lookup(en.imdb_id or fr.imdb_id)
    if up.ratings.notice:
        log.warning("%s", up.ratings.notice)
    return Details(en, fr, found)


def fetch_all(up: Upstream, tmdb_ids: Sequence[int]) -> dict[int, Details | MydwError]:
    """The details of several movies fetched at once (network only: nothing is written);
    each id maps to its details or the error that stopped them."""
    from mydw.services.parallel import each

    ids = list(dict.fromkeys(tmdb_ids))
    if ids:
        up.tmdb  # noqa: B018 - the client is built once, in this thread, before the workers
        up.ratings.client  # noqa: B018
    return dict(zip(ids, each(lambda t: _fetch_details(up, t), ids), strict=True))


def complete(ctx: AppContext, up: Upstream, tmdb_id: int, cached: Cached | None,
             fetched: Details | MydwError | None = None) -> Cached:
    """The movie with its full details: from the database, or fetched once and stored
    (`fetched`: what `fetch_all` already brought for it)."""
    if cached is not None and cached.detailed:
        return cached
    try:
        if isinstance(fetched, MydwError):
            raise fetched
        details = fetched if fetched is not None else _fetch_details(up, tmdb_id)
    except UpstreamError as error:
        if cached is None:
            raise
        log.warning("%s", notices.from_cache(error.service or "TMDB", error))
        return cached
    return _store_details(ctx, details)
