"""TMDB (The Movie Database) API v3 client.

Every method returns frozen dataclasses that were fully validated: a response missing
a required field, or with a field of the wrong type, raises ``UpstreamError("TMDB sent
an unexpected response ...")`` and nothing half-parsed escapes.

Credentials: a 32-hex v3 key is sent as the ``api_key`` query parameter; a read-access
token (a JWT, ``eyJ…``) as ``Authorization: Bearer``. Any other shape is refused at
construction time with ``UpstreamAuthError``: TMDB would answer 401 anyway, and saying
so up front (without a network round trip) gives the user a clearer message.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx

from mydw.clients.http import HttpClient, JsonObject, Sleep
from mydw.domain.errors import UpstreamAuthError, UpstreamError, UpstreamNotFound

SERVICE = "TMDB"
DEFAULT_BASE_URL = "https://api.themoviedb.org/3"
POSTER_BASE_URL = "https://image.tmdb.org/t/p/w500"
YOUTUBE_WATCH_URL = "https://www.youtube.com/watch?v="
MAX_PAGE = 500
AUTH_HINT = "Set one with `mydw config set tmdb-api-key` or MYDW_TMDB_API_KEY."

T = TypeVar("T")

_V3_KEY = re.compile(r"[0-9a-fA-F]{32}")
_YEAR = re.compile(r"(\d{4})(?:-\d{2}-\d{2})?")


# --------------------------------------------------------------------------- dataclasses


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


# --------------------------------------------------------------------------- pure helpers


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


def video_languages(language: str) -> str:
    """The ``include_video_language`` value for a UI language.

    English: ``en,null`` (English videos and videos with no language). Any other language
    X: ``X,en,null`` so the English fallback is in the same answer; ``pick_trailer``
    still only returns X videos unless the caller asks for fallbacks.
    """
    code = language_code(language)
    if code == "en":
        return "en,null"
    return f"{code},en,null"


def _trailer_rank(video: TmdbVideo) -> tuple[int, int]:
    type_rank = 0 if video.type == "Trailer" else 1
    official_rank = 0 if video.official else 1
    return (type_rank, official_rank)


def pick_trailer(
    videos: Iterable[TmdbVideo],
    language: str,
    *,
    fallback_languages: Sequence[str] = (),
) -> str | None:
    """YouTube watch URL of the best trailer in ``language`` ("fr", "fr-FR"...), or None.

    Only YouTube videos of type Trailer or Teaser are considered. Ranking: Trailer before
    Teaser, official before unofficial, then newest ``published_at``. For English, videos
    with no language (``iso_639_1`` null) count as English. Other languages are strict
    (a French request never returns an English trailer) unless ``fallback_languages``
    (e.g. ``["en"]``) is given: those are tried in order when nothing fits.
    """
    candidates = [
        v for v in videos if v.site == "YouTube" and v.type in ("Trailer", "Teaser") and v.key
    ]
    for lang in [language, *fallback_languages]:
        code = language_code(lang)
        accepted: set[str | None] = {code}
        if code == "en":
            accepted.add(None)
        matching = [v for v in candidates if (v.iso_639_1 or None) in accepted]
        if not matching:
            continue
        # Sort newest first, then stable-sort by (type, official).
        matching.sort(key=lambda v: v.published_at or "", reverse=True)
        matching.sort(key=_trailer_rank)
        return YOUTUBE_WATCH_URL + matching[0].key
    return None


# --------------------------------------------------------------------------- validation


class _Unexpected(Exception):
    """Internal: a field was missing or of the wrong type."""


def _unexpected(what: str) -> UpstreamError:
    return UpstreamError(f"TMDB sent an unexpected response ({what})", service=SERVICE)


def _req(d: Mapping[str, Any], key: str) -> Any:
    if key not in d or d[key] is None:
        raise _Unexpected(f"missing '{key}'")
    return d[key]


def _int(d: Mapping[str, Any], key: str, default: int | None = None) -> int:
    value = d.get(key)
    if value is None:
        if default is not None:
            return default
        raise _Unexpected(f"missing '{key}'")
    if isinstance(value, bool) or not isinstance(value, int):
        raise _Unexpected(f"'{key}' is not an integer")
    return value


def _float(d: Mapping[str, Any], key: str, default: float = 0.0) -> float:
    value = d.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Unexpected(f"'{key}' is not a number")
    return float(value)


def _str(d: Mapping[str, Any], key: str) -> str:
    value = _req(d, key)
    if not isinstance(value, str):
        raise _Unexpected(f"'{key}' is not a string")
    return value


def _opt_str(d: Mapping[str, Any], key: str) -> str | None:
    """Optional string; "" → None."""
    value = d.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Unexpected(f"'{key}' is not a string")
    return value or None


def _bool(d: Mapping[str, Any], key: str, default: bool = False) -> bool:
    value = d.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise _Unexpected(f"'{key}' is not a boolean")
    return value


def _obj(value: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(value, dict):
        raise _Unexpected(f"{what} is not an object")
    return value


def _list(d: Mapping[str, Any], key: str, *, required: bool = True) -> list[Any]:
    value = d.get(key)
    if value is None:
        if required:
            raise _Unexpected(f"missing '{key}'")
        return []
    if not isinstance(value, list):
        raise _Unexpected(f"'{key}' is not a list")
    return value


def _year(release_date: str | None) -> int | None:
    if not release_date:
        return None
    match = _YEAR.fullmatch(release_date.strip())
    return int(match.group(1)) if match else None


def _parse_summary(raw: Any) -> TmdbMovieSummary:
    d = _obj(raw, "a movie")
    title = _str(d, "title")
    release_date = _opt_str(d, "release_date")
    genre_ids = _list(d, "genre_ids", required=False)
    if not all(isinstance(g, int) and not isinstance(g, bool) for g in genre_ids):
        raise _Unexpected("'genre_ids' holds a non-integer")
    return TmdbMovieSummary(
        tmdb_id=_int(d, "id"),
        title=title,
        original_title=_opt_str(d, "original_title") or title,
        original_language=_opt_str(d, "original_language"),
        overview=_opt_str(d, "overview"),
        release_date=release_date,
        release_year=_year(release_date),
        genre_ids=list(genre_ids),
        poster_path=_opt_str(d, "poster_path"),
        vote_average=_float(d, "vote_average"),
        vote_count=_int(d, "vote_count", default=0),
        popularity=_float(d, "popularity"),
    )


def _parse_page(body: JsonObject) -> TmdbPage:
    return TmdbPage(
        results=[_parse_summary(r) for r in _list(body, "results")],
        page=_int(body, "page"),
        total_pages=_int(body, "total_pages"),
        total_results=_int(body, "total_results"),
    )


def _parse_video(raw: Any) -> TmdbVideo:
    d = _obj(raw, "a video")
    return TmdbVideo(
        key=_str(d, "key"),
        site=_str(d, "site"),
        type=_str(d, "type"),
        official=_bool(d, "official"),
        published_at=_opt_str(d, "published_at"),
        iso_639_1=_opt_str(d, "iso_639_1"),
        name=_opt_str(d, "name"),
    )


def _parse_translation(raw: Any) -> TmdbTranslation:
    d = _obj(raw, "a translation")
    data = _obj(d.get("data") or {}, "translation data")
    return TmdbTranslation(
        iso_639_1=_str(d, "iso_639_1"),
        iso_3166_1=_str(d, "iso_3166_1"),
        title=_opt_str(data, "title"),
        overview=_opt_str(data, "overview"),
    )


def _appended(body: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """An ``append_to_response`` object (with or without its own "id"); {} when absent."""
    value = body.get(key)
    if value is None:
        return {}
    return _obj(value, f"'{key}'")


def _parse_details(body: JsonObject) -> TmdbMovieDetails:
    genres: list[tuple[int, str]] = []
    for raw in _list(body, "genres", required=False):
        g = _obj(raw, "a genre")
        genres.append((_int(g, "id"), _str(g, "name")))
    videos_obj = _appended(body, "videos")
    videos = [_parse_video(v) for v in _list(videos_obj, "results", required=False)]
    translations_obj = _appended(body, "translations")
    translations = [
        _parse_translation(t) for t in _list(translations_obj, "translations", required=False)
    ]
    external = _appended(body, "external_ids")
    imdb_id = _opt_str(body, "imdb_id") or _opt_str(external, "imdb_id")
    title = _str(body, "title")
    release_date = _opt_str(body, "release_date")
    runtime = body.get("runtime")
    if runtime is not None and (isinstance(runtime, bool) or not isinstance(runtime, int)):
        raise _Unexpected("'runtime' is not an integer")
    return TmdbMovieDetails(
        tmdb_id=_int(body, "id"),
        imdb_id=imdb_id,
        title=title,
        original_title=_opt_str(body, "original_title") or title,
        overview=_opt_str(body, "overview"),
        poster_path=_opt_str(body, "poster_path"),
        release_date=release_date,
        release_year=_year(release_date),
        original_language=_opt_str(body, "original_language"),
        genres=genres,
        videos=videos,
        translations=translations,
        vote_average=_float(body, "vote_average"),
        vote_count=_int(body, "vote_count", default=0),
        popularity=_float(body, "popularity"),
        runtime=runtime or None,
        tagline=_opt_str(body, "tagline"),
    )


# --------------------------------------------------------------------------- client


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
            raise UpstreamError(
                f"TMDB reported an error ({message if isinstance(message, str) else 'unknown'})",
                service=SERVICE,
            )
        return body

    @staticmethod
    def _validated(parse: Callable[[JsonObject], T], body: JsonObject) -> T:
        try:
            return parse(body)
        except _Unexpected as exc:
            raise _unexpected(str(exc)) from None

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
        return self._validated(_parse_page, body)

    def movie_details(self, tmdb_id: int, *, language: str = "en-US") -> TmdbMovieDetails:
        body = self._get(
            f"movie/{int(tmdb_id)}",
            {
                "language": language,
                "append_to_response": "videos,external_ids,translations",
                "include_video_language": video_languages(language),
            },
            not_found=f"TMDB has no movie with id {tmdb_id}",
        )
        return self._validated(_parse_details, body)

    def find_by_imdb_id(self, imdb_id: str, *, language: str = "en-US") -> list[TmdbMovieSummary]:
        try:
            body = self._get(
                f"find/{imdb_id.strip()}",
                {"external_source": "imdb_id", "language": language},
            )
        except UpstreamNotFound:
            return []

        def parse(b: JsonObject) -> list[TmdbMovieSummary]:
            return [_parse_summary(r) for r in _list(b, "movie_results")]

        return self._validated(parse, body)

    def discover(
        self,
        *,
        language: str = "en-US",
        page: int = 1,
        sort_by: str = "popularity.desc",
        with_genres: Sequence[int] | None = None,
        vote_average_gte: float | None = None,
        vote_count_gte: int | None = None,
        release_year_from: int | None = None,
        release_year_to: int | None = None,
        with_original_language: str | None = None,
    ) -> TmdbPage:
        params: dict[str, Any] = {
            "language": language,
            "page": _clamp_page(page),
            "sort_by": sort_by,
            "include_adult": "false",
            "include_video": "false",
            "with_genres": ",".join(str(int(g)) for g in with_genres) if with_genres else None,
            "vote_average.gte": vote_average_gte,
            "vote_count.gte": vote_count_gte,
            "primary_release_date.gte": (
                f"{release_year_from:04d}-01-01" if release_year_from is not None else None
            ),
            "primary_release_date.lte": (
                f"{release_year_to:04d}-12-31" if release_year_to is not None else None
            ),
            "with_original_language": with_original_language,
        }
        body = self._get("discover/movie", params)
        return self._validated(_parse_page, body)

    def genres(self, *, language: str = "en-US") -> dict[int, str]:
        body = self._get("genre/movie/list", {"language": language})

        def parse(b: JsonObject) -> dict[int, str]:
            out: dict[int, str] = {}
            for raw in _list(b, "genres"):
                g = _obj(raw, "a genre")
                out[_int(g, "id")] = _str(g, "name")
            return out

        return self._validated(parse, body)

    def external_imdb_id(self, tmdb_id: int) -> str | None:
        body = self._get(
            f"movie/{int(tmdb_id)}/external_ids",
            not_found=f"TMDB has no movie with id {tmdb_id}",
        )

        def parse(b: JsonObject) -> str | None:
            return _opt_str(b, "imdb_id")

        return self._validated(parse, body)


def _clamp_page(page: int) -> int:
    return max(1, min(MAX_PAGE, int(page)))
