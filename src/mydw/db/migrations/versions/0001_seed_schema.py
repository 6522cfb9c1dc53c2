"""The seed schema: users, movies, user_movies, chat_sessions.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mydw.db.types import IntegerArray, StringArray

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(), nullable=False),
        sa.Column("last_name", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=False),
        sa.Column("joined", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
    )
    op.create_index(op.f("ix_users_email"), "users", ["email"], unique=True)
    op.create_table(
        "movies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tmdb_id", sa.Integer(), nullable=False),
        sa.Column("imdb_id", sa.String(), nullable=True),
        sa.Column("title_en", sa.String(), nullable=True),
        sa.Column("title_fr", sa.String(), nullable=True),
        sa.Column("overview_en", sa.Text(), nullable=True),
        sa.Column("overview_fr", sa.Text(), nullable=True),
        sa.Column("poster_url", sa.String(), nullable=True),
        sa.Column("trailer_en", sa.String(), nullable=True),
        sa.Column("trailer_fr", sa.String(), nullable=True),
        sa.Column("imdb_rating", sa.Float(), nullable=True),
        sa.Column("vote_count", sa.Integer(), nullable=True),
        sa.Column("genres", StringArray, nullable=True),
        sa.Column("genre_ids", IntegerArray, nullable=True),
        sa.Column("release_year", sa.Integer(), nullable=True),
        sa.Column("original_language", sa.String(), nullable=True),
        sa.Column("cached_on", sa.DateTime(), nullable=True),
        sa.Column("imdb_updated_on", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_movies")),
    )
    op.create_index(op.f("ix_movies_tmdb_id"), "movies", ["tmdb_id"], unique=True)
    op.create_table(
        "user_movies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("movie_id", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum("seen", "later", "not_interested", name="movie_status"),
            nullable=True,
        ),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["movie_id"], ["movies.id"],
            name=op.f("fk_user_movies_movie_id_movies"), ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"],
            name=op.f("fk_user_movies_user_id_users"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_movies")),
        sa.UniqueConstraint("user_id", "movie_id", name="uq_user_movie"),
    )
    op.create_table(
        "chat_sessions",
        sa.Column("id", sa.String(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("conversation", sa.JSON(), nullable=True),
        sa.Column("created_on", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"],
            name=op.f("fk_chat_sessions_user_id_users"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chat_sessions")),
    )


def downgrade() -> None:
    op.drop_table("chat_sessions")
    op.drop_table("user_movies")
    sa.Enum(name="movie_status").drop(op.get_bind(), checkfirst=True)
    op.drop_index(op.f("ix_movies_tmdb_id"), table_name="movies")
    op.drop_table("movies")
    op.drop_index(op.f("ix_users_email"), table_name="users")
    op.drop_table("users")
