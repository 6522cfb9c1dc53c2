"""recommend: "because you watched X" — movies like the ones you saw and liked."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from mydw.cli.options import GenreOption, JsonOption, LangOption, OfflineOption, chosen_lang
from mydw.cli.state import context

if TYPE_CHECKING:
    from mydw.services.recommend import Recommendation

NOTHING_SEEN = ("You have not marked any movie as seen yet: mark a few "
                "(`mydw mark seen MOVIE`) and recommend finds movies like them.")
NOTHING_FOUND = "No recommendation yet; mark more movies as seen, or try other genres."


def reason(item: Recommendation, lang: str) -> str:
    """Why `item` is recommended, in a few words: `because you watched A (1998), B (2004)`
    (TMDB), `shares Drama, Mystery with A (1998)` or `same director as A (1998)` (cache)."""
    tmdb = [b.label(lang) for b in item.because if b.reason == "tmdb"]
    if tmdb:
        return "because you watched " + ", ".join(tmdb)
    parts = []
    for b in item.because:
        if b.reason == "directors":
            parts.append(f"same director as {b.label(lang)} ({', '.join(b.shared)})")
        else:
            parts.append(f"shares {', '.join(b.shared)} with {b.label(lang)}")
    return "; ".join(parts)


def recommend(
    genre: GenreOption = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", min=1, max=100, metavar="N",
                          help="At most N movies (1-100).")
    ] = 10,
    lang: LangOption = None,
    offline: OfflineOption = False,
    json_: JsonOption = False,
) -> None:
    """Movies you didn't watch, because you watched (and liked) others.

    From TMDB's recommendations of your best-rated and most recent seen movies, scored by
    how many of them point at each one, your favourite genres, and IMDb rating and votes;
    never a movie you marked. Without a TMDB key or network, answers from the local cache
    (shared genres, years) and says so on stderr. Example: mydw recommend -g comedy -n 5
    """
    from mydw.cli import render
    from mydw.services import accounts
    from mydw.services import recommend as svc

    language = chosen_lang(lang)
    ctx = context()
    user = accounts.current_user(ctx)
    result = svc.recommend(ctx, user.id, genres=genre or [], limit=limit, lang=language,
                           offline=offline)
    if result.notice:
        render.notice(result.notice)
    if result.origin == "none":
        render.notice(NOTHING_SEEN)
    if json_:
        render.json(result.to_json())
    elif result.items:
        render.recommendations(result.movies, [reason(i, language) for i in result.items],
                               language)
    elif result.origin != "none":
        render.notice(NOTHING_FOUND)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the root app."""
    app.command()(recommend)
