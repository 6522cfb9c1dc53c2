"""`export`: the user's history as mydw JSON (read back by `import mydw`), a spreadsheet
CSV, or Letterboxd's import CSV (files of at most 1,000 rows; `later` → a watchlist file
for Letterboxd's list importer). Reads through `diary.history`."""

from __future__ import annotations

import csv
import dataclasses
import importlib
import io
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from mydw.domain.constants import EXPORT_FORMATS
from mydw.domain.errors import UsageError
from mydw.domain.types import iso_utc, utcnow
from mydw.services.context import AppContext
from mydw.services.transfer.mydw import FORMAT, VERSION
from mydw.services.views import MOVIE_KEYS

STATUSES = ("seen", "later", "not_interested")
LETTERBOXD_ROWS = 1000
LETTERBOXD_COLUMNS = ["tmdbID", "imdbID", "Title", "Year", "Directors", "Rating",
                      "WatchedDate", "Rewatch"]
WATCHLIST_COLUMNS = ["tmdbID", "imdbID", "Title", "Year"]


@dataclass(frozen=True)
class Export:
    """The export's text, split in `parts` (Letterboxd: at most 1,000 rows each)."""

    format: str
    parts: list[str]
    rows: int

    @property
    def text(self) -> str:
        """Every part in one text (one header line)."""
        first, *rest = self.parts
        return first + "".join(part.split("\n", 1)[1] for part in rest)


def export(ctx: AppContext, user_id: int, *, fmt: str = "json",
           status: str | None = None) -> Export:
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"format must be one of {', '.join(EXPORT_FORMATS)}",
                         parameter="format")
    if status is not None and status not in STATUSES:
        raise UsageError(f"status must be one of {', '.join(STATUSES)}", parameter="status")
    if fmt == "letterboxd" and status == "not_interested":
        raise UsageError("status not_interested has no Letterboxd equivalent: use seen or "
                         "later", parameter="status")
    diary = importlib.import_module("mydw.services.diary")
    rows = [r for r in diary.history(ctx, user_id) if status is None or r.status == status]
    if fmt == "json":
        return Export(fmt, [_json(rows)], len(rows))
    if fmt == "csv":
        return Export(fmt, [_csv(rows)], len(rows))
    rows = _with_directors(ctx, rows)
    if status == "later":
        return _letterboxd(fmt, [_watchlist_line(r) for r in rows], WATCHLIST_COLUMNS)
    lines = [line for r in rows if r.status == "seen" for line in _diary_lines(r)]
    return _letterboxd(fmt, lines, LETTERBOXD_COLUMNS)


def _with_directors(ctx: AppContext, rows: list[Any]) -> list[Any]:
    """The rows' movies with their page's details (Letterboxd's Directors column), as the
    last details fetch stored them."""
    from mydw.services.diary_rows import CHUNK, with_page

    views = [r.movie for r in rows]
    with ctx.db.read() as session:
        paged = [v for start in range(0, len(views), CHUNK)
                 for v in with_page(session, views[start:start + CHUNK])]
    return [dataclasses.replace(r, movie=v) for r, v in zip(rows, paged, strict=True)]


def _viewings(row: Any) -> list[date]:
    return sorted(set(row.viewings or []))


def _json(rows: list[Any]) -> str:
    document = {
        "format": FORMAT, "version": VERSION, "exported_at": iso_utc(utcnow()),
        "movies": [{"movie": r.movie.to_json(), "status": r.status, "rating": r.rating,
                    "viewings": [d.isoformat() for d in _viewings(r)]} for r in rows],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else value


def _csv(rows: list[Any]) -> str:
    out = io.StringIO()
    writer: Any = None
    for r in rows:
        data = dict(r.movie.to_json())
        viewings = _viewings(r)
        data.update(status=r.status, my_rating=r.rating,
                    watched_on=viewings[-1].isoformat() if viewings else None)
        if writer is None:
            writer = csv.DictWriter(out, fieldnames=list(data), lineterminator="\n")
            writer.writeheader()
        writer.writerow({k: _cell(v) for k, v in data.items()})
    if writer is None:  # the same header as with movies
        csv.writer(out, lineterminator="\n").writerow(MOVIE_KEYS)
    return out.getvalue()


def _stars(rating: float | None) -> str:
    if rating is None:
        return ""
    halves = int(rating + 0.5)  # 10-point → half stars, rounded half up
    return f"{max(1, min(10, halves)) / 2:g}"


def _base(row: Any) -> list[Any]:
    movie = row.movie
    directors = getattr(movie, "directors", None) or []
    return [movie.tmdb_id, movie.imdb_id or "", movie.title("en"), movie.release_year or "",
            ", ".join(directors)]


def _diary_lines(row: Any) -> list[list[Any]]:
    viewings = _viewings(row)
    stars = _stars(row.rating)
    if not viewings:
        return [[*_base(row), stars, "", ""]]
    return [[*_base(row), stars, day.isoformat(), "Yes" if n else ""]
            for n, day in enumerate(viewings)]


def _watchlist_line(row: Any) -> list[Any]:
    return _base(row)[:4]


def _letterboxd(fmt: str, lines: list[list[Any]], columns: list[str]) -> Export:
    parts = []
    for start in range(0, max(len(lines), 1), LETTERBOXD_ROWS):
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        writer.writerows(lines[start:start + LETTERBOXD_ROWS])
        parts.append(out.getvalue())
    return Export(fmt, parts, len(lines))
