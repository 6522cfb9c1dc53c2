"""Developer sessions. `nox` runs lint, types and the whole suite on SQLite and PostgreSQL.

Each session installs the project non-editable, as a user would, so a file missing from
the wheel (a migration, say) fails the tests.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import nox

nox.options.sessions = ["lint", "types", "tests", "tests_postgresql"]
nox.options.reuse_venv = "yes"
PYTHONS = ["3.11"]  # the interpreter this project's machines have
ROOT = Path(__file__).parent


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The whole suite on SQLite (unit + end-to-end on the installed mydw)."""
    session.install(".[test]")
    session.run("pytest", *session.posargs)


@nox.session(python=PYTHONS)
def tests_postgresql(session: nox.Session) -> None:
    """The whole suite again, on a throwaway PostgreSQL server on 127.0.0.1."""
    script = ROOT / "scripts" / "pg-test-server"
    if not any(Path("/usr/lib/postgresql").glob("*/bin/initdb")) and not shutil.which("initdb"):
        session.skip("no PostgreSQL binaries on this machine (apt-get install postgresql)")
    session.install(".[test]")
    folder = tempfile.mkdtemp(prefix="mydw-pg-")
    os.chmod(folder, 0o755)  # the server runs as `postgres` when we are root
    url = subprocess.run([str(script), "start", folder], check=True, capture_output=True,
                         text=True).stdout.strip()
    try:
        session.run("pytest", *session.posargs, env={"MYDW_TEST_POSTGRES_URL": url})
    finally:
        subprocess.run([str(script), "stop", folder], check=False)
        shutil.rmtree(folder, ignore_errors=True)


@nox.session(python=PYTHONS)
def lint(session: nox.Session) -> None:
    """ruff, and the layer contract (import-linter)."""
    session.install("ruff>=0.6", "import-linter>=2.0", ".")
    session.run("ruff", "check", "src", "tests", "benchmarks", "noxfile.py")
    session.run("lint-imports")


@nox.session(python=PYTHONS)
def types(session: nox.Session) -> None:
    """mypy --strict on the package."""
    session.install("mypy>=1.10", ".[test]")
    session.run("mypy")


@nox.session(python=PYTHONS)
def benchmarks(session: nox.Session) -> None:
    """The performance figures quoted in the issues' notes."""
    session.install(".")
    for script in sorted((ROOT / "benchmarks").glob("*.py")):
        session.run("python", str(script), env={"PYTHONPATH": str(ROOT)})


@nox.session(python=PYTHONS)
def stress(session: nox.Session) -> None:
    """The stress, hostile-server and property tests at their long sizes (MYDW_STRESS=1:
    12 processes x 50 marks, 10 kills of a refresh, every hostile path, 500 examples);
    on PostgreSQL too when MYDW_TEST_POSTGRES_URL is set."""
    session.install(".[test]")
    session.run("pytest", "-p", "no:cacheprovider", "tests/stress", "tests/property",
                *session.posargs, env={"MYDW_STRESS": "1"})
