"""TMDB (The Movie Database) API v3 client.

Every method returns frozen dataclasses (`models`) that `parse` fully validated.

Credentials: a 32-hex v3 key is sent as the ``api_key`` query parameter; a read-access
token (a JWT, ``eyJ…``) as ``Authorization: Bearer``. Any other shape is refused at
construction time with ``UpstreamAuthError``: TMDB would answer 401 anyway, and saying
so up front (without a network round trip) gives the user a clearer message.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import httpx

from mydw.clients.http import HttpClient, JsonObject, Sleep
from mydw.clients.tmdb import parse
from mydw.clients.tmdb.models import (
    TmdbKeyword,
    TmdbMovieDetails,
    TmdbMovieSummary,
    TmdbPage,
    language_code,
)
from mydw.domain.constants import TMDB_HINT
from mydw.domain.errors import UpstreamAuthError, UpstreamError, UpstreamNotFound
from mydw.domain.text import clean_text

SERVICE = parse.SERVICE
DEFAULT_BASE_URL = "https://api.themoviedb.org/3"
MAX_PAGE = 500
AUTH_HINT = TMDB_HINT

_V3_KEY = re.compile(r"[0-9a-fA-F]{32}")


def video_languages(language: str) -> str:
    """The ``include_video_language`` value for a UI language.

    English: ``en,null`` (English videos and videos with no language). Any other language
    X: ``X,en,null`` so the English fallback is in the same answer (the trailer policy,
    `mydw.services.catalog.trailers`, decides whether to use it).
    """
    code = language_code(language)
    if code == "en":
        return "en,null"
    return f"{code},en,null"




def credential_kind(credential: str) -> str:
    """``"api_key"`` for a 32-hex v3 key, ``"bearer"`` for a read-access token (JWT).

    Raises ``UpstreamAuthError`` for an empty or unrecognisable credential.
    """
    value = credential.strip()
    if not value:
        raise UpstreamAuthError("No TMDB API key is configured", service=SERVICE, hint=AUTH_HINT)
    if _V3_KEY.fullmatch(value):
        return "api_key"
    if value.startswith("eyJ") and value.count(".") == 2 and not any(c.isspace() for c in value):
        return "bearer"
    raise UpstreamAuthError(
        "The TMDB credential does not look like a v3 API key (32 hex characters) "
        "or a read-access token (starting with eyJ)",
        service=SERVICE,
        hint=AUTH_HINT,
    )


class TmdbClient:
    """TMDB v3 client. Use as a context manager or call ``close()``."""

    def __init__(
        self,
        credential: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        transport: httpx.BaseTransport | None = None,
        sleep: Sleep = time.sleep,
        rate_per_second: float | None = 20,
        timeout: httpx.Timeout | float | None = None,
        http: HttpClient | None = None,
    ) -> None:
        value = credential.strip()
        self.credential_kind = credential_kind(value)
        self._credential_word = "API key" if self.credential_kind == "api_key" else "access token"
        headers: dict[str, str] = {}
        params: dict[str, str] = {}
        if self.credential_kind == "api_key":
            params["api_key"] = value
        else:
            headers["Authorization"] = f"Bearer {value}"
        self._http = http or HttpClient(
            SERVICE,
            base_url.rstrip("/") + "/",
            transport=transport,
            sleep=sleep,
            rate_per_second=rate_per_second,
            timeout=timeout,
            headers=headers,
            params=params,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> TmdbClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- plumbing --------------------------------------------------------------------
    def _get(
        self, path: str, params: Mapping[str, Any] | None = None, *, not_found: str | None = None
    ) -> JsonObject:
        body = self._http.request_json(
            path.lstrip("/"),
            params={k: v for k, v in (params or {}).items() if v is not None},
            credential=self._credential_word,
            auth_hint=AUTH_HINT,
            not_found=not_found,
        )
        if body.get("success") is False:
            message = body.get("status_message")
            detail = clean_text(message, max_length=200) if isinstance(message, str) else ""
            raise UpstreamError(
                f"TMDB reported an error ({detail or 'unknown'})",
                service=SERVICE,
            )
        return body

    # -- endpoints -------------------------------------------------------------------
    def search_movies(
        self, query: str, *, language: str = "en-US", year: int | None = None, page: int = 1
    ) -> TmdbPage:
        body = self._get(
            "search/movie",
            {
                "query": query,
                "language": language,
                "primary_release_year": year,
                "page": _clamp_page(page),
                "include_adult": "false",
            },
        )
        return parse.validated(parse.parse_page, body)

    def movie_details(self, tmdb_id: int, *, language: str = "en-US") -> TmdbMovieDetails:
        body = self._get(
            f"movie/{int(tmdb_id)}",
            {
                "language": language,
                "append_to_response": "videos,external_ids,translations,credits",
                "include_video_language": video_languages(language),
            },
            not_found=f"TMDB has no movie with id {tmdb_id}",
        )
        return parse.validated(parse.parse_details, body)

    def movie_details_en_fr(self, tmdb_id: int) -> tuple[TmdbMovieDetails, TmdbMovieDetails]:
        """A movie in English and in French from ONE request (what two `movie_details`
        calls gave): the English details with their translations and the videos of both
        languages appended; the French side is built from TMDB's French translation (France
        first, then any French), its title falling back to the original title as TMDB's own
        French answer does, an empty overview staying None. The French genres keep TMDB's
        English names (the catalogue stores English genre names)."""
        body = self._get(
            f"movie/{int(tmdb_id)}",
            {
                "language": "en-US",
                "append_to_response": "videos,external_ids,translations,credits",
                "include_video_language": "en,fr,null",
            },
            not_found=f"TMDB has no movie with id {tmdb_id}",
        )
        en = parse.validated(parse.parse_details, body)
        return en, french_side(en)

    def find_by_imdb_id(self, imdb_id: str, *, language: str = "en-US") -> list[TmdbMovieSummary]:
        try:
            body = self._get(
                f"find/{imdb_id.strip()}",
                {"external_source": "imdb_id", "language": language},
            )
        except UpstreamNotFound:
            return []
        return parse.validated(lambda b: parse.parse_summaries(b, "movie_results"), body)

    def discover(
        self,
        *,
        language: str = "en-US",
        page: int = 1,
        sort_by: str = "popularity.desc",
        with_genres: Sequence[int] | None = None,
        without_genres: Sequence[int] | None = None,
        vote_average_gte: float | None = None,
        vote_count_gte: int | None = None,
        release_year_from: int | None = None,
        release_year_to: int | None = None,
        with_original_language: str | None = None,
        with_keywords: Sequence[int] | None = None,
    ) -> TmdbPage:
        """`/discover/movie`. Several `with_genres` must all match (TMDB's comma), none of
        `without_genres` may; any of several `with_keywords` is enough (TMDB's pipe)."""
        params: dict[str, Any] = {
            "language": language,
            "page": _clamp_page(page),
            "sort_by": sort_by,
            "include_adult": "false",
            "include_video": "false",
            "with_genres": ",".join(str(int(g)) for g in with_genres) if with_genres else None,
            "without_genres": (
                ",".join(str(int(g)) for g in without_genres) if without_genres else None
            ),
            "vote_average.gte": vote_average_gte,
            "vote_count.gte": vote_count_gte,
            "primary_release_date.gte": (
                f"{release_year_from:04d}-01-01" if release_year_from is not None else None
            ),
            "primary_release_date.lte": (
                f"{release_year_to:04d}-12-31" if release_year_to is not None else None
            ),
            "with_original_language": with_original_language,
            "with_keywords": (
                "|".join(str(int(k)) for k in with_keywords) if with_keywords else None
            ),
        }
        body = self._get("discover/movie", params)
        return parse.validated(parse.parse_page, body)

    def recommendations(self, tmdb_id: int, *, language: str = "en-US", page: int = 1) -> TmdbPage:
        """`/movie/{id}/recommendations`: search-shaped movies TMDB recommends after this one
        (`UpstreamNotFound` for an unknown id)."""
        body = self._get(
            f"movie/{int(tmdb_id)}/recommendations",
            {"language": language, "page": _clamp_page(page)},
            not_found=f"TMDB has no movie with id {tmdb_id}",
        )
        return parse.validated(parse.parse_page, body)

    def search_keywords(self, query: str, *, page: int = 1) -> list[TmdbKeyword]:
        """`/search/keyword`: TMDB's keywords matching `query`, as ``(id, name)`` pairs."""
        body = self._get("search/keyword", {"query": query, "page": _clamp_page(page)})
        return parse.validated(parse.parse_keywords, body)

    def genres(self, *, language: str = "en-US") -> dict[int, str]:
        body = self._get("genre/movie/list", {"language": language})
        return parse.validated(parse.parse_genres, body)

    def external_imdb_id(self, tmdb_id: int) -> str | None:
        body = self._get(
            f"movie/{int(tmdb_id)}/external_ids",
            not_found=f"TMDB has no movie with id {tmdb_id}",
        )
        return parse.validated(parse.parse_external_imdb_id, body)


def french_side(en: TmdbMovieDetails) -> TmdbMovieDetails:
    """The French view of details fetched in English with their translations."""
    french = [t for t in en.translations if t.iso_639_1.lower() == "fr"]
    french.sort(key=lambda t: t.iso_3166_1.upper() != "FR")
    chosen = french[0] if french else None
    title = (chosen.title or "").strip() if chosen else ""
    overview = (chosen.overview or "").strip() if chosen else ""
    return replace(en, title=title or en.original_title, overview=overview or None,
                   tagline=None)


def _clamp_page(page: int) -> int:
    return max(1, min(MAX_PAGE, int(page)))
