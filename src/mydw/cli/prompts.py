"""Questions for a person at the terminal (never asked when stdin/stderr are not a tty).

Every prompt goes through `ask` / `confirm`: Ctrl-C at a prompt is exit 130 with one line,
and the end of input (Ctrl-D, a closed stdin) is one line of ours and exit 1, never
Click's `Aborted.`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer

from mydw.cli import output

if TYPE_CHECKING:
    from mydw.services.catalog import Chooser
    from mydw.services.views import MovieView


@contextmanager
def _answered(*, hidden: bool) -> Iterator[None]:
    """Click's Abort (from Ctrl-C or the end of input) as our errors."""
    from typer import Abort

    from mydw.domain.errors import Interrupted, InvalidInput

    try:
        yield
    except Abort as exc:
        if not hidden:  # Click ends a hidden prompt's line itself
            sys.stderr.write("\n")
        if isinstance(exc.__context__, EOFError):
            raise InvalidInput("no answer: the input ended at a prompt") from None
        raise Interrupted("interrupted") from None


def ask(label: str, *, secret: bool = False, default: str | None = None) -> str:
    """One answer typed at the terminal (hidden for a secret), on stderr."""
    with _answered(hidden=secret):
        answer: str = typer.prompt(label, hide_input=secret, err=True, default=default,
                                   show_default=False)
    return answer


def confirm(question: str) -> bool:
    with _answered(hidden=False):
        return bool(typer.confirm(question, err=True))


def new_password(check: Callable[[str], str], label: str = "Password") -> str:
    """A new password: checked as soon as it is typed, then confirmed; asked again on a
    refusal or a mismatch."""
    from mydw.domain.errors import InvalidInput

    while True:
        password = ask(label, secret=True)
        try:
            check(password)
        except InvalidInput as exc:
            output.notice(str(exc))
            continue
        if ask("Repeat for confirmation", secret=True) == password:
            return password
        output.notice("The passwords do not match; type them again.")


def movie_chooser(lang: str) -> Chooser | None:
    """A numbered prompt on stderr to pick among ambiguous titles; None without a terminal
    (the service then fails with the candidates listed, exit 4)."""
    if not output.interactive():
        return None

    def choose(movies: list[MovieView]) -> MovieView | None:
        from rich.text import Text

        from mydw.cli import render

        err = output.err()
        err.print(Text("Several movies match:"))
        for number, movie in enumerate(movies, 1):
            err.print(Text(f"  {number}. {render.reference(movie, lang)}"))
        while True:
            answer = ask("Which one? (number, empty to cancel)", default="").strip()
            if not answer:
                return None
            if answer.isdigit() and 1 <= int(answer) <= len(movies):
                return movies[int(answer) - 1]
            output.notice(f"Type a number from 1 to {len(movies)}.")

    return choose
