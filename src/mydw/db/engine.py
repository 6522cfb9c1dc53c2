"""The database: engine, SQLite pragmas, transactions, and errors translated for users.

Imports point one way: `engine` → `migrate` (lazily, on first use) → `urls`; `migrate`
never imports `engine` (it takes any object shaped like `migrate.MigratableDatabase`)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker

from mydw.config import paths
from mydw.db.urls import describe, resolve_url
from mydw.domain.errors import ConfigError, DatabaseError, MydwError
from mydw.domain.values import json_dumps

__all__ = ["BUSY_TIMEOUT_MS", "Database", "describe", "resolve_url", "translate"]

# How long a writer waits for another one (several `mydw mark` and a cron `refresh` at once).
BUSY_TIMEOUT_MS = 30_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own handling is broken).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        # Wait for other writers instead of failing with "database is locked".
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Readers never block the writer, the writer never blocks readers.
        cursor.execute("PRAGMA journal_mode = WAL")
        # Safe with WAL, and much faster than FULL.
        cursor.execute("PRAGMA synchronous = NORMAL")
        # The seed's ON DELETE CASCADE only works with foreign keys on.
        cursor.execute("PRAGMA foreign_keys = ON")
    finally:
        cursor.close()


def _sqlite_begin(conn: Any) -> None:
    # Writers take the write lock up front (BEGIN IMMEDIATE): a deferred transaction that
    # upgrades from read to write in WAL mode fails at once with SQLITE_BUSY, whatever the
    # busy timeout; an immediate one waits its turn.
    mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
    conn.exec_driver_sql(f"BEGIN {mode}")


def translate(error: Exception, url: URL) -> MydwError:
    """A one-line, actionable error for a database failure."""
    where = url.database if url.get_backend_name() == "sqlite" else describe(url)
    text = str(getattr(error, "orig", None) or error).strip().splitlines()[0] if str(error) else ""
    low = text.lower()
    if "file is not a database" in low or "database disk image is malformed" in low:
        return DatabaseError(
            f"{where} is not a usable SQLite database ({text}); move it away or set "
            "MYDW_DATABASE_URL"
        )
    if "readonly database" in low or "read-only" in low:
        return DatabaseError(f"the database {where} is read-only; check the file's permissions")
    if "unable to open database file" in low:
        return ConfigError(
            f"cannot open the database {where}: its folder is missing or not writable"
        )
    if "database is locked" in low:
        return DatabaseError(f"the database {where} stayed locked by another mydw; try again")
    if isinstance(error, exc.OperationalError) and url.get_backend_name() == "postgresql":
        return DatabaseError(f"cannot use PostgreSQL at {where}: {text}")
    return DatabaseError(f"database error on {where}: {text}")


class Database:
    """One database for one command: lazily created engine, read and write transactions."""

    def __init__(self, url: URL) -> None:
        self.url = url
        self.is_sqlite = url.get_backend_name() == "sqlite"
        self._engine: Engine | None = None
        self._ready = False

    @property
    def sqlite_path(self) -> Path | None:
        if not self.is_sqlite or not self.url.database or self.url.database == ":memory:":
            return None
        return Path(self.url.database)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = self._create_engine()
        return self._engine

    def _create_engine(self) -> Engine:
        # Statement parameters (password hashes, token hashes, emails) never appear in an
        # error's text, a log or a --debug traceback; JSON is written without NaN/Infinity.
        options: dict[str, Any] = {"hide_parameters": True, "json_serializer": json_dumps}
        if self.is_sqlite:
            path = self.sqlite_path
            if path is not None:
                paths.ensure_private_dir(path.parent)
                if not path.exists():
                    try:
                        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
                    except OSError as e:
                        raise ConfigError(
                            f"cannot create the database {path}: {e.strerror or e}"
                        ) from e
            engine = create_engine(self.url, **options)
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin)
            return engine
        try:
            return create_engine(self.url, pool_pre_ping=True, **options)
        except ModuleNotFoundError as e:
            if self.url.get_backend_name() == "postgresql":
                raise ConfigError(
                    "PostgreSQL support is not installed: "
                    "pip install 'moviesyoudidntwatch[postgresql]'"
                ) from e
            raise ConfigError(
                f"no driver for {self.url.drivername} databases is installed ({e}); mydw "
                "supports SQLite and PostgreSQL"
            ) from e
        except exc.NoSuchModuleError as e:
            raise ConfigError(f"unknown database type in {describe(self.url)}") from e

    def ensure_ready(self) -> None:
        """Bring the schema to head on first use (cheap when already there)."""
        if self._ready:
            return
        from mydw.db import migrate

        try:
            migrate.ensure_head(self)
        except MydwError:
            raise
        except exc.SQLAlchemyError as e:
            raise translate(e, self.url) from e
        self._ready = True

    @contextmanager
    def _session(self, **options: Any) -> Iterator[Session]:
        self.ensure_ready()
        bind = self.engine.execution_options(**options) if options else self.engine
        factory = sessionmaker(bind=bind, expire_on_commit=False)
        try:
            with factory.begin() as session:
                yield session
        except exc.SQLAlchemyError as e:
            if isinstance(e, exc.IntegrityError):
                raise  # services turn these into domain errors (duplicate email...)
            raise translate(e, self.url) from e

    def write(self) -> Any:
        """A transaction that will write (takes SQLite's write lock at BEGIN)."""
        return self._session(sqlite_begin="IMMEDIATE") if self.is_sqlite else self._session()

    def read(self) -> Any:
        return self._session()

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
