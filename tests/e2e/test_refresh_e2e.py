"""The installed `mydw refresh` against FakeImdbDatasets, FakeOmdb and FakeTmdb on 127.0.0.1.

No login and no keyring backend (the `mydw` fixture), keys from the environment: as cron
on a headless server. Movies are seeded straight into the test database.
"""

from __future__ import annotations

import json
import signal
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from mydw.db.models import Movie
from mydw.services.context import AppContext
from tests.conftest import BACKEND, MYDW, Mydw
from tests.fakes.imdb_datasets import FakeImdbDatasets, make_ratings_gz
from tests.fakes.omdb import FAKE_OMDB_API_KEY, FakeOmdb, FakeOmdbTitle
from tests.fakes.tmdb import FAKE_TMDB_API_KEY, FakeTmdb

pytestmark = pytest.mark.e2e

LONG_AGO = datetime(2020, 1, 1)
SUMMARY_KEYS = {"source", "checked", "updated", "unchanged", "missing", "failed", "seconds"}


# -- fixtures and helpers -------------------------------------------------------------------


@pytest.fixture
def app(home: Path) -> Iterator[AppContext]:
    """An AppContext on the same home and database as the `mydw` subprocesses."""
    ctx = AppContext()
    yield ctx
    ctx.close()




def seed(ctx: AppContext, *movies: dict[str, Any]) -> None:
    with ctx.db.write() as session:
        for values in movies:
            session.add(Movie(**{"imdb_updated_on": LONG_AGO, **values}))


def ratings(ctx: AppContext) -> dict[int, tuple[float | None, int | None, datetime | None]]:
    with ctx.db.read() as session:
        return {
            m.tmdb_id: (m.imdb_rating, m.vote_count, m.imdb_updated_on)
            for m in session.scalars(select(Movie))
        }


def env_for(
    datasets: FakeImdbDatasets | None = None,
    omdb: FakeOmdb | None = None,
    tmdb: FakeTmdb | None = None,
) -> dict[str, str]:
    env: dict[str, str] = {}
    if datasets is not None:
        env["MYDW_IMDB_DATASETS_URL"] = datasets.url
    if omdb is not None:
        env["MYDW_OMDB_BASE_URL"] = omdb.url + "/"
        env["MYDW_OMDB_API_KEY"] = FAKE_OMDB_API_KEY
    if tmdb is not None:
        env["MYDW_TMDB_BASE_URL"] = tmdb.api_url
        env["MYDW_TMDB_API_KEY"] = FAKE_TMDB_API_KEY
    return env


def default_movies() -> list[dict[str, Any]]:
    """Movies whose IMDb ids the default fakes know (tt9000001...)."""
    return [
        {"tmdb_id": 1, "imdb_id": "tt9000001", "imdb_rating": 5.0, "vote_count": 10},
        {"tmdb_id": 2, "imdb_id": "tt9000002"},
        {"tmdb_id": 3, "imdb_id": "tt9000003"},
    ]


def many_titles(omdb: FakeOmdb, count: int) -> list[dict[str, Any]]:
    movies = []
    for i in range(1, count + 1):
        imdb_id = f"tt8{i:06d}"
        omdb.add_title(FakeOmdbTitle(imdb_id, f"Movie {i}", "2001", "6.5", f"{i},000"))
        movies.append({"tmdb_id": 100 + i, "imdb_id": imdb_id})
    return movies


def integrity_ok(ctx: AppContext) -> None:
    if BACKEND == "sqlite":
        with ctx.db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def rated(ctx: AppContext) -> int:
    return sum(1 for r, _, _ in ratings(ctx).values() if r is not None)


