"""The catalog's cache tables: movie_catalog, search_cache, tmdb_genres.

Existing movies get their movie_catalog row (folded titles) so offline search finds them;
their details are marked as not fetched yet.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def _fold(text: str) -> str:
    # A frozen copy of mydw.domain.types.fold as it was when this migration was written.
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())


def upgrade() -> None:
    op.create_table(
        "movie_catalog",
        sa.Column("movie_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("details_on", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["movie_id"], ["movies.id"],
            name=op.f("fk_movie_catalog_movie_id_movies"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("movie_id", name=op.f("pk_movie_catalog")),
    )
    op.create_table(
        "search_cache",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("query_key", sa.String(), nullable=False),
        sa.Column("tmdb_ids", sa.JSON(), nullable=False),
        sa.Column("total_results", sa.Integer(), nullable=False),
        sa.Column("total_pages", sa.Integer(), nullable=False),
        sa.Column("fetched_on", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_cache")),
        sa.UniqueConstraint("query_key", name=op.f("uq_search_cache_query_key")),
    )
    op.create_table(
        "tmdb_genres",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name_en", sa.String(), nullable=False),
        sa.Column("fetched_on", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tmdb_genres")),
    )
    _backfill()


def _backfill() -> None:
    conn = op.get_bind()
    movies = sa.table(
        "movies", sa.column("id", sa.Integer()), sa.column("title_en", sa.String()),
        sa.column("title_fr", sa.String()),
    )
    catalog = sa.table(
        "movie_catalog", sa.column("movie_id", sa.Integer()), sa.column("search_text", sa.Text()),
    )
    rows = [
        {"movie_id": r.id,
         "search_text": "\n".join(dict.fromkeys(_fold(t) for t in (r.title_en, r.title_fr) if t))}
        for r in conn.execute(sa.select(movies.c.id, movies.c.title_en, movies.c.title_fr))
    ]
    if rows:
        op.bulk_insert(catalog, rows)


def downgrade() -> None:
    op.drop_table("tmdb_genres")
    op.drop_table("search_cache")
    op.drop_table("movie_catalog")
