"""IMDb's ratings and watchlist/list CSV exports, read by header name (every variant since
2017: `Date Added` or `Date Rated`, with or without `Original Title`, `Your Rating`).

A ratings export → seen with the rating (1-10 as is). A watchlist/list export (it has a
`Position` column) → later, except rows with `Your Rating` filled: rated, so seen. Rows
whose `Title Type` is not a movie (series, episodes, games…) are skipped and counted.
`Const` (tt…) is resolved through TMDB find.
"""

from __future__ import annotations

import re
from pathlib import Path

from mydw.services.transfer.reader import CsvRows, Member, bad_file, members
from mydw.services.transfer.rows import Parsed, Problem, Row, parse_year

MOVIE_TYPES = {"movie", "tv movie", "tvmovie", "short", "video"}
_CONST = re.compile(r"(?:tt)?(\d{1,10})", re.I)


def parse(path: Path) -> Parsed:
    found = [m for m in members(path) if m.basename.endswith(".csv")]
    if not found:
        raise bad_file(str(path), "holds no IMDb CSV export")
    parsed = Parsed()
    for member in found:
        _read(member, parsed)
    return parsed


def _read(member: Member, parsed: Parsed) -> None:
    rows = CsvRows(member)
    checked = False
    for record in rows:
        if not checked:
            _check(member, rows)
            checked = True
        _row(record, rows, member, parsed)
    if not checked:
        _check(member, rows)
    parsed.files.append(member.label)


def _check(member: Member, rows: CsvRows) -> None:
    if "Const" not in rows.header:
        raise bad_file(member.label, "is not an IMDb export (it has no Const column; its "
                       f"header is {','.join(rows.header)!r})")
    if "Position" not in rows.header and "Your Rating" not in rows.header:
        raise bad_file(member.label, "is not an IMDb ratings or list export (it needs "
                       "Your Rating or Position)")


def _row(record: dict[str, str], rows: CsvRows, member: Member, parsed: Parsed) -> None:
    source = f"{member.basename}:{rows.line}"
    title = record.get("Title") or None
    year = parse_year(record.get("Year"))
    kind = " ".join(record.get("Title Type", "").split()).lower()
    if kind and kind not in MOVIE_TYPES:
        parsed.skipped += 1
        return
    const = _CONST.fullmatch(record.get("Const", ""))
    if const is None:
        parsed.problems.append(Problem(source, title, year, record.get("Const", ""), "invalid",
                                       "Const is not an IMDb id (tt…)"))
        return
    imdb_id = f"tt{int(const.group(1)):07d}"
    text = record.get("Your Rating", "")
    rating = None
    if text:
        try:
            rating = float(text)
        except ValueError:
            rating = -1.0
        if not 1 <= rating <= 10 or rating % 1:
            parsed.problems.append(Problem(source, title, year, imdb_id, "invalid",
                                           f"Your Rating {text!r} is not 1-10"))
            return
    is_list = "Position" in rows.header
    status = "later" if is_list and rating is None else "seen"
    parsed.rows.append(Row(f"imdb:{imdb_id}", source, title, year, status, rating,
                           rating_rank=1 if is_list else 2))
