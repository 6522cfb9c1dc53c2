"""Shared fixtures: a hermetic home per test, the database backend, the installed `mydw`.

Backend: SQLite by default. With MYDW_TEST_POSTGRES_URL set (an admin URL of a throwaway
PostgreSQL server, see scripts/pg-test-server), every test gets its own fresh database there,
and the tests that use no database at all are deselected (the SQLite pass runs them).

The schema is migrated once per test session (per xdist worker) into a template, and each
test starts from a copy of it: SQLite copies the file to the test's default database path,
PostgreSQL runs `CREATE DATABASE ... TEMPLATE`. A test marked `fresh_database` starts with
no database at all (no SQLite file, an empty PostgreSQL database): the first command
migrates it, as on a new machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.imdb_datasets import FakeImdbDatasets
from tests.fakes.omdb import FakeOmdb
from tests.fakes.server import Router
from tests.fakes.tmdb import FakeTmdb

PG_ADMIN_URL = os.environ.get("MYDW_TEST_POSTGRES_URL", "")
BACKEND = "postgresql" if PG_ADMIN_URL else "sqlite"

# Variables of the user's own environment that must never leak into a test.
_SCRUB = [
    name for name in os.environ if name.startswith("MYDW_") and name != "MYDW_TEST_POSTGRES_URL"
]


def pytest_report_header(config: pytest.Config) -> str:
    return f"mydw database backend: {BACKEND}"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "fresh_database: no database copied from the migrated template (the first "
        "command creates and migrates it)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, run only the tests that use a database (`database_url`, through
    `home`, `ctx`, `cli`, `mydw`...): the others (clients, fakes, parsing) do exactly the same
    on either backend and run in the SQLite pass."""
    if BACKEND != "postgresql":
        return
    keep = [item for item in items if "database_url" in getattr(item, "fixturenames", ())]
    if len(keep) < len(items):
        kept = set(map(id, keep))
        config.hook.pytest_deselected(items=[i for i in items if id(i) not in kept])
        items[:] = keep


def _worker() -> str:
    """The xdist worker running this process ("gw0", ...), or "main" without xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _migrate(url: str) -> None:
    """Bring the database at `url` to head with mydw's own migrations."""
    from sqlalchemy.engine import make_url

    from mydw.db.engine import Database

    db = Database(make_url(url))
    try:
        db.ensure_ready()
    finally:
        db.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to head once per session (per worker under xdist)."""
    path = tmp_path_factory.mktemp("template") / "mydw.db"
    _migrate(f"sqlite:///{path}")
    assert not Path(f"{path}-wal").exists(), "the template was not checkpointed"
    return path


def _pg_admin() -> tuple[str, Any]:
    from sqlalchemy.engine import make_url

    admin = make_url(PG_ADMIN_URL)
    return admin.set(drivername="postgresql").render_as_string(hide_password=False), admin


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str | None]:
    """The name of a PostgreSQL database migrated to head once per session (per worker),
    for `CREATE DATABASE ... TEMPLATE`; None on SQLite."""
    if not PG_ADMIN_URL:
        yield None
        return
    import psycopg

    conninfo, admin = _pg_admin()
    name = f"mydw_template_{_worker()}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    _migrate(admin.set(database=name).render_as_string(hide_password=False))
    yield name
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _installed_mydw() -> str:
    """The console script installed next to the interpreter running the tests."""
    candidate = Path(sys.executable).parent / "mydw"
    if candidate.exists():
        return str(candidate)
    found = shutil.which("mydw")
    if not found:
        raise RuntimeError("the mydw command is not installed (pip install -e .)")
    return found


MYDW = _installed_mydw()


def _fresh(request: pytest.FixtureRequest) -> bool:
    return request.node.get_closest_marker("fresh_database") is not None


@pytest.fixture
def database_url(request: pytest.FixtureRequest, pg_template: str | None) -> Iterator[str | None]:
    """None for the default SQLite file, or the URL of a PostgreSQL database of its own,
    copied from the migrated template (empty when the test is marked `fresh_database`)."""
    if not PG_ADMIN_URL:
        yield None
        return
    import psycopg

    name = f"mydw_test_{_worker()}_{uuid.uuid4().hex[:12]}"
    conninfo, admin = _pg_admin()
    template = "" if _fresh(request) else f' TEMPLATE "{pg_template}"'
    with psycopg.connect(conninfo, autocommit=True) as conn:
        # PostgreSQL 15+ copies a small database's files ~4x faster than it WAL-logs them.
        strategy = " STRATEGY FILE_COPY" if conn.info.server_version >= 150000 else ""
        conn.execute(f'CREATE DATABASE "{name}"{template}{strategy}')
    yield admin.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Passwords hashed in this process use argon2id at its lowest cost (~1 ms a hash
    instead of ~150 ms: the in-process tests sign up and log in hundreds of times). The
    installed command in a subprocess (`mydw`, the pexpect tests) keeps the library's
    recommended parameters, as users get them."""
    import argon2

    class CheapHasher(argon2.PasswordHasher):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(time_cost=1, memory_cost=8, parallelism=1)

    monkeypatch.setattr(argon2, "PasswordHasher", CheapHasher)


