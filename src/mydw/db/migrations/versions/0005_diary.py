"""The diary: a personal rating and watch dates per mark; a movie page's details.

* `user_movie_ratings`: one rating per `user_movies` row (0.5–10 in half steps, the
  10-point scale; Letterboxd's 4.5 stars is 9).
* `viewings`: the dates a user watched a movie (several: rewatches), one per day.
  Both hang off `user_movies` with ON DELETE CASCADE: `unmark` (which deletes the mark)
  forgets the rating and the viewings with it; the seed's tables keep their columns.
* `movie_catalog` gains `original_title`, `runtime` (minutes) and `directors` (a list),
  filled by the next details fetch of each movie (NULL until then).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from mydw.db.types import PortableArray

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_movie_ratings",
        sa.Column("user_movie_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("rating", sa.Float(), nullable=False),
        sa.Column("rated_on", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "rating >= 0.5 AND rating <= 10 AND rating * 2 = CAST(rating * 2 AS INTEGER)",
            name=op.f("ck_user_movie_ratings_half_steps"),
        ),
        sa.ForeignKeyConstraint(
            ["user_movie_id"], ["user_movies.id"],
            name=op.f("fk_user_movie_ratings_user_movie_id_user_movies"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_movie_id", name=op.f("pk_user_movie_ratings")),
    )
    op.create_table(
        "viewings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_movie_id", sa.Integer(), nullable=False),
        sa.Column("watched_on", sa.Date(), nullable=False),
        sa.Column("rewatch", sa.Boolean(), nullable=False),
        sa.Column("created_on", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_movie_id"], ["user_movies.id"],
            name=op.f("fk_viewings_user_movie_id_user_movies"), ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_viewings")),
        sa.UniqueConstraint("user_movie_id", "watched_on", name="uq_viewing_day"),
    )
    with op.batch_alter_table("movie_catalog") as batch:
        batch.add_column(sa.Column("original_title", sa.String(), nullable=True))
        batch.add_column(sa.Column("runtime", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("directors", PortableArray(sa.String()), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("movie_catalog") as batch:
        batch.drop_column("directors")
        batch.drop_column("runtime")
        batch.drop_column("original_title")
    op.drop_table("viewings")
    op.drop_table("user_movie_ratings")
