"""The seed's four tables (exact names, columns, constraints) and the tables mydw adds.

Seed: users, movies, user_movies, chat_sessions — see ../shared/seed/models.md.
Added (each through its own migration): login_sessions (0002); movie_catalog,
search_cache and tmdb_genres (0003, the catalog's bookkeeping); user_movie_ratings and
viewings (0005, the diary; both hang off a user_movies row and go with it), and
movie_catalog's original_title, runtime, directors (0005).

The seed's optional ORM relationships (User.movies, User.chats, Movie.user_statuses, and
the User.login_sessions mydw had added) are not declared: nothing navigates them (services
query by id), and the cascades they would configure are the database's own ON DELETE
CASCADE on every foreign key. Mapping them and their back-references cost every command
that uses the ORM ~4 ms of mapper set-up.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from mydw.db.types import (
    CheckedDateTime,
    CheckedEnum,
    CheckedFloat,
    CheckedInteger,
    CheckedJSON,
    IntegerArray,
    StringArray,
)
from mydw.domain.types import utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

MOVIE_STATUSES = ("seen", "later", "not_interested")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    first_name: Mapped[str] = mapped_column(String, nullable=False)
    last_name: Mapped[str] = mapped_column(String, nullable=False)
    # Stored lower-cased, so the unique index makes emails unique case-insensitively.
    email: Mapped[str] = mapped_column(String, unique=True, index=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String, nullable=False)
    joined: Mapped[datetime | None] = mapped_column(CheckedDateTime("users.joined"),
                                                    default=utcnow)


class Movie(Base):
    __tablename__ = "movies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tmdb_id: Mapped[int] = mapped_column(Integer, unique=True, index=True, nullable=False)
    imdb_id: Mapped[str | None] = mapped_column(String, nullable=True)

    title_en: Mapped[str | None] = mapped_column(String, nullable=True)
    title_fr: Mapped[str | None] = mapped_column(String, nullable=True)

    overview_en: Mapped[str | None] = mapped_column(Text, nullable=True)
    overview_fr: Mapped[str | None] = mapped_column(Text, nullable=True)

    poster_url: Mapped[str | None] = mapped_column(String, nullable=True)
    trailer_en: Mapped[str | None] = mapped_column(String, nullable=True)
    trailer_fr: Mapped[str | None] = mapped_column(String, nullable=True)

    imdb_rating: Mapped[float | None] = mapped_column(
        CheckedFloat("movies.imdb_rating", "rating"), nullable=True)
    vote_count: Mapped[int | None] = mapped_column(
        CheckedInteger("movies.vote_count", "votes"), nullable=True)

    genres: Mapped[list[str] | None] = mapped_column(StringArray)
    genre_ids: Mapped[list[int] | None] = mapped_column(IntegerArray)

    release_year: Mapped[int | None] = mapped_column(
        CheckedInteger("movies.release_year", "year"), nullable=True)
    original_language: Mapped[str | None] = mapped_column(String, nullable=True)

    cached_on: Mapped[datetime | None] = mapped_column(CheckedDateTime("movies.cached_on"),
                                                       default=utcnow)
    imdb_updated_on: Mapped[datetime | None] = mapped_column(
        CheckedDateTime("movies.imdb_updated_on"), default=utcnow)


class UserMovie(Base):
    __tablename__ = "user_movies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    movie_id: Mapped[int | None] = mapped_column(ForeignKey("movies.id", ondelete="CASCADE"))

    status: Mapped[str | None] = mapped_column(
        CheckedEnum(*MOVIE_STATUSES, name="movie_status", column="user_movies.status"),
        nullable=True,
    )
    updated_at: Mapped[datetime | None] = mapped_column(
        CheckedDateTime("user_movies.updated_at"), default=utcnow)

    __table_args__ = (
        UniqueConstraint("user_id", "movie_id", name="uq_user_movie"),
        # Added by migration 0004: the cascade from `movies` and joins by movie use it
        # (uq_user_movie already serves lookups by user).
        Index("ix_user_movies_movie_id", "movie_id"),
    )


class ChatSession(Base):
    __tablename__ = "chat_sessions"

    id: Mapped[str] = mapped_column(String, primary_key=True)  # UUID string
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # [{role: "user" | "assistant", content: "..."}]
    conversation: Mapped[Any] = mapped_column(CheckedJSON("chat_sessions.conversation"),
                                              nullable=True)

    created_on: Mapped[datetime | None] = mapped_column(
        CheckedDateTime("chat_sessions.created_on"), default=utcnow)


class LoginSession(Base):
    """A login on this machine: only the SHA-256 of the random token is stored."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    created_on: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    last_used_on: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)


class MovieCatalog(Base):
    """The catalog's bookkeeping for one cached movie (one row per `movies` row).

    `search_text` holds the movie's titles (English, French, original), accent- and
    case-folded, one per line, so offline search is one LIKE scan over short, pre-folded
    strings. `details_on` is set once the full details (both languages, trailers, IMDb id,
    rating) were fetched: later lookups then read the database only.
    """

    __tablename__ = "movie_catalog"

    movie_id: Mapped[int] = mapped_column(
        ForeignKey("movies.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    search_text: Mapped[str] = mapped_column(Text, nullable=False, default="")
    details_on: Mapped[datetime | None] = mapped_column(
        CheckedDateTime("movie_catalog.details_on"), nullable=True)
    # Added by migration 0005, from TMDB's details and credits (NULL until the next fetch).
    original_title: Mapped[str | None] = mapped_column(String, nullable=True)
    runtime: Mapped[int | None] = mapped_column(Integer, nullable=True)  # minutes
    directors: Mapped[list[str] | None] = mapped_column(StringArray, nullable=True)


class SearchCache(Base):
    """One TMDB search page as TMDB answered it: the ordered TMDB ids, and when."""

    __tablename__ = "search_cache"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # "<lang>|<year or ->|<page>|<query, case-folded and whitespace-normalised>"
    query_key: Mapped[str] = mapped_column(String, nullable=False, unique=True)
    tmdb_ids: Mapped[list[int]] = mapped_column(JSON, nullable=False)
    total_results: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    total_pages: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    fetched_on: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class TmdbGenre(Base):
    """TMDB's movie genres (English names), from /genre/movie/list, fetched once."""

    __tablename__ = "tmdb_genres"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name_en: Mapped[str] = mapped_column(String, nullable=False)
    fetched_on: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class UserMovieRating(Base):
    """A user's own rating of a movie they marked: 0.5–10 in half steps (10-point scale)."""

    __tablename__ = "user_movie_ratings"

    user_movie_id: Mapped[int] = mapped_column(
        ForeignKey("user_movies.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    rating: Mapped[float] = mapped_column(Float, nullable=False)
    rated_on: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (
        CheckConstraint(
            "rating >= 0.5 AND rating <= 10 AND rating * 2 = CAST(rating * 2 AS INTEGER)",
            name="half_steps",
        ),
    )


class Viewing(Base):
    """One day a user watched a movie (several rows: rewatches; at most one per day)."""

    __tablename__ = "viewings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_movie_id: Mapped[int] = mapped_column(
        ForeignKey("user_movies.id", ondelete="CASCADE"), nullable=False
    )
    watched_on: Mapped[date] = mapped_column(Date, nullable=False)
    rewatch: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    created_on: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)

    __table_args__ = (UniqueConstraint("user_movie_id", "watched_on", name="uq_viewing_day"),)
