"""What every format's parser produces: one `Row` per movie line of the file."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

STATUS_RANK = {"later": 1, "seen": 2, "not_interested": 3}


@dataclass(frozen=True, slots=True)
class Row:
    """One movie line: how to find the movie (`key`) and what it says of it.

    `key` is ``tmdb:603``, ``imdb:tt0133093`` or ``title:<name>|<year>``.
    """

    key: str
    source: str  # "watched.csv:12" (file and line) for the report
    title: str | None
    year: int | None
    status: str | None  # seen | later | not_interested | None
    rating: float | None = None  # 10-point scale
    watched_on: date | None = None
    rewatch: bool = False
    rating_rank: int = 0  # higher wins when one movie has several ratings


@dataclass(frozen=True)
class Problem:
    """A row that was not imported, for the report CSV."""

    source: str
    title: str | None
    year: int | None
    ref: str
    problem: str  # unmatched | ambiguous | invalid
    message: str
    candidates: tuple[str, ...] = ()


@dataclass
class Parsed:
    rows: list[Row] = field(default_factory=list)
    skipped: int = 0  # non-movie rows (episodes, shows)
    problems: list[Problem] = field(default_factory=list)  # invalid rows
    files: list[str] = field(default_factory=list)  # files read


def title_key(title: str, year: int | None) -> str:
    return f"title:{' '.join(title.split())}|{year if year is not None else ''}"


def parse_year(text: str | None) -> int | None:
    """`1999` → 1999; `2013–2023` (a series' range) → 2013; empty or junk → None."""
    value = (text or "").strip()[:4]
    return int(value) if len(value) == 4 and value.isdigit() else None


def parse_date(text: str | None) -> date | None:
    """`2026-04-01`, `2026-04-01T11:10:00.000Z` → a date; empty → None; junk → ValueError."""
    value = (text or "").strip()
    if not value:
        return None
    return date.fromisoformat(value[:10])
