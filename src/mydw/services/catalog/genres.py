"""Genre names in English and French: parsing what a user typed, labels for display, and
TMDB's English names stored once in `tmdb_genres` (the built-in table stands in)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from mydw.db.models import TmdbGenre
from mydw.domain.constants import GENRE_ALIASES, GENRES
from mydw.domain.errors import UpstreamError, UsageError
from mydw.domain.types import fold, utcnow
from mydw.services.catalog.common import Upstream, write
from mydw.services.context import AppContext
from mydw.services.views import MovieView

log = logging.getLogger("mydw.catalog")

GENRE_REFETCH_AFTER = timedelta(days=7)  # an unknown genre id refetches the list after this


def _genre_key(name: str) -> str:
    return fold(name).replace("-", " ")


_GENRE_IDS: dict[str, int] = {
    **{_genre_key(n): gid for gid, names in GENRES.items() for n in names},
    **GENRE_ALIASES,
}


def genre_name(genre_id: int, lang: str = "en") -> str:
    names = GENRES.get(genre_id)
    if names is None:
        return f"#{genre_id}"
    return names[1] if lang == "fr" else names[0]


def parse_genres(names: Iterable[str], parameter: str = "genres") -> list[int]:
    """Genre names in English or French (any case, accents optional) or ids -> TMDB ids."""
    ids: list[int] = []
    for name in names:
        key = _genre_key(name)
        gid = int(key) if key.isdigit() and int(key) in GENRES else _GENRE_IDS.get(key)
        if gid is None:
            known = ", ".join(en for en, _ in GENRES.values())
            raise UsageError(
                f"{parameter}: unknown genre {name!r} (choose from {known}, or French names)",
                parameter=parameter,
            )
        if gid not in ids:
            ids.append(gid)
    return ids


def genre_labels(movie: MovieView, lang: str = "en") -> list[str]:
    """Genre names for display: the stored English names, or French ones for `fr`."""
    if lang != "fr" or len(movie.genre_ids) != len(movie.genres):
        return list(movie.genres)
    return [
        GENRES[g][1] if g in GENRES else name
        for g, name in zip(movie.genre_ids, movie.genres, strict=True)
    ]


def english_genres(ctx: AppContext, up: Upstream, needed: set[int]) -> dict[int, str]:
    """English names for `needed` genre ids: the stored list, fetched from TMDB once."""
    with ctx.db.read() as session:
        stored = session.execute(
            select(TmdbGenre.id, TmdbGenre.name_en, TmdbGenre.fetched_on)
        ).all()
    names = {row.id: row.name_en for row in stored}
    missing = needed - names.keys()
    oldest = min((row.fetched_on for row in stored), default=None)
    stale = oldest is None or utcnow() - oldest > GENRE_REFETCH_AFTER
    if missing and stale and up.has_tmdb_credential:
        names.update(_fetch_genres(ctx, up))
    fallback = {g: en for g, (en, _fr) in GENRES.items()}
    return {g: names.get(g) or fallback[g] for g in needed if g in names or g in fallback}


def _fetch_genres(ctx: AppContext, up: Upstream) -> dict[int, str]:
    try:
        fetched = up.tmdb.genres(language="en")
    except UpstreamError as error:  # names are a nicety: the built-in table stands in
        log.debug("genre list not fetched: %s", error)
        return {}
    write(ctx, lambda session: store_genres(session, fetched))
    return fetched


def store_genres(session: Session, fetched: dict[int, str]) -> None:
    """Replace the stored genre names with `fetched`. An upsert, not delete + insert: two
    commands (or an import's threads) storing the list at once on PostgreSQL would otherwise
    collide on the primary key (the second delete does not see the first one's rows)."""
    if not fetched:
        return
    now = utcnow()
    session.execute(delete(TmdbGenre).where(TmdbGenre.id.not_in(list(fetched))))
    rows = [{"id": g, "name_en": n, "fetched_on": now} for g, n in fetched.items()]
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    statement = insert(TmdbGenre).values(rows)
    session.execute(statement.on_conflict_do_update(
        index_elements=["id"], set_={"name_en": statement.excluded.name_en, "fetched_on": now}))
