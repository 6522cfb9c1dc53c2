"""MOVIE references → a cached movie with its full details.

A reference is a TMDB id (`603`, `tmdb:603`, a themoviedb.org URL), an IMDb id (`tt0133093`,
an imdb.com URL) or a title, optionally with its year: `Dune (2021)`. A year in the
reference wins over the `year` argument (which applies to references without one).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from contextlib import AbstractContextManager, nullcontext

from mydw.db.models import Movie
from mydw.domain.constants import LANGUAGE_TAGS
from mydw.domain.errors import Ambiguous, InvalidInput, MydwError, NotFound
from mydw.domain.types import check_language, fold
from mydw.services.catalog.common import (
    Cached,
    Chooser,
    Upstream,
    cached,
    cached_rows,
    check_text,
    check_year,
    views_with_lines,
    with_status,
)
from mydw.services.catalog.pages import fresh_page, query_key, search_page, search_pages_at_once
from mydw.services.catalog.search import local_candidates
from mydw.services.catalog.store import complete, fetch_all
from mydw.services.context import AppContext
from mydw.services.diary_rows import with_page
from mydw.services.views import MovieView

_IMDB_ID = re.compile(r"(?:https?://(?:www\.|m\.)?imdb\.com/title/)?(tt\d{7,10})/?", re.I)
_TMDB_ID = re.compile(
    r"(?:tmdb:|https?://(?:www\.)?themoviedb\.org/movie/)?(\d{1,9})(?:-[^/\s]*)?/?", re.I
)
_TITLE_YEAR = re.compile(r"(.*\S)\s*\((\d{4})\)")
_ALMOST_IMDB_ID = re.compile(r"tt\d{1,6}|tt\d{11,}", re.I)  # no title looks like this


def _checked_ref(ref: str | None) -> str:
    """A reference as given, stripped; empty, too long, or an IMDb id with the wrong number
    of digits (no title looks like `tt123`) → `InvalidInput` naming `movie`."""
    text = (ref or "").strip()
    if not text:
        raise InvalidInput(
            "movie is empty: use a TMDB id, an IMDb id (tt…) or a title", parameter="movie"
        )
    check_text(text, "movie")
    if _ALMOST_IMDB_ID.fullmatch(text):
        raise InvalidInput(f"{text!r} is not an IMDb id: tt and 7 to 10 digits (tt0133093)",
                           parameter="movie")
    return text


def split_year(ref: str) -> tuple[str, int | None]:
    """``"Dune (2021)"`` → ``("Dune", 2021)``; anything else → ``(ref, None)``."""
    match = _TITLE_YEAR.fullmatch(ref.strip())
    if match is None:
        return ref.strip(), None
    return match.group(1), int(match.group(2))


def resolve_movie(
    ctx: AppContext,
    ref: str,
    *,
    year: int | None = None,
    choose: Chooser | None = None,
    lang: str | None = None,
) -> MovieView:
    """A TMDB id (`603`, `tmdb:603`), an IMDb id (`tt0133093`) or a title (`Dune`,
    `Dune (2021)`) → a cached movie with its full details (fetched once; later calls read
    the database only).

    A title is matched against the local cache first (English, French and original
    titles, accent- and case-insensitive), then searched on TMDB in `lang` (default: the
    `lang` setting). The year picks among remakes: the one in `ref`, else `year`. Several
    matches → `choose`, else `Ambiguous` (exit 4) whose candidates are movie views
    (labelled `Title (year)`); none → `NotFound` (exit 4).
    """
    text = _checked_ref(ref)
    check_year(year)
    lang = check_language(lang or ctx.settings.lang)
    with Upstream(ctx) as up:
        with _waiting(ctx, [text], choose):
            tmdb_id, here = _target(ctx, up, text, year, choose, lang)
        with ctx.progress(WAITING):
            return complete(ctx, up, tmdb_id, here).view


WAITING = "Asking TMDB…"


def _waiting(ctx: AppContext, refs: Sequence[str], choose: Chooser | None,
             ) -> AbstractContextManager[object]:
    """The progress hook around finding the movies, unless a title may ask the user to
    choose (a spinner must not run over a prompt)."""
    titles = any(not (_TMDB_ID.fullmatch(r) or _IMDB_ID.fullmatch(r)) for r in refs)
    return nullcontext() if titles and choose is not None else ctx.progress(WAITING)


Target = tuple[int, Cached | None]  # a TMDB id, and its cached row when there is one


def _target(ctx: AppContext, up: Upstream, text: str, year: int | None,
            choose: Chooser | None, lang: str) -> Target:
    """The movie a reference names, before its details are completed."""
    if match := _TMDB_ID.fullmatch(text):
        tmdb_id = int(match.group(1))
        return tmdb_id, cached(ctx, Movie.tmdb_id == tmdb_id)
    if match := _IMDB_ID.fullmatch(text):
        return _by_imdb_id(ctx, up, match.group(1).lower())
    title, own_year = split_year(text)
    if own_year is not None:
        check_year(own_year)
        year = own_year
    return _by_title(ctx, up, title, year, choose, lang)


def resolve_movies(
    ctx: AppContext,
    refs: Sequence[str],
    *,
    year: int | None = None,
    choose: Chooser | None = None,
    lang: str | None = None,
) -> list[MovieView | NotFound | Ambiguous]:
    """`resolve_movie` for several references at once: for each, its movie or the
    NotFound / Ambiguous that stopped it (UpstreamError and usage errors raise, as one).

    The TMDB details of every movie still missing them are fetched together (one request
    per movie, all at once, then their IMDb ratings), after each reference was turned
    into its movie in order (a `choose` prompt comes in the order of `refs`); everything
    is written by the calling thread.
    """
    for ref in refs:
        _checked_ref(ref)
    check_year(year)
    lang = check_language(lang or ctx.settings.lang)
    outcomes: list[MovieView | NotFound | Ambiguous] = []
    with Upstream(ctx) as up:
        targets: list[Target | NotFound | Ambiguous] = []
        with _waiting(ctx, [r.strip() for r in refs], choose):
            failed = _search_titles(ctx, up, [r.strip() for r in refs], year, lang)
            for ref in refs:
                if (failure := failed.get(ref.strip())) is not None:
                    if isinstance(failure, NotFound | Ambiguous):
                        targets.append(failure)
                        continue
                    raise failure  # where one after another would have stopped
                try:
                    targets.append(_target(ctx, up, ref.strip(), year, choose, lang))
                except (NotFound, Ambiguous) as error:
                    targets.append(error)
        wanted = [t[0] for t in targets
                  if isinstance(t, tuple) and not (t[1] is not None and t[1].detailed)]
        # The movies named are few: their OMDb lookups go at once, without waiting for a
        # first answer (a refused key then costs one refused request per movie, no quota).
        up.ratings.probe = False
        with ctx.progress(WAITING):
            fetched = fetch_all(up, wanted) if len(wanted) > 1 else {}
            for target in targets:
                if not isinstance(target, tuple):
                    outcomes.append(target)
                    continue
                tmdb_id, here = target
                try:
                    outcomes.append(complete(ctx, up, tmdb_id, here, fetched.get(tmdb_id)).view)
                except (NotFound, Ambiguous) as error:
                    outcomes.append(error)
    return outcomes


def _search_titles(ctx: AppContext, up: Upstream, refs: Sequence[str], year: int | None,
                   lang: str) -> dict[str, MydwError]:
    """The TMDB searches of several titles, asked at once and stored in the search cache
    (where `_by_title` then finds them): each reference that failed maps to its error."""
    wanted: dict[str, tuple[str, str, int | None]] = {}  # ref -> (cache key, title, year)
    for ref in dict.fromkeys(refs):
        if _TMDB_ID.fullmatch(ref) or _IMDB_ID.fullmatch(ref):
            continue
        title, own_year = split_year(ref)
        if own_year is not None:
            check_year(own_year)
        when = own_year if own_year is not None else year
        key = query_key(title, lang, when, 1)
        if not _local_exact(ctx, title, when) and fresh_page(ctx, key) is None:
            wanted[ref] = (key, title, when)
    if len(wanted) < 2:
        return {}
    answers = search_pages_at_once(ctx, up, list(wanted.values()), lang)
    return {ref: answer for ref, answer in zip(wanted, answers, strict=True)
            if isinstance(answer, MydwError)}


def resolve_cached(ctx: AppContext, ref: str, *, year: int | None = None,
                   choose: Chooser | None = None, lang: str = "en") -> MovieView:
    """Like `resolve_movie`, from the local cache only (no request): `NotFound` when the
    movie was never cached."""
    text = _checked_ref(ref)
    check_year(year)
    here: Cached | None = None
    if match := _TMDB_ID.fullmatch(text):
        here = cached(ctx, Movie.tmdb_id == int(match.group(1)))
    elif match := _IMDB_ID.fullmatch(text):
        here = cached(ctx, Movie.imdb_id == match.group(1).lower())
    else:
        title, own_year = split_year(text)
        if own_year is not None:
            check_year(own_year)
            year = own_year
        local = _local_exact(ctx, title, year)
        if local:
            return _pick(title, year, [c.view for c in local], choose, lang)
    if here is None:
        raise NotFound(f"{text!r} is not in the local cache", hint="search for it online first")
    return here.view


def _by_imdb_id(ctx: AppContext, up: Upstream, imdb_id: str) -> Target:
    found_here = cached(ctx, Movie.imdb_id == imdb_id)
    if found_here is not None:
        return found_here.view.tmdb_id, found_here
    found = up.tmdb.find_by_imdb_id(imdb_id, language=LANGUAGE_TAGS["en"])
    if not found:
        raise NotFound(f"TMDB knows no movie with the IMDb id {imdb_id}")
    tmdb_id = found[0].tmdb_id
    return tmdb_id, cached(ctx, Movie.tmdb_id == tmdb_id)


def _local_exact(ctx: AppContext, title: str, year: int | None) -> list[Cached]:
    """Cached movies one of whose titles is exactly `title` (folded)."""
    wanted = fold(title)
    with ctx.db.read() as session:
        ids = [
            movie_id for movie_id, lines, _votes in local_candidates(session, wanted.split(), year)
            if wanted in lines.split("\n")
        ]
        return cached_rows(session, Movie.id.in_(ids)) if ids else []


def _by_title(
    ctx: AppContext, up: Upstream, title: str, year: int | None, choose: Chooser | None,
    lang: str,
) -> Target:
    local = _local_exact(ctx, title, year)
    if local:
        picked = _pick(title, year, [c.view for c in local], choose, lang)
        here = next((c for c in local if c.view.id == picked.id), None)
        return picked.tmdb_id, here or cached(ctx, Movie.id == picked.id)
    page = search_page(ctx, up, title, lang, year, 1, refresh=False)
    found = views_with_lines(ctx, page.tmdb_ids)
    if year is not None:
        found = [(v, lines) for v, lines in found if v.release_year == year]
    wanted = fold(title)
    exact = [v for v, lines in found if wanted in lines]
    candidates = exact or [v for v, _lines in found]
    if not candidates:
        from mydw.services.catalog.suggest import did_you_mean, suggestions

        close = suggestions(ctx, up, title, year, lang)
        suffix = f" from {year}" if year else ""
        raise NotFound(f"no movie titled {title!r}{suffix} on TMDB",
                       hint=did_you_mean(close, lang), candidates=close)
    picked = _pick(title, year, candidates, choose, lang)
    return picked.tmdb_id, cached(ctx, Movie.id == picked.id)


def _pick(
    title: str, year: int | None, candidates: list[MovieView], choose: Chooser | None, lang: str
) -> MovieView:
    if len(candidates) == 1:
        return candidates[0]
    if choose is not None:
        chosen = choose(list(candidates))
        if chosen is not None:
            return chosen
    where = f" from {year}" if year else ""
    first = candidates[0]
    hint = (f'name one with its year or TMDB id, e.g. "{first.label(lang)}" or '
            f"tmdb:{first.tmdb_id}" if first.release_year
            else f"name one by its TMDB id, e.g. tmdb:{first.tmdb_id}")
    raise Ambiguous(
        f"{title!r}{where} matches {len(candidates)} movies", candidates=candidates, hint=hint
    )


def show(
    ctx: AppContext,
    ref: str,
    *,
    year: int | None = None,
    choose: Chooser | None = None,
    user_id: int | None = None,
    lang: str | None = None,
) -> MovieView:
    """One movie in full (see `resolve_movie`), with `user_id`'s status and diary, and
    the movie page's details (original title, runtime, directors)."""
    view = resolve_movie(ctx, ref, year=year, choose=choose, lang=lang)
    with ctx.db.read() as session:
        view = with_page(session, [view])[0]
        if user_id is None:
            return view
        return with_status(session, user_id, [view])[0]
