"""IMDb ratings: the one place that checks, asks OMDb for, and stores them.

Used by `show` (a movie's details, through the catalog), `discover` (movies with no rating
yet) and `refresh` (cron). A rating is believed only when finite and between 0 and 10, a
vote count only when a whole number between 0 and `MAX_VOTES`; anything else is stored as
unknown (NULL). Whatever is written sets `imdb_updated_on` (the movie was checked).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Table, bindparam, select, update

from mydw.db.models import Movie
from mydw.domain import values
from mydw.domain.constants import OMDB_HINT
from mydw.domain.errors import MydwError, NotFound, UpstreamAuthError
from mydw.domain.types import utcnow
from mydw.services import notices, upstream
from mydw.services.context import AppContext
from mydw.services.views import MovieView, movie_view

if TYPE_CHECKING:
    from mydw.clients.omdb import OmdbClient
    from mydw.clients.tmdb import TmdbClient

log = logging.getLogger("mydw.ratings")


@dataclass(frozen=True)
class Rating:
    """What IMDb says of a movie (either may be unknown)."""

    rating: float | None
    votes: int | None


NO_RATING = Rating(None, None)


# --------------------------------------------------------------------------- checking


def valid_rating(value: Any) -> float | None:
    """`value` as a rating when it is a finite number from 0 to 10, else None (the one
    check, `mydw.domain.values`, which the dataset and OMDb parsers use too)."""
    number = values.valid_rating(value)
    if number is None and value is not None:
        log.debug("IMDb rating %r ignored (not between 0 and 10)", value)
    return number


def valid_votes(value: Any) -> int | None:
    """`value` as a vote count when it is a whole number from 0 to MAX_VOTES, else None."""
    count = values.valid_votes(value)
    if count is None and value is not None:
        log.debug("IMDb vote count %r ignored", value)
    return count


def checked(rating: Any, votes: Any) -> Rating:
    return Rating(valid_rating(rating), valid_votes(votes))


def row_values(found: Rating | None, *, now: datetime | None = None) -> dict[str, Any]:
    """The `movies` columns to write for a rating (None: checked, nothing known)."""
    good = checked(found.rating, found.votes) if found is not None else NO_RATING
    return {
        "imdb_rating": good.rating,
        "vote_count": good.votes,
        "imdb_updated_on": now or utcnow(),
    }


# --------------------------------------------------------------------------- storing


def apply(movie: Movie, found: Rating | None, *, now: datetime | None = None) -> None:
    """Set the rating on a `Movie` row of an open transaction."""
    for column, value in row_values(found, now=now).items():
        setattr(movie, column, value)


def store(ctx: AppContext, movie_id: int, found: Rating | None, *,
          imdb_id: str | None = None) -> None:
    """Write one movie's rating (and the IMDb id it was found by) in its own transaction."""
    values = row_values(found)
    if imdb_id:
        values["imdb_id"] = imdb_id
    with ctx.db.write() as session:
        session.execute(update(Movie).where(Movie.id == movie_id).values(**values))


def store_rows(ctx: AppContext, rows: Sequence[dict[str, Any]]) -> None:
    """Write many movies in one transaction: each row has `movie_id` and any of
    `imdb_rating`/`vote_count` (checked here), `imdb_updated_on`, `imdb_id`.

    Core UPDATE ... WHERE id = :movie_id, one executemany per row shape: as fast as the
    ORM's bulk update by primary key, but a movie deleted meanwhile is skipped instead of
    failing the batch with StaleDataError.
    """
    if not rows:
        return
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        clean = dict(row)
        if "imdb_rating" in clean:
            clean["imdb_rating"] = valid_rating(clean["imdb_rating"])
        if "vote_count" in clean:
            clean["vote_count"] = valid_votes(clean["vote_count"])
        shapes.setdefault(tuple(clean), []).append(clean)
    table = cast(Table, Movie.__table__)
    statement = update(table).where(table.c.id == bindparam("movie_id"))
    with ctx.db.write() as session:
        for same in shapes.values():
            session.execute(statement, same)


# --------------------------------------------------------------------------- asking OMDb


@dataclass(frozen=True)
class Found:
    """One OMDb answer: the IMDb id asked about (maybe learnt from TMDB) and its rating
    (None: OMDb has no data for it)."""

    imdb_id: str | None
    rating: Rating | None