def start(mydw: Mydw, *args: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [MYDW, *args],
        env={**mydw.env, **env},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition: Any, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# -- the dataset -----------------------------------------------------------------------------


def test_dataset_updates_ratings_without_login_or_keyring(
    mydw: Mydw, app: AppContext, datasets: FakeImdbDatasets
) -> None:
    seed(app, *default_movies(), {"tmdb_id": 4, "imdb_id": "tt9999999"})

    result = mydw.ok("refresh", "--source", "imdb-dataset", "--json", env=env_for(datasets))

    assert result.stderr == ""
    summary = result.json()
    assert set(summary) >= SUMMARY_KEYS
    assert (summary["source"], summary["dataset"]) == ("imdb-dataset", "downloaded")
    assert (summary["checked"], summary["updated"], summary["missing"], summary["failed"]) == (
        4,
        3,
        1,
        0,
    )
    assert isinstance(summary["seconds"], float)
    stored = ratings(app)
    assert stored[1][:2] == (7.3, 45210) and stored[2][:2] == (6.0, 12004)
    assert stored[4][:2] == (None, None) and stored[4][2] != LONG_AGO  # missing: checked
    assert datasets.count("/title.ratings.tsv.gz") == 1


def test_the_dataset_is_not_downloaded_again_while_fresh(
    mydw: Mydw, app: AppContext, datasets: FakeImdbDatasets, home: Path
) -> None:
    seed(app, *default_movies())
    env = env_for(datasets)
    mydw.ok("refresh", "--source", "imdb-dataset", env=env)

    again = mydw.ok("refresh", "--source", "imdb-dataset", "--all", "--json", env=env)
    assert (again.json()["dataset"], again.json()["unchanged"]) == ("fresh", 3)
    assert datasets.count() == 1

    # Forcing a check (--older-than 0s) asks conditionally: 304, nothing downloaded.
    forced = mydw.ok("refresh", "--all", "--older-than", "0s", "--json", env=env)
    assert forced.json()["dataset"] == "not-modified"
    assert datasets.count() == 2
    last = datasets.last()
    assert last is not None and last.headers.get("if-none-match") == datasets.etag
    assert (home / "cache" / "title.ratings.tsv.gz").read_bytes() == datasets.data

    # A new file upstream is fetched on the next real check.
    datasets.set_rows([("tt9000001", 9.1, 99999)])
    newer = mydw.ok("refresh", "--all", "--older-than", "0s", "--json", env=env)
    assert (newer.json()["dataset"], newer.json()["updated"]) == ("downloaded", 1)
    assert ratings(app)[1][:2] == (9.1, 99999)


def test_a_corrupt_gzip_exits_5_and_changes_nothing(
    mydw: Mydw, app: AppContext, datasets: FakeImdbDatasets, home: Path
) -> None:
    seed(app, *default_movies())
    before = ratings(app)
    datasets.serve_corrupt()

    result = mydw("refresh", "--source", "imdb-dataset", "--json", env=env_for(datasets))

    assert result.returncode == 5 and result.stdout == ""
    assert "corrupt" in result.stderr and "Traceback" not in result.stderr
    assert ratings(app) == before
    assert not (home / "cache" / "title.ratings.tsv.gz").exists()


def test_a_corrupt_local_dataset_file_exits_5_and_changes_nothing(
    mydw: Mydw, app: AppContext, tmp_path: Path
) -> None:
    seed(app, *default_movies())
    before = ratings(app)
    broken = tmp_path / "title.ratings.tsv.gz"
    broken.write_bytes(make_ratings_gz([("tt9000001", 7.0, 7)] * 5000)[:-200])

    result = mydw("refresh", "--dataset-file", str(broken))

    assert result.returncode == 5 and result.stdout == ""
    assert "corrupt or truncated" in result.stderr and "Traceback" not in result.stderr
    assert ratings(app) == before


def test_dataset_file_and_the_human_summary(mydw: Mydw, app: AppContext, tmp_path: Path) -> None:
    seed(app, *default_movies())
    local = tmp_path / "ratings.tsv.gz"
    local.write_bytes(make_ratings_gz([("tt9000001", 5.0, 10), ("tt9000002", 8.0, 800)]))

    result = mydw.ok("refresh", "--dataset-file", str(local))

    assert result.stdout.startswith("Refreshed 3 movie(s) from imdb-dataset:")
    assert "1 updated, 1 unchanged, 1 missing, 0 failed" in result.stdout
    # tt9000003 has no rating yet, so it stays due; the others are fresh now.
    again = mydw.ok("refresh", "--dataset-file", str(local))
    assert "Refreshed 1 movie(s)" in again.stdout and "1 missing" in again.stdout


def test_quiet_prints_nothing_on_success(
    mydw: Mydw, app: AppContext, datasets: FakeImdbDatasets
) -> None:
    seed(app, *default_movies())
    result = mydw.ok("refresh", "--quiet", env=env_for(datasets))
    assert (result.stdout, result.stderr) == ("", "")
    assert ratings(app)[2][:2] == (6.0, 12004)


def test_imdb_ids_come_from_tmdb_when_missing(
    mydw: Mydw, app: AppContext, datasets: FakeImdbDatasets
) -> None:
    seed(app, {"tmdb_id": 900001}, {"tmdb_id": 123456789})
    with FakeTmdb() as tmdb:
        result = mydw.ok("refresh", "--json", env=env_for(datasets, tmdb=tmdb))
    summary = result.json()
    assert (summary["imdb_ids_found"], summary["updated"], summary["missing"]) == (1, 1, 1)
    with app.db.read() as session:
        movie = session.scalars(select(Movie).where(Movie.tmdb_id == 900001)).one()
        assert (movie.imdb_id, movie.imdb_rating) == ("tt9000001", 7.3)


# -- OMDb ------------------------------------------------------------------------------------


def test_omdb_with_n_a_values_and_unknown_titles(
    mydw: Mydw, app: AppContext, omdb: FakeOmdb
) -> None:
    seed(
        app,
        {"tmdb_id": 1, "imdb_id": "tt9000001"},
        {"tmdb_id": 4, "imdb_id": "tt9000004", "imdb_rating": 4.0, "vote_count": 40},  # N/A
        {"tmdb_id": 5, "imdb_id": "tt9999999"},  # "Error getting data."
    )

    result = mydw.ok("refresh", "--json", env=env_for(omdb=omdb))  # auto: few due, a key

    summary = result.json()
    assert summary["source"] == "omdb"
    assert (summary["checked"], summary["updated"], summary["missing"]) == (3, 1, 2)
    stored = ratings(app)
    assert stored[1][:2] == (7.3, 45210)
    assert stored[4][:2] == (4.0, 40)  # N/A never wipes a known rating
    assert omdb.count() == 3


def test_omdb_limit_reached_mid_run_keeps_what_was_done(
    mydw: Mydw, app: AppContext, omdb: FakeOmdb
) -> None:
    seed(app, *many_titles(omdb, 25))
    omdb.daily_limit = 13
    env = env_for(omdb=omdb)

    first = mydw.ok("refresh", "--source", "omdb", "--json", env=env)

    summary = first.json()
    assert (summary["checked"], summary["updated"], summary["remaining"]) == (13, 13, 12)
    assert summary["stopped"] == "omdb-limit"
    assert rated(app) == 13

    human = mydw("refresh", "--source", "omdb", env=env)  # the limit at the first request
    assert human.returncode == 5 and "request limit" in human.stderr.lower()
    assert "Traceback" not in human.stderr

    omdb.reset_limit()  # the next day
    second = mydw.ok("refresh", "--source", "omdb", "--json", env=env)
    assert (second.json()["checked"], second.json()["remaining"]) == (12, 0)
    assert rated(app) == 25


def test_a_refused_omdb_key_exits_5(mydw: Mydw, app: AppContext, omdb: FakeOmdb) -> None:
    seed(app, *default_movies())
    env = {**env_for(omdb=omdb), "MYDW_OMDB_API_KEY": "wrongkey"}
    result = mydw("refresh", "--source", "omdb", env=env)
    assert result.returncode == 5 and result.stdout == ""
    assert "refused the API key" in result.stderr and "hint:" in result.stderr
    assert "Traceback" not in result.stderr


def test_one_failing_title_is_reported_even_when_quiet_but_exits_0(
    mydw: Mydw, app: AppContext, omdb: FakeOmdb
) -> None:
    seed(app, *default_movies())
    omdb.fail_next(5, status=500)  # the first title: every try of it fails

    result = mydw("refresh", "--source", "omdb", "--quiet", env=env_for(omdb=omdb))

    assert result.returncode == 0 and result.stdout == ""
    assert "1 movie(s) could not be refreshed; they stay due" in result.stderr
    assert "Traceback" not in result.stderr
    assert rated(app) == 3 and ratings(app)[1][2] == LONG_AGO  # the failed one stays due


# -- safety ---------------------------------------------------------------------------------


def test_a_second_run_while_the_lock_is_held_touches_nothing(
    mydw: Mydw, app: AppContext, datasets: FakeImdbDatasets, home: Path
) -> None:
    from filelock import FileLock

    from mydw.services.refresh import lock_path as refresh_lock

    seed(app, *default_movies())
    before = ratings(app)
    lock_path = refresh_lock(app)  # issue 10: beside the database, not in the home's cache
    if lock_path is None:
        pytest.skip("PostgreSQL's lock is the advisory lock (tested in test_refresh_service)")
    with FileLock(str(lock_path)):
        result = mydw("refresh", "--quiet", env=env_for(datasets))
    assert result.returncode == 1 and result.stdout == ""
    assert "another `mydw refresh` is running" in result.stderr
    assert "Traceback" not in result.stderr
    assert ratings(app) == before and datasets.count() == 0


def test_two_runs_at_once_never_overlap(
    mydw: Mydw, app: AppContext, omdb: FakeOmdb, datasets: FakeImdbDatasets
) -> None:
    seed(app, *many_titles(omdb, 6))
    omdb.fail_next(6, status=None, delay=0.3)  # a slow OMDb keeps the first run busy
    env = env_for(datasets, omdb)
    first = start(mydw, "refresh", "--source", "omdb", "--json", env=env)
    try:
        wait_for(lambda: omdb.count() >= 1)
        second = mydw("refresh", "--json", env=env)
        out, err = first.communicate(timeout=30)
    finally:
        first.kill()
    assert second.returncode == 1 and second.stdout == ""
    assert "another `mydw refresh` is running" in second.stderr
    assert datasets.count() == 0
    assert first.returncode == 0, err
    assert json.loads(out)["updated"] == 6
    assert omdb.count() == 6  # every title asked exactly once


def test_a_run_killed_mid_way_keeps_its_batches_and_a_rerun_finishes(
    mydw: Mydw, app: AppContext, omdb: FakeOmdb
) -> None:
    seed(app, *many_titles(omdb, 30))
    omdb.fail_next(30, status=None, delay=0.05)
    env = env_for(omdb=omdb)
    run = start(mydw, "refresh", "--source", "omdb", env=env)
    try:
        wait_for(lambda: rated(app) >= 10)  # one batch committed
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=10)
    finally:
        if run.poll() is None:
            run.kill()
    assert run.returncode == -signal.SIGKILL
    done = rated(app)
    assert 10 <= done < 30 and done % 10 == 0  # whole batches only
    integrity_ok(app)

    rerun = mydw.ok("refresh", "--source", "omdb", "--json", env=env)

    summary = rerun.json()
    assert (summary["checked"], summary["updated"], summary["failed"]) == (30 - done,) * 2 + (0,)
    assert rated(app) == 30
    integrity_ok(app)
