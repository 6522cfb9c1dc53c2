"""One `MovieFilter` (validation and SQL) for every command that filters movies (`list`,
`discover`, and whatever comes next): genres (English or French names, all must match;
and genres none of which may),
a release-year range, IMDb rating bounds, a minimum IMDb vote count and an original
language. Validation errors name the parameter (`UsageError("year_from 2020 is after
year_to 2000", parameter="year_from")`)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, exists, func, literal, select

from mydw.db.models import Movie
from mydw.db.types import sqlite_json_array
from mydw.domain.constants import GENRES, RATING_MAX, RATING_MIN
from mydw.domain.errors import UsageError
from mydw.services.catalog.common import check_year
from mydw.services.catalog.genres import genre_name, parse_genres

BUILTIN_GENRES = GENRES  # the old name, kept for importers
__all__ = ["BUILTIN_GENRES", "MovieFilter", "genre_name", "has_genre", "parse_genres",
           "parse_language_filter"]


def has_genre(dialect: str, genre_id: int) -> ColumnElement[bool]:
    """SQL: the movie's `genre_ids` (JSON on SQLite, ARRAY on PostgreSQL) holds `genre_id`."""
    if dialect == "postgresql":
        return literal(genre_id) == func.any(Movie.genre_ids)
    each = func.json_each(sqlite_json_array(Movie.genre_ids)).table_valued("value").alias("g")
    return exists(select(literal(1)).select_from(each).where(each.c.value == genre_id))


def parse_language_filter(language: str | None, parameter: str = "language") -> str | None:
    """An original-language filter: a two- or three-letter ISO 639 code (`fr`, `en`)."""
    if language is None:
        return None
    code = language.strip().lower()
    if not (2 <= len(code) <= 3 and code.isalpha() and code.isascii()):
        raise UsageError(
            f"{parameter} {language!r} is not a language code (use two letters: en, fr, ja)",
            parameter=parameter,
        )
    return code


def _rating(value: float | None, parameter: str) -> float | None:
    if value is None:
        return None
    if not math.isfinite(value) or not RATING_MIN <= value <= RATING_MAX:
        raise UsageError(f"{parameter} {value:g} is not between 0 and 10", parameter=parameter)
    return float(value)


@dataclass(frozen=True)
class MovieFilter:
    """What a movie must be to be kept. None / empty: no condition."""

    genre_ids: tuple[int, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    min_rating: float | None = None
    max_rating: float | None = None
    min_votes: int | None = None
    language: str | None = None
    without_genre_ids: tuple[int, ...] = ()  # none of these

    @classmethod
    def parse(cls, *, genres: Sequence[str] = (), year_from: int | None = None,
              year_to: int | None = None, min_rating: float | None = None,
              max_rating: float | None = None, min_votes: int | None = None,
              language: str | None = None, without_genres: Sequence[str] = ()) -> MovieFilter:
        """Check every parameter (`UsageError` naming the first bad one) and build it."""
        check_year(year_from, "year_from")
        check_year(year_to, "year_to")
        if year_from is not None and year_to is not None and year_from > year_to:
            raise UsageError(f"year_from {year_from} is after year_to {year_to}",
                             parameter="year_from")
        low, high = _rating(min_rating, "min_rating"), _rating(max_rating, "max_rating")
        if low is not None and high is not None and low > high:
            raise UsageError(f"min_rating {low:g} is above max_rating {high:g}",
                             parameter="min_rating")
        if min_votes is not None and min_votes < 0:
            raise UsageError("min_votes must not be negative", parameter="min_votes")
        wanted = tuple(parse_genres(genres))
        unwanted = tuple(parse_genres(without_genres, "without_genres"))
        if both := [g for g in wanted if g in unwanted]:
            raise UsageError(f"without_genres: {genre_name(both[0], 'en')} is also a wanted "
                             "genre", parameter="without_genres")
        return cls(wanted, year_from, year_to, low, high, min_votes,
                   parse_language_filter(language), unwanted)

    def conditions(self, dialect: str) -> list[ColumnElement[bool]]:
        """The SQL conditions on `Movie` (a movie with an unknown rating fails a rating
        bound; one with unknown votes fails `min_votes`)."""
        out: list[ColumnElement[bool]] = [has_genre(dialect, g) for g in self.genre_ids]
        out += [~has_genre(dialect, g) for g in self.without_genre_ids]
        if self.year_from is not None:
            out.append(Movie.release_year >= self.year_from)
        if self.year_to is not None:
            out.append(Movie.release_year <= self.year_to)
        if self.min_rating is not None:
            out.append(Movie.imdb_rating >= self.min_rating)
        if self.max_rating is not None:
            out.append(Movie.imdb_rating <= self.max_rating)
        if self.min_votes is not None:
            out.append(Movie.vote_count >= self.min_votes)
        if self.language is not None:
            out.append(func.lower(Movie.original_language) == self.language)
        return out

    def apply(self, query: Any, dialect: str) -> Any:
        """`query` (a SELECT involving `Movie`) with the conditions added."""
        conditions = self.conditions(dialect)
        return query.where(*conditions) if conditions else query
