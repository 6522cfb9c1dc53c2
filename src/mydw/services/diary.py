"""The diary: your own rating of a movie and the days you watched it (rewatches too).

A rating (0.5–10 in half steps, the 10-point scale: Letterboxd's 4.5 stars is 9) and the
viewings hang off the user's mark (`user_movies`), so `unmark` forgets them with it.
Rating a movie, or logging a viewing, marks it seen (as Letterboxd does).

`parse_rating`, `HistoryItem`, `ApplySummary`, `apply_history` and `history` are the
contract with the importers and exporters (services/transfer).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mydw.db.models import Movie, UserMovie, UserMovieRating, Viewing
from mydw.domain.errors import Conflict, NotFound, UsageError
from mydw.domain.types import MovieStatus, utcnow
from mydw.services import catalog, marks
from mydw.services.catalog.common import check_year, with_status, write
from mydw.services.context import AppContext
from mydw.services.views import MovieView, movie_view

Chooser = catalog.Chooser

RATING_STEPS = 0.5
RATING_LOW, RATING_HIGH = 0.5, 10.0
EARLIEST_VIEWING = date(1888, 1, 1)  # the oldest surviving film; nobody watched before
CHUNK = 500  # ids per IN (...) list

_RATING_HELP = "a number from 0.5 to 10 in half steps (8, 7.5), out of 5 (4.5/5) or stars (★★★★½)"
_NUMBER = re.compile(r"\d{1,3}(?:[.,]\d{1,3})?", re.ASCII)
_STARS = re.compile(r"[★☆½\s]+")


# --------------------------------------------------------------------------- parsing


def _bad_rating(text: str) -> UsageError:
    shown = " ".join(text.split())[:40] or "''"
    return UsageError(f"rating must be {_RATING_HELP}, not {shown!r}", parameter="rating")


def check_rating(value: float, *, text: str | None = None) -> float:
    """`value` if it is 0.5–10 in half steps, else `UsageError` naming `rating`."""
    if not (RATING_LOW <= value <= RATING_HIGH) or (value * 2) != int(value * 2):
        raise _bad_rating(text if text is not None else f"{value:g}")
    return float(value)


def parse_rating(text: str) -> float:
    """A rating on the 10-point scale: `"8"`, `"7.5"` → as is; `"4.5/5"` and `"★★★★½"`
    → doubled (9.0); `"8/10"` → 8.0. Anything else, or a value that is not 0.5–10 in half
    steps, raises `UsageError` (parameter `rating`)."""
    raw = text.strip()
    if not raw:
        raise _bad_rating(text)
    if _STARS.fullmatch(raw) and any(c in raw for c in "★½"):
        if "½" in raw.rstrip("☆ ")[:-1] or raw.count("½") > 1:
            raise _bad_rating(text)  # a half star only comes last
        return check_rating(raw.count("★") * 2 + (1 if "½" in raw else 0), text=text)
    number, slash, scale = (part.strip() for part in raw.partition("/"))
    if not _NUMBER.fullmatch(number) or (slash and scale not in ("5", "10")):
        raise _bad_rating(text)
    value = float(number.replace(",", "."))
    return check_rating(value * 2 if scale == "5" else value, text=text)


def parse_watch_date(text: str, *, today: date | None = None,
                     parameter: str = "on") -> date:
    """`today`, `yesterday` or an ISO date (`2026-11-30`) → a date; a date in the future,
    before 1888, or not a date raises `UsageError` naming `parameter`."""
    today = today or date.today()  # the local calendar: "yesterday" is the user's
    word = text.strip().casefold()
    if word in ("today", "aujourd'hui"):
        return today
    if word in ("yesterday", "hier"):
        return today - timedelta(days=1)
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", word, re.ASCII):
            raise ValueError(word)
        day = date.fromisoformat(word)
    except ValueError:
        shown = " ".join(text.split())[:40]
        raise UsageError(f"{parameter} must be a date (YYYY-MM-DD), today or yesterday, "
                         f"not {shown!r}", parameter=parameter) from None
    return check_watch_date(day, today=today, parameter=parameter)


def check_watch_date(day: date, *, today: date | None = None, parameter: str = "on") -> date:
    today = today or date.today()
    if day > today:
        raise UsageError(f"{parameter} {day.isoformat()} is in the future "
                         f"(today is {today.isoformat()})", parameter=parameter)
    if day < EARLIEST_VIEWING:
        raise UsageError(f"{parameter} {day.isoformat()} is before any film could be "
                         f"watched ({EARLIEST_VIEWING.year})", parameter=parameter)
    return day


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


def _write(ctx: AppContext, work: Callable[[Session], Any]) -> Any:
    """`catalog.common.write` (retried once when a concurrent writer inserted the same
    mark), a deleted account or movie reported as a conflict."""
    try:
        return write(ctx, work)
    except IntegrityError as error:
        raise Conflict("a movie or your account was deleted meanwhile; nothing was changed",
                       hint="try again") from error


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

    _write(ctx, work)
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

    _write(ctx, work)
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
        ratings = _ratings(session, mark_ids)
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


def _ratings(session: Session, mark_ids: set[int]) -> dict[int, float]:
    found: dict[int, float] = {}
    ids = sorted(mark_ids)
    for start in range(0, len(ids), CHUNK):
        found.update({m: float(r) for m, r in session.execute(
            select(UserMovieRating.user_movie_id, UserMovieRating.rating)
            .where(UserMovieRating.user_movie_id.in_(ids[start:start + CHUNK])))})
    return found


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
        ratings = _ratings(session, ids)
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


# --------------------------------------------------------------------------- apply


@dataclass(frozen=True)
class HistoryItem:
    """One thing to apply: a status, a rating and/or a viewing of an already cached movie."""

    movie_id: int  # movies.id (already resolved and cached)
    status: str | None  # "seen" | "later" | "not_interested" | None
    rating: float | None = None  # 10-point scale
    watched_on: date | None = None
    rewatch: bool = False


@dataclass
class ApplySummary:
    """What `apply_history` changed (or would change, with `dry_run`): movies newly seen,
    newly later, ratings set or changed, viewings added, items that changed nothing."""

    seen: int = 0
    later: int = 0
    rated: int = 0
    viewings: int = 0
    unchanged: int = 0
    not_interested: int = 0  # newly not interested (the mydw format has them)

    def to_json(self) -> dict[str, int]:
        return dataclasses.asdict(self)


@dataclass
class _State:
    """A mark as it stands while the items are applied (`row` None: not written yet)."""

    status: str | None
    rating: float | None
    days: set[date]
    row: UserMovie | None = None


def _target(item: HistoryItem) -> str | None:
    if item.status is not None:
        return MovieStatus.parse(item.status, parameter="status").value
    # A rating or a viewing means the movie was seen (as on Letterboxd).
    return MovieStatus.SEEN.value if item.rating is not None or item.watched_on else None


def _new_status(current: str | None, target: str | None, *, exists: bool,
                overwrite: bool) -> str | None:
    """The status after applying `target` to `current`, or None when it stays."""
    if target is None or target == current:
        return None
    if current == MovieStatus.NOT_INTERESTED.value and not overwrite:
        return None  # an existing not-interested stays unless overwrite
    if target == MovieStatus.LATER.value and current == MovieStatus.SEEN.value:
        return None  # seen is never downgraded to later
    if (target == MovieStatus.NOT_INTERESTED.value and exists and current is not None
            and not overwrite):
        return None  # not interested never replaces seen/later unless overwrite
    return target


def apply_history(ctx: AppContext, user_id: int, items: Sequence[HistoryItem], *,
                  overwrite: bool = False, dry_run: bool = False) -> ApplySummary:
    """Apply marks, ratings and viewings in one write transaction.

    Seen is never downgraded to later; an existing not-interested mark is left alone
    (status, rating, viewings) unless `overwrite`; a rating different from the stored one
    replaces it; a viewing on a day already logged is not added again. So applying the same
    items twice changes nothing the second time. `dry_run` writes nothing and returns what
    would change. A bad rating or date raises `UsageError` before anything is written.
    """
    checked = [_checked(item) for item in items]
    summary = ApplySummary()
    if not checked:
        return summary
    now = utcnow()

    def work(session: Session) -> ApplySummary:
        summary = ApplySummary()
        states = _load_states(session, user_id, {i.movie_id for i in checked})
        for item in checked:
            if not _apply_one(session, user_id, item, states, summary, now=now,
                              overwrite=overwrite, dry_run=dry_run):
                summary.unchanged += 1
        return summary

    if dry_run:
        with ctx.db.read() as session:
            result: ApplySummary = work(session)
        return result
    applied: ApplySummary = _write(ctx, work)
    return applied


def _checked(item: HistoryItem) -> HistoryItem:
    rating = None if item.rating is None else check_rating(float(item.rating))
    day = None
    if item.watched_on is not None:
        day = check_watch_date(item.watched_on, today=date.today() + timedelta(days=1),
                               parameter="watched_on")  # a day of slack for time zones
    _target(item)  # a bad status raises here, before anything is written
    return dataclasses.replace(item, rating=rating, watched_on=day)


def _load_states(session: Session, user_id: int, movie_ids: set[int]) -> dict[int, _State]:
    states: dict[int, _State] = {}
    ids = sorted(movie_ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        rows = list(session.scalars(select(UserMovie).where(
            UserMovie.user_id == user_id, UserMovie.movie_id.in_(chunk))))
        by_mark = {row.id: row for row in rows}
        ratings = _ratings(session, set(by_mark))
        days: dict[int, set[date]] = {}
        for mark_id, day in session.execute(select(Viewing.user_movie_id, Viewing.watched_on)
                                            .where(Viewing.user_movie_id.in_(list(by_mark)))):
            days.setdefault(mark_id, set()).add(day)
        for row in rows:
            if row.movie_id is not None:
                states[row.movie_id] = _State(row.status, ratings.get(row.id),
                                              days.get(row.id, set()), row)
    return states


def _apply_one(session: Session, user_id: int, item: HistoryItem, states: dict[int, _State],
               summary: ApplySummary, *, now: datetime, overwrite: bool,
               dry_run: bool) -> bool:
    """Apply one item to `states` (and the database unless `dry_run`); True if it changed
    something."""
    state = states.get(item.movie_id)
    exists = state is not None
    if state is None:
        state = states[item.movie_id] = _State(None, None, set())
    if state.status == MovieStatus.NOT_INTERESTED.value and not overwrite:
        return False
    status = _new_status(state.status, _target(item), exists=exists, overwrite=overwrite)
    changed = False
    if status is not None:
        state.status = status
        changed = True
        if status == MovieStatus.SEEN.value:
            summary.seen += 1
        elif status == MovieStatus.LATER.value:
            summary.later += 1
        else:
            summary.not_interested += 1
        if not dry_run:
            row = _row(session, user_id, item.movie_id, state, now)
            row.status, row.updated_at = status, now
    needs_mark = item.rating is not None and item.rating != state.rating
    new_day = item.watched_on is not None and item.watched_on not in state.days
    if needs_mark and item.rating is not None:
        had_rating = state.rating is not None  # the stored ratings were all loaded
        state.rating = item.rating
        summary.rated += 1
        changed = True
        if not dry_run:
            row = _row(session, user_id, item.movie_id, state, now)
            stored = session.get(UserMovieRating, row.id) if had_rating else None
            if stored is None:
                session.add(UserMovieRating(user_movie_id=row.id, rating=item.rating,
                                            rated_on=now))
            else:
                stored.rating, stored.rated_on = item.rating, now
    if new_day and item.watched_on is not None:
        rewatch = item.rewatch or any(d < item.watched_on for d in state.days)
        state.days.add(item.watched_on)
        summary.viewings += 1
        changed = True
        if not dry_run:
            row = _row(session, user_id, item.movie_id, state, now)
            session.add(Viewing(user_movie_id=row.id, watched_on=item.watched_on,
                                rewatch=rewatch, created_on=now))
    return changed


def _row(session: Session, user_id: int, movie_id: int, state: _State,
         now: datetime) -> UserMovie:
    """The mark's row, inserted (with the state's status) the first time it is needed."""
    if state.row is None:
        state.row = UserMovie(user_id=user_id, movie_id=movie_id,
                              status=state.status or MovieStatus.SEEN.value, updated_at=now)
        if state.status is None:
            state.status = state.row.status
        session.add(state.row)
        session.flush()
    return state.row


__all__ = [
    "ApplySummary",
    "DiaryEntry",
    "HistoryItem",
    "HistoryRow",
    "add_viewings",
    "apply_history",
    "check_rating",
    "diary",
    "history",
    "parse_rating",
    "parse_watch_date",
    "rate",
]
