"""The diary: your own rating of a movie and the days you watched it (rewatches too).

A rating (0.5–10 in half steps, the 10-point scale: Letterboxd's 4.5 stars is 9) and the
viewings hang off the user's mark (`user_movies`), so `unmark` forgets them with it.
Rating a movie, or logging a viewing, marks it seen (as Letterboxd does).

`parse_rating`, `HistoryItem`, `ApplySummary`, `apply_history` and `history` are the
contract with the importers and exporters (services/transfer). By job: `diary_values`
(typed ratings and dates), `diary_rows` (the columns every view carries), `diary_apply`
(imports), this module (rate, viewings, the diary, history).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from mydw.db.models import Movie, UserMovie, UserMovieRating, Viewing
from mydw.domain.errors import NotFound, UsageError
from mydw.domain.types import MovieStatus, utcnow
from mydw.services import catalog, marks
from mydw.services.catalog.common import check_year, with_status
from mydw.services.context import AppContext
from mydw.services.diary_apply import ApplySummary, HistoryItem, apply_history, write_diary
from mydw.services.diary_rows import CHUNK, ratings_of
from mydw.services.diary_values import (
    check_rating,
    check_watch_date,
    parse_rating,
    parse_watch_date,
)
from mydw.services.views import MovieView, movie_view

Chooser = catalog.Chooser


# --------------------------------------------------------------------------- shared writes


def _mark_row(session: Session, user_id: int, movie_id: int) -> UserMovie | None:
    return session.scalar(select(UserMovie).where(
        UserMovie.user_id == user_id, UserMovie.movie_id == movie_id))


def _ensure_seen(session: Session, user_id: int, movie_id: int, now: datetime) -> UserMovie:
    """The user's mark of the movie, now `seen` (created, or changed with `updated_at`)."""
    row = _mark_row(session, user_id, movie_id)
    if row is None:
        row = UserMovie(user_id=user_id, movie_id=movie_id, status="seen", updated_at=now)
        session.add(row)
        session.flush()
    elif row.status != MovieStatus.SEEN.value:
        row.status, row.updated_at = MovieStatus.SEEN.value, now
    return row


def _fresh(ctx: AppContext, user_id: int, views: Sequence[MovieView]) -> list[MovieView]:
    with ctx.db.read() as session:
        return with_status(session, user_id, list(views))


# --------------------------------------------------------------------------- rate


def rate(ctx: AppContext, user_id: int, ref: str, rating: float | str | None, *,
         year: int | None = None, choose: Chooser | None = None,
         lang: str | None = None) -> MovieView:
    """Set the user's rating of one movie (a float on the 10-point scale, or text for
    `parse_rating`) and mark it seen; `rating=None` clears the rating (the status stays;
    NotFound, exit 4, when the movie has no rating of the user's)."""
    value = None
    if rating is not None:
        value = parse_rating(rating) if isinstance(rating, str) else check_rating(rating)
    view = catalog.resolve_movie(ctx, ref, year=year, choose=choose, lang=lang)
    now = utcnow()

    def work(session: Session) -> None:
        if value is None:
            row = _mark_row(session, user_id, view.id)
            stored = session.get(UserMovieRating, row.id) if row is not None else None
            if stored is None:
                raise NotFound(f"{view.label(lang or 'en')} has no rating of yours to clear",
                               hint="see your ratings with `mydw list`")
            session.delete(stored)
            return
        mark = _ensure_seen(session, user_id, view.id, now)
        stored = session.get(UserMovieRating, mark.id)
        if stored is None:
            session.add(UserMovieRating(user_movie_id=mark.id, rating=value, rated_on=now))
        elif stored.rating != value:
            stored.rating, stored.rated_on = value, now

    write_diary(ctx, work)
    return _fresh(ctx, user_id, [view])[0]


# --------------------------------------------------------------------------- viewings


def add_viewings(ctx: AppContext, user_id: int, refs: Sequence[str], on: date | str, *,
                 year: int | None = None, choose: Chooser | None = None,
                 lang: str | None = None) -> list[MovieView]:
    """Mark every movie in `refs` seen (all of them, or none, as `marks.mark`) and log a
    viewing on `on` (a date, or text for `parse_watch_date`). A second viewing of a movie
    is a rewatch; the same day twice is one viewing."""
    day = parse_watch_date(on) if isinstance(on, str) else check_watch_date(on)
    movies = marks.mark(ctx, user_id, refs, MovieStatus.SEEN, year=year, choose=choose,
                        lang=lang)
    now = utcnow()

    def work(session: Session) -> None:
        for movie in movies:
            mark = _ensure_seen(session, user_id, movie.id, now)
            days = set(session.scalars(select(Viewing.watched_on)
                                       .where(Viewing.user_movie_id == mark.id)))
            if day not in days:
                session.add(Viewing(user_movie_id=mark.id, watched_on=day,
                                    rewatch=any(d < day for d in days), created_on=now))

    write_diary(ctx, work)
    return _fresh(ctx, user_id, movies)


