"""TMDB's answers as frozen dataclasses (what `parse` builds and the client returns)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

POSTER_BASE_URL = "https://image.tmdb.org/t/p/w500"



@dataclass(frozen=True)
class TmdbMovieSummary:
    """One movie as listed by search, discover and find."""

    tmdb_id: int
    title: str
    original_title: str
    original_language: str | None
    overview: str | None
    release_date: str | None
    release_year: int | None
    genre_ids: list[int]
    poster_path: str | None
    vote_average: float
    vote_count: int
    popularity: float


@dataclass(frozen=True)
class TmdbPage:
    results: list[TmdbMovieSummary]
    page: int
    total_pages: int
    total_results: int


@dataclass(frozen=True)
class TmdbVideo:
    key: str
    site: str
    type: str
    official: bool
    published_at: str | None
    iso_639_1: str | None
    name: str | None = None


@dataclass(frozen=True)
class TmdbTranslation:
    iso_639_1: str
    iso_3166_1: str
    title: str | None
    overview: str | None


@dataclass(frozen=True)
class TmdbMovieDetails:
    tmdb_id: int
    imdb_id: str | None
    title: str
    original_title: str
    overview: str | None
    poster_path: str | None
    release_date: str | None
    release_year: int | None
    original_language: str | None
    genres: list[tuple[int, str]]
    videos: list[TmdbVideo]
    translations: list[TmdbTranslation]
    vote_average: float
    vote_count: int
    popularity: float
    runtime: int | None = None
    tagline: str | None = None
    directors: tuple[str, ...] = ()  # appended `credits`: the crew whose job is "Director"


class TmdbKeyword(NamedTuple):
    """One keyword of TMDB's keyword search (`/search/keyword`): an ``(id, name)`` pair."""

    id: int
    name: str


def poster_url(poster_path: str | None) -> str | None:
    """Full w500 poster URL for a TMDB ``poster_path`` (None/"" → None)."""
    if not poster_path:
        return None
    if not poster_path.startswith("/"):
        poster_path = "/" + poster_path
    return POSTER_BASE_URL + poster_path


def language_code(language: str) -> str:
    """``"fr-FR"`` → ``"fr"``; ``"en"`` → ``"en"``."""
    return language.split("-")[0].strip().lower()
