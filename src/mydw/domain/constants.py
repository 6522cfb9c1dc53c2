"""The constants every layer shares, each written once (stdlib only: the CLI imports this
for choices and completion without SQLAlchemy or httpx).

Statuses are `mydw.domain.types.MovieStatus` (CLI spellings: `[s.cli_name for s in
MovieStatus]`), also stdlib only.
"""

from __future__ import annotations

# -- languages -------------------------------------------------------------------------
LANGUAGES = ("en", "fr")
"""The interface languages (titles, overviews, trailers are stored in both)."""
LANGUAGE_TAGS = {"en": "en-US", "fr": "fr-FR"}
"""The TMDB `language` parameter for each interface language."""

# -- genres -----------------------------------------------------------------------------
GENRES: dict[int, tuple[str, str]] = {
    28: ("Action", "Action"), 12: ("Adventure", "Aventure"), 16: ("Animation", "Animation"),
    35: ("Comedy", "Comédie"), 80: ("Crime", "Crime"), 99: ("Documentary", "Documentaire"),
    18: ("Drama", "Drame"), 10751: ("Family", "Familial"), 14: ("Fantasy", "Fantastique"),
    36: ("History", "Histoire"), 27: ("Horror", "Horreur"), 10402: ("Music", "Musique"),
    9648: ("Mystery", "Mystère"), 10749: ("Romance", "Romance"),
    878: ("Science Fiction", "Science-Fiction"), 10770: ("TV Movie", "Téléfilm"),
    53: ("Thriller", "Thriller"), 10752: ("War", "Guerre"), 37: ("Western", "Western"),
}  # fmt: skip
"""TMDB's movie genres (docs/upstream-apis.md §1.6): id → (English, French) names. The
fallback when TMDB's list cannot be fetched, and the French names used for display (the
database stores English names)."""
GENRE_ALIASES = {
    "sci fi": 878, "scifi": 878, "sf": 878, "tv": 10770, "telefilm": 10770,
    "famille": 10751, "musical": 10402, "documentaire": 99,
}  # fmt: skip
"""More words taken for a genre (folded, hyphens as spaces)."""

# -- sorts ------------------------------------------------------------------------------
LIST_SORTS = ("updated", "rating", "votes", "year", "title")
DISCOVER_SORTS = ("popularity", "rating", "votes", "year")

# -- refresh, import, export -----------------------------------------------------------
REFRESH_SOURCES = ("auto", "imdb-dataset", "omdb")
IMPORT_SOURCES = ("letterboxd", "imdb", "trakt", "mydw")
EXPORT_FORMATS = ("json", "csv", "letterboxd")

# -- limits -----------------------------------------------------------------------------
MAX_LIMIT = 100
"""The most movies one search / discover / similar call returns."""
SEARCH_DEFAULT_LIMIT = 20
DISCOVER_DEFAULT_LIMIT = 20
SIMILAR_DEFAULT_LIMIT = 10
YEAR_MIN = 1870
YEAR_MAX = 2100
RATING_MIN = 0.0
RATING_MAX = 10.0
MAX_VOTES = 10_000_000_000
"""Votes above this are not believed (IMDb's most-rated titles have about 3 million)."""
TMDB_PAGE_SIZE = 20
TMDB_MAX_PAGE = 500

# -- missing keys ------------------------------------------------------------------------
TMDB_HINT = "set one with `mydw config set tmdb-api-key` or the MYDW_TMDB_API_KEY variable"
OMDB_HINT = "set one with `mydw config set omdb-api-key` or the MYDW_OMDB_API_KEY variable"
