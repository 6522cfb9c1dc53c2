"""The diary's columns read in bulk, for the views every service returns.

Kept apart from `services/diary.py` (which resolves movies through the catalog) so that
the catalog and the marks can fill `my_rating`, `watched_on` and a movie page's details
without importing the catalog back.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from sqlalchemy import extract, func, select
from sqlalchemy.orm import Session

from mydw.db.models import MovieCatalog, UserMovie, UserMovieRating, Viewing
from mydw.services.views import MovieView

IN_LIMIT = 500
"""Above this many movies, read the user's whole diary instead of a long IN (...) list."""
CHUNK = 500  # ids per IN (...) list


def ratings_of(session: Session, mark_ids: Iterable[int]) -> dict[int, float]:
    """user_movies.id → the rating hanging off it."""
    found: dict[int, float] = {}
    ids = sorted(set(mark_ids))
    for start in range(0, len(ids), CHUNK):
        found.update({m: float(r) for m, r in session.execute(
            select(UserMovieRating.user_movie_id, UserMovieRating.rating)
            .where(UserMovieRating.user_movie_id.in_(ids[start:start + CHUNK])))})
    return found


def diary_of(
    session: Session, user_id: int | None, movie_ids: Iterable[int]
) -> dict[int, tuple[float | None, date | None]]:
    """movies.id → (the user's rating, their latest viewing), for the movies they marked."""
    ids = list(dict.fromkeys(movie_ids))
    if user_id is None or not ids:
        return {}
    query = (
        select(UserMovie.movie_id, UserMovieRating.rating, func.max(Viewing.watched_on))
        .outerjoin(UserMovieRating, UserMovieRating.user_movie_id == UserMovie.id)
        .outerjoin(Viewing, Viewing.user_movie_id == UserMovie.id)
        .where(UserMovie.user_id == user_id)
        .group_by(UserMovie.movie_id, UserMovieRating.rating)
    )
    if len(ids) <= IN_LIMIT:
        query = query.where(UserMovie.movie_id.in_(ids))
    wanted = set(ids)
    found: dict[int, tuple[float | None, date | None]] = {}
    for movie_id, rating, latest in session.execute(query):
        if movie_id in wanted and (rating is not None or latest is not None):
            found[movie_id] = (None if rating is None else float(rating), _as_date(latest))
    return found


def diary_columns() -> list[Any]:
    """`my_rating` and `watched_on` of the `user_movies` row of the enclosing query, as
    two correlated scalar subqueries (a list of marks stays one statement)."""
    rating = (select(UserMovieRating.rating)
              .where(UserMovieRating.user_movie_id == UserMovie.id)
              .correlate(UserMovie).scalar_subquery())
    latest = (select(func.max(Viewing.watched_on))
              .where(Viewing.user_movie_id == UserMovie.id)
              .correlate(UserMovie).scalar_subquery())
    return [rating.label("my_rating"), latest.label("watched_on")]


def _as_date(value: Any) -> date | None:
    """SQLite's max() of a DATE column comes back as text."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def with_diary(session: Session, user_id: int | None, views: Sequence[MovieView]
               ) -> list[MovieView]:
    """The views with `user_id`'s `my_rating` and `watched_on` (None when they have none)."""
    found = diary_of(session, user_id, (v.id for v in views))
    out = []
    for view in views:
        rating, latest = found.get(view.id, (None, None))
        if (rating, latest) != (view.my_rating, view.watched_on):
            view = replace(view, my_rating=rating, watched_on=latest)
        out.append(view)
    return out


def with_page(session: Session, views: Sequence[MovieView]) -> list[MovieView]:
    """The views with the movie page's details of `movie_catalog` (original title, runtime,
    directors), as the last details fetch stored them."""
    ids = [v.id for v in views]
    if not ids:
        return []
    rows = {
        r.movie_id: r for r in session.execute(
            select(MovieCatalog.movie_id, MovieCatalog.original_title, MovieCatalog.runtime,
                   MovieCatalog.directors).where(MovieCatalog.movie_id.in_(ids)))
    }
    out = []
    for view in views:
        row = rows.get(view.id)
        if row is not None:
            view = replace(view, original_title=row.original_title, runtime=row.runtime,
                           directors=list(row.directors or []))
        out.append(view)
    return out


@dataclass(frozen=True)
class DiaryStats:
    """The diary's part of `mydw stats`."""

    average_my_rating: float | None = None
    my_rated: int = 0
    viewings: int = 0
    viewings_per_year: dict[int, int] = field(default_factory=dict)


def diary_stats(session: Session, user_id: int) -> DiaryStats:
    average, rated = session.execute(
        select(func.avg(UserMovieRating.rating), func.count(UserMovieRating.rating))
        .join(UserMovie, UserMovie.id == UserMovieRating.user_movie_id)
        .where(UserMovie.user_id == user_id)
    ).one()
    year = extract("year", Viewing.watched_on)
    per_year = {
        int(y): int(n) for y, n in session.execute(
            select(year, func.count())
            .join(UserMovie, UserMovie.id == Viewing.user_movie_id)
            .where(UserMovie.user_id == user_id).group_by(year))
        if y is not None
    }
    return DiaryStats(
        average_my_rating=None if average is None else round(float(average), 2),
        my_rated=int(rated or 0),
        viewings=sum(per_year.values()),
        viewings_per_year=per_year,
    )
