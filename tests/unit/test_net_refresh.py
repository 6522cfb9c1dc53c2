"""`refresh` revalidates its cached IMDb dataset on every run (a conditional request: a 304
costs nothing), so a run right after IMDb publishes a new file sees it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, select
from tests.fakes.imdb_datasets import FakeImdbDatasets

from mydw.db.models import Movie
from mydw.services import refresh as svc
from mydw.services.context import AppContext


@pytest.fixture
def app(home: Path, memory_keyring: Any, datasets: FakeImdbDatasets,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[AppContext]:
    monkeypatch.setenv("MYDW_IMDB_DATASETS_URL", datasets.url)
    ctx = AppContext()
    with ctx.db.write() as session:
        session.execute(insert(Movie), [
            {"tmdb_id": 1, "imdb_id": "tt9000001"}, {"tmdb_id": 2, "imdb_id": "tt9000002"},
        ])
    yield ctx
    ctx.close()


def _rating(ctx: AppContext, tmdb_id: int) -> float | None:
    with ctx.db.read() as session:
        rating: float | None = session.scalar(
            select(Movie.imdb_rating).where(Movie.tmdb_id == tmdb_id))
        return rating


def test_every_run_asks_conditionally_and_a_new_file_is_seen_at_once(
    app: AppContext, datasets: FakeImdbDatasets,
) -> None:
    first = svc.refresh(app, source="imdb-dataset")
    assert first.dataset == "downloaded"
    assert datasets.count() == 1

    # Right after (well within 12 h): asked again, answered 304, nothing downloaded.
    again = svc.refresh(app, source="imdb-dataset", all_=True)
    assert (again.dataset, again.unchanged) == ("not-modified", 2)
    assert datasets.count() == 2
    last = datasets.last()
    assert last is not None and last.headers.get("if-none-match") == datasets.etag
    assert last.headers.get("if-modified-since") == datasets.last_modified

    # IMDb publishes: the very next run downloads the new file.
    datasets.set_rows([("tt9000001", 9.1, 99999)])
    newer = svc.refresh(app, source="imdb-dataset", all_=True)
    assert (newer.dataset, newer.updated) == ("downloaded", 1)
    assert _rating(app, 1) == 9.1
