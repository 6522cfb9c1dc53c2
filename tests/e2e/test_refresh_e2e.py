"""The installed `mydw refresh` as cron runs it: over real HTTP to FakeImdbDatasets and
FakeOmdb on 127.0.0.1, with no login and no keyring backend (the `mydw` fixture); two runs
at once; a run killed mid-way. The rest of refresh runs in-process:
tests/cli/test_refresh_cli.py.
"""

from __future__ import annotations

import json
import signal
import time
from typing import Any

import pytest

from mydw.services.context import AppContext
from tests.conftest import Mydw
from tests.fakes.imdb_datasets import FakeImdbDatasets
from tests.fakes.omdb import FakeOmdb
from tests.helpers import (
    LONG_AGO,
    SUMMARY_KEYS,
    default_movies,
    env_for,
    integrity_ok,
    many_titles,
    rated,
    ratings,
    seed,
)

pytestmark = pytest.mark.e2e

# -- helpers ------------------------------------------------------------------------------


def wait_for(condition: Any, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


# -- in a process of its own -------------------------------------------------------------


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


def test_two_runs_at_once_never_overlap(
    mydw: Mydw, app: AppContext, omdb: FakeOmdb, datasets: FakeImdbDatasets
) -> None:
    seed(app, *many_titles(omdb, 6))
    gate = omdb.hold()  # OMDb keeps the first run busy until the second one is done
    env = {**env_for(datasets, omdb), "MYDW_HTTP_TIMEOUT": "60"}
    first = mydw.start("refresh", "--source", "omdb", "--json", env=env)
    try:
        wait_for(lambda: omdb.count() >= 1)
        second = mydw("refresh", "--json", env=env)
        gate.set()
        out, err = first.communicate(timeout=60)
    finally:
        gate.set()
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
    run = mydw.start("refresh", "--source", "omdb", env=env)
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
