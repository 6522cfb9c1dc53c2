"""Your movies: mark, unmark, list, stats, discover.

Only typer is imported at start-up; services and Rich are imported inside the commands.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from mydw.cli.options import (
    CsvOption,
    DiscoverSortOption,
    GenreOption,
    JsonOption,
    LangOption,
    LanguageOption,
    LimitOption,
    ListSortOption,
    MaxRatingOption,
    MinRatingOption,
    MoviesArgument,
    OfflineOption,
    PageLimitOption,
    StatusArgument,
    StatusOption,
    WithoutGenreOption,
    YearFromOption,
    YearOption,
    YearToOption,
    chosen_lang,
)
from mydw.cli.prompts import movie_chooser
from mydw.cli.state import context
from mydw.domain.constants import MAX_VOTES

if TYPE_CHECKING:
    from mydw.services.views import MovieView

# --------------------------------------------------------------------------- mark / unmark


def mark(
    status: StatusArgument,
    movies: MoviesArgument,
    year: YearOption = None,
    lang: LangOption = None,
    json_: JsonOption = False,
    on: Annotated[
        str | None,
        typer.Option("--on", metavar="DATE",
                     help="With seen: log a viewing that day (YYYY-MM-DD, today, yesterday)."),
    ] = None,
) -> None:
    """Mark movies as seen, later or not-interested (all of them, or none).

    Marking a movie again changes its status. `seen --on DATE` also logs a viewing (see
    `mydw diary`). Example: mydw mark seen 603 "Dune (2021)" --on yesterday
    """
    from mydw.cli import render
    from mydw.domain.types import MovieStatus
    from mydw.services import accounts
    from mydw.services import marks as svc

    parsed = MovieStatus(status)
    day = None
    if on is not None:
        from mydw.domain.errors import UsageError
        from mydw.services import diary

        if parsed is not MovieStatus.SEEN:
            raise UsageError(f"on logs a viewing: it goes with seen, not {parsed.cli_name}",
                             parameter="on")
        day = diary.parse_watch_date(on)
    language = chosen_lang(lang)
    ctx = context()
    user = accounts.current_user(ctx)
    if day is not None:
        marked = diary.add_viewings(ctx, user.id, movies, day, year=year,
                                    choose=movie_chooser(language), lang=language)
    else:
        marked = svc.mark(ctx, user.id, movies, parsed, year=year,
                          choose=movie_chooser(language), lang=language)
    if json_:
        render.movies_json(marked)
        return
    for movie in marked:
        watched = f" (watched {day.isoformat()})" if day else ""
        render.success(f"Marked {render.status(parsed.value)}: {render.label(movie, language)}"
                       f"{watched}")


def unmark(
    movies: MoviesArgument,
    year: YearOption = None,
    lang: LangOption = None,
    json_: JsonOption = False,
) -> None:
    """Forget your status on movies (all of them; exit 4 if one is not in your list).

    Example: mydw unmark tt0133093
    """
    from mydw.cli import render
    from mydw.services import accounts
    from mydw.services import marks as svc

    language = chosen_lang(lang)
    ctx = context()
    user = accounts.current_user(ctx)
    removed = svc.unmark(ctx, user.id, movies, year=year, choose=movie_chooser(language),
                         lang=language)
    if json_:
        render.movies_json(removed)
        return
    for movie in removed:
        render.success(f"Unmarked: {render.label(movie, language)}")


# --------------------------------------------------------------------------- list


def list_(
    status: StatusOption = None,
    genre: GenreOption = None,
    without_genre: WithoutGenreOption = None,
    year_from: YearFromOption = None,
    year_to: YearToOption = None,
    min_rating: MinRatingOption = None,
    language: LanguageOption = None,
    sort: ListSortOption = "updated",
    reverse: Annotated[bool, typer.Option("--reverse", "-r", help="Reverse the order.")] = False,
    limit: LimitOption = None,
    lang: LangOption = None,
    json_: JsonOption = False,
    csv_: CsvOption = False,
) -> None:
    """Your movies, newest first; grouped by status unless one --status is given.

    Example: mydw list --status later --genre drama --sort rating --json
    """
    from mydw.cli import render
    from mydw.domain.types import MovieStatus
    from mydw.services import accounts
    from mydw.services import marks as svc

    if json_ and csv_:
        raise typer.BadParameter("--json and --csv are mutually exclusive", param_hint="--csv")
    statuses = list(dict.fromkeys(MovieStatus(s) for s in status or []))
    language_ = chosen_lang(lang)
    ctx = context()
    user = accounts.current_user(ctx)
    movies = svc.list_movies(
        ctx, user.id, statuses=statuses, genres=genre or [], year_from=year_from,
        year_to=year_to, min_rating=min_rating, language=language, sort=sort,
        reverse=reverse, limit=limit, lang=language_, without_genres=without_genre or [],
    )
    if json_:
        render.movies_json(movies)
    elif csv_:
        render.movies_csv(movies, language_)
    elif not movies:
        filtered = bool(statuses or genre or year_from or year_to or min_rating is not None
                        or language)
        total = svc.stats(ctx, user.id).total if filtered else 0
        if total:
            render.notice(f"No movie matches the filters (you have {total} marked "
                          f"movie{'s' if total != 1 else ''}; `mydw list` shows them all).")
        else:
            render.notice("No movies yet. Mark some with `mydw mark seen MOVIE`.")
    elif len(statuses) == 1:
        render.movies(movies, language_)
    else:
        for value, group in _groups(movies):
            heading = f"{render.status_heading(value)} ({len(group)})"
            render.movies(group, language_, title=heading)


def _groups(movies: list[MovieView]) -> list[tuple[str, list[MovieView]]]:
    """The movies by status, in the order of the statuses, each group keeping the sort."""
    from mydw.cli import render

    groups: dict[str, list[MovieView]] = {s: [] for s in render.STATUS_HEADINGS}
    for movie in movies:
        groups.setdefault(movie.status or "", []).append(movie)
    return [(s, group) for s, group in groups.items() if group]


# --------------------------------------------------------------------------- stats


def stats(json_: JsonOption = False, lang: LangOption = None) -> None:
    """Your numbers: movies per status, average IMDb rating of what you saw, top genres,
    decades and years.
    """
    from mydw.cli import render
    from mydw.services import accounts
    from mydw.services import marks as svc

    ctx = context()
    user = accounts.current_user(ctx)
    result = svc.stats(ctx, user.id)
    if json_:
        render.json(result.to_json())
    else:
        render.stats(result, chosen_lang(lang))


# --------------------------------------------------------------------------- discover


def discover(
    genre: GenreOption = None,
    without_genre: WithoutGenreOption = None,
    min_rating: Annotated[
        float | None,
        typer.Option("--min-rating", min=0, max=10,
                     help="Minimum IMDb rating (default: discover-min-rating, 7.0)."),
    ] = None,
    max_rating: MaxRatingOption = None,
    min_votes: Annotated[
        int | None,
        typer.Option("--min-votes", min=0, max=MAX_VOTES,
                     help="Minimum IMDb votes (default: discover-min-votes, 5000)."),
    ] = None,
    year_from: YearFromOption = None,
    year_to: YearToOption = None,
    language: LanguageOption = None,
    sort: DiscoverSortOption = "popularity",
    limit: PageLimitOption = 20,
    lang: LangOption = None,
    offline: OfflineOption = False,
    json_: JsonOption = False,
) -> None:
    """Great movies you didn't watch: never one you marked with any status.

    From TMDB's discovery, judged by IMDb rating and votes (TMDB's own numbers stand in
    when the IMDb rating is not known yet). Without a TMDB key or network, answers from
    the local cache and says so on stderr. Example: mydw discover -g thriller -G horror
    --year-from 2000
    """
    from mydw.cli import render
    from mydw.services import accounts
    from mydw.services import discover as svc

    language_ = chosen_lang(lang)
    ctx = context()
    user = accounts.current_user(ctx)
    result = svc.discover(
        ctx, user.id, genres=genre or [], min_rating=min_rating, max_rating=max_rating,
        min_votes=min_votes, year_from=year_from, year_to=year_to, language=language,
        sort=sort, limit=limit, lang=language_, offline=offline,
        without_genres=without_genre or [],
    )
    if result.notice:
        render.notice(result.notice)
    if json_:
        render.json(result.to_json())
    elif not result.movies:
        render.notice("No movie matches; try lower thresholds or other filters.")
    else:
        render.movies(result.movies, language_)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command()(mark)
    app.command()(unmark)
    app.command("list")(list_)
    app.command()(stats)
    app.command()(discover)
