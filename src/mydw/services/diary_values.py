"""The diary's values as people type them: a rating (`8`, `4.5/5`, `★★★★½`) and a watch
date (`2026-11-30`, `today`, `yesterday`). Standard library only."""

from __future__ import annotations

import re
from datetime import date, timedelta

from mydw.domain.errors import UsageError

RATING_LOW, RATING_HIGH = 0.5, 10.0
EARLIEST_VIEWING = date(1888, 1, 1)  # the oldest surviving film; nobody watched before

_RATING_HELP = "a number from 0.5 to 10 in half steps (8, 7.5), out of 5 (4.5/5) or stars (★★★★½)"
_NUMBER = re.compile(r"\d{1,3}(?:[.,]\d{1,3})?", re.ASCII)
_STARS = re.compile(r"[★☆½\s]+")


def _bad_rating(text: str) -> UsageError:
    shown = " ".join(text.split())[:40] or "''"
    return UsageError(f"rating must be {_RATING_HELP}, not {shown!r}", parameter="rating")


def check_rating(value: float, *, text: str | None = None) -> float:
    """`value` if it is 0.5–10 in half steps, else `UsageError` naming `rating`."""
    if not (RATING_LOW <= value <= RATING_HIGH) or (value * 2) != int(value * 2):
        raise _bad_rating(text if text is not None else f"{value:g}")
    return float(value)


def parse_rating(text: str) -> float:
    """A rating on the 10-point scale: `"8"`, `"7.5"` → as is; `"4.5/5"` and `"★★★★½"`
    → doubled (9.0); `"8/10"` → 8.0. Anything else, or a value that is not 0.5–10 in half
    steps, raises `UsageError` (parameter `rating`)."""
    raw = text.strip()
    if not raw:
        raise _bad_rating(text)
    if _STARS.fullmatch(raw) and any(c in raw for c in "★½"):
        if "½" in raw.rstrip("☆ ")[:-1] or raw.count("½") > 1:
            raise _bad_rating(text)  # a half star only comes last
        return check_rating(raw.count("★") * 2 + (1 if "½" in raw else 0), text=text)
    number, slash, scale = (part.strip() for part in raw.partition("/"))
    if not _NUMBER.fullmatch(number) or (slash and scale not in ("5", "10")):
        raise _bad_rating(text)
    value = float(number.replace(",", "."))
    return check_rating(value * 2 if scale == "5" else value, text=text)


def parse_watch_date(text: str, *, today: date | None = None,
                     parameter: str = "on") -> date:
    """`today`, `yesterday` or an ISO date (`2026-11-30`) → a date; a date in the future,
    before 1888, or not a date raises `UsageError` naming `parameter`."""
    today = today or date.today()  # the local calendar: "yesterday" is the user's
    word = text.strip().casefold()
    if word in ("today", "aujourd'hui"):
        return today
    if word in ("yesterday", "hier"):
        return today - timedelta(days=1)
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", word, re.ASCII):
            raise ValueError(word)
        day = date.fromisoformat(word)
    except ValueError:
        shown = " ".join(text.split())[:40]
        raise UsageError(f"{parameter} must be a date (YYYY-MM-DD), today or yesterday, "
                         f"not {shown!r}", parameter=parameter) from None
    return check_watch_date(day, today=today, parameter=parameter)


def check_watch_date(day: date, *, today: date | None = None, parameter: str = "on") -> date:
    today = today or date.today()
    if day > today:
        raise UsageError(f"{parameter} {day.isoformat()} is in the future "
                         f"(today is {today.isoformat()})", parameter=parameter)
    if day < EARLIEST_VIEWING:
        raise UsageError(f"{parameter} {day.isoformat()} is before any film could be "
                         f"watched ({EARLIEST_VIEWING.year})", parameter=parameter)
    return day
