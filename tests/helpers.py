"""Helpers shared by the in-process (tests/cli) and subprocess (tests/e2e) command tests:
what the database holds, seeding movies, the fakes' settings for `mydw refresh`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select, text

from mydw.db.models import Movie, User, UserMovie
from mydw.services.context import AppContext
from tests.conftest import BACKEND, Cli, Mydw
from tests.fakes.imdb_datasets import FakeImdbDatasets
from tests.fakes.omdb import FAKE_OMDB_API_KEY, FakeOmdb, FakeOmdbTitle
from tests.fakes.tmdb import FAKE_TMDB_API_KEY, FakeTmdb

LONG_AGO = datetime(2020, 1, 1)
SUMMARY_KEYS = {"source", "checked", "updated", "unchanged", "missing", "failed", "seconds"}


# -- marks ----------------------------------------------------------------------------------


def statuses(cli: Cli | Mydw, *args: str) -> dict[int, str]:
    result = cli.ok("list", "--json", *args)
    return {m["tmdb_id"]: m["status"] for m in result.json()}


def mark_rows(app: AppContext) -> list[tuple[str, int, str | None]]:
    with app.db.read() as session:
        return [tuple(r) for r in session.execute(  # type: ignore[misc]
            sa.select(User.email, Movie.tmdb_id, UserMovie.status)
            .join(User, User.id == UserMovie.user_id).join(Movie, Movie.id == UserMovie.movie_id)
            .order_by(User.email, Movie.tmdb_id))]


def add_user(ctx: AppContext) -> int:
    """One user (Ada) straight in the database, for service tests that need no login."""
    with ctx.db.write() as session:
        user = User(first_name="Ada", last_name="L", email="ada@example.com", password_hash="x")
        session.add(user)
        session.flush()
        return user.id


# -- refresh --------------------------------------------------------------------------------


def seed(ctx: AppContext, *movies: dict[str, Any]) -> None:
    with ctx.db.write() as session:
        for values in movies:
            session.add(Movie(**{"imdb_updated_on": LONG_AGO, **values}))


def ratings(ctx: AppContext) -> dict[int, tuple[float | None, int | None, datetime | None]]:
    with ctx.db.read() as session:
        return {
            m.tmdb_id: (m.imdb_rating, m.vote_count, m.imdb_updated_on)
            for m in session.scalars(select(Movie))
        }


def env_for(
    datasets: FakeImdbDatasets | None = None,
    omdb: FakeOmdb | None = None,
    tmdb: FakeTmdb | None = None,
) -> dict[str, str]:
    env: dict[str, str] = {}
    if datasets is not None:
        env["MYDW_IMDB_DATASETS_URL"] = datasets.url
    if omdb is not None:
        env["MYDW_OMDB_BASE_URL"] = omdb.url + "/"
        env["MYDW_OMDB_API_KEY"] = FAKE_OMDB_API_KEY
    if tmdb is not None:
        env["MYDW_TMDB_BASE_URL"] = tmdb.api_url
        env["MYDW_TMDB_API_KEY"] = FAKE_TMDB_API_KEY
    return env


def default_movies() -> list[dict[str, Any]]:
    """Movies whose IMDb ids the default fakes know (tt9000001...)."""
    return [
        {"tmdb_id": 1, "imdb_id": "tt9000001", "imdb_rating": 5.0, "vote_count": 10},
        {"tmdb_id": 2, "imdb_id": "tt9000002"},
        {"tmdb_id": 3, "imdb_id": "tt9000003"},
    ]


def many_titles(omdb: FakeOmdb, count: int) -> list[dict[str, Any]]:
    movies = []
    for i in range(1, count + 1):
        imdb_id = f"tt8{i:06d}"
        omdb.add_title(FakeOmdbTitle(imdb_id, f"Movie {i}", "2001", "6.5", f"{i},000"))
        movies.append({"tmdb_id": 100 + i, "imdb_id": imdb_id})
    return movies


def integrity_ok(ctx: AppContext) -> None:
    if BACKEND == "sqlite":
        with ctx.db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def rated(ctx: AppContext) -> int:
    return sum(1 for r, _, _ in ratings(ctx).values() if r is not None)