# --------------------------------------------------------------------------- the diary


@dataclass(frozen=True)
class DiaryEntry:
    """One viewing: the movie (with the user's status, rating, latest viewing), the day,
    the rating, and whether it was a rewatch (logged as one, or not the first viewing)."""

    movie: MovieView
    watched_on: date
    rating: float | None
    rewatch: bool

    def to_json(self) -> dict[str, Any]:
        return {**self.movie.to_json(), "watched_on": self.watched_on.isoformat(),
                "rating": self.rating, "rewatch": self.rewatch}


def diary(ctx: AppContext, user_id: int, *, year: int | None = None,
          limit: int | None = None) -> list[DiaryEntry]:
    """Every viewing of the user's, newest first (only those of `year` when given)."""
    check_year(year, "year")
    if limit is not None and limit < 1:
        raise UsageError("limit must be at least 1", parameter="limit")
    with ctx.db.read() as session:
        query = (
            select(Movie, UserMovie.status, UserMovie.updated_at, UserMovie.id,
                   Viewing.watched_on, Viewing.rewatch, Viewing.id)
            .join(UserMovie, UserMovie.movie_id == Movie.id)
            .join(Viewing, Viewing.user_movie_id == UserMovie.id)
            .where(UserMovie.user_id == user_id)
            .order_by(Viewing.watched_on.desc(), Viewing.id.desc())
        )
        rows = session.execute(query).all()
        mark_ids = {row[3] for row in rows}
        ratings = ratings_of(session, mark_ids)
        first = _first_viewings(session, mark_ids)
    entries: list[DiaryEntry] = []
    latest: dict[int, date] = {}
    for movie, status, updated, mark_id, day, rewatch, _vid in rows:
        latest.setdefault(mark_id, day)  # rows come newest first
        if year is not None and day.year != year:
            continue
        view = movie_view(movie, status=status, updated_at=updated)
        view = dataclasses.replace(view, my_rating=ratings.get(mark_id),
                                   watched_on=latest[mark_id])
        entries.append(DiaryEntry(view, day, ratings.get(mark_id),
                                  bool(rewatch) or day != first.get(mark_id, day)))
        if limit is not None and len(entries) >= limit:
            break
    return entries


def _first_viewings(session: Session, mark_ids: set[int]) -> dict[int, date]:
    first: dict[int, date] = {}
    ids = sorted(mark_ids)
    for start in range(0, len(ids), CHUNK):
        for mark_id, day in session.execute(
                select(Viewing.user_movie_id, Viewing.watched_on)
                .where(Viewing.user_movie_id.in_(ids[start:start + CHUNK]))):
            if mark_id not in first or day < first[mark_id]:
                first[mark_id] = day
    return first


# --------------------------------------------------------------------------- history


@dataclass(frozen=True)
class HistoryRow:
    """One mark for export: the movie, its status, the user's rating, every viewing
    (oldest first)."""

    movie: MovieView
    status: str | None
    rating: float | None
    viewings: list[date]


def history(ctx: AppContext, user_id: int) -> list[HistoryRow]:
    """Every mark of the user's with its rating and viewings, oldest mark first."""
    with ctx.db.read() as session:
        rows = session.execute(
            select(Movie, UserMovie.status, UserMovie.updated_at, UserMovie.id)
            .join(UserMovie, UserMovie.movie_id == Movie.id)
            .where(UserMovie.user_id == user_id).order_by(UserMovie.id)
        ).all()
        ids = {row[3] for row in rows}
        ratings = ratings_of(session, ids)
        days: dict[int, list[date]] = {}
        ordered = sorted(ids)
        for start in range(0, len(ordered), CHUNK):
            for mark_id, day in session.execute(
                    select(Viewing.user_movie_id, Viewing.watched_on)
                    .where(Viewing.user_movie_id.in_(ordered[start:start + CHUNK]))
                    .order_by(Viewing.watched_on)):
                days.setdefault(mark_id, []).append(day)
    out = []
    for movie, status, updated, mark_id in rows:
        viewings = days.get(mark_id, [])
        view = dataclasses.replace(
            movie_view(movie, status=status, updated_at=updated),
            my_rating=ratings.get(mark_id), watched_on=viewings[-1] if viewings else None)
        out.append(HistoryRow(view, status, ratings.get(mark_id), list(viewings)))
    return out


__all__ = [
    "ApplySummary",
    "DiaryEntry",
    "HistoryItem",
    "HistoryRow",
    "add_viewings",
    "apply_history",
    "check_rating",
    "check_watch_date",
    "diary",
    "history",
    "parse_rating",
    "parse_watch_date",
    "rate",
]
