"""Applying a history (an import) in one write transaction: `HistoryItem`s in, an
`ApplySummary` out. Re-exported by `services.diary` (the importers' contract)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mydw.db.models import UserMovie, UserMovieRating, Viewing
from mydw.domain.errors import Conflict
from mydw.domain.types import MovieStatus, utcnow
from mydw.services.catalog.common import write
from mydw.services.context import AppContext
from mydw.services.diary_rows import CHUNK, ratings_of
from mydw.services.diary_values import check_rating, check_watch_date


def write_diary(ctx: AppContext, work: Callable[[Session], Any]) -> Any:
    """`catalog.common.write` (retried once when a concurrent writer inserted the same
    mark), a deleted account or movie reported as a conflict."""
    try:
        return write(ctx, work)
    except IntegrityError as error:
        raise Conflict("a movie or your account was deleted meanwhile; nothing was changed",
                       hint="try again") from error


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
    had_rating: bool = False  # a rating is stored (update it rather than insert)
    status_changed: bool = False
    rating_changed: bool = False
    new_days: list[tuple[date, bool]] = dataclasses.field(default_factory=list)


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
            if not _apply_one(item, states, summary, overwrite=overwrite):
                summary.unchanged += 1
        if not dry_run:
            _write_states(session, user_id, states, now)
        return summary

    if dry_run:
        with ctx.db.read() as session:
            result: ApplySummary = work(session)
        return result
    applied: ApplySummary = write_diary(ctx, work)
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
        ratings = ratings_of(session, by_mark)
        days: dict[int, set[date]] = {}
        for mark_id, day in session.execute(select(Viewing.user_movie_id, Viewing.watched_on)
                                            .where(Viewing.user_movie_id.in_(list(by_mark)))):
            days.setdefault(mark_id, set()).add(day)
        for row in rows:
            if row.movie_id is not None:
                states[row.movie_id] = _State(row.status, ratings.get(row.id),
                                              days.get(row.id, set()), row,
                                              had_rating=row.id in ratings)
    return states


def _apply_one(item: HistoryItem, states: dict[int, _State], summary: ApplySummary, *,
               overwrite: bool) -> bool:
    """Apply one item to `states` (written later by `_write_states`); True if it changed
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
        state.status_changed = changed = True
        if status == MovieStatus.SEEN.value:
            summary.seen += 1
        elif status == MovieStatus.LATER.value:
            summary.later += 1
        else:
            summary.not_interested += 1
    if item.rating is not None and item.rating != state.rating:
        state.rating = item.rating
        state.rating_changed = changed = True
        summary.rated += 1
    if item.watched_on is not None and item.watched_on not in state.days:
        rewatch = item.rewatch or any(d < item.watched_on for d in state.days)
        state.days.add(item.watched_on)
        state.new_days.append((item.watched_on, rewatch))
        summary.viewings += 1
        changed = True
    return changed


def _write_states(session: Session, user_id: int, states: dict[int, _State],
                  now: datetime) -> None:
    """Write what `_apply_one` changed: new marks in one flush, then the ratings and the
    viewings in bulk."""
    touched = [(movie_id, s) for movie_id, s in states.items()
               if s.status_changed or s.rating_changed or s.new_days]
    for movie_id, state in touched:
        if state.row is None:
            state.row = UserMovie(user_id=user_id, movie_id=movie_id,
                                  status=state.status or MovieStatus.SEEN.value, updated_at=now)
            session.add(state.row)
        elif state.status_changed:
            state.row.status, state.row.updated_at = state.status, now
    session.flush()
    new_ratings, viewings = [], []
    for _movie_id, state in touched:
        assert state.row is not None
        if state.rating_changed and state.had_rating:
            session.execute(update(UserMovieRating)
                            .where(UserMovieRating.user_movie_id == state.row.id)
                            .values(rating=state.rating, rated_on=now))
        elif state.rating_changed:
            new_ratings.append({"user_movie_id": state.row.id, "rating": state.rating,
                                "rated_on": now})
        viewings += [{"user_movie_id": state.row.id, "watched_on": day, "rewatch": rewatch,
                      "created_on": now} for day, rewatch in state.new_days]
    if new_ratings:
        session.execute(insert(UserMovieRating), new_ratings)
    if viewings:
        session.execute(insert(Viewing), viewings)
