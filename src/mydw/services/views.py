"""The plain dataclasses services return (never ORM objects)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from mydw.db.models import Movie
from mydw.domain.types import iso_utc

IMDB_TITLE_URL = "https://www.imdb.com/title/{}/"
# The keys of every movie object (`MovieView.to_json`), in order: a CSV with no movie
# still has its header.
MOVIE_KEYS = ("tmdb_id", "imdb_id", "title_en", "title_fr", "overview_en", "overview_fr",
              "poster_url", "trailer_en", "trailer_fr", "imdb_rating", "vote_count", "genres",
              "genre_ids", "release_year", "original_language", "cached_on",
              "imdb_updated_on", "status", "updated_at", "my_rating", "watched_on")


@dataclass(frozen=True)
class MovieView:
    """One movie as the seed's Movie holds it, plus the user's status when known."""

    id: int  # movies.id (internal; not in the JSON)
    tmdb_id: int
    imdb_id: str | None
    title_en: str | None
    title_fr: str | None
    overview_en: str | None
    overview_fr: str | None
    poster_url: str | None
    trailer_en: str | None
    trailer_fr: str | None
    imdb_rating: float | None
    vote_count: int | None
    genres: list[str]
    genre_ids: list[int]
    release_year: int | None
    original_language: str | None
    cached_on: datetime | None
    imdb_updated_on: datetime | None
    status: str | None = None
    updated_at: datetime | None = None
    # The user's diary (services/diary.py): own rating (10-point scale), latest viewing.
    my_rating: float | None = None
    watched_on: date | None = None
    # A movie page's details (movie_catalog), filled by `catalog.show`; only `show --json`
    # prints them (elsewhere they are not read, so a null would not mean "unknown").
    original_title: str | None = None
    runtime: int | None = None
    directors: list[str] = field(default_factory=list)

    def title(self, lang: str = "en") -> str:
        """Title in `lang`, falling back to the other language."""
        first, second = (
            (self.title_fr, self.title_en) if lang == "fr" else (self.title_en, self.title_fr)
        )
        return first or second or f"TMDB #{self.tmdb_id}"

    def overview(self, lang: str = "en") -> str | None:
        """French overview falls back to English on display (never stored as French)."""
        if lang == "fr":
            return self.overview_fr or self.overview_en
        return self.overview_en or self.overview_fr

    @property
    def imdb_url(self) -> str | None:
        return IMDB_TITLE_URL.format(self.imdb_id) if self.imdb_id else None

    def label(self, lang: str = "en") -> str:
        """`Title (1999)` — for candidate lists and messages."""
        year = f" ({self.release_year})" if self.release_year else ""
        return f"{self.title(lang)}{year}"

    def to_json(self, *, user_context: bool = True) -> dict[str, Any]:
        """The movie object of every command's JSON: always the same keys (`status` and
        `updated_at` are null without a user). `user_context` is kept for old callers and
        no longer changes the keys."""
        data: dict[str, Any] = {
            "tmdb_id": self.tmdb_id,
            "imdb_id": self.imdb_id,
            "title_en": self.title_en,
            "title_fr": self.title_fr,
            "overview_en": self.overview_en,
            "overview_fr": self.overview_fr,
            "poster_url": self.poster_url,
            "trailer_en": self.trailer_en,
            "trailer_fr": self.trailer_fr,
            "imdb_rating": self.imdb_rating,
            "vote_count": self.vote_count,
            "genres": list(self.genres),
            "genre_ids": list(self.genre_ids),
            "release_year": self.release_year,
            "original_language": self.original_language,
            "cached_on": iso_utc(self.cached_on),
            "imdb_updated_on": iso_utc(self.imdb_updated_on),
            "status": self.status,
            "updated_at": iso_utc(self.updated_at),
            "my_rating": self.my_rating,
            "watched_on": self.watched_on.isoformat() if self.watched_on else None,
        }
        return data

    def page_json(self) -> dict[str, Any]:
        """`to_json()` plus the movie page's details (`show --json`)."""
        return {**self.to_json(), "original_title": self.original_title,
                "runtime": self.runtime, "directors": list(self.directors)}


def movie_view(
    movie: Movie, *, status: str | None = None, updated_at: datetime | None = None
) -> MovieView:
    return MovieView(
        id=movie.id,
        tmdb_id=movie.tmdb_id,
        imdb_id=movie.imdb_id,
        title_en=movie.title_en,
        title_fr=movie.title_fr,
        overview_en=movie.overview_en,
        overview_fr=movie.overview_fr,
        poster_url=movie.poster_url,
        trailer_en=movie.trailer_en,
        trailer_fr=movie.trailer_fr,
        imdb_rating=movie.imdb_rating,
        vote_count=movie.vote_count,
        genres=list(movie.genres or []),
        genre_ids=list(movie.genre_ids or []),
        release_year=movie.release_year,
        original_language=movie.original_language,
        cached_on=movie.cached_on,
        imdb_updated_on=movie.imdb_updated_on,
        status=status,
        updated_at=updated_at,
    )