@pytest.fixture
def home(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
         database_url: str | None) -> Path:
    """A hermetic MYDW_HOME for in-process code (and the env for subprocesses).

    On SQLite it holds `mydw.db` copied from the migrated template (folder 0700, file
    0600, as mydw makes them), unless the test is marked `fresh_database`: then the folder
    does not exist yet.
    """
    for name in _SCRUB:
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / "home"
    if database_url is None and not _fresh(request):
        path.mkdir(mode=0o700)
        shutil.copyfile(request.getfixturevalue("sqlite_template"), path / "mydw.db")
        os.chmod(path / "mydw.db", 0o600)
    monkeypatch.setenv("MYDW_HOME", str(path))
    if database_url:
        monkeypatch.setenv("MYDW_DATABASE_URL", database_url)
    monkeypatch.setenv("MYDW_HTTP_BACKOFF_SCALE", "0.01")
    monkeypatch.setenv("NO_COLOR", "1")
    return path


class InMemoryKeyring:
    """A keyring backend that lives in memory (for in-process tests)."""

    priority = 1

    def __init__(self) -> None:
        self.store: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.store.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.store[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        import keyring.errors

        if (service, username) not in self.store:
            raise keyring.errors.PasswordDeleteError("not found")
        del self.store[(service, username)]

    def get_credential(self, service: str, username: str | None) -> None:
        return None


@pytest.fixture
def memory_keyring(monkeypatch: pytest.MonkeyPatch) -> InMemoryKeyring:
    import keyring
    from keyring.backend import KeyringBackend

    class Backend(InMemoryKeyring, KeyringBackend):  # type: ignore[misc]
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            InMemoryKeyring.__init__(self)

    backend = Backend()
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    yield backend  # type: ignore[misc]
    keyring.set_keyring(previous)


@pytest.fixture
def ctx(home: Path, memory_keyring: InMemoryKeyring):  # type: ignore[no-untyped-def]
    """An AppContext on the test's home and database, with an in-memory keyring."""
    from mydw.services.context import AppContext

    context = AppContext()
    yield context
    context.close()


@pytest.fixture
def app(home: Path) -> Iterator[Any]:
    """An AppContext on the test's home and database, beside the commands (`cli`, `mydw`)
    under test: to seed rows and to look at what a command left. No keyring."""
    from mydw.services.context import AppContext

    context = AppContext()
    yield context
    context.close()


@pytest.fixture
def router() -> Router:
    """Routes in-process requests to the test's fakes (each fake fixture joins it)."""
    return Router()


@pytest.fixture
def tmdb(router: Router) -> Iterator[FakeTmdb]:
    """A fake TMDB on 127.0.0.1 (tests/fakes/tmdb.py), with its default catalogue; also
    answers in-process through `router` (the `cli` fixture)."""
    with FakeTmdb() as server:
        router.add(server)
        yield server


@pytest.fixture
def omdb(router: Router) -> Iterator[FakeOmdb]:
    """A fake OMDb on 127.0.0.1 (tests/fakes/omdb.py)."""
    with FakeOmdb() as server:
        router.add(server)
        yield server


@pytest.fixture
def datasets(router: Router) -> Iterator[FakeImdbDatasets]:
    """A fake IMDb datasets server on 127.0.0.1 (tests/fakes/imdb_datasets.py)."""
    with FakeImdbDatasets() as server:
        router.add(server)
        yield server


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str

    def json(self):  # type: ignore[no-untyped-def]
        import json

        return json.loads(self.stdout)


@dataclass
class Mydw:
    """Runs the installed `mydw` as a subprocess in a hermetic environment."""

    env: dict[str, str] = field(default_factory=dict)

    def __call__(
        self,
        *args: str,
        input: str | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> Result:
        proc = subprocess.run(
            [MYDW, *args],
            input=input,
            capture_output=True,
            text=True,
            env={**self.env, **(env or {})},
            timeout=timeout,
            stdin=None if input is not None else subprocess.DEVNULL,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def ok(self, *args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        result = self(*args, input=input, env=env)
        assert result.returncode == 0, (args, result.returncode, result.stderr)
        assert "Traceback" not in result.stderr
        return result

    def start(self, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        """Start the command without waiting (several processes at once, signals)."""
        return subprocess.Popen([MYDW, *args], env={**self.env, **(env or {})},
                                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def signup(self, email: str = "ada@example.com", password: str = "correct horse") -> Result:
        return self.ok(
            "signup",
            "--email",
            email,
            "--first-name",
            "Ada",
            "--last-name",
            "Lovelace",
            "--password-stdin",
            input=password + "\n",
        )


@pytest.fixture
def mydw(home: Path) -> Mydw:
    """The installed command with no keyring backend at all (as on a headless server)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("MYDW_")
        or key in ("MYDW_HOME", "MYDW_DATABASE_URL", "MYDW_HTTP_BACKOFF_SCALE")
    }
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    env["NO_COLOR"] = "1"
    env.pop("MYDW_TEST_POSTGRES_URL", None)
    return Mydw(env=env)


@dataclass
class Cli:
    """Runs `mydw` in-process through `mydw.cli.app.run` (~10 ms a command instead of
    ~0.5 s), with the same stdout, stderr and exit code a user would see.

    Each call gets a fresh AppContext (settings and database read anew, as a new process
    would) whose upstream requests go to the test's fakes through `router`; secrets live
    in the in-memory keyring. Same interface as `Mydw`: `env` (variables for every call,
    e.g. the fakes' URLs) is set in os.environ for the call only, under the call's own.
    """

    router: Router
    env: dict[str, str] = field(default_factory=dict)

    def __call__(
        self, *args: str, input: str | None = None, env: dict[str, str] | None = None,
    ) -> Result:
        import contextlib
        import io

        from mydw.cli.app import run
        from mydw.services.context import AppContext

        stdout, stderr = io.StringIO(), io.StringIO()
        variables = {**self.env, **(env or {})}
        saved_env = {k: os.environ.get(k) for k in variables}
        saved_stdin = sys.stdin
        os.environ.update(variables)
        sys.stdin = io.StringIO(input or "")
        try:
            context = AppContext(transport=self.router.transport())
            try:
                with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
                    code = run(list(args), context=context)
            finally:
                context.close()
        finally:
            sys.stdin = saved_stdin
            for key, value in saved_env.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
        return Result(code, stdout.getvalue(), stderr.getvalue())

    def ok(self, *args: str, input: str | None = None, env: dict[str, str] | None = None) -> Result:
        result = self(*args, input=input, env=env)
        assert result.returncode == 0, (args, result.returncode, result.stderr)
        assert "Traceback" not in result.stderr
        return result

    def signup(self, email: str = "ada@example.com", password: str = "correct horse") -> Result:
        return self.ok("signup", "--email", email, "--first-name", "Ada", "--last-name",
                       "Lovelace", "--password-stdin", input=password + "\n")


@pytest.fixture
def cli(home: Path, memory_keyring: InMemoryKeyring, router: Router) -> Cli:
    """`mydw` run in-process (see `Cli`): the default way to test a command."""
    return Cli(router=router)
