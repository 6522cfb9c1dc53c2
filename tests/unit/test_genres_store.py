"""TMDB's genre list stored by several threads (an import's workers) at once: never a
duplicate-key error (on PostgreSQL a delete + insert in two transactions collided)."""

from __future__ import annotations

import threading

from sqlalchemy import select

from mydw.db.models import TmdbGenre
from mydw.services.catalog.genres import store_genres
from mydw.services.context import AppContext


def test_the_genre_list_stored_at_once_by_several_threads(ctx: AppContext) -> None:
    ctx.db.ensure_ready()
    fetched = {28: "Action", 18: "Drama", 35: "Comedy"}
    errors: list[BaseException] = []
    start = threading.Barrier(6)

    def store() -> None:
        try:
            start.wait()
            with ctx.db.write() as session:
                store_genres(session, fetched)
        except BaseException as error:  # the test reports it
            errors.append(error)

    threads = [threading.Thread(target=store) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with ctx.db.write() as session:
        store_genres(session, {28: "Action!", 99: "Documentary"})
    with ctx.db.read() as session:
        rows = {g: n for g, n in session.execute(select(TmdbGenre.id, TmdbGenre.name_en))}
    assert rows == {28: "Action!", 99: "Documentary"}