class OmdbRatings:
    """Asks OMDb for missing IMDb ratings, with the IMDb id from TMDB's external ids when
    a movie has none. At most `budget` lookups (None: no limit); after one failure
    (quota, refused key, network) it stops asking and `notice` says why.

    Thread-safe: several lookups may run at once (one discover's or one mark's movies);
    the budget is taken under a lock before a request goes out, so the lookups together
    never send more requests than one after another would, and none starts after a failure.
    """

    def __init__(self, ctx: AppContext, *, tmdb: TmdbClient | None = None,
                 budget: int | None = None) -> None:
        import threading

        self.ctx = ctx
        self.tmdb = tmdb
        self.budget = budget
        self.notice: str | None = None
        self._client: OmdbClient | None = None
        self._opened = False
        self._lock = threading.RLock()
        # The first request goes alone (see `_wait_for_probe`). Off for a few lookups the
        # user named (a mark's movies): then a refused key costs one request per movie.
        self.probe = True
        self._probing = False  # the first request went out
        self._probed = threading.Event()  # ... and was answered

    @property
    def client(self) -> OmdbClient | None:
        with self._lock:
            if not self._opened:
                self._opened = True
                self._client = upstream.omdb_client(self.ctx)
            return self._client

    def _take(self) -> OmdbClient | None:
        """The client and one unit of budget, or None when no lookup may start."""
        with self._lock:
            if self.notice is not None or (self.budget is not None and self.budget <= 0):
                return None
            client = self.client
            if client is None:
                return None
            if self.budget is not None:
                self.budget -= 1
            return client

    def lookup(self, imdb_id: str | None, tmdb_id: int | None = None) -> Found | None:
        """OMDb's answer, or None when OMDb was not asked (no key, budget spent, stopped
        after a failure, no IMDb id to be had)."""
        client = self._take()
        if client is None:
            return None
        try:
            if not imdb_id and self.tmdb is not None and tmdb_id is not None:
                imdb_id = self.tmdb.external_imdb_id(tmdb_id)
        except MydwError as error:
            self._failed(error)
            return None
        if not imdb_id:
            return None
        probe = self._wait_for_probe()
        if probe is None:  # the first request failed: no other one goes out
            return None
        try:
            answer = client.rating(imdb_id)
        except MydwError as error:
            self._failed(error)  # before the waiters wake up
            return None
        finally:
            if probe:
                self._probed.set()
        return Found(imdb_id, None if answer is None
                     else checked(answer.imdb_rating, answer.imdb_votes))

    def _failed(self, error: MydwError) -> None:
        with self._lock:
            if self.notice is None:
                self.notice = (f"IMDb rating not fetched from OMDb ({notices.reason(error)}); "
                               "`mydw refresh` fills missing ratings")

    def _wait_for_probe(self) -> bool | None:
        """The first OMDb request of this object goes alone: True for the thread that
        sends it; the others wait for its answer, then False (go) or None (it failed: a
        reached quota or a refused key costs one request, as one lookup after another)."""
        with self._lock:
            if self.notice is not None:
                return None
            if not self.probe:
                return False
            if not self._probing:
                self._probing = True
                return True
        self._probed.wait()
        with self._lock:
            return None if self.notice is not None else False

    def fill(self, view: MovieView) -> MovieView:
        """`view` with its rating from OMDb (stored) when it has none and OMDb answers."""
        if view.imdb_rating is not None:
            return view
        found = self.lookup(view.imdb_id, view.tmdb_id)
        if found is None:
            return view
        store(self.ctx, view.id, found.rating, imdb_id=found.imdb_id)
        rating = found.rating or NO_RATING
        return replace(view, imdb_id=found.imdb_id, imdb_rating=rating.rating,
                       vote_count=rating.votes)

    def fill_many(self, views: Sequence[MovieView]) -> list[MovieView]:
        """`fill` for several movies: their lookups go out at once (the budget goes to the
        first ones in order, as one after another), the answers are written in ONE
        transaction by the calling thread. Same order as `views`."""
        out = list(views)
        for i, view in self.fill_each(views):
            out[i] = view
        return out

    def fill_each(self, views: Sequence[MovieView]) -> Iterator[tuple[int, MovieView]]:
        """`(index, view)` for every view as soon as its rating is known: at once for the
        movies OMDb is not asked about, then as OMDb's answers arrive (asked all at once,
        the budget going to the first ones in order). Once every answer is in, they are
        written in ONE transaction by the calling thread."""
        need = [i for i, v in enumerate(views) if v.imdb_rating is None]
        with self._lock:
            if not need or self.client is None or self.notice is not None:
                need = []
            elif self.budget is not None:
                need = need[: max(0, self.budget)]
        asked = set(need)
        for i, view in enumerate(views):
            if i not in asked:
                yield i, view
        if not need:
            return
        from concurrent.futures import ThreadPoolExecutor, as_completed

        rows: list[dict[str, Any]] = []
        now = utcnow()
        pool = ThreadPoolExecutor(max_workers=min(len(need), 20),
                                  thread_name_prefix="mydw-omdb")
        try:
            futures = {pool.submit(self.lookup, views[i].imdb_id, views[i].tmdb_id): i
                       for i in need}
            for future in as_completed(futures):
                i = futures[future]
                found = future.result()
                if found is None:
                    yield i, views[i]
                    continue
                row = {"movie_id": views[i].id, **row_values(found.rating, now=now)}
                if found.imdb_id:
                    row["imdb_id"] = found.imdb_id
                rows.append(row)
                rating = found.rating or NO_RATING
                yield i, replace(views[i], imdb_id=found.imdb_id, imdb_rating=rating.rating,
                                 vote_count=rating.votes)
        finally:
            pool.shutdown(wait=True)
            store_rows(self.ctx, rows)

    def close(self) -> None:
        with self._lock:
            if self._client is not None:
                self._client.close()
            self._client = None

    def __enter__(self) -> OmdbRatings:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def fill_imdb_rating(ctx: AppContext, tmdb_id: int) -> MovieView:
    """Fetch the IMDb rating and votes of a cached movie from OMDb and store them.

    Needs an OMDb key (UpstreamAuthError otherwise); OMDb failures raise. A movie OMDb
    has no data for gets NULL rating and votes, with `imdb_updated_on` set (checked).
    """
    with ctx.db.read() as session:
        movie = session.scalar(select(Movie).where(Movie.tmdb_id == tmdb_id))
        view = movie_view(movie) if movie is not None else None
    if view is None:
        raise NotFound(f"movie tmdb:{tmdb_id} is not in the local cache")
    client = upstream.omdb_client(ctx)
    if client is None:
        raise UpstreamAuthError("no OMDb API key is configured", service="OMDb", hint=OMDB_HINT)
    with client:
        if not view.imdb_id:
            return view
        answer = client.rating(view.imdb_id)
    found = None if answer is None else checked(answer.imdb_rating, answer.imdb_votes)
    with ctx.db.write() as session:
        row = session.get(Movie, view.id)
        if row is None:
            raise NotFound(f"movie tmdb:{tmdb_id} is not in the local cache")
        apply(row, found)
        session.flush()
        return movie_view(row)
