"""Trakt's "Raw Export" (a ZIP of JSON files at any depth, its folder, or one JSON file).

watched-history(-N).json → seen with a viewing at each `watched_at`; watched-movies.json →
seen (its `last_watched_at` is a viewing only when no history file came along);
ratings-movies.json → seen with the rating (1-10); lists-watchlist.json → later.
Episodes, shows and seasons are skipped and counted; profile/settings files (identity,
e-mail) are never read. TMDB ids are used directly (else the IMDb id, else title + year).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from mydw.services.transfer.reader import Member, bad_file, members, read_json
from mydw.services.transfer.rows import Parsed, Problem, Row, parse_date, title_key

_HISTORY = re.compile(r"watched-history(?:-(\d+))?\.json")
KINDS = {"watched-movies.json": "watched", "ratings-movies.json": "ratings",
         "lists-watchlist.json": "watchlist"}
SKIPPED_FILES = {"watched-shows.json", "ratings-shows.json", "ratings-seasons.json",
                 "ratings-episodes.json"}


def _kind(member: Member) -> tuple[str, int] | None:
    name = member.basename
    if match := _HISTORY.fullmatch(name):
        return "history", int(match.group(1) or 0)
    if name in KINDS:
        return KINDS[name], 0
    return None


def parse(path: Path) -> Parsed:
    found = members(path)
    single = len(found) == 1 and not path.is_dir() and found[0].name == path.name
    chosen: list[tuple[str, int, Member]] = []
    skipped_files = []
    for member in found:
        known = _kind(member)
        if known is not None:
            chosen.append((known[0], known[1], member))
        elif member.basename in SKIPPED_FILES:
            skipped_files.append(member)
        elif single and member.basename.endswith(".json"):
            chosen.append(("guess", 0, member))
    if not chosen and not skipped_files:
        raise bad_file(str(path), "is not a Trakt export (no watched-history, watched-movies, "
                       "ratings-movies or lists-watchlist JSON file in it)")
    order = {"watchlist": 0, "watched": 1, "history": 2, "guess": 2, "ratings": 3}
    chosen.sort(key=lambda c: (order[c[0]], c[1], c[2].name))
    has_history = any(kind == "history" for kind, _n, _m in chosen)
    parsed = Parsed()
    for member in skipped_files:
        items = read_json(member)
        parsed.skipped += len(items) if isinstance(items, list) else 0
        parsed.files.append(member.label)
    for kind, _n, member in chosen:
        items = read_json(member)
        if not isinstance(items, list):
            raise bad_file(member.label, "is not a Trakt export file (not a JSON array)")
        parsed.files.append(member.label)
        for index, item in enumerate(items, 1):
            _item(kind, item, f"{member.basename}:{index}", parsed, has_history)
    return parsed


def _item(kind: str, item: Any, source: str, parsed: Parsed, has_history: bool) -> None:
    if not isinstance(item, dict):
        parsed.problems.append(Problem(source, None, None, "", "invalid", "not a JSON object"))
        return
    if item.get("type", "movie") != "movie" or not isinstance(item.get("movie"), dict):
        parsed.skipped += 1
        return
    if kind == "guess":
        kind = ("history" if "watched_at" in item else "ratings" if "rated_at" in item
                else "watchlist" if "listed_at" in item else "watched")
    movie = item["movie"]
    title = movie.get("title") if isinstance(movie.get("title"), str) else None
    year = movie.get("year") if isinstance(movie.get("year"), int) else None
    ids = movie.get("ids") if isinstance(movie.get("ids"), dict) else {}
    tmdb, imdb = ids.get("tmdb"), ids.get("imdb")
    if isinstance(tmdb, int) and not isinstance(tmdb, bool) and tmdb > 0:
        key = f"tmdb:{tmdb}"
    elif isinstance(imdb, str) and re.fullmatch(r"tt\d{7,10}", imdb):
        key = f"imdb:{imdb}"
    elif title:
        key = title_key(title, year)
    else:
        parsed.problems.append(Problem(source, title, year, "", "invalid",
                                       "the movie has no TMDB id, IMDb id or title"))
        return
    try:
        if kind == "history":
            watched = parse_date(_text(item.get("watched_at")))
        elif kind == "watched" and not has_history:
            watched = parse_date(_text(item.get("last_watched_at")))
        else:
            watched = None
    except ValueError:
        parsed.problems.append(Problem(source, title, year, key, "invalid",
                                       "watched_at is not a date"))
        return
    rating = None
    if kind == "ratings":
        value = item.get("rating")
        if isinstance(value, bool) or not isinstance(value, int | float) or not 1 <= value <= 10:
            parsed.problems.append(Problem(source, title, year, key, "invalid",
                                           f"rating {value!r} is not 1-10"))
            return
        rating = float(value)
    status = "later" if kind == "watchlist" else "seen"
    parsed.rows.append(Row(key, source, title, year, status, rating, watched,
                           rating_rank=2 if kind == "ratings" else 0))


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None
