"""`mydw refresh` run in-process against FakeImdbDatasets, FakeOmdb and FakeTmdb.

No login, keys from the environment: as cron. Movies are seeded straight into the test
database. Over real HTTP with no keyring backend, two runs at once and a run killed mid-way:
tests/e2e/test_refresh_e2e.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from mydw.db.models import Movie
from mydw.services.context import AppContext
from tests.conftest import Cli
from tests.fakes.imdb_datasets import FakeImdbDatasets, make_ratings_gz
from tests.fakes.omdb import FakeOmdb
from tests.fakes.tmdb import FakeTmdb
from tests.helpers import (
    LONG_AGO,
    default_movies,
    env_for,
    many_titles,
    rated,
    ratings,
    seed,
)

# -- the dataset -----------------------------------------------------------------------------


def test_the_dataset_is_revalidated_on_every_run_and_downloaded_only_when_new(
    cli: Cli, app: AppContext, datasets: FakeImdbDatasets, home: Path
) -> None:
    seed(app, *default_movies())
    env = env_for(datasets)
    cli.ok("refresh", "--source", "imdb-dataset", env=env)

    # issue 10: every run asks conditionally (a 304 costs nothing), so a run right after
    # IMDb publishes sees the new file.
    again = cli.ok("refresh", "--source", "imdb-dataset", "--all", "--json", env=env)
    assert (again.json()["dataset"], again.json()["unchanged"]) == ("not-modified", 3)
    assert datasets.count() == 2

    forced = cli.ok("refresh", "--all", "--older-than", "0s", "--json", env=env)
    assert forced.json()["dataset"] == "not-modified"
    assert datasets.count() == 3
    last = datasets.last()
    assert last is not None and last.headers.get("if-none-match") == datasets.etag
    assert (home / "cache" / "title.ratings.tsv.gz").read_bytes() == datasets.data

    # A new file upstream is fetched on the next real check.
    datasets.set_rows([("tt9000001", 9.1, 99999)])
    newer = cli.ok("refresh", "--all", "--older-than", "0s", "--json", env=env)
    assert (newer.json()["dataset"], newer.json()["updated"]) == ("downloaded", 1)
    assert ratings(app)[1][:2] == (9.1, 99999)


def test_a_corrupt_gzip_exits_5_and_changes_nothing(
    cli: Cli, app: AppContext, datasets: FakeImdbDatasets, home: Path
) -> None:
    seed(app, *default_movies())
    before = ratings(app)
    datasets.serve_corrupt()

    result = cli("refresh", "--source", "imdb-dataset", "--json", env=env_for(datasets))

    assert result.returncode == 5 and result.stdout == ""
    assert "corrupt" in result.stderr and "Traceback" not in result.stderr
    assert ratings(app) == before
    assert not (home / "cache" / "title.ratings.tsv.gz").exists()


def test_a_corrupt_local_dataset_file_exits_5_and_changes_nothing(
    cli: Cli, app: AppContext, tmp_path: Path
) -> None:
    seed(app, *default_movies())
    before = ratings(app)
    broken = tmp_path / "title.ratings.tsv.gz"
    broken.write_bytes(make_ratings_gz([("tt9000001", 7.0, 7)] * 5000)[:-200])

    result = cli("refresh", "--dataset-file", str(broken))

    assert result.returncode == 5 and result.stdout == ""
    assert "corrupt or truncated" in result.stderr and "Traceback" not in result.stderr
    assert ratings(app) == before


def test_dataset_file_and_the_human_summary(cli: Cli, app: AppContext, tmp_path: Path) -> None:
    seed(app, *default_movies())
    local = tmp_path / "ratings.tsv.gz"
    local.write_bytes(make_ratings_gz([("tt9000001", 5.0, 10), ("tt9000002", 8.0, 800)]))

    result = cli.ok("refresh", "--dataset-file", str(local))

    assert result.stdout.startswith("Refreshed 3 movie(s) from imdb-dataset:")
    assert "1 updated, 1 unchanged, 1 missing, 0 failed" in result.stdout
    # tt9000003 has no rating yet, so it stays due; the others are fresh now.
    again = cli.ok("refresh", "--dataset-file", str(local))
    assert "Refreshed 1 movie(s)" in again.stdout and "1 missing" in again.stdout


def test_quiet_prints_nothing_on_success(
    cli: Cli, app: AppContext, datasets: FakeImdbDatasets
) -> None:
    seed(app, *default_movies())
    result = cli.ok("refresh", "--quiet", env=env_for(datasets))
    assert (result.stdout, result.stderr) == ("", "")
    assert ratings(app)[2][:2] == (6.0, 12004)


def test_imdb_ids_come_from_tmdb_when_missing(
    cli: Cli, app: AppContext, datasets: FakeImdbDatasets, tmdb: FakeTmdb
) -> None:
    seed(app, {"tmdb_id": 900001}, {"tmdb_id": 123456789})
    result = cli.ok("refresh", "--json", env=env_for(datasets, tmdb=tmdb))
    summary = result.json()
    assert (summary["imdb_ids_found"], summary["updated"], summary["missing"]) == (1, 1, 1)
    with app.db.read() as session:
        movie = session.scalars(select(Movie).where(Movie.tmdb_id == 900001)).one()
        assert (movie.imdb_id, movie.imdb_rating) == ("tt9000001", 7.3)


# -- OMDb ------------------------------------------------------------------------------------


def test_omdb_with_n_a_values_and_unknown_titles(
    cli: Cli, app: AppContext, omdb: FakeOmdb
) -> None:
    seed(
        app,
        {"tmdb_id": 1, "imdb_id": "tt9000001"},
        {"tmdb_id": 4, "imdb_id": "tt9000004", "imdb_rating": 4.0, "vote_count": 40},  # N/A
        {"tmdb_id": 5, "imdb_id": "tt9999999"},  # "Error getting data."
    )

    result = cli.ok("refresh", "--json", env=env_for(omdb=omdb))  # auto: few due, a key

    summary = result.json()
    assert summary["source"] == "omdb"
    assert (summary["checked"], summary["updated"], summary["missing"]) == (3, 1, 2)
    stored = ratings(app)
    assert stored[1][:2] == (7.3, 45210)
    assert stored[4][:2] == (4.0, 40)  # N/A never wipes a known rating
    assert omdb.count() == 3


def test_omdb_limit_reached_mid_run_keeps_what_was_done(
    cli: Cli, app: AppContext, omdb: FakeOmdb
) -> None:
    seed(app, *many_titles(omdb, 25))
    omdb.daily_limit = 13
    env = env_for(omdb=omdb)

    first = cli.ok("refresh", "--source", "omdb", "--json", env=env)

    summary = first.json()
    assert (summary["checked"], summary["updated"], summary["remaining"]) == (13, 13, 12)
    assert summary["stopped"] == "omdb-limit"
    assert rated(app) == 13

    human = cli("refresh", "--source", "omdb", env=env)  # the limit at the first request
    assert human.returncode == 5 and "request limit" in human.stderr.lower()
    assert "Traceback" not in human.stderr

    omdb.reset_limit()  # the next day
    second = cli.ok("refresh", "--source", "omdb", "--json", env=env)
    assert (second.json()["checked"], second.json()["remaining"]) == (12, 0)
    assert rated(app) == 25


def test_a_refused_omdb_key_exits_5(cli: Cli, app: AppContext, omdb: FakeOmdb) -> None:
    seed(app, *default_movies())
    env = {**env_for(omdb=omdb), "MYDW_OMDB_API_KEY": "wrongkey"}
    result = cli("refresh", "--source", "omdb", env=env)
    assert result.returncode == 5 and result.stdout == ""
    assert "refused the API key" in result.stderr and "hint:" in result.stderr
    assert "Traceback" not in result.stderr


def test_one_failing_title_is_reported_even_when_quiet_but_exits_0(
    cli: Cli, app: AppContext, omdb: FakeOmdb
) -> None:
    seed(app, *default_movies())
    omdb.fail_next(5, status=500)  # the first title: every try of it fails

    result = cli("refresh", "--source", "omdb", "--quiet", env=env_for(omdb=omdb))

    assert result.returncode == 0 and result.stdout == ""
    assert "1 movie(s) could not be refreshed; they stay due" in result.stderr
    assert "Traceback" not in result.stderr
    assert rated(app) == 3 and ratings(app)[1][2] == LONG_AGO  # the failed one stays due


# -- safety ---------------------------------------------------------------------------------


def test_a_second_run_while_the_lock_is_held_touches_nothing(
    cli: Cli, app: AppContext, datasets: FakeImdbDatasets, home: Path
) -> None:
    from filelock import FileLock

    seed(app, *default_movies())
    before = ratings(app)
    from mydw.services.refresh import lock_path as refresh_lock

    lock_path = refresh_lock(app)  # issue 10: beside the database, not in the home's cache
    if lock_path is None:
        pytest.skip("PostgreSQL's lock is the advisory lock (tested in test_refresh_service)")
    with FileLock(str(lock_path)):
        result = cli("refresh", "--quiet", env=env_for(datasets))
    assert result.returncode == 1 and result.stdout == ""
    assert "another `mydw refresh` is running" in result.stderr
    assert "Traceback" not in result.stderr
    assert ratings(app) == before and datasets.count() == 0


