"""What the catalog's modules share: lazily built upstream clients, the write-retry
transaction, cached rows as views, statuses, and the checks of shared parameters."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mydw.db.models import Movie, MovieCatalog, UserMovie
from mydw.domain.constants import YEAR_MAX, YEAR_MIN
from mydw.domain.errors import UsageError
from mydw.domain.text import TITLE_MAX
from mydw.domain.types import fold
from mydw.services import upstream
from mydw.services.context import AppContext
from mydw.services.diary_rows import with_diary
from mydw.services.ratings import OmdbRatings
from mydw.services.views import MovieView, movie_view

if TYPE_CHECKING:
    from mydw.clients.tmdb import TmdbClient

Chooser = Callable[[list[MovieView]], MovieView | None]
"""Lets a person pick among ambiguous titles; None (or no chooser) → `Ambiguous`."""


@dataclass(frozen=True)
class Cached:
    view: MovieView
    detailed: bool  # the full details were fetched once


class Upstream:
    """Clients created on first use (a cached answer needs no credential and no httpx)."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx
        self._tmdb: TmdbClient | None = None
        self.ratings = OmdbRatings(ctx)  # IMDb ratings of fetched details (one OMDb client)

    @property
    def tmdb(self) -> TmdbClient:
        if self._tmdb is None:
            self._tmdb = upstream.tmdb_client(self.ctx)
        return self._tmdb

    @property
    def has_tmdb_credential(self) -> bool:
        return self._tmdb is not None or bool(upstream.tmdb_credential(self.ctx))

    def __enter__(self) -> Upstream:
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._tmdb is not None:
            self._tmdb.close()
        self.ratings.close()


def write(ctx: AppContext, work: Callable[[Session], Any]) -> Any:
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


def search_lines(*titles: str | None, existing: str = "") -> str:
    """The folded titles a movie is found by, one per line (kept in `movie_catalog`)."""
    lines = [line for line in existing.split("\n") if line]
    lines += [fold(t) for t in titles if t and t.strip()]
    return "\n".join(dict.fromkeys(lines))


def cached_rows(session: Session, *conditions: Any) -> list[Cached]:
    rows = session.execute(
        select(Movie, MovieCatalog.details_on)
        .outerjoin(MovieCatalog, MovieCatalog.movie_id == Movie.id)
        .where(*conditions)
    ).all()
    return [Cached(movie_view(movie), details_on is not None) for movie, details_on in rows]


def cached(ctx: AppContext, *conditions: Any) -> Cached | None:
    with ctx.db.read() as session:
        rows = cached_rows(session, *conditions)
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


def with_status(session: Session, user_id: int | None, views: list[MovieView]) -> list[MovieView]:
    """The views with `user_id`'s status and `updated_at` filled in (unchanged otherwise)."""
    found = _statuses(session, user_id, (v.id for v in views))
    return with_diary(session, user_id, [
        replace(v, status=found[v.id][0], updated_at=found[v.id][1]) if v.id in found else v
        for v in views
    ])


def views_in_order(session: Session, movie_ids: Sequence[int]) -> list[MovieView]:
    rows = session.scalars(select(Movie).where(Movie.id.in_(list(movie_ids)))).all()
    by_id = {m.id: movie_view(m) for m in rows}
    return [by_id[i] for i in movie_ids if i in by_id]


def views_with_lines(ctx: AppContext, tmdb_ids: Sequence[int]) -> list[tuple[MovieView, set[str]]]:
    """Cached movies in `tmdb_ids` order, with their folded titles (incl. the original)."""
    with ctx.db.read() as session:
        rows = session.execute(
            select(Movie, MovieCatalog.search_text)
            .outerjoin(MovieCatalog, MovieCatalog.movie_id == Movie.id)
            .where(Movie.tmdb_id.in_(list(tmdb_ids)))
        ).all()
        by_tmdb = {m.tmdb_id: (movie_view(m), set((text or "").split("\n"))) for m, text in rows}
    return [by_tmdb[t] for t in tmdb_ids if t in by_tmdb]


def check_year(year: int | None, parameter: str = "year") -> None:
    """A release year must be plausible (`UsageError` naming `parameter`)."""
    if year is not None and not YEAR_MIN <= year <= YEAR_MAX:
        raise UsageError(
            f"{parameter} {year} is not a plausible release year "
            f"(between {YEAR_MIN} and {YEAR_MAX})",
            parameter=parameter,
        )


def check_limit(limit: int, maximum: int, parameter: str = "limit") -> None:
    if not 1 <= limit <= maximum:
        raise UsageError(f"{parameter} must be between 1 and {maximum}", parameter=parameter)


def check_text(text: str, parameter: str, maximum: int = TITLE_MAX) -> str:
    """A query or a movie reference is at most `maximum` characters (no title is longer):
    `UsageError` naming `parameter` otherwise."""
    if len(text) > maximum:
        raise UsageError(f"{parameter} is too long ({len(text):,} characters; at most "
                         f"{maximum})", parameter=parameter)
    return text
