"""Search: TMDB's answer, each page remembered for `search-freshness` (the search cache),
and the local cache when TMDB cannot answer (no key, no network, `offline`)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from mydw.db.models import Movie, MovieCatalog
from mydw.domain.constants import MAX_LIMIT, TMDB_MAX_PAGE, TMDB_PAGE_SIZE
from mydw.domain.errors import InvalidInput, UpstreamError, UsageError
from mydw.domain.types import check_language, fold
from mydw.services import notices
from mydw.services.catalog.common import (
    Upstream,
    check_limit,
    check_text,
    check_year,
    search_lines,
    views_in_order,
    with_status,
)
from mydw.services.catalog.pages import Page, search_page
from mydw.services.context import AppContext
from mydw.services.views import MovieView


@dataclass(frozen=True)
class SearchResult:
    """What `search` found. `source` is "tmdb" (TMDB's answer, possibly replayed from the
    search cache within the freshness window) or "cache" (the local cache answered);
    `notice` says why the local cache answered. `query` and `year` are what was searched:
    with no movie, the CLI says "no movie matches 'dune' from 1900"."""

    movies: list[MovieView]
    source: str
    notice: str | None = None
    query: str = ""
    lang: str = "en"
    page: int = 1
    total_results: int | None = None  # TMDB's count, or the number of local matches
    fetched_on: datetime | None = None  # when TMDB gave this answer (None: local cache)
    from_search_cache: bool = False  # True: replayed without any request
    year: int | None = None
    # Nothing matched on TMDB: close titles, as a typo would explain (catalog/suggest.py).
    suggestions: list[MovieView] = field(default_factory=list)

    @property
    def empty_message(self) -> str:
        """What to say when nothing matched: ``no movie matches 'dune' from 1900``."""
        suffix = f" from {self.year}" if self.year is not None else ""
        return f"no movie matches {self.query!r}{suffix}"


# --------------------------------------------------------------------------- search


def _check_search(query: str, limit: int, page: int, year: int | None) -> str:
    text = " ".join((query or "").split())
    if not text:
        raise InvalidInput("query is empty", parameter="query")
    check_text(text, "query")
    check_limit(limit, MAX_LIMIT)
    if page < 1:
        raise UsageError("page must be 1 or more", parameter="page")
    check_year(year)
    return text


def search(
    ctx: AppContext,
    query: str,
    *,
    year: int | None = None,
    lang: str = "en",
    limit: int = 20,
    page: int = 1,
    offline: bool = False,
    refresh: bool = False,
    user_id: int | None = None,
    suggest: bool = True,
) -> SearchResult:
    """Search TMDB (titles in `lang`), caching every result as a Movie row.

    `page` counts pages of `limit` results. The same query within `search-freshness` is
    answered from the database with no request (`refresh=True` asks TMDB again). With
    `offline`, no credential or no TMDB, the local cache answers (both languages, accent-
    and case-insensitive) and `notice` says why; when it has nothing, the TMDB error is
    raised. Statuses are filled in for `user_id`. When TMDB finds nothing, `suggestions`
    holds close titles (`suggest=False`: no such searches, for batch jobs).
    """
    text = _check_search(query, limit, page, year)
    lang = check_language(lang)
    if offline:
        return local_search(ctx, text, year, lang, limit, page, user_id,
                            notice=notices.from_cache("TMDB", notices.OFFLINE))
    try:
        with ctx.progress("Asking TMDB…"):
            return _tmdb_search(ctx, text, year, lang, limit, page, refresh, user_id,
                                suggest=suggest)
    except UpstreamError as error:
        local = local_search(ctx, text, year, lang, limit, page, user_id,
                             notice=notices.from_cache("TMDB", error))
        if not local.total_results:
            raise
        return local


def _tmdb_search(
    ctx: AppContext, text: str, year: int | None, lang: str, limit: int, page: int,
    refresh: bool, user_id: int | None, *, suggest: bool = True,
) -> SearchResult:
    offset = (page - 1) * limit
    first = offset // TMDB_PAGE_SIZE + 1
    last = min((offset + limit - 1) // TMDB_PAGE_SIZE + 1, TMDB_MAX_PAGE)
    pages: list[Page] = []
    close: list[MovieView] = []
    with Upstream(ctx) as up:
        for number in range(first, last + 1):
            pages.append(search_page(ctx, up, text, lang, year, number, refresh=refresh))
            if number >= pages[-1].total_pages:
                break
        if suggest and page == 1 and pages and not pages[0].total_results:
            from mydw.services.catalog.suggest import suggestions

            close = suggestions(ctx, up, text, year, lang)
    tmdb_ids = [t for p in pages for t in p.tmdb_ids]
    start = offset - (first - 1) * TMDB_PAGE_SIZE
    wanted = list(dict.fromkeys(tmdb_ids[start:start + limit]))
    with ctx.db.read() as session:
        rows = session.execute(select(Movie.id, Movie.tmdb_id).where(Movie.tmdb_id.in_(wanted)))
        ids_by_tmdb = {row.tmdb_id: row.id for row in rows}
        views = views_in_order(session, [ids_by_tmdb[t] for t in wanted if t in ids_by_tmdb])
        views = with_status(session, user_id, views)
    return SearchResult(
        movies=views, source="tmdb", query=text, lang=lang, page=page,
        total_results=pages[0].total_results if pages else 0,
        fetched_on=min((p.fetched_on for p in pages), default=None),
        from_search_cache=bool(pages) and all(p.from_cache for p in pages), year=year,
        suggestions=close,
    )


# --------------------------------------------------------------------------- local search


def local_candidates(
    session: Session, tokens: Sequence[str], year: int | None
) -> Iterator[tuple[int, str, int | None]]:
    """(movie id, folded title lines, IMDb votes) of cached movies whose titles contain
    every token.

    Catalog rows are filtered in SQL (LIKE on pre-folded text); movies written without a
    catalog row (by other tools) are folded here.
    """
    stmt = select(MovieCatalog.movie_id, MovieCatalog.search_text, Movie.vote_count).join(
        Movie, Movie.id == MovieCatalog.movie_id
    )
    orphans = (
        select(Movie.id, Movie.title_en, Movie.title_fr, Movie.vote_count)
        .outerjoin(MovieCatalog, MovieCatalog.movie_id == Movie.id)
        .where(MovieCatalog.movie_id.is_(None))
    )
    if year is not None:
        stmt = stmt.where(Movie.release_year == year)
        orphans = orphans.where(Movie.release_year == year)
    for token in tokens:
        stmt = stmt.where(MovieCatalog.search_text.contains(token, autoescape=True))
    for movie_id, lines, votes in session.execute(stmt):
        yield movie_id, lines, votes
    for movie_id, title_en, title_fr, votes in session.execute(orphans):
        lines = search_lines(title_en, title_fr)
        if all(token in lines for token in tokens):
            yield movie_id, lines, votes


def _match_rank(lines: list[str], wanted: str, tokens: Sequence[str]) -> int:
    if wanted in lines:
        return 0
    if any(line.startswith(wanted) for line in lines):
        return 1
    if any(wanted in line for line in lines):
        return 2
    if any(all(t in line for t in tokens) for line in lines):
        return 3
    return 4


def local_search(
    ctx: AppContext, text: str, year: int | None, lang: str, limit: int, page: int,
    user_id: int | None, *, notice: str,
) -> SearchResult:
    wanted = fold(text)
    tokens = wanted.split()
    with ctx.db.read() as session:
        found = list(local_candidates(session, tokens, year))
        found.sort(key=lambda row: (_match_rank(row[1].split("\n"), wanted, tokens),
                                    -(row[2] or 0), row[1]))
        offset = (page - 1) * limit
        chosen = [movie_id for movie_id, _lines, _votes in found[offset:offset + limit]]
        views = with_status(session, user_id, views_in_order(session, chosen))
    return SearchResult(movies=views, source="cache", notice=notice, query=text, lang=lang,
                        page=page, total_results=len(found), year=year)
