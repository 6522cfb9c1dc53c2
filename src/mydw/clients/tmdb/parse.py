"""TMDB payload validation: JSON bodies → the dataclasses of `models`.

A response missing a required field, or with a field of the wrong type, raises
``UpstreamError("TMDB sent an unexpected response (...)")``: nothing half-parsed escapes.

Values are checked where they enter: every string is stripped of escape sequences and
control characters and bounded in length (titles are community-edited), ids must fit a
database INTEGER, numbers must be finite, years plausible; an implausible count or year
is unknown rather than an error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from mydw.clients.errors import UpstreamFailure
from mydw.clients.tmdb.models import (
    TmdbKeyword,
    TmdbMovieDetails,
    TmdbMovieSummary,
    TmdbPage,
    TmdbTranslation,
    TmdbVideo,
)
from mydw.domain.errors import UpstreamError
from mydw.domain.text import TEXT_MAX, TITLE_MAX, clean_text
from mydw.domain.values import INT32_MAX, finite, valid_year

SERVICE = "TMDB"
JsonObject = dict[str, Any]
T = TypeVar("T")

_YEAR = re.compile(r"(\d{4})(?:-\d{2}-\d{2})?", re.ASCII)
# Free text kept on several lines (the renderer decides how to show it).
_MULTILINE = frozenset({"overview"})




class _Unexpected(Exception):
    """Internal: a field was missing or of the wrong type."""


def _unexpected(what: str) -> UpstreamError:
    return UpstreamFailure(
        f"TMDB sent an unexpected response ({what})", reason="unexpected answer", service=SERVICE
    )


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


def _id(d: Mapping[str, Any], key: str) -> int:
    """An id: a whole number from 1 to what a database INTEGER holds."""
    value = _int(d, key)
    if not 1 <= value <= INT32_MAX:
        raise _Unexpected(f"'{key}' {value} is out of range")
    return value


def _count(d: Mapping[str, Any], key: str, *, required: bool = False) -> int:
    """A count (votes, results, pages), bounded to a database INTEGER; a missing optional
    one is 0."""
    value = _int(d, key) if required else _int(d, key, default=0)
    return min(max(value, 0), INT32_MAX)


def _average(d: Mapping[str, Any], key: str) -> float:
    """TMDB's vote average: 0-10 (a value outside it is not believed: 0, as for none)."""
    value = _float(d, key)
    return value if 0.0 <= value <= 10.0 else 0.0


def _float(d: Mapping[str, Any], key: str, default: float = 0.0) -> float:
    value = d.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _Unexpected(f"'{key}' is not a number")
    return finite(value, default)  # NaN / Infinity (Python's json accepts them): default


def _clean(key: str, value: str) -> str:
    """A string as mydw keeps it: no control characters, bounded length."""
    if key in _MULTILINE:
        return clean_text(value, one_line=False, max_length=TEXT_MAX)
    return clean_text(value, max_length=TITLE_MAX)


def _str(d: Mapping[str, Any], key: str) -> str:
    value = _req(d, key)
    if not isinstance(value, str):
        raise _Unexpected(f"'{key}' is not a string")
    return _clean(key, value)


def _opt_str(d: Mapping[str, Any], key: str) -> str | None:
    """Optional string; "" (also once cleaned) → None."""
    value = d.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _Unexpected(f"'{key}' is not a string")
    return _clean(key, value) or None


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
    return valid_year(int(match.group(1))) if match else None


def parse_summary(raw: Any) -> TmdbMovieSummary:
    d = _obj(raw, "a movie")
    title = _str(d, "title")
    release_date = _opt_str(d, "release_date")
    genre_ids = _list(d, "genre_ids", required=False)
    if not all(isinstance(g, int) and not isinstance(g, bool) and 0 < g <= INT32_MAX
               for g in genre_ids):
        raise _Unexpected("'genre_ids' holds a non-integer")
    return TmdbMovieSummary(
        tmdb_id=_id(d, "id"),
        title=title,
        original_title=_opt_str(d, "original_title") or title,
        original_language=_opt_str(d, "original_language"),
        overview=_opt_str(d, "overview"),
        release_date=release_date,
        release_year=_year(release_date),
        genre_ids=list(genre_ids),
        poster_path=_opt_str(d, "poster_path"),
        vote_average=_average(d, "vote_average"),
        vote_count=_count(d, "vote_count"),
        popularity=_float(d, "popularity"),
    )


def parse_page(body: JsonObject) -> TmdbPage:
    return TmdbPage(
        results=[parse_summary(r) for r in _list(body, "results")],
        page=_int(body, "page"),
        total_pages=_count(body, "total_pages", required=True),
        total_results=_count(body, "total_results", required=True),
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


def parse_details(body: JsonObject) -> TmdbMovieDetails:
    genres: list[tuple[int, str]] = []
    for raw in _list(body, "genres", required=False):
        g = _obj(raw, "a genre")
        genres.append((_id(g, "id"), _str(g, "name")))
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
        tmdb_id=_id(body, "id"),
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
        vote_average=_average(body, "vote_average"),
        vote_count=_count(body, "vote_count"),
        popularity=_float(body, "popularity"),
        runtime=runtime if runtime and 0 < runtime < 100_000 else None,
        tagline=_opt_str(body, "tagline"),
        directors=_directors(_appended(body, "credits")),
    )


def _directors(credits: Mapping[str, Any]) -> tuple[str, ...]:
    """The names of the crew whose job is "Director", in TMDB's order, once each."""
    names: list[str] = []
    for raw in _list(credits, "crew", required=False):
        member = _obj(raw, "a crew member")
        if member.get("job") == "Director":
            name = (_opt_str(member, "name") or "").strip()
            if name and name not in names:
                names.append(name)
    return tuple(names)


def parse_summaries(body: JsonObject, key: str) -> list[TmdbMovieSummary]:
    """The movie list under `key` (`/find`'s ``movie_results``)."""
    return [parse_summary(r) for r in _list(body, key)]


def parse_genres(body: JsonObject) -> dict[int, str]:
    out: dict[int, str] = {}
    for raw in _list(body, "genres"):
        g = _obj(raw, "a genre")
        out[_id(g, "id")] = _str(g, "name")
    return out


def parse_external_imdb_id(body: JsonObject) -> str | None:
    return _opt_str(body, "imdb_id")


def parse_keywords(body: JsonObject) -> list[TmdbKeyword]:
    """`/search/keyword`: ``{"page", "results": [{"id", "name"}], ...}``."""
    out: list[TmdbKeyword] = []
    for raw in _list(body, "results"):
        k = _obj(raw, "a keyword")
        out.append(TmdbKeyword(_id(k, "id"), _str(k, "name")))
    return out


def validated(parse: Callable[[JsonObject], T], body: JsonObject) -> T:
    """`parse(body)`, a malformed body raised as one `UpstreamError`."""
    try:
        return parse(body)
    except _Unexpected as exc:
        raise _unexpected(str(exc)) from None
