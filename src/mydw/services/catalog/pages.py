"""TMDB search pages and the search cache: a page fetched once is replayed, with no request,
for `search-freshness`; the pages of the last 30 days are kept (`search_cache`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mydw.db.models import SearchCache
from mydw.domain.constants import LANGUAGE_TAGS
from mydw.domain.errors import InvalidInput, MydwError
from mydw.domain.types import parse_duration, utcnow
from mydw.services.catalog.common import Upstream, write
from mydw.services.catalog.store import store_with
from mydw.services.context import AppContext

if TYPE_CHECKING:
    from mydw.clients.tmdb import TmdbPage

DEFAULT_FRESHNESS = timedelta(hours=24)
SEARCH_CACHE_KEEP = timedelta(days=30)  # older search pages are pruned when new ones arrive


@dataclass(frozen=True)
class Page:
    tmdb_ids: list[int]
    total_results: int
    total_pages: int
    fetched_on: datetime
    from_cache: bool


def query_key(query: str, lang: str, year: int | None, page: int) -> str:
    return f"{lang}|{year if year is not None else '-'}|{page}|{' '.join(query.casefold().split())}"


def _freshness(ctx: AppContext) -> timedelta:
    try:
        return parse_duration(ctx.settings.search_freshness)
    except InvalidInput:
        return DEFAULT_FRESHNESS


def fresh_page(ctx: AppContext, key: str) -> Page | None:
    with ctx.db.read() as session:
        entry = session.scalar(select(SearchCache).where(SearchCache.query_key == key))
        if entry is None or utcnow() - entry.fetched_on > _freshness(ctx):
            return None
        return Page(list(entry.tmdb_ids), entry.total_results, entry.total_pages,
                    entry.fetched_on, True)


def search_page(
    ctx: AppContext, up: Upstream, query: str, lang: str, year: int | None, page: int,
    *, refresh: bool,
) -> Page:
    """One TMDB search page: replayed from the search cache when fresh, else fetched,
    its movies stored and the page remembered."""
    key = query_key(query, lang, year, page)
    if not refresh and (cached := fresh_page(ctx, key)) is not None:
        return cached
    answer = up.tmdb.search_movies(query, language=LANGUAGE_TAGS[lang], year=year, page=page)
    return remember_page(ctx, up, key, answer, lang)


def search_pages_at_once(ctx: AppContext, up: Upstream, jobs: Sequence[tuple[str, str, int | None]],
                         lang: str) -> list[Page | MydwError]:
    """Page 1 of several TMDB searches, `(cache key, query, year)` each, asked at once and
    remembered in this thread; a failed one is its `MydwError`."""
    from mydw.services.parallel import each

    up.tmdb  # noqa: B018 - built once, in this thread, before the workers
    answers = each(lambda job: up.tmdb.search_movies(
        job[1], language=LANGUAGE_TAGS[lang], year=job[2], page=1), jobs)
    return [answer if isinstance(answer, MydwError)
            else remember_page(ctx, up, job[0], answer, lang)
            for job, answer in zip(jobs, answers, strict=True)]


def remember_page(ctx: AppContext, up: Upstream, key: str, answer: TmdbPage,
                  lang: str) -> Page:
    """Store a fetched search page's movies and remember the page (the search cache)."""
    store_with(ctx, up, answer.results, lang)
    now = utcnow()
    ids = [s.tmdb_id for s in answer.results]

    def remember(session: Session) -> None:
        session.execute(delete(SearchCache).where(
            (SearchCache.query_key == key) | (SearchCache.fetched_on < now - SEARCH_CACHE_KEEP)
        ))
        session.add(SearchCache(query_key=key, tmdb_ids=ids, total_results=answer.total_results,
                                total_pages=answer.total_pages, fetched_on=now))

    write(ctx, remember)
    return Page(ids, answer.total_results, answer.total_pages, now, False)
