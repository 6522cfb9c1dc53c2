"""Index user_movies.movie_id: deleting a movie cascades to its marks without a table scan.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_user_movies_movie_id", "user_movies", ["movie_id"])


def downgrade() -> None:
    op.drop_index("ix_user_movies_movie_id", table_name="user_movies")
