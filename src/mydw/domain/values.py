"""Numbers that cross a boundary (an upstream answer, a dataset row, a stored row): each
believed only within its bounds, else unknown (None). Stdlib only: every layer uses these.
"""

from __future__ import annotations

import math
from typing import Any

from mydw.domain.constants import MAX_VOTES, RATING_MAX, RATING_MIN, YEAR_MAX, YEAR_MIN

INT32_MAX = 2**31 - 1
"""The largest id or count a database INTEGER column holds on every backend."""


def valid_rating(value: Any) -> float | None:
    """`value` as an IMDb rating when it is a finite number from 0 to 10, else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    if not math.isfinite(number) or not RATING_MIN <= number <= RATING_MAX:
        return None
    return number


def valid_votes(value: Any) -> int | None:
    """`value` as a vote count when it is a whole number from 0 to MAX_VOTES, else None."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_VOTES:
        return None
    return value


def valid_year(value: Any) -> int | None:
    """`value` as a release year when it is a whole number from YEAR_MIN to YEAR_MAX."""
    if isinstance(value, bool) or not isinstance(value, int) or not YEAR_MIN <= value <= YEAR_MAX:
        return None
    return value


def finite(value: Any, default: float = 0.0) -> float:
    """A float that JSON can carry: non-finite numbers become `default`."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return default
    number = float(value)
    return number if math.isfinite(number) else default


def json_safe(data: Any) -> Any:
    """`data` with every non-finite float (NaN, ±Infinity, not JSON) replaced by None."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: json_safe(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [json_safe(v) for v in data]
    return data


def json_dumps(data: Any, **options: Any) -> str:
    """`json.dumps` that never writes NaN or Infinity (not JSON): they become null.

    The C encoder's fast path is tried first (`allow_nan=False`); only a document that
    holds a non-finite number is copied and encoded again."""
    import json

    try:
        return json.dumps(data, allow_nan=False, **options)
    except ValueError:
        return json.dumps(json_safe(data), allow_nan=False, **options)
