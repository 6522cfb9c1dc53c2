"""Fixtures of the stress tests: sizes (small by default, long with MYDW_STRESS=1, which
`nox -s stress` sets), subprocesses of the installed mydw against fakes on 127.0.0.1, and
an AppContext on the same home and database to seed and check rows.

The backend is the suite's (tests/conftest.py): SQLite, or a fresh PostgreSQL database
when MYDW_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import insert, text

from mydw.db.models import Movie
from mydw.services.context import AppContext
from tests.conftest import BACKEND, MYDW, Mydw

STRESS = os.environ.get("MYDW_STRESS", "") not in ("", "0")
WORKER = Path(__file__).with_name("worker.py")
LONG_AGO = datetime(2020, 1, 1)


@dataclass(frozen=True)
class Sizes:
    processes: int  # concurrent mark workers
    marks: int  # marks per worker (one command each)
    kills: int  # SIGKILLs of a refresh
    refresh_movies: int  # movies due for the refresh
    seed: int  # of the random kill points


SIZES = (Sizes(processes=12, marks=50, kills=10, refresh_movies=20_000, seed=20240610)
         if STRESS else
         Sizes(processes=3, marks=5, kills=2, refresh_movies=2_000, seed=20240610))


@pytest.fixture
def sizes() -> Sizes:
    return SIZES


@pytest.fixture
def app(home: Path) -> Iterator[AppContext]:
    """An AppContext on the same home and database as the `mydw` subprocesses."""
    ctx = AppContext()
    yield ctx
    ctx.close()


def seed_movies(ctx: AppContext, rows: list[dict[str, Any]]) -> None:
    """Insert cached movies in one statement (thousands in a few ms)."""
    ctx.db.ensure_ready()
    full = [{"imdb_updated_on": LONG_AGO, "cached_on": LONG_AGO, **row} for row in rows]
    with ctx.db.write() as session:
        session.execute(insert(Movie), full)


def integrity_ok(ctx: AppContext) -> bool:
    """SQLite's own check of the file (always True on PostgreSQL)."""
    if BACKEND != "sqlite":
        return True
    with ctx.db.engine.connect() as conn:
        return conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def start(mydw: Mydw, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """The installed `mydw ARGS` started in the background (stdout/stderr captured)."""
    return subprocess.Popen([MYDW, *args], env={**mydw.env, **(env or {})},
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def start_worker(mydw: Mydw, lines: list[list[str]],
                 env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """tests/stress/worker.py running `lines` (mydw argv lists) one after another."""
    import json

    return subprocess.Popen([sys.executable, str(WORKER), *(json.dumps(a) for a in lines)],
                            env={**mydw.env, **(env or {})}, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


# --------------------------------------------------------------------------- live runs


@dataclass
class LiveResult:
    returncode: int | None  # None: still running when the bound passed (a hang)
    stdout: str
    stderr: str
    seconds: float

    def json(self) -> Any:
        import json

        return json.loads(self.stdout)


@dataclass
class Live:
    """Runs `mydw` in-process through `run()` with REAL HTTP (no fake transport: the
    client's own timeouts, redirects and streaming apply), in a thread bounded by
    `bound` seconds, so a hang fails the test instead of holding the suite. A command
    still running at the bound is left behind (a daemon thread; the fake server it
    waits on is stopped at teardown)."""

    bound: float = 4.0

    # What the commands import on first use, imported before the clock starts: the bounds
    # are about the network (a deadline), not about a cold import on a loaded machine
    # (a fresh CI's worker, both passes at once, compiled no bytecode: seconds).
    WARM = ("httpx", "httpcore", "mydw.cli.app", "mydw.clients.http", "mydw.clients.tmdb",
            "mydw.clients.omdb", "mydw.clients.imdb_datasets", "mydw.clients.chat_model",
            "mydw.services.accounts", "mydw.services.catalog", "mydw.services.discover",
            "mydw.services.marks", "mydw.services.refresh", "mydw.services.chat.turn",
            "mydw.services.chat.builtin", "mydw.db.migrate")

    def __call__(self, *args: str, bound: float | None = None) -> LiveResult:
        import importlib
        import io
        import threading

        for name in self.WARM:
            importlib.import_module(name)
        from mydw.cli.app import run
        from mydw.services.context import AppContext

        out, err = io.StringIO(), io.StringIO()
        code: list[int] = []
        saved = sys.stdout, sys.stderr, sys.stdin
        sys.stdout, sys.stderr, sys.stdin = out, err, io.StringIO("")
        started = time.monotonic()
        try:
            thread = threading.Thread(target=lambda: code.append(run(list(args),
                                                                     context=AppContext())),
                                      daemon=True, name="live-mydw")
            thread.start()
            thread.join(self.bound if bound is None else bound)
        finally:
            sys.stdout, sys.stderr, sys.stdin = saved
        return LiveResult(code[0] if code else None, out.getvalue(), err.getvalue(),
                          time.monotonic() - started)


@pytest.fixture
def live(home: Path, memory_keyring: Any) -> Live:
    """`mydw` in-process over real HTTP on loopback, bounded in time (see `Live`)."""
    return Live()
