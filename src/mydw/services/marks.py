"""Your movies: mark, unmark, list and stats (one `user_movies` row per user and movie).

Plain functions of the services layer: the CLI, the chat assistant's tools and the
importers all call these. Each opens its own transaction and returns dataclasses.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, delete, distinct, func, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from mydw.db.models import Movie, UserMovie
from mydw.db.types import sqlite_json_array
from mydw.domain.constants import GENRES, LIST_SORTS
from mydw.domain.errors import (
    Ambiguous,
    Conflict,
    Failure,
    MydwError,
    NotFound,
    UsageError,
)
from mydw.domain.types import MovieStatus, iso_utc, utcnow
from mydw.services import catalog
from mydw.services.context import AppContext
from mydw.services.diary_rows import DiaryStats, diary_columns, diary_stats, with_diary
from mydw.services.filters import MovieFilter, genre_name
from mydw.services.views import MovieView

Chooser = catalog.Chooser

SORTS = LIST_SORTS
TOP_GENRES = 10


# --------------------------------------------------------------------------- resolving


def _resolve_all(ctx: AppContext, refs: Sequence[str], *, year: int | None,
                 choose: Chooser | None, lang: str | None, verb: str) -> list[MovieView]:
    """Resolve every reference first; if any fails, say which and act on none.

    The movies' details are fetched at once (`catalog.resolve_movies`). Upstream failures
    (exit 5) stop the call: the next references would fail the same way.
    """
    if not refs:
        raise UsageError(f"refs must name at least one movie to {verb}", parameter="refs")
    found: dict[int, MovieView] = {}
    failures: list[tuple[str, NotFound | Ambiguous]] = []
    outcomes = catalog.resolve_movies(ctx, refs, year=year, choose=choose, lang=lang)
    for ref, outcome in zip(refs, outcomes, strict=True):
        if isinstance(outcome, NotFound | Ambiguous):
            failures.append((ref, outcome))
            continue
        found.setdefault(outcome.id, outcome)  # two references to one movie: one row
    if failures:
        raise _unresolved(failures, verb, total=len(refs))
    return list(found.values())


def _unresolved(failures: list[tuple[str, NotFound | Ambiguous]], verb: str,
                *, total: int) -> MydwError:
    """One error (exit 4) naming every reference that could not be resolved."""
    details = "; ".join(
        error.message if ref.strip() in error.message else f"{ref!r}: {error.message}"
        for ref, error in failures
    )
    prefix = "" if total == 1 else f"could not resolve {len(failures)} of {total} movies: "
    message = f"{prefix}{details} (nothing was {verb}ed)"
    candidates = [c for _, e in failures if isinstance(e, Ambiguous) for c in e.candidates]
    hint = next((e.hint for _, e in failures if e.hint), None)
    listed = [Failure(ref, e.code, e.message) for ref, e in failures]
    if candidates:
        return Ambiguous(message, candidates=candidates, failures=listed,
                         hint=hint or "add a year, or use a TMDB or IMDb id")
    # One title that matched nothing: its close titles (did you mean…?) come along.
    close = failures[0][1].candidates if len(failures) == 1 else ()
    return NotFound(message, hint=hint, failures=listed, candidates=close)


# --------------------------------------------------------------------------- mark / unmark


def mark(ctx: AppContext, user_id: int, refs: Sequence[str], status: MovieStatus | str, *,
         year: int | None = None, choose: Chooser | None = None,
         lang: str | None = None) -> list[MovieView]:
    """Set the user's status on every movie in `refs` (all of them, or none).

    Marking a movie again changes its status and `updated_at`. One upsert per movie in a
    single write transaction: safe with several processes at once (SQLite takes the write
    lock at BEGIN and waits; PostgreSQL's ON CONFLICT never loses a concurrent insert).
    """
    status = (status if isinstance(status, MovieStatus)
              else MovieStatus.parse(status, parameter="status"))
    movies = _resolve_all(ctx, refs, year=year, choose=choose, lang=lang, verb="mark")
    now = utcnow()
    try:
        with ctx.db.write() as session:
            for movie in movies:
                _upsert(session, user_id, movie.id, status.value, now)
    except IntegrityError as error:  # the user or a movie was deleted meanwhile
        raise Conflict("a movie or your account was deleted meanwhile; nothing was marked",
                       hint="try again") from error
    marked = [dataclasses.replace(m, status=status.value, updated_at=now) for m in movies]
    with ctx.db.read() as session:
        return with_diary(session, user_id, marked)


def _upsert(session: Session, user_id: int, movie_id: int, status: str, now: datetime) -> None:
    values = {"user_id": user_id, "movie_id": movie_id, "status": status, "updated_at": now}
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        pg = pg_insert(UserMovie).values(**values)
        session.execute(pg.on_conflict_do_update(
            constraint="uq_user_movie", set_={"status": status, "updated_at": now}))
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        lite = sqlite_insert(UserMovie).values(**values)
        session.execute(lite.on_conflict_do_update(
            index_elements=["user_id", "movie_id"], set_={"status": status, "updated_at": now}))
    else:  # pragma: no cover - the two supported databases are handled above
        row = session.scalar(select(UserMovie).where(
            UserMovie.user_id == user_id, UserMovie.movie_id == movie_id))
        if row is None:
            session.add(UserMovie(**values))
        else:
            row.status, row.updated_at = status, now


def unmark(ctx: AppContext, user_id: int, refs: Sequence[str], *, year: int | None = None,
           choose: Chooser | None = None, lang: str | None = None) -> list[MovieView]:
    """Forget the user's status on every movie in `refs` (all of them, or none).

    A movie the user had not marked is reported (NotFound, exit 4) and nothing is
    removed, exactly like a reference that cannot be resolved: one call, one outcome.
    A title matching several movies of which the user marked exactly one means that one.
    Returns the movies, now without a status.
    """
    movies = _resolve_all(ctx, refs, year=year, choose=_prefer_marked(ctx, user_id, choose),
                          lang=lang, verb="unmark")
    ids = [m.id for m in movies]
    with ctx.db.write() as session:
        marked = set(session.scalars(select(UserMovie.movie_id).where(
            UserMovie.user_id == user_id, UserMovie.movie_id.in_(ids))))
        missing = [m for m in movies if m.id not in marked]
        if missing:
            names = ", ".join(m.label() for m in missing)
            verb = "is" if len(missing) == 1 else "are"
            raise NotFound(f"{names} {verb} not in your list (nothing was unmarked)",
                           hint="see your movies with `mydw list`")
        session.execute(delete(UserMovie).where(
            UserMovie.user_id == user_id, UserMovie.movie_id.in_(ids)))
    # The rating and viewings hang off the mark (ON DELETE CASCADE): gone with it.
    return [dataclasses.replace(m, status=None, updated_at=None, my_rating=None,
                                watched_on=None) for m in movies]


def _prefer_marked(ctx: AppContext, user_id: int, choose: Chooser | None) -> Chooser:
    """A chooser that takes the only candidate the user marked, else asks `choose`."""

    def pick(candidates: list[MovieView]) -> MovieView | None:
        with ctx.db.read() as session:
            marked = set(session.scalars(select(UserMovie.movie_id).where(
                UserMovie.user_id == user_id,
                UserMovie.movie_id.in_([c.id for c in candidates]))))
        mine = [c for c in candidates if c.id in marked]
        if len(mine) == 1:
            return mine[0]
        return choose(mine or candidates) if choose is not None else None

    return pick


# --------------------------------------------------------------------------- list


def _statuses(values: Sequence[MovieStatus | str]) -> list[str]:
    return sorted({(v if isinstance(v, MovieStatus)
                    else MovieStatus.parse(v, parameter="statuses")).value for v in values})


def _order(sort: str, lang: str, reverse: bool) -> list[Any]:
    title = (func.coalesce(Movie.title_fr, Movie.title_en) if lang == "fr"
             else func.coalesce(Movie.title_en, Movie.title_fr))
    keys: dict[str, tuple[Any, bool]] = {  # column, descending by default
        "updated": (UserMovie.updated_at, True),
        "rating": (Movie.imdb_rating, True),
        "votes": (Movie.vote_count, True),
        "year": (Movie.release_year, True),
        "title": (func.lower(title), False),
    }
    if sort not in keys:
        raise UsageError(f"sort: unknown sort {sort!r} (choose from {', '.join(SORTS)})",
                         parameter="sort")
    column, descending = keys[sort]
    descending = descending != reverse
    first = (column.desc() if descending else column.asc()).nulls_last()
    tiebreak = UserMovie.id.desc() if descending else UserMovie.id.asc()
    return [first, tiebreak]


def list_movies(ctx: AppContext, user_id: int, *, statuses: Sequence[MovieStatus | str] = (),
                genres: Sequence[str] = (), year_from: int | None = None,
                year_to: int | None = None, min_rating: float | None = None,
                language: str | None = None, sort: str = "updated", reverse: bool = False,
                limit: int | None = None, lang: str = "en",
                without_genres: Sequence[str] = ()) -> list[MovieView]:
    """The user's movies with `status` and `updated_at`, filtered and sorted in one query.

    Several genres mean movies having every one of them; `without_genres`, none of them.
    `sort`: updated (newest first), rating, votes, year (highest first) or title (A→Z);
    `reverse` flips it. Unknown ratings/years always come last.
    """
    wanted = MovieFilter.parse(genres=genres, year_from=year_from, year_to=year_to,
                               min_rating=min_rating, language=language,
                               without_genres=without_genres)
    if limit is not None and limit < 1:
        raise UsageError("limit must be at least 1", parameter="limit")
    chosen = _statuses(statuses)
    order = _order(sort, lang, reverse)
    with ctx.db.read() as session:
        dialect = session.get_bind().dialect.name
        query = (
            select(*_MOVIE_COLUMNS, UserMovie.status, UserMovie.updated_at, *diary_columns())
            .join(UserMovie, UserMovie.movie_id == Movie.id)
            .where(UserMovie.user_id == user_id)
        )
        if chosen:
            query = query.where(UserMovie.status.in_(chosen))
        query = wanted.apply(query, dialect).order_by(*order).limit(limit)
        return [_row_view(row) for row in session.connection().execute(query)]


# Plain columns, not ORM entities: 10,000 rows without identity map, instrumentation or
# MutableList wrapping (the JSON/ARRAY columns come back as plain lists). The columns are
# MovieView's fields in order, so that a row (+ status, updated_at, my_rating, watched_on)
# builds it positionally.
_MOVIE_FIELDS = [f.name for f in dataclasses.fields(MovieView)
                 if f.name in Movie.__table__.c]
_MOVIE_COLUMNS = [Movie.__table__.c[name] for name in _MOVIE_FIELDS]
_LISTS = (_MOVIE_FIELDS.index("genres"), _MOVIE_FIELDS.index("genre_ids"))


def _row_view(row: Sequence[Any]) -> MovieView:
    values = list(row)
    for index in _LISTS:
        if values[index] is None:
            values[index] = []
    return MovieView(*values)


# --------------------------------------------------------------------------- stats


@dataclass(frozen=True)
class GenreCount:
    genre_id: int | None
    genre: str
    count: int


@dataclass(frozen=True)
class Stats:
    """The user's personal stats. Genre, decade and year figures are about seen movies."""

    counts: dict[str, int]
    average_imdb_rating_seen: float | None
    rated_seen: int
    top_genres: list[GenreCount] = field(default_factory=list)
    decades: dict[int, int] = field(default_factory=dict)
    years: dict[int, int] = field(default_factory=dict)
    last_updated: datetime | None = None
    diary: DiaryStats = field(default_factory=DiaryStats)  # own ratings, viewings per year

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "counts": dict(self.counts),
            "average_imdb_rating_seen": self.average_imdb_rating_seen,
            "rated_seen": self.rated_seen,
            "top_genres": [
                {"genre": g.genre, "genre_id": g.genre_id, "count": g.count}
                for g in self.top_genres
            ],
            "decades": [{"decade": d, "count": n} for d, n in sorted(self.decades.items())],
            "years": [{"year": y, "count": n} for y, n in sorted(self.years.items())],
            "last_updated": iso_utc(self.last_updated),
            "average_my_rating": self.diary.average_my_rating,
            "my_rated": self.diary.my_rated,
            "viewings": self.diary.viewings,
            "viewings_per_year": [{"year": y, "count": n}
                                  for y, n in sorted(self.diary.viewings_per_year.items())],
        }


