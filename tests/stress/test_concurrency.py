"""N processes × M marks + a refresh + a chat turn, all at once, on the suite's backend
(SQLite, or PostgreSQL with MYDW_TEST_POSTGRES_URL): nothing lost, nothing "locked".

Each worker process (tests/stress/worker.py) runs its marks as separate commands, each in
its own transactions, while `mydw refresh` writes batches of ratings and `mydw chat
--builtin` saves a session. Every worker also marks one shared movie first, so the
processes race to cache the same TMDB movie.
"""

from __future__ import annotations

import json
import subprocess
from datetime import timedelta

from sqlalchemy import select

from mydw.db.models import ChatSession, Movie, UserMovie
from mydw.domain.types import utcnow
from mydw.services.context import AppContext
from tests.conftest import Mydw
from tests.fakes.imdb_datasets import FakeImdbDatasets
from tests.fakes.tmdb import FAKE_TMDB_API_KEY, FakeMovie, FakeTmdb
from tests.stress.conftest import LONG_AGO, Sizes, seed_movies, start, start_worker

STATUSES = ("seen", "later", "not-interested")
SHARED = 900001  # in the fake's default catalogue: every worker marks it "later"
FIRST_ID = 910_000


def _env(tmdb: FakeTmdb, datasets: FakeImdbDatasets) -> dict[str, str]:
    return {"MYDW_TMDB_BASE_URL": tmdb.api_url, "MYDW_TMDB_API_KEY": FAKE_TMDB_API_KEY,
            "MYDW_IMDB_DATASETS_URL": datasets.url}


def _plan(sizes: Sizes, tmdb: FakeTmdb) -> tuple[list[list[list[str]]], dict[int, str]]:
    """Each worker's command lines and the status every movie must end with."""
    expected = {SHARED: "later"}
    plans = []
    for p in range(sizes.processes):
        lines = [["mark", "later", str(SHARED)]]
        for m in range(sizes.marks):
            tmdb_id = FIRST_ID + p * sizes.marks + m
            status = STATUSES[(p + m) % 3]
            tmdb.add_movie(FakeMovie(tmdb_id, f"Stress {tmdb_id}", "en", "2001-05-05",
                                     f"Stress {tmdb_id}", "A movie made for the stress test.",
                                     genre_ids=(35,), vote_average=6.0, vote_count=100))
            lines.append(["mark", status, str(tmdb_id)])
            expected[tmdb_id] = status.replace("-", "_")
        plans.append(lines)
    return plans, expected


def _refresh_rows(sizes: Sizes, datasets: FakeImdbDatasets) -> dict[int, tuple[float, int]]:
    """Movies due for the refresh (seeded later) and the ratings the dataset has for them."""
    count = max(50, sizes.refresh_movies // 10)
    wanted = {i: (round(1 + (i % 90) / 10, 1), 1000 + i) for i in range(1, count + 1)}
    datasets.set_rows([(f"tt7{i:07d}", r, v) for i, (r, v) in wanted.items()])
    return wanted


def test_marks_refresh_and_chat_at_once_lose_nothing(
    mydw: Mydw, app: AppContext, tmdb: FakeTmdb, datasets: FakeImdbDatasets, sizes: Sizes
) -> None:
    env = _env(tmdb, datasets)
    mydw.env.update(env)
    mydw.signup()
    plans, expected = _plan(sizes, tmdb)
    wanted = _refresh_rows(sizes, datasets)
    seed_movies(app, [{"tmdb_id": i, "imdb_id": f"tt7{i:07d}", "title_en": f"Due {i}"}
                      for i in wanted])
    started = utcnow() - timedelta(seconds=1)

    procs: list[tuple[str, subprocess.Popen[str]]] = [
        (f"worker {p}", start_worker(mydw, lines)) for p, lines in enumerate(plans)]
    procs.append(("refresh", start(mydw, "refresh", "--source", "imdb-dataset", "--json")))
    procs.append(("chat", start(mydw, "chat", "-m", "funny movies from 2001", "--builtin",
                                "--json")))
    results = {}
    try:
        for name, proc in procs:
            out, err = proc.communicate(timeout=60 + 4 * sizes.processes * sizes.marks)
            results[name] = (proc.returncode, out, err)
    finally:
        for _, proc in procs:
            if proc.poll() is None:
                proc.kill()

    for name, (code, _out, err) in results.items():
        assert "database is locked" not in err.lower(), (name, err)
        assert "Traceback" not in err and "internal error" not in err, (name, err)
        assert code == 0, (name, code, err)
    for p in range(sizes.processes):
        assert json.loads(results[f"worker {p}"][1])["codes"] == [0] * (sizes.marks + 1)

    # Every mark present, once, with its status.
    with app.db.read() as session:
        rows = session.execute(select(Movie.tmdb_id, UserMovie.status).join(
            UserMovie, UserMovie.movie_id == Movie.id)).all()
        cached = session.scalars(select(Movie.tmdb_id).where(Movie.tmdb_id == SHARED)).all()
    assert sorted(tmdb_id for tmdb_id, _ in rows) == sorted(expected)
    assert dict(rows) == expected
    assert cached == [SHARED]  # the racing workers cached the shared movie once

    # The refresh's ratings written, every one.
    summary = json.loads(results["refresh"][1])
    assert summary["failed"] == 0 and summary["updated"] >= len(wanted)
    with app.db.read() as session:
        stored = {m.tmdb_id: (m.imdb_rating, m.vote_count, m.imdb_updated_on)
                  for m in session.scalars(select(Movie).where(Movie.tmdb_id <= len(wanted)))}
    assert {k: v[:2] for k, v in stored.items()} == wanted
    assert all(v[2] is not None and v[2] > max(LONG_AGO, started) for v in stored.values())

    # The chat turn answered and its session was saved with both messages.
    reply = json.loads(results["chat"][1])
    assert reply["assistant"] == "builtin" and reply["reply"]
    with app.db.read() as session:
        chats = session.scalars(select(ChatSession)).all()
        assert [c.id for c in chats] == [reply["session_id"]]
        roles = [m["role"] for m in chats[0].conversation]
    assert roles[-2:] == ["user", "assistant"]
