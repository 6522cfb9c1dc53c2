"""The low-level writers: JSON/CSV on stdout, the Rich consoles, notices on stderr.

What a movie, a rating or a status looks like is `mydw.cli.render`'s (the one renderer);
the shared options are in `mydw.cli.options`.

stdout carries the result and only the result; notices, progress and errors go to stderr.
Rich is imported on first use, never at start-up.
"""

from __future__ import annotations

import csv
import math
import os
import re
import sys
from collections.abc import Iterable, Sequence
from functools import cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console


# What a control character becomes in `json.dumps(..., ensure_ascii=False)` output: C0
# characters are escaped (`\u001b`), C1 ones (8-bit CSI 0x9b...) and bidi overrides are not.
_CONTROL_IN_JSON = re.compile(
    r"\\u00[01][0-9a-fA-F]|\\u007[fF]|[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _safe(data: Any) -> Any:
    """`data` with control characters removed from its strings and NaN/Infinity as None
    (a value stored before mydw checked them, or by another tool)."""
    from mydw.domain.text import clean_escapes

    if isinstance(data, str):
        return clean_escapes(data)
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: _safe(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_safe(v) for v in data]
    return data


def dumps(data: Any, **options: Any) -> str:
    """One JSON text: never NaN or Infinity (not JSON: null), never a control character
    in a string (the C encoder's fast path first; a copy only when one is found)."""
    from mydw.domain.values import json_dumps

    text = json_dumps(data, ensure_ascii=False, **options)
    if _CONTROL_IN_JSON.search(text):
        text = json_dumps(_safe(data), ensure_ascii=False, **options)
    return text


def emit_json(data: Any) -> None:
    """One JSON document on stdout. Arrays get one compact item per line: readable, easy to
    grep, and written by the C encoder (`indent=` falls back to the pure-Python one, ~2x
    slower on a 10,000-movie list)."""
    if isinstance(data, list):
        if not data:
            sys.stdout.write("[]\n")
        else:
            write = sys.stdout.write
            write("[\n")
            last = len(data) - 1
            for i, item in enumerate(data):
                write(dumps(item))
                write(",\n" if i < last else "\n")
            write("]\n")
    else:
        sys.stdout.write(dumps(data, indent=2) + "\n")
    sys.stdout.flush()


# A character a CSV cell must not carry as it is: control characters (newline, ESC...),
# DEL and C1, bidi overrides.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        if not _CONTROL.search(value):  # the usual case: no copy, no Python loop
            return value
        from mydw.domain.text import clean_text

        return clean_text(value)  # one line: a CSV row is a line to most tools
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    return value


def emit_csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """CSV on stdout: text cells cleaned of control characters, unknown cells empty."""
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    sys.stdout.flush()


def reset() -> None:
    """Forget the consoles of a previous run (run() is called many times in one process)."""
    out.cache_clear()
    err.cache_clear()


def _no_color() -> bool:
    return bool(os.environ.get("NO_COLOR"))


@cache
def out() -> Console:
    """Rich console for human output on stdout."""
    from rich.console import Console

    return Console(no_color=_no_color(), highlight=False, soft_wrap=False)


@cache
def err() -> Console:
    """Rich console for notices and errors on stderr."""
    from rich.console import Console

    return Console(stderr=True, no_color=_no_color(), highlight=False)


def _plain_stderr() -> bool:
    # Scripts and cron read stderr as plain lines: skip Rich (and its ~40 ms import) there.
    return not sys.stderr.isatty()


def notice(message: str) -> None:
    """A one-line notice on stderr (remote/user text is never parsed as markup)."""
    if _plain_stderr():
        sys.stderr.write(message + "\n")
        return
    from rich.text import Text

    err().print(Text(message, style="yellow"))


def success(message: str) -> None:
    if _plain_stderr():
        sys.stderr.write(message + "\n")
        return
    from rich.text import Text

    err().print(Text(message, style="green"))


def stdin_is_tty() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def interactive() -> bool:
    """A person is at the terminal: prompts are allowed."""
    return stdin_is_tty() and sys.stderr.isatty()


# Kept for callers of the old home of the shared options (mydw.cli.options).
from mydw.cli.options import JsonOption, LangOption, YearOption, chosen_lang  # noqa: E402

__all__ = ["JsonOption", "LangOption", "YearOption", "chosen_lang", "emit_csv", "emit_json",
           "err", "interactive", "notice", "out", "reset", "stdin_is_tty", "success"]
