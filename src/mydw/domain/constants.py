"""The constants every layer shares, each written once (stdlib only: the CLI imports this
for choices and completion without SQLAlchemy or httpx).

Statuses live in `mydw.domain.types.MovieStatus` (their CLI spellings: `STATUS_NAMES`).
"""

from __future__ import annotations

# -- languages -------------------------------------------------------------------------
LANGUAGES = ("en", "fr")
"""The interface languages (titles, overviews, trailers are stored in both)."""
LANGUAGE_TAGS = {"en": "en-US", "fr": "fr-FR"}
"""The TMDB `language` parameter for each interface language."""

# -- statuses ---------------------------------------------------------------------------
STATUSES = ("seen", "later", "not_interested")
"""Stored values of `user_movies.status` (`MovieStatus` values)."""
STATUS_NAMES = ("seen", "later", "not-interested")
"""How the CLI spells them (the parser also takes the stored spelling)."""

# -- sorts ------------------------------------------------------------------------------
LIST_SORTS = ("updated", "rating", "votes", "year", "title")
DISCOVER_SORTS = ("popularity", "rating", "votes", "year")

# -- refresh ------------------------------------------------------------------------------
REFRESH_SOURCES = ("auto", "imdb-dataset", "omdb")

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
