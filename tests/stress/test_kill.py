"""SIGKILL at seeded random points of `mydw refresh` (the download, the parse, the batched
writes): the database stays whole (`PRAGMA integrity_check` on SQLite), the next run is
not locked out, and a last run completes with every due movie updated.

Each round publishes a new dataset and refreshes every movie (`--all --older-than 0s`), so
every round has the whole job to do. The kill points are fractions of the time a full
run takes on this machine now (measured by a first, unkilled run), so they land inside
the run however loaded the machine is.
"""

from __future__ import annotations

import random
import signal
import time

from sqlalchemy import select

from mydw.db.models import Movie
from mydw.services.context import AppContext
from tests.conftest import Mydw
from tests.fakes.imdb_datasets import FakeImdbDatasets
from tests.stress.conftest import LONG_AGO, Sizes, integrity_ok, seed_movies, start

ARGS = ("refresh", "--source", "imdb-dataset", "--all", "--older-than", "0s", "--json")


def _publish(datasets: FakeImdbDatasets, count: int, round_: int) -> dict[int, tuple[float, int]]:
    """A new dataset whose values differ from every earlier round's."""
    values = {i: (round((i + round_) % 100 / 10, 1), i * 10 + round_) for i in range(1, count + 1)}
    datasets.set_rows([(f"tt7{i:07d}", r, v) for i, (r, v) in values.items()])
    return values


def _ratings(ctx: AppContext) -> dict[int, tuple[float | None, int | None]]:
    with ctx.db.read() as session:
        return {m.tmdb_id: (m.imdb_rating, m.vote_count) for m in session.scalars(select(Movie))}


def test_refresh_killed_at_random_points_then_a_rerun_completes(
    mydw: Mydw, app: AppContext, datasets: FakeImdbDatasets, sizes: Sizes
) -> None:
    count = sizes.refresh_movies
    seed_movies(app, [{"tmdb_id": i, "imdb_id": f"tt7{i:07d}"} for i in range(1, count + 1)])
    env = {"MYDW_IMDB_DATASETS_URL": datasets.url}
    rng = random.Random(sizes.seed)

    began = time.monotonic()
    first = mydw(*ARGS, env=env, timeout=120)
    full_run = time.monotonic() - began
    assert first.returncode == 0, first.stderr

    outcomes = []
    # The first run also migrated the database and read a cold cache: a later run can be
    # quicker. Whenever a run ends before its kill, the next kill comes twice as early.
    scale = 1.0
    round_ = 0
    # `sizes.kills` rounds, and a few more while no kill has landed inside a run yet.
    while round_ < sizes.kills or ("killed" not in outcomes and round_ < sizes.kills + 4):
        round_ += 1
        _publish(datasets, count, round_)
        proc = start(mydw, *ARGS, env=env)
        time.sleep(rng.uniform(0.3, 1.0) * full_run * scale)
        killed = proc.poll() is None
        if not killed:
            scale /= 2
        proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate(timeout=30)
        outcomes.append("killed" if killed else f"finished {proc.returncode}")
        assert killed or proc.returncode == 0, err
        assert integrity_ok(app), f"round {round_}: the database is damaged"
    assert "killed" in outcomes, outcomes  # at least one kill landed inside a run

    final = _publish(datasets, count, round_ + 1)
    rerun = mydw(*ARGS, env=env, timeout=120)

    assert rerun.returncode == 0, (outcomes, rerun.stderr)
    summary = rerun.json()
    assert (summary["checked"], summary["failed"]) == (count, 0)
    assert summary["dataset"] == "downloaded"
    assert _ratings(app) == final
    assert integrity_ok(app)
    with app.db.read() as session:
        stale = session.scalar(select(Movie.id).where(Movie.imdb_updated_on <= LONG_AGO))
    assert stale is None
