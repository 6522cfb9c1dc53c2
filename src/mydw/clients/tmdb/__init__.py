"""TMDB API v3: `models` (dataclasses), `parse` (payload validation → models) and `client`
(`TmdbClient`). Import from here: ``from mydw.clients.tmdb import TmdbClient, TmdbPage``."""

from mydw.clients.tmdb.client import (
    AUTH_HINT,
    DEFAULT_BASE_URL,
    MAX_PAGE,
    SERVICE,
    TmdbClient,
    credential_kind,
    video_languages,
)
from mydw.clients.tmdb.models import (
    POSTER_BASE_URL,
    TmdbKeyword,
    TmdbMovieDetails,
    TmdbMovieSummary,
    TmdbPage,
    TmdbTranslation,
    TmdbVideo,
    language_code,
    poster_url,
)

__all__ = [
    "AUTH_HINT",
    "DEFAULT_BASE_URL",
    "MAX_PAGE",
    "POSTER_BASE_URL",
    "SERVICE",
    "TmdbClient",
    "TmdbKeyword",
    "TmdbMovieDetails",
    "TmdbMovieSummary",
    "TmdbPage",
    "TmdbTranslation",
    "TmdbVideo",
    "credential_kind",
    "language_code",
    "poster_url",
    "video_languages",
]