def stats(ctx: AppContext, user_id: int) -> Stats:
    """Counts per status, average IMDb rating of seen movies, top genres, decades, years."""
    seen = (UserMovie.user_id == user_id) & (UserMovie.status == MovieStatus.SEEN.value)
    with ctx.db.read() as session:
        counts = {s.value: 0 for s in MovieStatus}
        for status, n in session.execute(
            select(UserMovie.status, func.count()).where(UserMovie.user_id == user_id)
            .group_by(UserMovie.status)
        ):
            if status is not None:
                counts[status] = n
        average, rated = session.execute(
            select(func.avg(Movie.imdb_rating), func.count(Movie.imdb_rating))
            .join(UserMovie, UserMovie.movie_id == Movie.id).where(seen)
        ).one()
        years = {
            year: n for year, n in session.execute(
                select(Movie.release_year, func.count())
                .join(UserMovie, UserMovie.movie_id == Movie.id)
                .where(seen, Movie.release_year.is_not(None)).group_by(Movie.release_year)
            )
        }
        by_id, by_name = _genre_counts(session, seen)
        last = session.scalar(select(func.max(UserMovie.updated_at))
                              .where(UserMovie.user_id == user_id))
        diary = diary_stats(session, user_id)
    decades: Counter[int] = Counter()
    for year, n in years.items():
        decades[year // 10 * 10] += n
    return Stats(
        counts=counts,
        average_imdb_rating_seen=None if average is None else round(float(average), 2),
        rated_seen=int(rated or 0),
        top_genres=_top_genres(by_id, by_name),
        decades=dict(decades),
        years=years,
        last_updated=last,
        diary=diary,
    )


def _genre_counts(session: Session, seen: ColumnElement[bool]) -> tuple[Counter[int],
                                                                        Counter[str]]:
    """Seen movies per genre id, counted in SQL (JSON on SQLite, ARRAY on PostgreSQL); and
    per stored name for the rare movies that have names but no ids."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    joined = select(Movie.id.label("movie_id")).join(
        UserMovie, UserMovie.movie_id == Movie.id).where(seen)
    if postgresql:
        pairs = joined.add_columns(func.unnest(Movie.genre_ids).label("genre")).subquery()
        no_ids = func.coalesce(func.cardinality(Movie.genre_ids), 0) == 0
    else:
        array = sqlite_json_array(Movie.genre_ids)  # another tool's value: no genres
        each = func.json_each(array).table_valued("value", "type").alias("g")
        pairs = (joined.add_columns(each.c.value.label("genre")).join(each, true())
                 .where(each.c.type == "integer").subquery())
        no_ids = func.coalesce(func.json_array_length(array), 0) == 0
    by_id: Counter[int] = Counter({
        int(genre): n for genre, n in session.execute(
            select(pairs.c.genre, func.count(distinct(pairs.c.movie_id))).group_by(pairs.c.genre))
    })
    by_name: Counter[str] = Counter()
    for (names,) in session.execute(select(Movie.genres).join(
            UserMovie, UserMovie.movie_id == Movie.id).where(seen, no_ids)):
        by_name.update(set(names or []))
    return by_id, by_name


def _top_genres(by_id: Counter[int], by_name: Counter[str]) -> list[GenreCount]:
    """The most seen genres: by TMDB id (names from the built-in table), else by name."""
    merged: dict[tuple[int | None, str], int] = {}
    for genre_id, n in by_id.items():
        merged[(genre_id, genre_name(genre_id))] = n
    name_to_id = {en: gid for gid, (en, _fr) in GENRES.items()}
    for name, n in by_name.items():
        gid = name_to_id.get(name)
        key = (gid, genre_name(gid) if gid is not None else name)
        merged[key] = merged.get(key, 0) + n
    ranked = sorted(merged.items(), key=lambda item: (-item[1], item[0][1]))
    return [GenreCount(gid, name, n) for (gid, name), n in ranked[:TOP_GENRES]]
