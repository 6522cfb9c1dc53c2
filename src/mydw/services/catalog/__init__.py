"""The catalog: the one place that turns a movie reference into a cached row.

Every feature (search, show, marks, discover, similar, chat tools, importers) goes through
here. By job:

* `resolve` — `resolve_movie(ctx, ref)`: a TMDB id, an IMDb id (`tt…`), a title or
  `Title (year)` → a `MovieView` whose full details are cached; `show` adds the status.
* `search` — `search(ctx, query, ...)`: TMDB search; the local cache answers when TMDB
  cannot. `pages` — one TMDB search page, remembered for `search-freshness` (the search
  cache). `suggest` — did you mean …? The close titles after a title found nothing.
* `store` — `store_summaries(ctx, summaries, lang=...)`: TMDB payloads → rows; the details
  fetch (both languages, trailers via `trailers`, the IMDb rating via `services.ratings`).
* `genres` — genre names in English and French, parsing and labels.

Import the public names from here: ``from mydw.services import catalog``.
"""

from mydw.services.catalog.common import Chooser, check_year
from mydw.services.catalog.genres import genre_labels, genre_name, parse_genres
from mydw.services.catalog.resolve import (
    resolve_cached,
    resolve_movie,
    resolve_movies,
    show,
    split_year,
)
from mydw.services.catalog.search import SearchResult, search
from mydw.services.catalog.store import store_summaries
from mydw.services.ratings import fill_imdb_rating

__all__ = [
    "Chooser",
    "SearchResult",
    "check_year",
    "fill_imdb_rating",
    "genre_labels",
    "genre_name",
    "parse_genres",
    "resolve_cached",
    "resolve_movie",
    "resolve_movies",
    "search",
    "show",
    "split_year",
    "store_summaries",
]
