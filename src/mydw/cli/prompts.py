"""Questions for a person at the terminal (never asked when stdin/stderr are not a tty)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from mydw.cli import output

if TYPE_CHECKING:
    from mydw.services.catalog import Chooser
    from mydw.services.views import MovieView


def movie_chooser(lang: str) -> Chooser | None:
    """A numbered prompt on stderr to pick among ambiguous titles; None without a terminal
    (the service then fails with the candidates listed, exit 4)."""
    if not output.interactive():
        return None

    def choose(movies: list[MovieView]) -> MovieView | None:
        from rich.text import Text

        err = output.err()
        err.print(Text("Several movies match:"))
        for number, movie in enumerate(movies, 1):
            err.print(Text(f"  {number}. {movie.label(lang)} — tmdb:{movie.tmdb_id}"))
        while True:
            answer = typer.prompt(
                "Which one? (number, empty to cancel)", default="", show_default=False, err=True
            ).strip()
            if not answer:
                return None
            if answer.isdigit() and 1 <= int(answer) <= len(movies):
                return movies[int(answer) - 1]
            output.notice(f"Type a number from 1 to {len(movies)}.")

    return choose
