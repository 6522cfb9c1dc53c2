"""rate and diary: your own ratings and the days you watched (`mark seen --on` logs one).

Only typer is imported at start-up; services and Rich are imported inside the commands.
"""

from __future__ import annotations

from typing import Annotated

import typer

from mydw.cli.options import (
    JsonOption,
    LangOption,
    LimitOption,
    MovieArgument,
    YearOption,
    chosen_lang,
)
from mydw.cli.prompts import movie_chooser
from mydw.cli.state import context

RatingArgument = Annotated[
    str | None,
    typer.Argument(metavar="RATING", show_default=False,
                   help="0.5 to 10 in half steps (8, 7.5); out of 5 (4.5/5) or stars "
                        "(★★★★½) are doubled."),
]
ViewingYearOption = Annotated[
    int | None,
    typer.Option("--year", "-y", min=1888, max=2100, help="Only the viewings of this year."),
]


def rate(
    movie: MovieArgument,
    rating: RatingArgument = None,
    clear: Annotated[bool, typer.Option("--clear", help="Remove your rating.")] = False,
    year: YearOption = None,
    lang: LangOption = None,
    json_: JsonOption = False,
) -> None:
    """Rate a movie you saw, 0.5 to 10 in half steps (rating it marks it seen).

    Examples: mydw rate 603 8 · mydw rate "Dune (2021)" 4.5/5 · mydw rate 603 --clear
    """
    from mydw.cli import render
    from mydw.domain.errors import UsageError
    from mydw.services import accounts
    from mydw.services import diary as svc

    if clear and rating is not None:
        raise UsageError("rating and --clear cannot go together", parameter="rating")
    if not clear and rating is None:
        raise UsageError("rating is missing (0.5 to 10, e.g. `mydw rate 603 8`; "
                         "--clear removes it)", parameter="rating")
    value = None if clear else svc.parse_rating(rating or "")
    language = chosen_lang(lang)
    ctx = context()
    user = accounts.current_user(ctx)
    view = svc.rate(ctx, user.id, movie, value, year=year, choose=movie_chooser(language),
                    lang=language)
    if json_:
        render.json(view.to_json())
    elif value is None:
        render.success(f"Rating removed: {render.label(view, language)}")
    else:
        render.success(f"Rated {render.my_rating(value)}: {render.label(view, language)} "
                       f"({render.status(view.status)})")


def diary(
    year: ViewingYearOption = None,
    limit: LimitOption = None,
    lang: LangOption = None,
    json_: JsonOption = False,
) -> None:
    """Your viewings, newest first: one entry per day you watched a movie.

    Log one with: mydw mark seen MOVIE --on 2026-11-30 (or yesterday). Example: mydw diary
    --year 2026 --json
    """
    from mydw.cli import render
    from mydw.services import accounts
    from mydw.services import diary as svc

    language = chosen_lang(lang)
    ctx = context()
    user = accounts.current_user(ctx)
    entries = svc.diary(ctx, user.id, year=year, limit=limit)
    if json_:
        render.json([e.to_json() for e in entries])
    elif not entries:
        when = f" in {year}" if year else ""
        render.notice(f"No viewings{when}. Log one with `mydw mark seen MOVIE --on DATE`.")
    else:
        render.diary(entries, language)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command()(rate)
    app.command()(diary)
