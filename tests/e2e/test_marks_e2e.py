"""The installed `mydw mark` in several processes at once (with a refresh), and at a real
terminal, against FakeTmdb on 127.0.0.1 (the rest: tests/cli/test_marks_cli.py)."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
from typing import Any

import pytest
import sqlalchemy as sa

from mydw.db.models import Movie
from mydw.services.context import AppContext
from tests.conftest import MYDW, Mydw
from tests.fakes.imdb_datasets import FakeImdbDatasets
from tests.fakes.tmdb import FAKE_TMDB_API_KEY, FakeTmdb
from tests.helpers import mark_rows, statuses

pytestmark = pytest.mark.e2e

ADA = "ada@example.com"


@pytest.fixture
def cli(mydw: Mydw, tmdb: FakeTmdb) -> Mydw:
    mydw.env.update({"MYDW_TMDB_BASE_URL": tmdb.api_url, "MYDW_TMDB_API_KEY": FAKE_TMDB_API_KEY,
                     "COLUMNS": "160"})  # wide tables: titles on one line
    return mydw


# --------------------------------------------------------------------------- concurrency


def finish(processes: list[subprocess.Popen[str]]) -> list[tuple[int, str, str]]:
    outputs = [p.communicate(timeout=120) for p in processes]
    return [(p.returncode, out, err) for p, (out, err) in zip(processes, outputs, strict=True)]


def test_parallel_marks_and_a_refresh_lose_no_write(cli: Mydw, app: AppContext) -> None:
    cli.signup(ADA)
    # A refresh that really writes: 3,000 cached movies the IMDb dataset rates.
    with app.db.write() as session:
        session.add_all(Movie(tmdb_id=100_000 + i, imdb_id=f"tt7{i:06d}", title_en=f"M{i}")
                        for i in range(3000))
    rows = [(f"tt7{i:06d}", 6.5, 1000 + i) for i in range(3000)]
    jobs = {  # six processes, each marking two movies of its own
        "seen": ["900001", "900002"], "later": ["900003", "900004"],
        "not-interested": ["900005", "900006"],
    }
    with FakeImdbDatasets(rows) as datasets:
        refresh = cli.start("refresh", "--source", "imdb-dataset", "--all", "--json",
                        env={"MYDW_IMDB_DATASETS_URL": datasets.url})
        marks = [cli.start("mark", status, ref) for status, refs in jobs.items()
                 for ref in refs]
        marks += [cli.start("mark", "seen", r) for r in ("900007", "900008", "tt9000009")]
        marks += [cli.start("mark", "later", r) for r in ("900011", "900012", "900010")]
        results = finish([refresh, *marks])
    for code, _out, err in results:
        assert code == 0, err
        assert "locked" not in err and "Traceback" not in err
    expected = {900001: "seen", 900002: "seen", 900003: "later", 900004: "later",
                900005: "not_interested", 900006: "not_interested", 900007: "seen",
                900008: "seen", 900009: "seen", 900011: "later", 900012: "later",
                900010: "later"}
    assert statuses(cli) == expected
    with app.db.read() as session:
        rated = session.scalar(sa.select(sa.func.count()).select_from(Movie)
                               .where(Movie.imdb_rating.is_not(None)))
    assert rated == 3000


def test_parallel_marks_of_one_movie_leave_one_row(cli: Mydw, app: AppContext) -> None:
    cli.signup(ADA)
    cli.ok("mark", "seen", "900001")  # cached once; then six processes race on the row
    processes = [cli.start("mark", s, "900001", "900002")
                 for s in ("seen", "later", "not-interested") * 2]
    for code, _out, err in finish(processes):
        assert code == 0, err
        assert "locked" not in err
    rows: Any = mark_rows(app)
    assert [(e, t) for e, t, _ in rows] == [(ADA, 900001), (ADA, 900002)]
    assert all(s in ("seen", "later", "not_interested") for _, _, s in rows)


# ------------------------------------------------------------------ a person at the terminal


def test_an_ambiguous_title_at_a_terminal_offers_a_choice(cli: Mydw, app: AppContext) -> None:
    """stdin and stderr on a pseudo-terminal: a numbered prompt instead of exit 4."""
    cli.signup(ADA)
    primary, secondary = pty.openpty()
    child = subprocess.Popen([MYDW, "mark", "seen", "The Lighthouse Keeper", "--json"],
                             env=cli.env, stdin=secondary, stderr=secondary,
                             stdout=subprocess.PIPE, text=True)
    os.close(secondary)
    seen = b""
    while b"Which one?" not in seen:
        ready, _, _ = select.select([primary], [], [], 30)
        assert ready, seen
        seen += os.read(primary, 4096)
    assert b"1. The Lighthouse Keeper (" in seen and b"2. The Lighthouse Keeper (" in seen
    second = seen.split(b"2. ")[1].split(b"tmdb:")[1][:6].decode()
    os.write(primary, b"2\n")
    out, _ = child.communicate(timeout=60)
    os.close(primary)
    assert child.returncode == 0
    assert [m["tmdb_id"] for m in json.loads(out)] == [int(second)]
    assert mark_rows(app) == [(ADA, int(second), "seen")]
