"""search and show: the catalog, from TMDB, cached on first use."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from mydw.cli import output
from mydw.cli.output import JsonOption, LangOption, YearOption, chosen_lang
from mydw.cli.prompts import movie_chooser
from mydw.cli.state import context

if TYPE_CHECKING:
    from rich.table import Table

    from mydw.services.catalog import SearchResult
    from mydw.services.views import MovieView

TMDB_MOVIE_URL = "https://www.themoviedb.org/movie/{}"



def search(
    query: Annotated[str, typer.Argument(help="Words of the title, in English or French.")],
    year: YearOption = None,
    lang: LangOption = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many results (1-100).")] = 20,
    page: Annotated[int, typer.Option("--page", help="Which page of --limit results.")] = 1,
    offline: Annotated[
        bool, typer.Option("--offline", help="Search the local cache only (no network).")
    ] = False,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Ask TMDB again even if the answer is cached.")
    ] = False,
    json_: JsonOption = False,
) -> None:
    """Search movies on TMDB (cached on first use; the local cache answers when offline).

    Works without login; shows your status when you are logged in.
    Example: mydw search "lighthouse keeper" --year 2019 --lang fr
    """
    from mydw.services import accounts, catalog

    ctx = context()
    user = accounts.optional_user(ctx)
    result = catalog.search(
        ctx, query, year=year, lang=chosen_lang(lang), limit=limit, page=page, offline=offline,
        refresh=refresh, user_id=user.id if user else None,
    )
    if result.notice:
        output.notice(result.notice)
    if json_:
        output.emit_json([m.to_json(user_context=user is not None) for m in result.movies])
        return
    if not result.movies:
        output.notice(f"No movie matches {result.query!r}.")
        return
    output.out().print(_results_table(result, with_status=user is not None))


def _rating(movie: MovieView) -> str:
    if movie.imdb_rating is None:
        return "–"
    votes = f" ({movie.vote_count:,} votes)" if movie.vote_count else ""
    return f"{movie.imdb_rating:.1f}{votes}"


def _status(movie: MovieView) -> str:
    return movie.status.replace("_", " ") if movie.status else "–"


def _results_table(result: SearchResult, *, with_status: bool) -> Table:
    from rich.table import Table
    from rich.text import Text

    from mydw.services.catalog import genre_labels

    table = Table(show_edge=False, pad_edge=False)
    table.add_column("TMDB id", justify="right", style="dim")
    table.add_column("Title")
    table.add_column("Year", justify="right")
    table.add_column("Genres")
    table.add_column("IMDb", justify="right")
    if with_status:
        table.add_column("Your status")
    for movie in result.movies:
        row = [
            Text(str(movie.tmdb_id)),
            Text(movie.title(result.lang), style="bold"),
            Text(str(movie.release_year or "")),
            Text(", ".join(genre_labels(movie, result.lang))),
            Text(f"{movie.imdb_rating:.1f}" if movie.imdb_rating is not None else "–"),
        ]
        if with_status:
            row.append(Text(_status(movie)))
        table.add_row(*row)
    return table


def show(
    movie: Annotated[
        str, typer.Argument(help="A TMDB id (603), an IMDb id (tt0133093) or a title.")
    ],
    year: YearOption = None,
    lang: LangOption = None,
    json_: JsonOption = False,
) -> None:
    """Show one movie in full: both titles and overviews, genres, trailers, IMDb rating.

    The first time fetches it from TMDB (and OMDb); later times read the local cache.
    Example: mydw show "The Lighthouse Keeper" --year 2019
    """
    from mydw.services import accounts, catalog

    ctx = context()
    language = chosen_lang(lang)
    user = accounts.optional_user(ctx)
    view = catalog.show(
        ctx, movie, year=year, choose=movie_chooser(language), user_id=user.id if user else None,
        lang=language,
    )
    if json_:
        data = view.to_json(user_context=user is not None)
        data["imdb_url"] = view.imdb_url
        output.emit_json(data)
        return
    output.out().print(_details_table(view, language, with_status=user is not None))


def _details_table(movie: MovieView, lang: str, *, with_status: bool) -> Table:
    from rich.table import Table
    from rich.text import Text

    from mydw.services.catalog import genre_labels

    other = "en" if lang == "fr" else "fr"
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(overflow="fold")

    def row(label: str, value: str | None, style: str = "") -> None:
        if value:
            grid.add_row(label, Text(value, style=style))

    row("Title", movie.title(lang), "bold")
    other_title = movie.title_en if lang == "fr" else movie.title_fr
    if other_title and other_title != movie.title(lang):
        row(f"Title ({other})", other_title)
    row("Year", str(movie.release_year) if movie.release_year else None)
    row("Genres", ", ".join(genre_labels(movie, lang)))
    row("Original language", movie.original_language)
    row("IMDb rating", _rating(movie) if movie.imdb_rating is not None else "not known yet")
    if with_status:
        row("Your status", _status(movie))
    row("Overview", movie.overview(lang))
    trailer = (movie.trailer_fr or movie.trailer_en) if lang == "fr" else movie.trailer_en
    row("Trailer", trailer or movie.trailer_fr)
    row("Poster", movie.poster_url)
    row("IMDb", movie.imdb_url)
    row("TMDB", TMDB_MOVIE_URL.format(movie.tmdb_id))
    return grid


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("search")(search)
    app.command("show")(show)
