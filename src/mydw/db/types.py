"""Column types: portable arrays (ARRAY on PostgreSQL, JSON elsewhere), and values checked
where they leave the database.

The PostgreSQL ARRAY type is chosen per dialect when a statement is compiled, so that
importing the models does not import `sqlalchemy.dialects.postgresql` (~90 ms, every
command on SQLite).

Another tool may write rows that do not fit (SQLite holds anything in any column): a
status of `watched`, `genre_ids` that is not JSON, a date that is not a date, a rating of
99.9. Every column that could hold one is read through a checked type: a value mydw does
not understand is read as None (shown as unknown) and remembered in `problems()`, which
the command line reports once, on stderr, at the end of the command.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Enum, Float, Integer, String
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.mutable import MutableList
from sqlalchemy.types import TypeDecorator, TypeEngine

from mydw.domain.constants import MAX_VOTES, RATING_MAX, RATING_MIN, YEAR_MAX, YEAR_MIN
from mydw.domain.values import INT32_MAX, valid_rating, valid_votes, valid_year

# --------------------------------------------------------------------------- the problems

_lock = threading.Lock()
_problems: dict[tuple[str, str], int] = {}
SHOWN_PROBLEMS = 4


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…'"


def note_problem(column: str, value: Any) -> None:
    """Remember that `column` held `value`, which mydw does not understand."""
    key = (column or "a column", _shown(value))
    with _lock:
        _problems[key] = _problems.get(key, 0) + 1


def problems() -> list[tuple[str, str, int]]:
    """(column, value as shown, how many reads) of every value not understood so far."""
    with _lock:
        return [(column, value, n) for (column, value), n in _problems.items()]


def reset_problems() -> None:
    with _lock:
        _problems.clear()


def problem_report() -> str | None:
    """The one line that tells about stored values mydw did not understand (None: none)."""
    found = problems()
    if not found:
        return None
    # One example per column, the user's own rows (statuses) first.
    examples: dict[str, str] = {}
    for column, value, _n in sorted(found, key=lambda p: (not p[0].startswith("user_"), p[0])):
        examples.setdefault(column, value)
    listed = list(examples.items())
    shown = ", ".join(f"{column}={value}" for column, value in listed[:SHOWN_PROBLEMS])
    rest = len(found) - min(len(listed), SHOWN_PROBLEMS)
    more = f" and {rest} more" if rest else ""
    noun = "value" if len(found) == 1 else "values"
    return (f"{len(found)} stored {noun} mydw does not understand ({shown}{more}); "
            "shown as unknown")


# --------------------------------------------------------------------------- checked types

_READ_ERRORS = (ValueError, TypeError, LookupError, OverflowError, ArithmeticError)


def _checked_processor(impl_processor: Callable[[Any], Any] | None, column: str,
                       check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    if impl_processor is None:  # numbers, strings: no conversion, only the check
        def plain(value: Any) -> Any:
            if value is None:
                return None
            good = check(value)
            if good is None:
                note_problem(column, value)
            return good

        return plain

    def process(value: Any) -> Any:
        if value is None:
            return None
        try:
            out = impl_processor(value)
        except _READ_ERRORS:
            note_problem(column, value)
            return None
        good = check(out)
        if good is None and out is not None:
            note_problem(column, value)
        return good

    return process


class _Checked(TypeDecorator[Any]):
    """A type whose stored values are checked on the way out (see the module's doc)."""

    cache_ok = True
    column = ""

    def check(self, value: Any) -> Any:
        return value

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        # The impl's own processor (JSON decoding, ISO dates, enum lookup) may fail on a
        # foreign value: it runs inside the check. TypeDecorator's default would let it
        # raise out of the query.
        impl_processor = self.impl_instance.result_processor(dialect, coltype)
        return _checked_processor(impl_processor, self.column, self.check)


class CheckedDateTime(_Checked):
    """A DateTime; a stored value that is not a date reads as None."""

    impl = DateTime
    cache_ok = True

    def __init__(self, column: str = "") -> None:
        super().__init__()
        self.column = column

    def check(self, value: Any) -> Any:
        return value if isinstance(value, datetime) else None


def _fast(kind: type[Any], low: float, high: float, slow: Callable[[Any], Any]
          ) -> Callable[[Any], Any]:
    """`slow` (the domain's check), after a cheap test that passes every usual value."""
    def check(value: Any) -> Any:
        if value.__class__ is kind and low <= value <= high:  # NaN fails the comparison
            return value
        return slow(value)

    return check


_NUMBER_CHECKS: dict[str, Callable[[Any], Any]] = {
    "rating": _fast(float, RATING_MIN, RATING_MAX, valid_rating),
    "votes": _fast(int, 0, MAX_VOTES, valid_votes),
    "year": _fast(int, YEAR_MIN, YEAR_MAX, valid_year),
    "int": _fast(int, -INT32_MAX, INT32_MAX, lambda v: None),
}


class _CheckedNumber(_Checked):
    """A number within the bounds of its `kind` (`_NUMBER_CHECKS`); else it reads as None."""

    kind_default = "int"

    def __init__(self, column: str = "", kind: str | None = None) -> None:
        super().__init__()
        self.column = column
        self.kind = kind or self.kind_default

    @property
    def check(self) -> Callable[[Any], Any]:
        return _NUMBER_CHECKS[self.kind]


class CheckedFloat(_CheckedNumber):
    """A Float within bounds (`kind`: rating)."""

    impl = Float
    cache_ok = True
    kind_default = "rating"


class CheckedInteger(_CheckedNumber):
    """An Integer within bounds (`kind`: votes, year, int)."""

    impl = Integer
    cache_ok = True


class CheckedString(_Checked):
    """A String; a stored non-text value (SQLite holds anything) reads as None."""

    impl = String
    cache_ok = True

    def __init__(self, column: str = "") -> None:
        super().__init__()
        self.column = column

    def check(self, value: Any) -> Any:
        return value if isinstance(value, str) else None


class CheckedEnum(_Checked):
    """An Enum (native on PostgreSQL); a value outside it (`watched`) reads as None."""

    impl = Enum
    cache_ok = True

    def __init__(self, *values: str, name: str, column: str = "") -> None:
        super().__init__(*values, name=name)
        self.column = column
        self.values = values

    def check(self, value: Any) -> Any:
        return value if value in self.values else None


class CheckedJSON(_Checked):
    """JSON; a stored value that is not JSON reads as None."""

    impl = JSON
    cache_ok = True

    def __init__(self, column: str = "") -> None:
        super().__init__()
        self.column = column


class PortableArray(TypeDecorator[list[Any]]):
    """`ARRAY(item)` on PostgreSQL, `JSON` everywhere else; a stored value that is not a
    list of `item` (not JSON, a JSON object, a string among integers) reads as None."""

    impl = JSON
    cache_ok = True

    def __init__(self, item_type: TypeEngine[Any], column: str = "") -> None:
        super().__init__()
        self.item_type = item_type
        self.column = column

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import ARRAY

            return dialect.type_descriptor(ARRAY(self.item_type))
        return dialect.type_descriptor(JSON())

    def check(self, value: Any) -> Any:
        if value.__class__ is not list:
            return None
        if not isinstance(self.item_type, Integer):
            return value if all(one.__class__ is str for one in value) else None
        for one in value:  # `int` excludes bool: `True.__class__ is bool`
            if one.__class__ is not int or not -INT32_MAX <= one <= INT32_MAX:
                return None
        return value

    def result_processor(self, dialect: Dialect, coltype: Any) -> Any:
        impl_processor = self.impl_instance.result_processor(dialect, coltype)
        return _checked_processor(impl_processor, self.column, self.check)

    def __repr__(self) -> str:  # how Alembic would render it in a migration
        return f"PortableArray({self.item_type!r})"


def _array(item: TypeEngine[Any], column: str = "") -> Any:
    return MutableList.as_mutable(PortableArray(item, column))


StringArray = _array(String(), "movies.genres")
IntegerArray = _array(Integer(), "movies.genre_ids")


def sqlite_json_array(column: Any) -> Any:
    """SQL (SQLite): `column` when it holds a JSON array, else `'[]'`, for `json_each` and
    `json_array_length`, which fail the whole query on one value that is not JSON."""
    from sqlalchemy import and_, case, func

    return case((and_(func.json_valid(column) == 1, func.json_type(column) == "array"), column),
                else_="[]")
