"""mydw's own JSON export (`mydw export --format json`), read back: every status, rating
and viewing; movies by their TMDB id (else their IMDb id)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mydw.services.transfer.reader import bad_file, members, read_json
from mydw.services.transfer.rows import Parsed, Problem, Row, parse_date

FORMAT = "mydw-export"
VERSION = 1
STATUSES = ("seen", "later", "not_interested")


def parse(path: Path) -> Parsed:
    found = [m for m in members(path) if m.basename.endswith(".json")]
    if len(found) != 1:
        raise bad_file(str(path), "is not a mydw export (one JSON file written by "
                       "`mydw export --format json`)")
    member = found[0]
    data = read_json(member)
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise bad_file(member.label, "is not a mydw export (written by `mydw export "
                       "--format json`)")
    if data.get("version") != VERSION:
        raise bad_file(member.label, f"is a mydw export of version {data.get('version')!r}; "
                       f"this mydw reads version {VERSION}")
    entries = data.get("movies")
    if not isinstance(entries, list):
        raise bad_file(member.label, "has no movies list")
    parsed = Parsed(files=[member.label])
    for index, entry in enumerate(entries, 1):
        _entry(entry, f"{member.basename}:{index}", parsed)
    return parsed


def _entry(entry: Any, source: str, parsed: Parsed) -> None:
    movie = entry.get("movie") if isinstance(entry, dict) else None
    if not isinstance(movie, dict):
        parsed.problems.append(Problem(source, None, None, "", "invalid", "no movie object"))
        return
    title = movie.get("title_en") if isinstance(movie.get("title_en"), str) else None
    year = movie.get("release_year") if isinstance(movie.get("release_year"), int) else None
    tmdb, imdb = movie.get("tmdb_id"), movie.get("imdb_id")
    if isinstance(tmdb, int) and not isinstance(tmdb, bool) and tmdb > 0:
        key = f"tmdb:{tmdb}"
    elif isinstance(imdb, str) and re.fullmatch(r"tt\d{7,10}", imdb):
        key = f"imdb:{imdb}"
    else:
        parsed.problems.append(Problem(source, title, year, "", "invalid",
                                       "the movie has no TMDB or IMDb id"))
        return

    def bad(message: str) -> None:
        parsed.problems.append(Problem(source, title, year, key, "invalid", message))

    status = entry.get("status")
    if status is not None and status not in STATUSES:
        return bad(f"status {status!r} is not one of {', '.join(STATUSES)}")
    rating = entry.get("rating")
    if rating is not None and (isinstance(rating, bool) or not isinstance(rating, int | float)
                               or not 0.5 <= rating <= 10 or (rating * 2) % 1):
        return bad(f"rating {rating!r} is not 0.5-10 in half steps")
    viewings = entry.get("viewings") or []
    try:
        dates = sorted({d for d in (parse_date(v) for v in viewings if isinstance(v, str)) if d})
    except (TypeError, ValueError):
        return bad("a viewing is not a date (YYYY-MM-DD)")
    rating = float(rating) if rating is not None else None
    if not dates:
        parsed.rows.append(Row(key, source, title, year, status, rating, rating_rank=1))
    for n, day in enumerate(dates):
        parsed.rows.append(Row(key, source, title, year, status, rating, day, n > 0, 1))
    return None
