"""Your movies: mark, unmark, list, stats, discover.

Only typer is imported at start-up; services and Rich are imported inside the commands.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated

import typer

from mydw.cli import output
from mydw.cli.output import JsonOption, LangOption, YearOption, chosen_lang
from mydw.cli.prompts import movie_chooser
from mydw.cli.state import context

if TYPE_CHECKING:
    from rich.table import Table

    from mydw.services.marks import Stats
    from mydw.services.views import MovieView

MoviesArgument = Annotated[
    list[str],
    typer.Argument(help="TMDB id (603), IMDb id (tt0133093) or title (quote it).",
                   show_default=False),
]
GenreOption = Annotated[
    list[str] | None,
    typer.Option("--genre", "-g", help="Genre in English or French (repeat: every one given)."),
]
YearFromOption = Annotated[int | None, typer.Option("--year-from", help="Released in or after.")]
YearToOption = Annotated[int | None, typer.Option("--year-to", help="Released in or before.")]
LanguageOption = Annotated[
    str | None, typer.Option("--language", help="Original language, two letters (fr, ja).")
]

STATUS_TITLES = {"seen": "Seen", "later": "Watch later", "not_interested": "Not interested"}


# --------------------------------------------------------------------------- helpers


def _rating(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def _votes(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _genres(movie: MovieView, lang: str) -> str:
    from mydw.services.filters import genre_name

    if movie.genre_ids:
        return ", ".join(genre_name(g, lang) for g in movie.genre_ids)
    return ", ".join(movie.genres)


def _movie_table(movies: Sequence[MovieView], lang: str, *, title: str | None = None,
                 status: bool = False, updated: bool = True) -> Table:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, title_justify="left", show_lines=False)
    table.add_column("Title", overflow="fold", min_width=20, ratio=3)
    table.add_column("Year", justify="right")
    table.add_column("IMDb", justify="right")
    table.add_column("Votes", justify="right")
    table.add_column("Genres", overflow="fold", ratio=2)
    table.add_column("TMDB", justify="right")
    if status:
        table.add_column("Status")
    if updated:
        table.add_column("Updated")
    for movie in movies:
        row: list[Text | str] = [Text(movie.title(lang)), str(movie.release_year or "—"),
               _rating(movie.imdb_rating), _votes(movie.vote_count),
               Text(_genres(movie, lang)), str(movie.tmdb_id)]
        if status:
            row.append((movie.status or "").replace("_", "-"))
        if updated:
            row.append(movie.updated_at.date().isoformat() if movie.updated_at else "—")
        table.add_row(*row)
    return table


# --------------------------------------------------------------------------- mark / unmark


def mark(
    status: Annotated[str, typer.Argument(help="seen, later or not-interested.",
                                          show_default=False)],
    movies: MoviesArgument,
    year: YearOption = None,
    lang: LangOption = None,
    json_: JsonOption = False,
) -> None:
    """Mark movies as seen, later or not-interested (all of them, or none).

    Marking a movie again changes its status. Example: mydw mark seen 603 "Fight Club"
    """
    from mydw.domain.types import MovieStatus
    from mydw.services import accounts
    from mydw.services import marks as svc

    parsed = MovieStatus.parse(status)
    language = chosen_lang(lang)
    ctx = context()
    user = accounts.current_user(ctx)
    marked = svc.mark(ctx, user.id, movies, parsed, year=year, choose=movie_chooser(language),
                      lang=language)
    if json_:
        output.emit_json([m.to_json(user_context=True) for m in marked])
        return
    for movie in marked:
        output.success(f"Marked {parsed.cli_name}: {movie.label(language)}")


def unmark(
    movies: MoviesArgument,
    year: YearOption = None,
    lang: LangOption = None,
    json_: JsonOption = False,
) -> None:
    """Forget your status on movies (all of them; exit 4 if one is not in your list).

    Example: mydw unmark tt0133093
    """
    from mydw.services import accounts
    from mydw.services import marks as svc

    language = chosen_lang(lang)
    ctx = context()
    user = accounts.current_user(ctx)
    removed = svc.unmark(ctx, user.id, movies, year=year, choose=movie_chooser(language),
                         lang=language)
    if json_:
        output.emit_json([m.to_json(user_context=True) for m in removed])
        return
    for movie in removed:
        output.success(f"Unmarked: {movie.label(language)}")


# --------------------------------------------------------------------------- list


def list_(
    status: Annotated[
        list[str] | None,
        typer.Option("--status", "-s", help="seen, later or not-interested (repeatable)."),
    ] = None,
    genre: GenreOption = None,
    year_from: YearFromOption = None,
    year_to: YearToOption = None,
    min_rating: Annotated[
        float | None, typer.Option("--min-rating", help="Minimum IMDb rating.")
    ] = None,
    language: LanguageOption = None,
    sort: Annotated[
        str, typer.Option("--sort", help="updated, rating, votes, year or title.")
    ] = "updated",
    reverse: Annotated[bool, typer.Option("--reverse", "-r", help="Reverse the order.")] = False,
    limit: Annotated[int | None, typer.Option("--limit", "-n", help="At most N movies.")] = None,
    lang: LangOption = None,
    json_: JsonOption = False,
    csv_: Annotated[bool, typer.Option("--csv", help="Print CSV on stdout.")] = False,
) -> None:
    """Your movies, newest first; grouped by status unless --status is given.

    Example: mydw list --status later --genre drama --sort rating --json
    """
    from mydw.domain.types import MovieStatus
    from mydw.services import accounts
    from mydw.services import marks as svc

    if json_ and csv_:
        raise typer.BadParameter("--json and --csv are mutually exclusive", param_hint="--csv")
    statuses = [MovieStatus.parse(s) for s in status or []]
    language_ = chosen_lang(lang)
    ctx = context()
    user = accounts.current_user(ctx)
    movies = svc.list_movies(
        ctx, user.id, statuses=statuses, genres=genre or [], year_from=year_from,
        year_to=year_to, min_rating=min_rating, language=language, sort=sort.strip().lower(),
        reverse=reverse, limit=limit, lang=language_,
    )
    if json_:
        output.emit_json([m.to_json(user_context=True) for m in movies])
    elif csv_:
        _emit_csv(movies, language_)
    else:
        _print_list(movies, language_, grouped=not statuses)


def _emit_csv(movies: Sequence[MovieView], lang: str) -> None:
    header = ["tmdb_id", "imdb_id", "title", "title_en", "title_fr", "release_year", "status",
              "updated_at", "imdb_rating", "vote_count", "genres", "original_language"]
    from mydw.domain.types import iso_utc

    output.emit_csv(header, (
        [m.tmdb_id, m.imdb_id, m.title(lang), m.title_en, m.title_fr, m.release_year,
         m.status, iso_utc(m.updated_at), m.imdb_rating, m.vote_count, "|".join(m.genres),
         m.original_language]
        for m in movies
    ))


def _print_list(movies: Sequence[MovieView], lang: str, *, grouped: bool) -> None:
    if not movies:
        output.notice("No movies match. Mark some with `mydw mark seen MOVIE`.")
        return
    if not grouped:
        output.out().print(_movie_table(movies, lang))
        return
    for status, heading in STATUS_TITLES.items():
        group = [m for m in movies if m.status == status]
        if group:
            output.out().print(_movie_table(group, lang, title=f"{heading} ({len(group)})"))


# --------------------------------------------------------------------------- stats


def stats(json_: JsonOption = False) -> None:
    """Your numbers: movies per status, average IMDb rating of what you saw, top genres,
    decades and years.
    """
    from mydw.services import accounts
    from mydw.services import marks as svc

    ctx = context()
    user = accounts.current_user(ctx)
    result = svc.stats(ctx, user.id)
    if json_:
        output.emit_json(result.to_json())
    else:
        _print_stats(result, ctx.settings.lang)


def _print_stats(result: Stats, lang: str) -> None:
    from rich.table import Table

    from mydw.services.filters import genre_name

    console = output.out()
    counts = ", ".join(f"{STATUS_TITLES[s].lower()} {n}" for s, n in result.counts.items())
    console.print(f"{result.total} movies marked: {counts}")
    average = result.average_imdb_rating_seen
    if average is not None:
        console.print(f"Average IMDb rating of what you saw: {average:.2f} "
                      f"({result.rated_seen} rated)")
    if result.top_genres:
        table = Table(title="Top genres (seen)", title_justify="left")
        table.add_column("Genre")
        table.add_column("Movies", justify="right")
        for g in result.top_genres:
            table.add_row(genre_name(g.genre_id, lang) if g.genre_id else g.genre, str(g.count))
        console.print(table)
    if result.decades:
        table = Table(title="Decades (seen)", title_justify="left")
        table.add_column("Decade")
        table.add_column("Movies", justify="right")
        for decade, n in sorted(result.decades.items()):
            table.add_row(f"{decade}s", str(n))
        console.print(table)


# --------------------------------------------------------------------------- discover


def discover(
    genre: GenreOption = None,
    min_rating: Annotated[
        float | None,
        typer.Option("--min-rating",
                     help="Minimum IMDb rating (default: discover-min-rating, 7.0)."),
    ] = None,
    max_rating: Annotated[
        float | None, typer.Option("--max-rating", help="Maximum IMDb rating.")
    ] = None,
    min_votes: Annotated[
        int | None,
        typer.Option("--min-votes", help="Minimum IMDb votes (default: discover-min-votes, 5000)."),
    ] = None,
    year_from: YearFromOption = None,
    year_to: YearToOption = None,
    language: LanguageOption = None,
    sort: Annotated[
        str, typer.Option("--sort", help="popularity, rating, votes or year.")
    ] = "popularity",
    limit: Annotated[int, typer.Option("--limit", "-n", help="At most N movies (1-100).")] = 20,
    lang: LangOption = None,
    offline: Annotated[
        bool, typer.Option("--offline", help="Answer from the local cache only.")
    ] = False,
    json_: JsonOption = False,
) -> None:
    """Great movies you didn't watch: never one you marked with any status.

    From TMDB's discovery, judged by IMDb rating and votes (TMDB's own numbers stand in
    when the IMDb rating is not known yet). Without a TMDB key or network, answers from
    the local cache and says so on stderr. Example: mydw discover -g thriller --year-from 2000
    """
    from mydw.services import accounts
    from mydw.services import discover as svc

    language_ = chosen_lang(lang)
    ctx = context()
    user = accounts.current_user(ctx)
    result = svc.discover(
        ctx, user.id, genres=genre or [], min_rating=min_rating, max_rating=max_rating,
        min_votes=min_votes, year_from=year_from, year_to=year_to, language=language,
        sort=sort.strip().lower(), limit=limit, lang=language_, offline=offline,
    )
    if result.notice:
        output.notice(result.notice)
    if json_:
        output.emit_json(result.to_json())
    elif not result.movies:
        output.notice("No movie matches; try lower thresholds or other filters.")
    else:
        output.out().print(_movie_table(result.movies, language_, updated=False))


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command()(mark)
    app.command()(unmark)
    app.command("list")(list_)
    app.command()(stats)
    app.command()(discover)
