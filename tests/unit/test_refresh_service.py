"""services.refresh in-process: due movies, both sources, batches, the lock, failures.

Upstream clients are built on httpx.MockTransport (no socket); the dataset is generated
with tests/fakes/imdb_datasets.py and read from a local file or the mock transport.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, select
from tests.fakes.imdb_datasets import Row, corrupt_gz, make_ratings_gz

from mydw.clients.imdb_datasets import ImdbDatasetsClient
from mydw.clients.omdb import OmdbClient
from mydw.clients.tmdb import TmdbClient
from mydw.config import paths
from mydw.db.models import Movie
from mydw.domain.errors import (
    Busy,
    InvalidInput,
    RateLimited,
    UpstreamAuthError,
    UpstreamError,
    UsageError,
)
from mydw.domain.types import utcnow
from mydw.services import refresh as svc
from mydw.services import upstream
from mydw.services.context import AppContext

LONG_AGO = datetime(2020, 1, 1)


# -- helpers ----------------------------------------------------------------------------------


def seed(ctx: AppContext, *movies: dict[str, Any]) -> None:
    """Insert movies: tmdb_id plus any Movie column (imdb_updated_on defaults to LONG_AGO)."""
    with ctx.db.write() as session:
        for values in movies:
            session.add(Movie(**{"imdb_updated_on": LONG_AGO, **values}))


def stored(ctx: AppContext) -> dict[int, Movie]:
    with ctx.db.read() as session:
        return {m.tmdb_id: m for m in session.scalars(select(Movie))}


def write_dataset(tmp_path: Path, rows: list[Row], *, corrupt: bool = False) -> Path:
    data = make_ratings_gz(rows)
    path = tmp_path / "title.ratings.tsv.gz"
    path.write_bytes(corrupt_gz(data) if corrupt else data)
    return path


@dataclass
class OmdbMock:
    """Answers like OMDb. `limit`: successful answers before "Request limit reached!"."""

    titles: dict[str, tuple[str, str]]
    limit: int | None = None
    fail: set[str] = field(default_factory=set)  # ids answered with a 500
    key: str = "omdbkey"
    asked: list[str] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        imdb_id = request.url.params["i"]
        self.asked.append(imdb_id)
        if request.url.params["apikey"] != self.key:
            return httpx.Response(401, json={"Response": "False", "Error": "Invalid API key!"})
        if self.limit is not None and self.limit <= 0:
            return httpx.Response(
                401, json={"Response": "False", "Error": "Request limit reached!"}
            )
        if imdb_id in self.fail:
            return httpx.Response(500, text="boom")
        if self.limit is not None:
            self.limit -= 1
        if imdb_id not in self.titles:
            return httpx.Response(200, json={"Response": "False", "Error": "Error getting data."})
        rating, votes = self.titles[imdb_id]
        return httpx.Response(
            200,
            json={"Response": "True", "imdbID": imdb_id, "imdbRating": rating, "imdbVotes": votes},
        )


@pytest.fixture
def omdb(monkeypatch: pytest.MonkeyPatch) -> OmdbMock:
    mock = OmdbMock({})
    monkeypatch.setenv("MYDW_OMDB_API_KEY", "omdbkey")

    def build(ctx: AppContext) -> OmdbClient | None:
        key = upstream.omdb_key(ctx)
        if not key:
            return None
        return OmdbClient(
            key,
            base_url="https://omdb.test/",
            transport=httpx.MockTransport(mock),
            sleep=lambda s: None,
            rate_per_second=None,
        )

    monkeypatch.setattr(upstream, "omdb_client", build)
    return mock


@dataclass
class DatasetServer:
    body: bytes
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.headers.get("if-none-match") == '"v1"':
            return httpx.Response(304, headers={"ETag": '"v1"'})
        return httpx.Response(200, content=self.body, headers={"ETag": '"v1"'})


def serve_dataset(monkeypatch: pytest.MonkeyPatch, rows: list[Row]) -> DatasetServer:
    server = DatasetServer(make_ratings_gz(rows))
    monkeypatch.setattr(
        upstream,
        "imdb_datasets_client",
        lambda ctx: ImdbDatasetsClient(
            base_url="https://datasets.test",
            transport=httpx.MockTransport(server),
            sleep=lambda s: None,
        ),
    )
    return server


def tmdb_with_ids(monkeypatch: pytest.MonkeyPatch, ids: dict[int, str | None]) -> list[int]:
    asked: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        tmdb_id = int(request.url.path.split("/")[-2])
        asked.append(tmdb_id)
        if tmdb_id not in ids:
            return httpx.Response(404, json={"status_code": 34, "status_message": "nope"})
        return httpx.Response(200, json={"id": tmdb_id, "imdb_id": ids[tmdb_id]})

    monkeypatch.setenv("MYDW_TMDB_API_KEY", "0123456789abcdef0123456789abcdef")
    monkeypatch.setattr(
        upstream,
        "tmdb_client",
        lambda ctx: TmdbClient(
            "0123456789abcdef0123456789abcdef",
            base_url="https://tmdb.test/3",
            transport=httpx.MockTransport(handler),
            sleep=lambda s: None,
        ),
    )
    return asked


# -- the dataset -----------------------------------------------------------------------------


def test_dataset_file_updates_due_movies_and_reports_each_outcome(
    ctx: AppContext, tmp_path: Path
) -> None:
    fresh = utcnow() - timedelta(days=1)
    seed(
        ctx,
        {"tmdb_id": 1, "imdb_id": "tt0000001", "imdb_rating": 5.0, "vote_count": 10},  # stale
        {"tmdb_id": 2, "imdb_id": "tt0000002", "imdb_updated_on": fresh},  # no rating yet
        {"tmdb_id": 3, "imdb_id": "tt0000003", "imdb_rating": 7.5, "vote_count": 95},  # same
        {"tmdb_id": 4, "imdb_id": "tt0000004", "imdb_rating": 6.0, "vote_count": 9},  # gone
        {
            "tmdb_id": 5,
            "imdb_id": "tt0000005",
            "imdb_rating": 1.0,
            "vote_count": 1,
            "imdb_updated_on": fresh,
        },  # fresh: not due
        {"tmdb_id": 6, "imdb_id": "tt0000006", "imdb_rating": 4.0, "vote_count": 4},  # \N
    )
    path = write_dataset(
        tmp_path,
        [
            ("tt0000001", 7.3, 45210),
            ("tt0000002", 6.0, 12004),
            ("tt0000003", 7.5, 95),
            ("tt0000005", 9.9, 99),
            ("tt0000006", None, None),
            ("tt0000777", 8.0, 1),
        ],
    )
    before = utcnow()

    summary = svc.refresh(ctx, source="imdb-dataset", dataset_file=path)

    assert (summary.source, summary.dataset) == ("imdb-dataset", "file")
    assert (
        summary.checked,
        summary.updated,
        summary.unchanged,
        summary.missing,
        summary.failed,
        summary.due,
        summary.remaining,
    ) == (5, 2, 1, 2, 0, 5, 0)
    movies = stored(ctx)
    assert (movies[1].imdb_rating, movies[1].vote_count) == (7.3, 45210)
    assert (movies[2].imdb_rating, movies[2].vote_count) == (6.0, 12004)
    assert (movies[3].imdb_rating, movies[3].vote_count) == (7.5, 95)
    assert (movies[4].imdb_rating, movies[4].vote_count) == (6.0, 9)  # kept as it was
    assert (movies[5].imdb_rating, movies[5].imdb_updated_on) == (1.0, fresh)  # untouched
    assert (movies[6].imdb_rating, movies[6].vote_count) == (4.0, 4)  # \N: kept, as missing
    for tmdb_id in (1, 2, 3, 4, 6):
        checked_on = movies[tmdb_id].imdb_updated_on
        assert checked_on is not None and checked_on >= before - timedelta(seconds=1)
    assert set(summary.to_json()) >= {
        "source",
        "checked",
        "updated",
        "unchanged",
        "missing",
        "failed",
        "seconds",
    }


def test_a_second_run_finds_nothing_due_but_all_and_older_than_widen_it(
    ctx: AppContext, tmp_path: Path
) -> None:
    seed(ctx, {"tmdb_id": 1, "imdb_id": "tt0000001"}, {"tmdb_id": 2, "imdb_id": "tt0000002"})
    path = write_dataset(tmp_path, [("tt0000001", 7.3, 100), ("tt0000002", 6.1, 50)])
    assert svc.refresh(ctx, source="imdb-dataset", dataset_file=path).updated == 2

    again = svc.refresh(ctx, dataset_file=path)
    assert (again.due, again.checked, again.source) == (0, 0, "none")
    assert svc.refresh(ctx, older_than=timedelta(0), dataset_file=path).unchanged == 2
    every = svc.refresh(ctx, all_=True, dataset_file=path)
    assert (every.checked, every.unchanged) == (2, 2)


def test_limit_takes_the_oldest_first_and_a_rerun_continues(
    ctx: AppContext, tmp_path: Path
) -> None:
    seed(
        ctx,
        *(
            {
                "tmdb_id": i,
                "imdb_id": f"tt{i:07d}",
                "imdb_updated_on": LONG_AGO + timedelta(days=10 - i),
            }
            for i in range(1, 6)
        ),
    )
    path = write_dataset(tmp_path, [(f"tt{i:07d}", 5.0 + i / 10, i) for i in range(1, 6)])

    first = svc.refresh(ctx, limit=2, dataset_file=path)

    assert (first.checked, first.due, first.remaining) == (2, 5, 3)
    movies = stored(ctx)
    assert [i for i in range(1, 6) if movies[i].imdb_rating is not None] == [4, 5]
    second = svc.refresh(ctx, dataset_file=path)
    assert (second.checked, second.due, second.remaining) == (3, 3, 0)
    assert all(m.imdb_rating is not None for m in stored(ctx).values())


def test_many_movies_are_committed_in_batches(
    ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    count = 1203
    with ctx.db.write() as session:
        session.add_all(
            Movie(tmdb_id=i, imdb_id=f"tt{i:07d}", imdb_updated_on=LONG_AGO)
            for i in range(1, count + 1)
        )
    path = write_dataset(tmp_path, [(f"tt{i:07d}", 7.0, i) for i in range(1, count + 1, 2)])
    writes: list[int] = []
    real_write = ctx.db.write

    def counting_write() -> Any:
        writes.append(1)
        return real_write()

    monkeypatch.setattr(ctx.db, "write", counting_write)

    summary = svc.refresh(ctx, dataset_file=path)

    assert (summary.source, summary.checked, summary.updated, summary.missing) == (
        "imdb-dataset",
        count,
        602,
        601,
    )
    assert len(writes) == 3  # 500 + 500 + 203 rows
    movies = stored(ctx)
    assert movies[1201].vote_count == 1201 and movies[1202].imdb_rating is None


def test_a_corrupt_dataset_changes_nothing(ctx: AppContext, tmp_path: Path) -> None:
    seed(ctx, {"tmdb_id": 1, "imdb_id": "tt0000001", "imdb_rating": 5.0, "vote_count": 10})
    path = write_dataset(tmp_path, [(f"tt{i:07d}", 7.0, i) for i in range(1, 5000)], corrupt=True)

    with pytest.raises(UpstreamError, match="corrupt"):
        svc.refresh(ctx, dataset_file=path)

    movie = stored(ctx)[1]
    assert (movie.imdb_rating, movie.vote_count, movie.imdb_updated_on) == (5.0, 10, LONG_AGO)


def test_download_goes_to_the_cache_and_is_not_repeated_while_fresh(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = serve_dataset(monkeypatch, [("tt0000001", 8.2, 1234)])
    seed(ctx, {"tmdb_id": 1, "imdb_id": "tt0000001"})

    first = svc.refresh(ctx, source="imdb-dataset")
    assert (first.dataset, first.updated) == ("downloaded", 1)
    assert (paths.cache_dir() / "title.ratings.tsv.gz").read_bytes() == server.body

    second = svc.refresh(ctx, source="imdb-dataset", all_=True)
    # asked again on every run (tests/unit/test_net_refresh.py): a 304
    assert (second.dataset, second.unchanged) == ("not-modified", 1)
    assert len(server.requests) == 2

    third = svc.refresh(ctx, source="imdb-dataset", all_=True, older_than=timedelta(0))
    assert third.dataset == "not-modified"  # a conditional request, answered 304
    assert server.requests[-1].headers["if-none-match"] == '"v1"'


def test_nothing_is_downloaded_when_no_due_movie_has_an_imdb_id(
    ctx: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = serve_dataset(monkeypatch, [("tt0000001", 8.2, 1234)])
    seed(ctx, {"tmdb_id": 1})

    summary = svc.refresh(ctx, source="imdb-dataset")

    assert (summary.missing, summary.dataset, server.requests) == (1, None, [])
    assert "no IMDb id" in summary.notes[0]


# -- IMDb ids from TMDB ----------------------------------------------------------------------


def test_movies_without_imdb_id_get_one_from_tmdb(
    ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked = tmdb_with_ids(monkeypatch, {1: "tt0000001", 2: None})
    seed(
        ctx, {"tmdb_id": 1}, {"tmdb_id": 2}, {"tmdb_id": 3}, {"tmdb_id": 4, "imdb_id": "tt0000004"}
    )
    path = write_dataset(tmp_path, [("tt0000001", 7.7, 77), ("tt0000004", 4.4, 44)])

    summary = svc.refresh(ctx, dataset_file=path)

    assert sorted(asked) == [1, 2, 3]
    assert (summary.imdb_ids_found, summary.updated, summary.missing) == (1, 2, 2)
    movies = stored(ctx)
    assert (movies[1].imdb_id, movies[1].imdb_rating) == ("tt0000001", 7.7)
    assert movies[2].imdb_id is None and movies[3].imdb_id is None


def test_tmdb_failures_count_as_failed_and_stop_after_three(
    ctx: AppContext, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: set[int] = set()

    def down(request: httpx.Request) -> httpx.Response:
        asked.add(int(request.url.path.split("/")[-2]))
        return httpx.Response(503, text="down")

    monkeypatch.setenv("MYDW_TMDB_API_KEY", "0123456789abcdef0123456789abcdef")
    monkeypatch.setattr(
        upstream,
        "tmdb_client",
        lambda c: TmdbClient(
            "0123456789abcdef0123456789abcdef",
            base_url="https://tmdb.test/3",
            transport=httpx.MockTransport(down),
            sleep=lambda s: None,
        ),
    )
    seed(ctx, *({"tmdb_id": i} for i in range(1, 6)), {"tmdb_id": 9, "imdb_id": "tt0000009"})
    path = write_dataset(tmp_path, [("tt0000009", 9.0, 9)])

    summary = svc.refresh(ctx, dataset_file=path)

    assert (summary.checked, summary.failed, summary.updated) == (6, 5, 1)
    assert asked == {1, 2, 3}  # three failures in a row: the other two are not asked
    assert any("lookups on TMDB stopped" in note for note in summary.notes)
    assert stored(ctx)[1].imdb_updated_on == LONG_AGO  # failed: still due


# -- OMDb ------------------------------------------------------------------------------------


def test_omdb_updates_and_handles_n_a_and_unknown_titles(ctx: AppContext, omdb: OmdbMock) -> None:
    omdb.titles.update({"tt0000001": ("7.6", "2,345,678"), "tt0000002": ("N/A", "N/A")})
    seed(
        ctx,
        {"tmdb_id": 1, "imdb_id": "tt0000001"},
        {"tmdb_id": 2, "imdb_id": "tt0000002", "imdb_rating": 3.0, "vote_count": 3},
        {"tmdb_id": 3, "imdb_id": "tt0000003"},
    )

    summary = svc.refresh(ctx)  # auto: 3 due and an OMDb key

    assert summary.source == "omdb"
    assert (summary.checked, summary.updated, summary.missing) == (3, 1, 2)
    movies = stored(ctx)
    assert (movies[1].imdb_rating, movies[1].vote_count) == (7.6, 2345678)
    assert (movies[2].imdb_rating, movies[2].vote_count) == (3.0, 3)  # N/A keeps the old one
    assert movies[2].imdb_updated_on != LONG_AGO
    assert sorted(omdb.asked) == ["tt0000001", "tt0000002", "tt0000003"]


def test_omdb_limit_stops_cleanly_and_the_next_run_continues(
    ctx: AppContext, omdb: OmdbMock
) -> None:
    omdb.titles.update({f"tt{i:07d}": ("6.5", "1,000") for i in range(1, 26)})
    omdb.limit = 12
    seed(ctx, *({"tmdb_id": i, "imdb_id": f"tt{i:07d}"} for i in range(1, 26)))

    first = svc.refresh(ctx, source="omdb")

    assert (first.checked, first.updated, first.remaining, first.stopped) == (
        12,
        12,
        13,
        "omdb-limit",
    )
    assert "limit" in first.notes[0]
    assert sum(m.imdb_rating is not None for m in stored(ctx).values()) == 12

    omdb.limit = None  # a new day
    omdb.asked.clear()
    second = svc.refresh(ctx, source="omdb")
    assert (second.checked, second.updated, second.due) == (13, 13, 13)
    assert len(omdb.asked) == 13  # what was done is not asked again


def test_omdb_limit_before_any_answer_is_an_upstream_failure(
    ctx: AppContext, omdb: OmdbMock
) -> None:
    omdb.limit = 0
    seed(ctx, {"tmdb_id": 1, "imdb_id": "tt0000001"})
    with pytest.raises(RateLimited):
        svc.refresh(ctx, source="omdb")
    assert stored(ctx)[1].imdb_updated_on == LONG_AGO


def test_auto_falls_back_to_the_dataset_when_omdb_refuses(
    ctx: AppContext, omdb: OmdbMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    omdb.titles.update({"tt0000001": ("7.0", "70"), "tt0000002": ("7.0", "70")})
    omdb.limit = 1
    seed(ctx, {"tmdb_id": 1, "imdb_id": "tt0000001"}, {"tmdb_id": 2, "imdb_id": "tt0000002"})
    server = serve_dataset(monkeypatch, [("tt0000002", 8.8, 88)])

    summary = svc.refresh(ctx)

    assert summary.source == "omdb+imdb-dataset"
    assert (summary.checked, summary.updated, summary.dataset) == (2, 2, "downloaded")
    movies = stored(ctx)
    assert (movies[1].imdb_rating, movies[2].imdb_rating) == (7.0, 8.8)
    assert "dataset" in summary.notes[0] and len(server.requests) == 1


def test_a_refused_omdb_key_is_an_upstream_auth_error(ctx: AppContext, omdb: OmdbMock) -> None:
    omdb.key = "another"
    seed(ctx, {"tmdb_id": 1, "imdb_id": "tt0000001"})
    with pytest.raises(UpstreamAuthError):
        svc.refresh(ctx, source="omdb")


def test_omdb_without_a_key_says_how_to_set_one(
    ctx: AppContext, omdb: OmdbMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MYDW_OMDB_API_KEY")
    seed(ctx, {"tmdb_id": 1, "imdb_id": "tt0000001"})
    with pytest.raises(UpstreamAuthError, match="no OMDb API key") as info:
        svc.refresh(ctx, source="omdb")
    assert info.value.hint and "omdb-api-key" in info.value.hint


def test_one_failing_title_is_counted_but_repeated_failures_stop_the_run(
    ctx: AppContext, omdb: OmdbMock
) -> None:
    omdb.titles.update({f"tt{i:07d}": ("6.0", "60") for i in range(1, 9)})
    omdb.fail = {"tt0000002"}
    seed(ctx, *({"tmdb_id": i, "imdb_id": f"tt{i:07d}"} for i in range(1, 9)))

    summary = svc.refresh(ctx, source="omdb")
    assert (summary.checked, summary.updated, summary.failed) == (8, 7, 1)
    assert stored(ctx)[2].imdb_updated_on == LONG_AGO  # stays due for the next run

    omdb.fail = {f"tt{i:07d}" for i in range(1, 9)}
    with pytest.raises(UpstreamError, match="3 times in a row"):
        svc.refresh(ctx, source="omdb", all_=True)


def test_auto_uses_the_dataset_when_many_are_due_or_no_omdb_key(
    ctx: AppContext, omdb: OmdbMock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed(ctx, *({"tmdb_id": i, "imdb_id": f"tt{i:07d}"} for i in range(1, svc.AUTO_OMDB_MAX + 2)))
    server = serve_dataset(monkeypatch, [("tt0000001", 5.5, 55)])

    many = svc.refresh(ctx)
    assert (many.source, many.checked, omdb.asked) == ("imdb-dataset", svc.AUTO_OMDB_MAX + 1, [])
    assert many.missing == svc.AUTO_OMDB_MAX  # no rating yet: they stay due

    monkeypatch.delenv("MYDW_OMDB_API_KEY")
    few = svc.refresh(ctx, limit=2)
    assert (few.source, few.due, few.checked, omdb.asked) == (
        "imdb-dataset",
        svc.AUTO_OMDB_MAX,
        2,
        [],
    )
    assert len(server.requests) == 2  # the second run revalidated it (304)
    assert server.requests[-1].headers["if-none-match"] == '"v1"'


# -- safety ---------------------------------------------------------------------------------


def test_a_second_run_while_one_holds_the_lock_changes_nothing(
    ctx: AppContext, tmp_path: Path
) -> None:
    from filelock import FileLock

    seed(ctx, {"tmdb_id": 1, "imdb_id": "tt0000001"})
    path = write_dataset(tmp_path, [("tt0000001", 7.0, 70)])
    lock_file = svc.lock_path(ctx)  # issue 10: beside the database, not in the cache folder
    if lock_file is None:
        pytest.skip("on PostgreSQL the lock is the advisory lock (next test)")
    lock = FileLock(str(lock_file))
    with lock, pytest.raises(Busy, match="another `mydw refresh` is running"):
        svc.refresh(ctx, dataset_file=path)
    assert stored(ctx)[1].imdb_updated_on == LONG_AGO
    assert svc.refresh(ctx, dataset_file=path).updated == 1  # released afterwards


def test_on_postgresql_a_run_from_another_machine_holds_the_database_lock(
    ctx: AppContext, tmp_path: Path
) -> None:
    if ctx.db.is_sqlite:
        pytest.skip("the database lock is PostgreSQL's (one SQLite file has one machine)")
    from sqlalchemy import create_engine, text

    seed(ctx, {"tmdb_id": 1, "imdb_id": "tt0000001"})
    path = write_dataset(tmp_path, [("tt0000001", 7.0, 70)])
    other = create_engine(ctx.db.url)  # another machine: another cache folder, same database
    with other.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": svc.PG_LOCK_KEY})
        with pytest.raises(Busy, match="against this database"):
            svc.refresh(ctx, dataset_file=path)
        assert stored(ctx)[1].imdb_updated_on == LONG_AGO
        conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": svc.PG_LOCK_KEY})
    other.dispose()
    assert svc.refresh(ctx, dataset_file=path).updated == 1


@pytest.mark.parametrize(
    ("options", "error", "parameter", "message"),
    [
        ({"source": "imdb"}, UsageError, "source", "source: unknown source 'imdb'"),
        ({"limit": 0}, UsageError, "limit", "limit must be at least 1"),
        ({"older_than": timedelta(days=-1)}, UsageError, "older_than",
         "older_than must not be negative"),
        ({"source": "omdb", "dataset_file": Path("x.gz")}, UsageError, "dataset_file",
         "dataset_file only works"),
        ({"dataset_file": Path("/nonexistent/x.gz")}, InvalidInput, "dataset_file",
         "dataset_file /nonexistent/x.gz is not a readable file"),
    ],
)
def test_bad_options_name_their_parameter(
    ctx: AppContext, options: dict[str, Any], error: type[Exception], parameter: str,
    message: str,
) -> None:
    with pytest.raises(error) as info:
        svc.refresh(ctx, **options)
    assert isinstance(info.value, InvalidInput | UsageError)
    assert info.value.parameter == parameter
    assert info.value.message.startswith(message)


def test_a_movie_deleted_during_the_run_is_skipped(ctx: AppContext, tmp_path: Path) -> None:
    seed(ctx, {"tmdb_id": 1, "imdb_id": "tt0000001"}, {"tmdb_id": 2, "imdb_id": "tt0000002"})
    path = write_dataset(tmp_path, [("tt0000001", 7.0, 70), ("tt0000002", 8.0, 80)])

    def delete_second(done: int, total: int) -> None:
        if done == 0:
            with ctx.db.write() as session:
                session.execute(delete(Movie).where(Movie.tmdb_id == 2))

    summary = svc.refresh(ctx, dataset_file=path, progress=delete_second)

    assert summary.checked == 2
    assert list(stored(ctx)) == [1] and stored(ctx)[1].imdb_rating == 7.0


def test_progress_reports_every_movie(ctx: AppContext, tmp_path: Path) -> None:
    seed(ctx, *({"tmdb_id": i, "imdb_id": f"tt{i:07d}"} for i in range(1, 4)))
    path = write_dataset(tmp_path, [("tt0000001", 7.0, 70)])
    calls: list[tuple[int, int]] = []
    report: Callable[[int, int], None] = lambda done, total: calls.append((done, total))  # noqa: E731
    svc.refresh(ctx, dataset_file=path, progress=report)
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]
