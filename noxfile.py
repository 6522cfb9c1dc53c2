"""Developer sessions. `nox` (the README's test command) runs `ci`: lint, types, and the
whole suite on SQLite and on a throwaway PostgreSQL server, in one virtualenv.

`ci` installs once (lint and type tools with the test extra) and keeps both cores busy:
the PostgreSQL server starts while ruff and import-linter run, then mypy and the two
passes of the suite (each spread over workers with pytest-xdist) run at once. Each
pass's output is printed when it ends; any failure fails the session, and so does a pass
that collected no tests (pytest's exit 5).

One session per job, for developers: `nox -s lint`, `nox -s types`, `nox -s tests`,
`nox -s tests_postgresql` (arguments after `--` go to pytest, e.g. `nox -s tests --
tests/cli -x`). Every session installs the project non-editable, as a user would, so a
file missing from the wheel (a migration, say) fails the tests. Virtualenvs are made by
uv when it is installed (`pip install 'nox[uv]'`), else by virtualenv.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import IO

import nox

nox.options.sessions = ["ci"]
nox.options.reuse_venv = "yes"
nox.options.default_venv_backend = "uv|virtualenv"
# uv installs without byte-compiling (pip compiles): without .pyc files every worker and
# every `mydw` subprocess would compile the project and its dependencies again, twice the
# suite's CPU where PYTHONDONTWRITEBYTECODE is set. pip ignores this variable.
os.environ.setdefault("UV_COMPILE_BYTECODE", "1")
PYTHONS = ["3.11"]  # the interpreter this project's machines have
ROOT = Path(__file__).parent
PG_SCRIPT = ROOT / "scripts" / "pg-test-server"
LINT_TOOLS = ["ruff>=0.6", "import-linter>=2.0"]
TYPE_TOOLS = ["mypy>=1.10"]
# Workers per pass when both passes run at once (two cores: the PostgreSQL server and
# the subprocess tests leave each worker idle part of the time).
WORKERS_EACH = "2"


def _lint(session: nox.Session) -> None:
    session.run("ruff", "check", "src", "tests", "benchmarks", "noxfile.py")
    session.run("lint-imports")


def _pytest_args(session: nox.Session) -> list[str]:
    """The developer's arguments, else the whole suite on every core."""
    return list(session.posargs) or ["-n", "auto"]


def _has_postgresql() -> bool:
    return any(Path("/usr/lib/postgresql").glob("*/bin/initdb")) or bool(shutil.which("initdb"))


@contextmanager
def _postgresql() -> Iterator[subprocess.Popen[str]]:
    """Start a throwaway PostgreSQL server (scripts/pg-test-server); the process prints its
    admin URL when the server is up (`_url`). Stopped and deleted on the way out."""
    folder = tempfile.mkdtemp(prefix="mydw-pg-")
    os.chmod(folder, 0o755)  # the server runs as `postgres` when we are root
    starting = subprocess.Popen([str(PG_SCRIPT), "start", folder], stdout=subprocess.PIPE,
                                text=True)
    try:
        yield starting
    finally:
        starting.wait()
        subprocess.run([str(PG_SCRIPT), "stop", folder], check=False)
        shutil.rmtree(folder, ignore_errors=True)


def _url(session: nox.Session, starting: subprocess.Popen[str]) -> str:
    out, _ = starting.communicate()
    if starting.returncode != 0 or not out.strip():
        session.error(f"the PostgreSQL test server did not start (exit {starting.returncode})")
    return out.strip()


