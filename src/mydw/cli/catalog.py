"""search and show: the catalog, from TMDB, cached on first use."""

from __future__ import annotations

from typing import Annotated

import typer

from mydw.cli.options import (
    JsonOption,
    LangOption,
    MovieArgument,
    OfflineOption,
    PageLimitOption,
    PageOption,
    QueryArgument,
    YearOption,
    chosen_lang,
)
from mydw.cli.prompts import movie_chooser
from mydw.cli.state import context


def search(
    query: QueryArgument,
    year: YearOption = None,
    lang: LangOption = None,
    limit: PageLimitOption = 20,
    page: PageOption = 1,
    offline: OfflineOption = False,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Ask TMDB again even if the answer is cached.")
    ] = False,
    json_: JsonOption = False,
) -> None:
    """Search movies on TMDB (cached on first use; the local cache answers when offline).

    Works without login; shows your status when you are logged in.
    Example: mydw search lighthouse keeper --year 2019 --lang fr
    """
    from mydw.cli import render
    from mydw.services import accounts, catalog

    words = " ".join(query)
    ctx = context()
    user = accounts.optional_user(ctx)
    result = catalog.search(
        ctx, words, year=year, lang=chosen_lang(lang), limit=limit, page=page, offline=offline,
        refresh=refresh, user_id=user.id if user else None,
        suggest=not json_,  # the hint is for people: a JSON list has no room for it
    )
    if result.notice:
        render.notice(result.notice)
    if json_:
        render.movies_json(result.movies)
    elif not result.movies:
        searched_year = getattr(result, "year", None) or year
        when = f" from {searched_year}" if searched_year else ""
        render.notice(f"No movie matches {result.query!r}{when}.")
        if result.suggestions:
            from mydw.services.catalog.suggest import did_you_mean

            render.notice(f"hint: {did_you_mean(result.suggestions, result.lang)}")
    else:
        render.movies(result.movies, result.lang)


def show(
    movie: MovieArgument,
    year: YearOption = None,
    lang: LangOption = None,
    json_: JsonOption = False,
) -> None:
    """Show one movie in full: both titles and overviews, genres, trailers, IMDb rating.

    The first time fetches it from TMDB (and OMDb); later times read the local cache.
    Example: mydw show "The Lighthouse Keeper (2019)"
    """
    from mydw.cli import render
    from mydw.services import accounts, catalog

    ctx = context()
    language = chosen_lang(lang)
    user = accounts.optional_user(ctx)
    view = catalog.show(
        ctx, movie, year=year, choose=movie_chooser(language), user_id=user.id if user else None,
        lang=language,
    )
    if json_:
        data = view.page_json()  # + original_title, runtime, directors
        data["imdb_url"] = view.imdb_url
        render.json(data)
    else:
        render.movie_details(view, language)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command("search")(search)
    app.command("show")(show)
