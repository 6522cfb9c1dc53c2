"""Plain value types shared by every layer (stdlib only)."""

from __future__ import annotations

import enum
import re
import unicodedata
from datetime import UTC, datetime, timedelta

from mydw.domain.constants import LANGUAGES


class MovieStatus(enum.StrEnum):
    SEEN = "seen"
    LATER = "later"
    NOT_INTERESTED = "not_interested"

    @classmethod
    def parse(cls, text: str, *, parameter: str | None = None) -> MovieStatus:
        """Accept `seen`, `later`, `not-interested`, `not_interested` (any case).

        Unknown: `InvalidInput`; with `parameter` (a service's), `UsageError` naming it."""
        key = text.strip().lower().replace("-", "_").replace(" ", "_")
        try:
            return cls(key)
        except ValueError:
            choices = ", ".join(s.cli_name for s in cls)
            raise _bad(f"unknown status {text!r} (choose from {choices})", parameter) from None

    @property
    def cli_name(self) -> str:
        return self.value.replace("_", "-")


def _bad(message: str, parameter: str | None) -> Exception:
    """`InvalidInput(message)`, or with a parameter `UsageError("<parameter>: message")`."""
    from mydw.domain.errors import InvalidInput, UsageError

    if parameter is None:
        return InvalidInput(message)
    return UsageError(f"{parameter}: {message}", parameter=parameter)


def parse_language(text: str) -> str:
    """An interface language (`en`, `fr`), else `InvalidInput`."""
    return check_language(text, None)


def check_language(text: str, parameter: str | None = "lang") -> str:
    """`parse_language` for a service's parameter: `UsageError` naming it."""
    lang = text.strip().lower()
    if lang not in LANGUAGES:
        raise _bad(f"unknown language {text!r} (choose from {', '.join(LANGUAGES)})", parameter)
    return lang


def utcnow() -> datetime:
    """Naive UTC 'now', the convention of the seed's DateTime columns."""
    return datetime.now(UTC).replace(tzinfo=None)


def iso_utc(value: datetime | None) -> str | None:
    """ISO 8601 in UTC with a trailing Z (naive values are taken as UTC)."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="seconds") + "Z"


_DURATION = re.compile(r"^\s*(\d{1,12}(?:\.\d{1,6})?)\s*([smhdw])\s*$",
                       re.IGNORECASE | re.ASCII)
MAX_DURATION = timedelta(days=100 * 366)
"""The longest duration accepted (100 years): longer ones overflow dates."""
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> timedelta:
    """`90s`, `30m`, `12h`, `7d`, `2w` -> timedelta."""
    from mydw.domain.errors import InvalidInput

    match = _DURATION.match(text)
    if not match:
        shown = text if len(text) <= 40 else text[:39] + "…"
        raise InvalidInput(f"invalid duration {shown!r} (use a number and a unit: 30m, 12h, 7d, "
                           "2w)")
    seconds = float(match.group(1)) * _UNITS[match.group(2).lower()]
    if seconds > MAX_DURATION.total_seconds():
        raise InvalidInput(f"duration {text.strip()!r} is too long (at most 100 years)")
    return timedelta(seconds=seconds)


def fold(text: str) -> str:
    """Accent- and case-insensitive form of a title, for matching."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(stripped.casefold().split())
