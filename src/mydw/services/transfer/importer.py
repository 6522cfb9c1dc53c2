"""`import_file`: read an export, match its rows to movies, write through `diary`."""

from __future__ import annotations

import csv
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from mydw.domain.constants import IMPORT_SOURCES
from mydw.domain.errors import UsageError
from mydw.services.context import AppContext
from mydw.services.transfer.matching import Match, Matcher, Memory, memory_path, movie_ids
from mydw.services.transfer.rows import STATUS_RANK, Parsed, Problem, Row

FORMATS = IMPORT_SOURCES
Progress = Callable[[int, int], None]


@dataclass
class ImportSummary:
    format: str
    path: str
    seen: int = 0
    later: int = 0
    rated: int = 0
    viewings: int = 0
    unchanged: int = 0
    unmatched: int = 0
    ambiguous: int = 0
    skipped: int = 0
    invalid: int = 0
    rows: int = 0
    movies: int = 0
    asked: int = 0  # keys resolved through TMDB in this run (0 on a second import)
    dry_run: bool = False
    report: str | None = None
    files: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "format": self.format, "path": self.path, "dry_run": self.dry_run,
            "seen": self.seen, "later": self.later, "rated": self.rated,
            "viewings": self.viewings, "unchanged": self.unchanged,
            "unmatched": self.unmatched, "ambiguous": self.ambiguous,
            "skipped": self.skipped, "invalid": self.invalid, "rows": self.rows,
            "movies": self.movies, "requested": self.asked, "report": self.report,
            "files": list(self.files),
        }


def parse(fmt: str, path: Path) -> Parsed:
    if fmt not in FORMATS:
        raise UsageError(f"format must be one of {', '.join(FORMATS)}", parameter="format")
    module = importlib.import_module(f"mydw.services.transfer.{fmt}")
    parsed: Parsed = module.parse(path)
    return parsed


def import_file(
    ctx: AppContext, user_id: int, fmt: str, path: Path, *, dry_run: bool = False,
    overwrite: bool = False, progress: Progress | None = None,
    memory: Memory | None = None,
) -> ImportSummary:
    """Import `path` (an export of `fmt`) into `user_id`'s marks, ratings and viewings.

    The whole file is read and checked before anything is asked or written (a file that
    cannot be used raises `InvalidInput` and changes nothing); rows that cannot be used
    are counted and reported, never guessed.
    """
    parsed = parse(fmt, path)
    diary = importlib.import_module("mydw.services.diary")
    matcher = Matcher(ctx, memory or Memory(memory_path()))
    matches = matcher.resolve((row.key for row in parsed.rows), progress)
    tmdb_of = {key: m.tmdb_id for key, m in matches.items() if m.tmdb_id is not None}
    ids = movie_ids(ctx, tmdb_of.values())
    missing = sorted({t for t in tmdb_of.values() if t not in ids})
    if missing:  # remembered, but not in this database (another database, or pruned)
        matcher.resolve((f"tmdb:{t}" for t in missing), force=True)
        ids = movie_ids(ctx, tmdb_of.values())
    summary = ImportSummary(fmt, str(path), skipped=parsed.skipped, rows=len(parsed.rows),
                            dry_run=dry_run, asked=matcher.asked, files=parsed.files)
    problems = list(parsed.problems)
    grouped: dict[int, list[Row]] = {}
    reported: set[str] = set()
    for row in parsed.rows:
        match = matches[row.key]
        movie_id = ids.get(match.tmdb_id) if match.tmdb_id is not None else None
        if movie_id is None:
            if row.key not in reported:  # one report line per movie of the file
                reported.add(row.key)
                problems.append(_problem(row, match))
            continue
        grouped.setdefault(movie_id, []).append(row)
    summary.unmatched = sum(p.problem == "unmatched" for p in problems)
    summary.ambiguous = sum(p.problem == "ambiguous" for p in problems)
    summary.invalid = sum(p.problem == "invalid" for p in problems)
    summary.movies = len(grouped)
    items = [item for movie_id, rows in grouped.items() for item in _items(diary, movie_id, rows)]
    applied = diary.apply_history(ctx, user_id, items, overwrite=overwrite, dry_run=dry_run)
    for name in ("seen", "later", "rated", "viewings", "unchanged"):
        setattr(summary, name, getattr(applied, name))
    if problems:
        summary.report = str(write_report(path, fmt, problems))
    return summary


def _problem(row: Row, match: Match) -> Problem:
    outcome = match.outcome if match.outcome != "matched" else "unmatched"
    ref = row.key.partition(":")[2] if not row.key.startswith("title:") else ""
    message = match.message or ("the movie could not be cached" if match.tmdb_id else "")
    return Problem(row.source, row.title, row.year, ref, outcome, message,
                   tuple(f"{label} tmdb:{t}" for t, label in match.candidates))


def _items(diary: Any, movie_id: int, rows: list[Row]) -> list[Any]:
    """One movie's rows → history items: the strongest status, the best-ranked (last)
    rating, one item per distinct viewing (a rewatch when an earlier one exists)."""
    status = max((r.status for r in rows if r.status), key=STATUS_RANK.__getitem__,
                 default=None)
    rated = [r for r in rows if r.rating is not None]
    rating = None
    if rated:  # among equal ranks the last one read wins
        best = max(r.rating_rank for r in rated)
        rating = [r for r in rated if r.rating_rank == best][-1].rating
    days: dict[date, bool] = {}
    for row in rows:
        if row.watched_on is not None:
            days[row.watched_on] = days.get(row.watched_on, False) or row.rewatch
    if not days:
        return [diary.HistoryItem(movie_id=movie_id, status=status, rating=rating)]
    ordered = sorted(days)
    return [diary.HistoryItem(movie_id=movie_id, status=status, rating=rating, watched_on=day,
                              rewatch=days[day] or n > 0)
            for n, day in enumerate(ordered)]


REPORT_COLUMNS = ["source", "problem", "title", "year", "ref", "message", "candidates"]


def write_report(path: Path, fmt: str, problems: list[Problem]) -> Path:
    """The rows not imported, as CSV next to the input (else in the cache folder)."""
    from mydw.config.paths import cache_dir

    name = f"{path.stem or fmt}-import-report.csv"
    for folder in (path.resolve().parent, cache_dir()):
        target = folder / name
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with target.open("w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(REPORT_COLUMNS)
                for p in problems:
                    writer.writerow([p.source, p.problem, p.title or "", p.year or "", p.ref,
                                     p.message, "; ".join(p.candidates)])
        except OSError:
            continue
        return target
    raise OSError(f"cannot write the import report {name}")