def _venv_env(session: nox.Session, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment `session.run` gives a command: the session's bin first on PATH."""
    location = str(getattr(session.virtualenv, "location", "") or "")
    env = {**os.environ, "PATH": os.pathsep.join([session.bin, os.environ.get("PATH", "")])}
    if location:
        env["VIRTUAL_ENV"] = location
    return {**env, **(extra or {})}


def _at_once(session: nox.Session, jobs: dict[str, tuple[Sequence[str], dict[str, str]]]) -> None:
    """Run the commands of `jobs` ({name: (argv, extra env)}) at the same time. Each one's
    output is printed when it ends; the session fails if any exits non-zero."""
    failed: list[str] = []
    with ExitStack() as stack:
        running: dict[str, tuple[subprocess.Popen[bytes], IO[bytes], float]] = {}
        for name, (argv, extra) in jobs.items():
            log = stack.enter_context(tempfile.TemporaryFile())
            session.log(f"{name}: {' '.join(argv)}")
            proc = subprocess.Popen(list(argv), stdout=log, stderr=subprocess.STDOUT,
                                    env=_venv_env(session, extra), cwd=ROOT)
            running[name] = (proc, log, time.monotonic())
        while running:
            time.sleep(0.2)
            for name, (proc, output, started) in list(running.items()):
                code = proc.poll()
                if code is None:
                    continue
                del running[name]
                output.seek(0)
                sys.stdout.flush()
                sys.stdout.buffer.write(output.read())
                sys.stdout.flush()
                seconds = time.monotonic() - started
                if code == 0:
                    session.log(f"{name}: ok in {seconds:.0f} s")
                else:
                    failed.append(name)
                    why = " (no tests were collected)" if code == 5 else ""
                    session.warn(f"{name}: FAILED, exit {code}{why}, after {seconds:.0f} s")
    if failed:
        session.error(f"failed: {', '.join(failed)}")


@nox.session(python=PYTHONS)
def ci(session: nox.Session) -> None:
    """Everything, in one virtualenv: lint, then types and both passes of the suite at once."""
    session.install(*LINT_TOOLS, *TYPE_TOOLS, ".[test]")
    pytest = [str(Path(session.bin) / "pytest"), "-q", "-n", WORKERS_EACH, *session.posargs]
    jobs: dict[str, tuple[Sequence[str], dict[str, str]]] = {
        "types": ([str(Path(session.bin) / "mypy")], {}),
        "tests (SQLite)": (pytest, {}),
    }
    if not _has_postgresql():
        session.warn("no PostgreSQL binaries on this machine (apt-get install postgresql): "
                     "the PostgreSQL pass is NOT run")
        _lint(session)
        _at_once(session, jobs)
        return
    with _postgresql() as starting:
        _lint(session)  # while the server starts
        jobs["tests (PostgreSQL)"] = (pytest, {"MYDW_TEST_POSTGRES_URL": _url(session, starting)})
        _at_once(session, jobs)


@nox.session(python=PYTHONS)
def lint(session: nox.Session) -> None:
    """ruff, and the layer contract (import-linter)."""
    session.install(*LINT_TOOLS, ".")
    _lint(session)


@nox.session(python=PYTHONS)
def types(session: nox.Session) -> None:
    """mypy --strict on the package."""
    session.install(*TYPE_TOOLS, ".[test]")
    session.run("mypy")


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The whole suite on SQLite (in-process, and end-to-end on the installed mydw)."""
    session.install(".[test]")
    session.run("pytest", *_pytest_args(session))


@nox.session(python=PYTHONS)
def tests_postgresql(session: nox.Session) -> None:
    """The whole suite again, on a throwaway PostgreSQL server on 127.0.0.1."""
    if not _has_postgresql():
        session.skip("no PostgreSQL binaries on this machine (apt-get install postgresql)")
    session.install(".[test]")
    with _postgresql() as starting:
        url = _url(session, starting)
        session.run("pytest", *_pytest_args(session), env={"MYDW_TEST_POSTGRES_URL": url})


@nox.session(python=PYTHONS)
def benchmarks(session: nox.Session) -> None:
    """The performance figures quoted in the issues' notes."""
    session.install(".")
    for script in sorted((ROOT / "benchmarks").glob("[!_]*.py")):  # not the helpers
        session.run("python", str(script), env={"PYTHONPATH": str(ROOT)})


@nox.session(python=PYTHONS)
def stress(session: nox.Session) -> None:
    """The stress, hostile-server and property tests at their long sizes (MYDW_STRESS=1:
    12 processes x 50 marks, 10 kills of a refresh, every hostile path, 500 examples);
    on PostgreSQL too when MYDW_TEST_POSTGRES_URL is set."""
    session.install(".[test]")
    session.run("pytest", "-p", "no:cacheprovider", "tests/stress", "tests/property",
                *session.posargs, env={"MYDW_STRESS": "1"})
