"""The schema built by the migrations equals the models, and keeps the seed's columns."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from mydw.db import migrate
from mydw.db.models import Base
from mydw.db.revisions import HEAD, REVISIONS


def _migrated(ctx: Any) -> sa.Engine:
    ctx.db.ensure_ready()
    engine: sa.Engine = ctx.db.engine
    return engine


def test_migrations_build_exactly_the_models(ctx: Any) -> None:
    engine = _migrated(ctx)
    with engine.connect() as conn:
        mc = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(mc, Base.metadata)
    assert diff == [], diff


def test_known_revisions_match_the_scripts() -> None:
    assert migrate.script_revisions() == list(REVISIONS)
    assert REVISIONS[-1] == HEAD


SEED = {
    "users": {
        "id": (sa.Integer, False),
        "first_name": (sa.String, False),
        "last_name": (sa.String, False),
        "email": (sa.String, False),
        "password_hash": (sa.String, False),
        "joined": (sa.DateTime, True),
    },
    "movies": {
        "id": (sa.Integer, False),
        "tmdb_id": (sa.Integer, False),
        "imdb_id": (sa.String, True),
        "title_en": (sa.String, True),
        "title_fr": (sa.String, True),
        "overview_en": (sa.Text, True),
        "overview_fr": (sa.Text, True),
        "poster_url": (sa.String, True),
        "trailer_en": (sa.String, True),
        "trailer_fr": (sa.String, True),
        "imdb_rating": (sa.Float, True),
        "vote_count": (sa.Integer, True),
        "genres": (None, True),
        "genre_ids": (None, True),
        "release_year": (sa.Integer, True),
        "original_language": (sa.String, True),
        "cached_on": (sa.DateTime, True),
        "imdb_updated_on": (sa.DateTime, True),
    },
    "user_movies": {
        "id": (sa.Integer, False),
        "user_id": (sa.Integer, True),
        "movie_id": (sa.Integer, True),
        "status": (None, True),
        "updated_at": (sa.DateTime, True),
    },
    "chat_sessions": {
        "id": (sa.String, False),
        "user_id": (sa.Integer, True),
        "conversation": (None, True),
        "created_on": (sa.DateTime, True),
    },
}


def test_seed_columns_types_and_nullability(ctx: Any) -> None:
    inspector = sa.inspect(_migrated(ctx))
    for table, columns in SEED.items():
        found = {c["name"]: c for c in inspector.get_columns(table)}
        assert set(columns) <= set(found), (table, set(columns) - set(found))
        for name, (kind, nullable) in columns.items():
            column = found[name]
            assert column["nullable"] is nullable, (table, name)
            if kind is not None:
                assert isinstance(column["type"], kind), (table, name, column["type"])


def test_seed_arrays_are_arrays_on_postgresql_and_json_on_sqlite(ctx: Any) -> None:
    engine = _migrated(ctx)
    columns = {c["name"]: c for c in sa.inspect(engine).get_columns("movies")}
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import ARRAY

        assert isinstance(columns["genres"]["type"], ARRAY)
        assert isinstance(columns["genres"]["type"].item_type, sa.String)
        assert isinstance(columns["genre_ids"]["type"].item_type, sa.Integer)
    else:
        assert isinstance(columns["genres"]["type"], sa.JSON)
        assert isinstance(columns["genre_ids"]["type"], sa.JSON)


def test_seed_constraints(ctx: Any) -> None:
    inspector = sa.inspect(_migrated(ctx))
    unique_indexes = {
        (t, tuple(i["column_names"]))
        for t in ("users", "movies")
        for i in inspector.get_indexes(t)
        if i["unique"]
    }
    assert ("users", ("email",)) in unique_indexes
    assert ("movies", ("tmdb_id",)) in unique_indexes
    uniques = {
        u["name"]: u["column_names"] for u in inspector.get_unique_constraints("user_movies")
    }
    assert uniques["uq_user_movie"] == ["user_id", "movie_id"]
    for table, expected in {
        "user_movies": {("user_id", "users"), ("movie_id", "movies")},
        "chat_sessions": {("user_id", "users")},
    }.items():
        fks = inspector.get_foreign_keys(table)
        assert {(fk["constrained_columns"][0], fk["referred_table"]) for fk in fks} == expected
        assert all(fk["options"].get("ondelete") == "CASCADE" for fk in fks), fks


def test_status_is_the_movie_status_enum(ctx: Any) -> None:
    engine = _migrated(ctx)
    column = {c["name"]: c for c in sa.inspect(engine).get_columns("user_movies")}["status"]
    if engine.dialect.name == "postgresql":
        assert column["type"].name == "movie_status"
        assert list(column["type"].enums) == ["seen", "later", "not_interested"]
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO users (first_name, last_name, email, password_hash) "
                "VALUES ('a', 'b', 'a@b.co', 'x')"
            )
        )
        conn.execute(sa.text("INSERT INTO movies (tmdb_id) VALUES (1)"))
        conn.execute(
            sa.text(
                "INSERT INTO user_movies (user_id, movie_id, status) "
                "VALUES (1, 1, 'not_interested')"
            )
        )
        assert conn.execute(sa.text("SELECT status FROM user_movies")).scalar() == "not_interested"


def test_deleting_a_user_or_movie_cascades(ctx: Any) -> None:
    engine = _migrated(ctx)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO users (id, first_name, last_name, email, password_hash) "
                "VALUES (1, 'a', 'b', 'a@b.co', 'x'), (2, 'c', 'd', 'c@d.co', 'x')"
            )
        )
        conn.execute(sa.text("INSERT INTO movies (id, tmdb_id) VALUES (1, 10), (2, 20)"))
        conn.execute(
            sa.text(
                "INSERT INTO user_movies (user_id, movie_id, status) VALUES "
                "(1, 1, 'seen'), (1, 2, 'later'), (2, 1, 'seen')"
            )
        )
        conn.execute(sa.text("INSERT INTO chat_sessions (id, user_id) VALUES ('c1', 1)"))
    with engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM users WHERE id = 1"))
        assert conn.execute(sa.text("SELECT count(*) FROM user_movies")).scalar() == 1
        assert conn.execute(sa.text("SELECT count(*) FROM chat_sessions")).scalar() == 0
        conn.execute(sa.text("DELETE FROM movies WHERE id = 1"))
        assert conn.execute(sa.text("SELECT count(*) FROM user_movies")).scalar() == 0


def test_ensure_ready_is_idempotent_and_cheap_at_head(ctx: Any) -> None:
    _migrated(ctx)
    # A second Database on the same URL takes the fast path: no migration result.
    from mydw.db.engine import Database

    again = Database(ctx.db.url)
    assert migrate.ensure_head(again) is None
    again.dispose()


def test_marks_are_indexed_by_movie_for_the_cascade(ctx: Any) -> None:
    inspector = sa.inspect(_migrated(ctx))
    indexed = {tuple(i["column_names"]) for i in inspector.get_indexes("user_movies")}
    assert ("movie_id",) in indexed
