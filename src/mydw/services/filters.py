"""Filters shared by `list` and `discover` (and whatever else filters movies): TMDB genres in
English or French, original-language codes, and the SQL that tests a movie's genres."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, exists, func, literal, select

from mydw.db.models import Movie
from mydw.domain.errors import InvalidInput
from mydw.domain.types import fold

# TMDB's movie genres (docs/upstream-apis.md §1.6): the fallback when the list cannot be
# fetched, and the French names used for display (the database stores English names).
BUILTIN_GENRES: dict[int, tuple[str, str]] = {
    28: ("Action", "Action"), 12: ("Adventure", "Aventure"), 16: ("Animation", "Animation"),
    35: ("Comedy", "Comédie"), 80: ("Crime", "Crime"), 99: ("Documentary", "Documentaire"),
    18: ("Drama", "Drame"), 10751: ("Family", "Familial"), 14: ("Fantasy", "Fantastique"),
    36: ("History", "Histoire"), 27: ("Horror", "Horreur"), 10402: ("Music", "Musique"),
    9648: ("Mystery", "Mystère"), 10749: ("Romance", "Romance"),
    878: ("Science Fiction", "Science-Fiction"), 10770: ("TV Movie", "Téléfilm"),
    53: ("Thriller", "Thriller"), 10752: ("War", "Guerre"), 37: ("Western", "Western"),
}  # fmt: skip

_ALIASES = {
    "sci fi": 878,
    "scifi": 878,
    "sf": 878,
    "tv": 10770,
    "telefilm": 10770,
    "famille": 10751,
    "musical": 10402,
    "documentaire": 99,
}


def _genre_key(name: str) -> str:
    return fold(name).replace("-", " ")


_GENRE_IDS: dict[str, int] = {
    **{_genre_key(n): gid for gid, names in BUILTIN_GENRES.items() for n in names},
    **_ALIASES,
}


def genre_name(genre_id: int, lang: str = "en") -> str:
    names = BUILTIN_GENRES.get(genre_id)
    if names is None:
        return f"#{genre_id}"
    return names[1] if lang == "fr" else names[0]


def parse_genres(names: Iterable[str]) -> list[int]:
    """Genre names in English or French (any case, accents optional) or ids -> TMDB ids."""
    ids: list[int] = []
    for name in names:
        key = _genre_key(name)
        gid = int(key) if key.isdigit() and int(key) in BUILTIN_GENRES else _GENRE_IDS.get(key)
        if gid is None:
            known = ", ".join(en for en, _ in BUILTIN_GENRES.values())
            raise InvalidInput(f"unknown genre {name!r} (choose from {known}, or French names)")
        if gid not in ids:
            ids.append(gid)
    return ids


def has_genre(dialect: str, genre_id: int) -> ColumnElement[bool]:
    """SQL: the movie's `genre_ids` (JSON on SQLite, ARRAY on PostgreSQL) holds `genre_id`."""
    if dialect == "postgresql":
        return literal(genre_id) == func.any(Movie.genre_ids)
    each = func.json_each(Movie.genre_ids).table_valued("value").alias("g")
    return exists(select(literal(1)).select_from(each).where(each.c.value == genre_id))


def parse_language_filter(language: str | None) -> str | None:
    """An original-language filter: a two- or three-letter ISO 639 code (`fr`, `en`)."""
    if language is None:
        return None
    code = language.strip().lower()
    if not (2 <= len(code) <= 3 and code.isalpha() and code.isascii()):
        raise InvalidInput(f"{language!r} is not a language code (use two letters: en, fr, ja)")
    return code
