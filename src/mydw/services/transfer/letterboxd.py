"""Letterboxd's export (the ZIP, its folder, or one of its CSVs).

watched.csv, ratings.csv, diary.csv, reviews.csv → seen (ratings ×2, a viewing for each
`Watched Date`); watchlist.csv → later. `Date` is when a row was logged, never a viewing.
Lists, likes, `deleted/` and `orphaned/` are not read. No ids: movies are found by
Name + Year through TMDB search.
"""

from __future__ import annotations

from pathlib import Path

from mydw.services.transfer.reader import CsvRows, Member, bad_file, members
from mydw.services.transfer.rows import Parsed, Problem, Row, parse_date, parse_year, title_key

IGNORED_FOLDERS = {"deleted", "orphaned", "likes", "lists"}
FILES = {"watched.csv", "watchlist.csv", "ratings.csv", "diary.csv", "reviews.csv"}
# ratings.csv holds the current rating; a diary/review rating is the one of that viewing
RATING_RANK = {"ratings.csv": 3, "reviews.csv": 2, "diary.csv": 1}


def parse(path: Path) -> Parsed:
    found = members(path)
    single = len(found) == 1 and not path.is_dir() and found[0].name == path.name
    if single:
        chosen = found
    else:
        # at the root, or in one folder around it (a re-zipped export); never from
        # deleted/, orphaned/, likes/ or lists/
        chosen = [m for m in found if m.basename in FILES and len(m.parts) <= 2
                  and not set(m.parts[:-1]) & IGNORED_FOLDERS]
        if len({m.basename for m in chosen}) != len(chosen):
            raise bad_file(str(path), "holds several Letterboxd exports (two "
                           f"{_twice(chosen)}); import them one at a time")
        if not chosen:
            raise bad_file(str(path), "is not a Letterboxd export (no watched.csv, "
                           "watchlist.csv, ratings.csv, diary.csv or reviews.csv in it)")
    parsed = Parsed()
    # ratings last: its rating wins over the diary's
    order = ["watchlist.csv", "watched.csv", "diary.csv", "reviews.csv", "ratings.csv"]
    chosen.sort(key=lambda m: order.index(m.basename) if m.basename in order else -1)
    for member in chosen:
        _read(member, parsed, single=single)
    return parsed


def _twice(chosen: list[Member]) -> str:
    names = [m.basename for m in chosen]
    return next(n for n in names if names.count(n) > 1)


def _kind(member: Member, rows: CsvRows) -> str:
    header = set(rows.header)
    if "Watched Date" in header:
        return "reviews.csv" if "Review" in header else "diary.csv"
    if "Rating" in header:
        return "ratings.csv"
    return "watchlist.csv" if "watchlist" in member.basename else "watched.csv"


def _read(member: Member, parsed: Parsed, *, single: bool) -> None:
    rows = CsvRows(member)
    iterator = iter(rows)
    kind = ""
    name = member.basename
    for record in iterator:
        if not kind:
            _check_header(member, rows)
            kind = _kind(member, rows) if single or name not in FILES else name
            parsed.files.append(member.label)
        source = f"{name}:{rows.line}"
        title = record.get("Name", "")
        year = parse_year(record.get("Year"))
        if not title:
            parsed.problems.append(Problem(source, None, year, "", "invalid", "no Name"))
            continue
        try:
            row = _row(kind, record, title, year, source)
        except ValueError as exc:
            parsed.problems.append(Problem(source, title, year, "", "invalid", str(exc)))
            continue
        parsed.rows.append(row)
    if not kind:  # a header and no row
        _check_header(member, rows)
        parsed.files.append(member.label)


def _check_header(member: Member, rows: CsvRows) -> None:
    if "Name" not in rows.header or "Year" not in rows.header:
        raise bad_file(member.label, "is not a Letterboxd CSV (it needs the columns Name and "
                       f"Year; its header is {','.join(rows.header)!r})")


def _row(kind: str, record: dict[str, str], title: str, year: int | None, source: str) -> Row:
    rating = None
    if kind != "watched.csv" and kind != "watchlist.csv":
        text = record.get("Rating", "")
        if text:
            stars = float(text)
            if not 0.5 <= stars <= 5 or (stars * 2) % 1:
                raise ValueError(f"rating {text!r} is not 0.5-5 stars in half steps")
            rating = stars * 2
    watched = None
    if kind in ("diary.csv", "reviews.csv"):
        try:
            watched = parse_date(record.get("Watched Date"))
        except ValueError as exc:
            raise ValueError(f"Watched Date {record.get('Watched Date')!r} is not a date") from exc
    status = "later" if kind == "watchlist.csv" else "seen"
    return Row(title_key(title, year), source, title, year, status, rating, watched,
               record.get("Rewatch", "").strip().lower() in ("yes", "true"),
               RATING_RANK.get(kind, 0))
