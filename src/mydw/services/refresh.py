"""Keep the IMDb ratings of cached movies fresh (cron): IMDb's daily dataset or OMDb.

A movie is due when it has no rating yet, or when its `imdb_updated_on` is older than
`older_than` (`all_`: every movie). Due movies are taken oldest first, so a run stopped by
`--limit`, OMDb's daily quota or a kill is continued by the next run.

Safety:
* one run at a time per database: on SQLite a non-blocking lock file beside the database
  file (`mydw.db.refresh.lock`: not the database file itself, whose own locks SQLite
  drops), on PostgreSQL a session advisory lock, so runs from two homes or two machines
  sharing one database never overlap (`Busy` otherwise, and nothing is touched);
* updates are committed in batches (one executemany UPDATE per batch), so a run killed
  mid-way keeps what it finished;
* the dataset is read completely before the first write, so a corrupt file changes nothing.

Why this module is long (~500 lines): it is one job, a refresh run, whose parts (the lock,
the due movies, IMDb ids from TMDB, the batched writer, the two sources and the `auto`
fallback between them) share the run's summary and writer; split, they would pass that
state around. Checking and storing ratings is `services.ratings`'s.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, or_, select

from mydw.config import paths
from mydw.db.models import Movie
from mydw.domain.constants import OMDB_HINT, REFRESH_SOURCES
from mydw.domain.errors import (
    Busy,
    InvalidInput,
    RateLimited,
    UpstreamAuthError,
    UpstreamError,
    UpstreamNotFound,
    UsageError,
)
from mydw.domain.types import utcnow
from mydw.services import ratings, upstream
from mydw.services.context import AppContext

if TYPE_CHECKING:
    from mydw.clients.omdb import OmdbClient

Progress = Callable[[int, int], None]

SOURCES = REFRESH_SOURCES
DEFAULT_OLDER_THAN = timedelta(days=7)
# `auto` asks OMDb (1,000 requests a day on a free key) for at most this many movies.
AUTO_OMDB_MAX = 50
# Rows per transaction. OMDb batches are small: a killed run wastes at most that many
# requests of the daily quota.
DATASET_BATCH = 500
OMDB_BATCH = 10
# That many failures in a row means the service is down, not that one title is odd.
MAX_CONSECUTIVE_FAILURES = 3
LOCK_SUFFIX = ".refresh.lock"
DATASET_NAME = "title.ratings.tsv.gz"


@dataclass
class RefreshSummary:
    """What a run did. `checked` = `updated` + `unchanged` + `missing` + `failed`."""

    source: str
    checked: int = 0
    updated: int = 0
    unchanged: int = 0
    missing: int = 0
    failed: int = 0
    seconds: float = 0.0
    due: int = 0  # movies due before --limit
    remaining: int = 0  # due movies this run did not get to (limit, OMDb quota)
    imdb_ids_found: int = 0  # IMDb ids learnt from TMDB
    dataset: str | None = None  # "downloaded", "not-modified", "fresh" or "file"
    stopped: str | None = None  # "omdb-limit" when OMDb's daily quota ended the run
    notes: list[str] = field(default_factory=list)

    @property
    def all_failed(self) -> bool:
        """Movies were due and every one of them failed (nothing updated, unchanged or
        found missing): the run did nothing, `mydw refresh` exits 5."""
        return self.failed > 0 and self.failed == self.checked

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "checked": self.checked,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "missing": self.missing,
            "failed": self.failed,
            "seconds": self.seconds,
            "due": self.due,
            "remaining": self.remaining,
            "imdb_ids_found": self.imdb_ids_found,
            "dataset": self.dataset,
            "stopped": self.stopped,
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class _Due:
    id: int
    tmdb_id: int
    imdb_id: str | None
    imdb_rating: float | None
    vote_count: int | None
    resolved: bool = False  # imdb_id learnt from TMDB in this run (to be saved)


def refresh(
    ctx: AppContext,
    *,
    source: str = "auto",
    older_than: timedelta = DEFAULT_OLDER_THAN,
    all_: bool = False,
    limit: int | None = None,
    dataset_file: Path | None = None,
    progress: Progress | None = None,
) -> RefreshSummary:
    """Refresh `imdb_rating`, `vote_count` and `imdb_updated_on` of the due movies.

    Raises Busy when another run holds the lock, InvalidInput for bad options, and the
    UpstreamError family when the source failed (what was committed before stays).
    """
    _check_options(source, older_than, limit, dataset_file)
    started = time.monotonic()
    with _run_lock(ctx):
        movies, due = _due_movies(ctx, older_than=older_than, all_=all_, limit=limit)
        summary = RefreshSummary(source=source, due=due, remaining=due - len(movies))
        if movies:
            _run(ctx, movies, summary, source, older_than, dataset_file, progress)
        elif source == "auto":
            summary.source = "none"
    summary.seconds = round(time.monotonic() - started, 3)
    return summary


def _check_options(
    source: str, older_than: timedelta, limit: int | None, dataset_file: Path | None
) -> None:
    if source not in SOURCES:
        raise UsageError(f"source: unknown source {source!r} (choose from {', '.join(SOURCES)})",
                         parameter="source")
    if older_than < timedelta(0):
        raise UsageError("older_than must not be negative", parameter="older_than")
    if limit is not None and limit < 1:
        raise UsageError("limit must be at least 1", parameter="limit")
    if dataset_file is not None:
        if source == "omdb":
            raise UsageError("dataset_file only works with the imdb-dataset or auto source",
                             parameter="dataset_file")
        if not dataset_file.is_file():
            raise InvalidInput(f"dataset_file {dataset_file} is not a readable file",
                               parameter="dataset_file")


# pg_advisory_lock key of `mydw refresh` ("mydwrf"), distinct from the migration lock's.
PG_LOCK_KEY = 0x6D79_6477_7266


def lock_path(ctx: AppContext) -> Path | None:
    """The refresh lock file of a SQLite database (`<database>.refresh.lock`, beside it);
    None on PostgreSQL (its advisory lock) or an in-memory database."""
    database = ctx.db.sqlite_path
    return None if database is None else database.with_name(database.name + LOCK_SUFFIX)


@contextmanager
def _run_lock(ctx: AppContext) -> Iterator[None]:
    """Hold the database's refresh lock, or raise Busy at once (the other run keeps going).

    The lock belongs to the database, not to a home: two homes (or two users) refreshing
    one SQLite file share the lock file beside it."""
    from filelock import FileLock, Timeout

    path = lock_path(ctx)
    if path is None:
        with _database_lock(ctx):
            yield
        return
    paths.ensure_private_dir(path.parent)
    lock = FileLock(str(path), timeout=0, mode=0o600)
    try:
        lock.acquire()
    except Timeout:
        raise Busy(
            "another `mydw refresh` is running; this one stopped without changing anything",
            hint=f"the lock is {path}; it is released when that run ends",
        ) from None
    try:
        with _database_lock(ctx):
            yield
    finally:
        lock.release()


@contextmanager
def _database_lock(ctx: AppContext) -> Iterator[None]:
    """On PostgreSQL, a session advisory lock held for the whole run (other machines)."""
    if ctx.db.is_sqlite:
        yield  # one file, one machine: the file lock is enough
        return
    ctx.db.ensure_ready()
    with ctx.db.engine.connect() as conn:
        got = conn.execute(select(func.pg_try_advisory_lock(PG_LOCK_KEY))).scalar()
        conn.commit()
        if not got:
            raise Busy(
                "another `mydw refresh` is running against this database (maybe on another "
                "machine); this one stopped without changing anything"
            )
        try:
            yield
        finally:
            conn.execute(select(func.pg_advisory_unlock(PG_LOCK_KEY)))
            conn.commit()


def _due_movies(
    ctx: AppContext, *, older_than: timedelta, all_: bool, limit: int | None
) -> tuple[list[_Due], int]:
    """The due movies, oldest check first (then up to `limit`), and how many are due."""
    stmt = select(
        Movie.id, Movie.tmdb_id, Movie.imdb_id, Movie.imdb_rating, Movie.vote_count
    ).order_by(Movie.imdb_updated_on.asc().nulls_first(), Movie.id)
    if not all_:
        cutoff = utcnow() - older_than
        stmt = stmt.where(
            or_(
                Movie.imdb_rating.is_(None),
                Movie.imdb_updated_on.is_(None),
                Movie.imdb_updated_on < cutoff,
            )
        )
    with ctx.db.read() as session:
        rows = session.execute(stmt).all()
    movies = [_Due(r.id, r.tmdb_id, r.imdb_id or None, r.imdb_rating, r.vote_count) for r in rows]
    return (movies if limit is None else movies[:limit]), len(movies)


def _run(
    ctx: AppContext,
    movies: list[_Due],
    summary: RefreshSummary,
    source: str,
    older_than: timedelta,
    dataset_file: Path | None,
    progress: Progress | None,
) -> None:
    chosen = _choose_source(ctx, source, len(movies), dataset_file)
    summary.source = chosen
    if progress is not None:
        progress(0, len(movies))
    movies, lookup_failed = _resolve_imdb_ids(ctx, movies, summary)
    batch = OMDB_BATCH if chosen == "omdb" else DATASET_BATCH
    writer = _Writer(ctx, summary, batch, progress, len(movies) + len(lookup_failed))
    writer.fail(lookup_failed)
    if chosen == "omdb":
        movies = _refresh_from_omdb(ctx, movies, writer, summary, fallback=source == "auto")
        if not movies:
            return
        summary.source = "omdb+imdb-dataset"
        writer.size = DATASET_BATCH
    _refresh_from_dataset(ctx, movies, writer, summary, older_than, dataset_file)


def _choose_source(ctx: AppContext, source: str, count: int, dataset_file: Path | None) -> str:
    if source != "auto":
        return source
    if dataset_file is not None or count > AUTO_OMDB_MAX:
        return "imdb-dataset"
    return "omdb" if upstream.omdb_key(ctx) else "imdb-dataset"


# -- IMDb ids from TMDB -------------------------------------------------------------------


def _resolve_imdb_ids(
    ctx: AppContext, movies: list[_Due], summary: RefreshSummary
) -> tuple[list[_Due], list[_Due]]:
    """Give movies without an IMDb id one from TMDB's external ids, when TMDB is set up.

    Returns the movies to refresh and those whose lookup failed (counted as failed).
    """
    lacking = sum(1 for m in movies if not m.imdb_id)
    if not lacking:
        return movies, []
    if not upstream.tmdb_credential(ctx):
        summary.notes.append(
            f"{lacking} movie(s) have no IMDb id; configure a TMDB key to look them up"
        )
        return movies, []
    try:
        client = upstream.tmdb_client(ctx)
    except UpstreamAuthError as exc:
        summary.notes.append(f"IMDb ids not looked up: {exc}")
        return movies, []
    kept: list[_Due] = []
    failed: list[_Due] = []
    consecutive = 0
    with client:
        for movie in movies:
            if movie.imdb_id:
                kept.append(movie)
                continue
            if consecutive >= MAX_CONSECUTIVE_FAILURES:  # TMDB is down: not worth asking
                failed.append(movie)
                continue
            try:
                imdb_id = client.external_imdb_id(movie.tmdb_id)
            except UpstreamNotFound:
                imdb_id = None
            except UpstreamError as exc:
                consecutive += 1
                if isinstance(exc, UpstreamAuthError):  # a refused key will not get better
                    consecutive = MAX_CONSECUTIVE_FAILURES
                if consecutive >= MAX_CONSECUTIVE_FAILURES:
                    summary.notes.append(f"IMDb id lookups on TMDB stopped: {exc}")
                failed.append(movie)
                continue
            consecutive = 0
            if imdb_id:
                summary.imdb_ids_found += 1
                movie = replace(movie, imdb_id=imdb_id, resolved=True)
            kept.append(movie)
    return kept, failed


# -- writing --------------------------------------------------------------------------------


class _Writer:
    """Counts outcomes and commits the row updates in batches of `size`."""

    def __init__(
        self,
        ctx: AppContext,
        summary: RefreshSummary,
        size: int,
        progress: Progress | None,
        total: int,
    ) -> None:
        self._ctx = ctx
        self._summary = summary
        self.size = size
        self._progress = progress
        self._total = total
        self._done = 0
        self._rows: list[dict[str, Any]] = []

    def found(self, movie: _Due, rating: float | None, votes: int | None) -> None:
        checked = ratings.checked(rating, votes)
        rating, votes = checked.rating, checked.votes
        if rating is None and votes is None:  # `\N` or "N/A": no rating to be had
            self.missing(movie)
            return
        if rating == movie.imdb_rating and votes == movie.vote_count:
            self._summary.unchanged += 1
        else:
            self._summary.updated += 1
        self._add(movie, {"movie_id": movie.id, **ratings.row_values(checked)})

    def missing(self, movie: _Due) -> None:
        """No rating to be had (unknown title, no votes, no IMDb id): keep what is stored
        (a rating never vanishes from IMDb; OMDb lags), note when it was checked."""
        self._summary.missing += 1
        self._add(movie, {"movie_id": movie.id, "imdb_updated_on": utcnow()})

    def fail(self, movies: Sequence[_Due]) -> None:
        for movie in movies:
            self._summary.failed += 1
            self._add(movie, {"movie_id": movie.id})  # stays due; a learnt IMDb id is still saved

    def _add(self, movie: _Due, row: dict[str, Any]) -> None:
        if movie.resolved:
            row["imdb_id"] = movie.imdb_id
        if len(row) > 1:
            self._rows.append(row)
        self._summary.checked += 1
        self._done += 1
        if len(self._rows) >= self.size:
            self.flush()
        if self._progress is not None:
            self._progress(self._done, self._total)

    def flush(self) -> None:
        """Commit the pending rows in one transaction (`ratings.store_rows`)."""
        if not self._rows:
            return
        ratings.store_rows(self._ctx, self._rows)
        self._rows = []


# -- sources --------------------------------------------------------------------------------


def _refresh_from_dataset(
    ctx: AppContext,
    movies: list[_Due],
    writer: _Writer,
    summary: RefreshSummary,
    older_than: timedelta,
    dataset_file: Path | None,
) -> None:
    wanted = {m.imdb_id for m in movies if m.imdb_id}
    ratings: dict[str, tuple[float | None, int | None]] = {}
    if wanted:
        from mydw.clients.imdb_datasets import iter_ratings

        path = _dataset_path(ctx, summary, older_than, dataset_file)
        # Read everything first: a corrupt or truncated file raises before any write.
        ratings = {t: (r, v) for t, r, v in iter_ratings(path, wanted=wanted)}
    for movie in movies:
        found = ratings.get(movie.imdb_id) if movie.imdb_id else None
        if found is None:
            writer.missing(movie)
        else:
            writer.found(movie, *found)
    writer.flush()


def _dataset_path(
    ctx: AppContext, summary: RefreshSummary, older_than: timedelta, dataset_file: Path | None
) -> Path:
    if dataset_file is not None:
        summary.dataset = "file"
        return dataset_file
    dest = paths.ensure_private_dir(paths.cache_dir()) / DATASET_NAME
    with upstream.imdb_datasets_client(ctx) as client:
        # Asked on every run: a conditional request (If-None-Match / If-Modified-Since)
        # whose 304 costs nothing, so a run right after IMDb publishes sees the new file.
        result = client.download_ratings(dest, max_age=None)
    summary.dataset = result.status
    return result.path


def _refresh_from_omdb(
    ctx: AppContext,
    movies: list[_Due],
    writer: _Writer,
    summary: RefreshSummary,
    *,
    fallback: bool,
) -> list[_Due]:
    """One request per movie. Returns the movies left for the dataset (`auto` fallback).

    OMDb's daily limit ends the run cleanly (what was done is kept) once OMDb has answered
    at least once; a refused key, or a limit hit before any answer, raises (exit 5) unless
    `fallback`, where the dataset takes over.
    """
    client = upstream.omdb_client(ctx)
    if client is None:
        if fallback:
            return movies
        raise UpstreamAuthError(
            "no OMDb API key is configured", service="OMDb", hint=OMDB_HINT
        )
    answered = failures = 0
    with client:
        try:
            for index, movie in enumerate(movies):
                try:
                    ok = _ask_omdb(client, movie, writer)
                except (RateLimited, UpstreamAuthError) as exc:
                    return _omdb_refused(exc, movies[index:], summary, fallback, answered)
                answered += ok is True
                failures = failures + 1 if ok is False else 0
                if failures >= MAX_CONSECUTIVE_FAILURES:
                    raise UpstreamError(
                        f"OMDb failed {failures} times in a row; stopped (what was done is kept)",
                        service="OMDb",
                        hint="Try again later.",
                    )
        finally:
            writer.flush()
    return []


def _ask_omdb(client: OmdbClient, movie: _Due, writer: _Writer) -> bool | None:
    """Refresh one movie: True when OMDb answered, False when the request failed, None
    when there was nothing to ask (no IMDb id)."""
    if not movie.imdb_id:
        writer.missing(movie)
        return None
    try:
        rating = client.rating(movie.imdb_id)
    except (RateLimited, UpstreamAuthError):
        raise
    except UpstreamError:
        writer.fail([movie])
        return False
    if rating is None:
        writer.missing(movie)
    else:
        writer.found(movie, rating.imdb_rating, rating.imdb_votes)
    return True


def _omdb_refused(
    exc: UpstreamError, rest: list[_Due], summary: RefreshSummary, fallback: bool, answered: int
) -> list[_Due]:
    if fallback:
        summary.notes.append(f"{exc}; the IMDb dataset refreshed the other {len(rest)} movie(s)")
        return rest
    if isinstance(exc, UpstreamAuthError) or not answered:
        raise exc
    summary.stopped = "omdb-limit"
    summary.remaining += len(rest)
    summary.notes.append(f"{exc}: {len(rest)} movie(s) wait for the next run")
    return []
