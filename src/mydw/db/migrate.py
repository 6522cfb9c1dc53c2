"""Schema migrations, run on first use and by `mydw db upgrade`.

The start-up check reads `alembic_version` with one query and imports Alembic only when
there is something to do. A database stamped with a revision this version does not know
is refused and left untouched.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, exc, inspect, text
from sqlalchemy.engine import URL

from mydw.db.revisions import HEAD, REVISIONS
from mydw.db.urls import describe
from mydw.domain.errors import DatabaseError
from mydw.domain.types import utcnow


class MigratableDatabase(Protocol):
    """What migrations need of a database (`mydw.db.engine.Database` fits)."""

    url: URL
    is_sqlite: bool

    @property
    def engine(self) -> Engine: ...

    @property
    def sqlite_path(self) -> Path | None: ...


Database = MigratableDatabase

SEED_TABLES = {"users", "movies", "user_movies", "chat_sessions"}
_PG_LOCK_KEY = 0x6D796477  # "mydw": one migration at a time on a shared server


@dataclass(frozen=True)
class MigrationResult:
    before: str | None
    after: str
    backup: str | None


def current_revision(conn: Connection) -> str | None:
    """The stamped revision; None for a database mydw never migrated."""
    try:
        # The common case in one query; asking the catalogue first costs a reflection.
        with conn.begin_nested():
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    except exc.DBAPIError:
        # No such table (a new or a seed database), or a real failure that the catalogue
        # question below raises again.
        if inspect(conn).has_table("alembic_version"):
            raise
        return None
    return None if row is None else str(row[0])


def _check_known(revision: str | None, db: Database) -> None:
    if revision is not None and revision not in REVISIONS:
        raise DatabaseError(
            f"the database {describe(db.url)} is at revision {revision}, which this version of "
            f"mydw does not know (it knows up to {HEAD}); upgrade mydw — the database was "
            "left untouched"
        )


def ensure_head(db: Database) -> MigrationResult | None:
    """Fast path: one query when at head. Otherwise migrate under a lock."""
    with db.engine.connect() as conn:
        revision = current_revision(conn)
        conn.rollback()
    _check_known(revision, db)
    if revision == HEAD:
        return None
    return upgrade(db)


def upgrade(db: Database) -> MigrationResult:
    with _migration_lock(db) as conn:
        before = current_revision(conn)
        _check_known(before, db)
        if before == HEAD:
            return MigrationResult(before, HEAD, None)
        tables = set(inspect(conn).get_table_names())
        if before is None and tables >= SEED_TABLES:
            # A database made from the seed's models without Alembic (the web site's):
            # adopt it as revision 0001 instead of failing to create existing tables.
            before = "0001"
            _run_alembic(conn, "stamp", "0001")
        backup = _backup_sqlite(db, before) if before is not None else None
        _run_alembic(conn, "upgrade", "head")
        if db.is_sqlite:
            problems = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if problems:
                raise DatabaseError(
                    f"migration left {len(problems)} rows breaking foreign keys; rolled back"
                )
        conn.commit()
        return MigrationResult(before, HEAD, backup)


class _migration_lock:
    """A connection holding the migration lock, in a transaction (foreign keys off on SQLite)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._file_lock: Any = None
        self._conn: Connection | None = None

    def __enter__(self) -> Connection:
        db = self.db
        if db.is_sqlite and db.sqlite_path is not None:
            from filelock import FileLock

            self._file_lock = FileLock(
                str(db.sqlite_path) + ".migrate.lock", timeout=120, mode=0o600
            )
            self._file_lock.acquire()
        conn = db.engine.connect()
        self._conn = conn
        if db.is_sqlite:
            # Batch migrations recreate tables: with foreign keys ON, dropping a parent table
            # silently cascade-deletes the children. Must be set outside a transaction.
            raw = conn.connection.dbapi_connection
            assert raw is not None
            raw.execute("PRAGMA foreign_keys = OFF")
            conn = conn.execution_options(sqlite_begin="IMMEDIATE")
            self._conn = conn
        else:
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK_KEY})
        return conn

    def __exit__(self, *exc_info: object) -> None:
        conn = self._conn
        try:
            if conn is not None:
                if conn.in_transaction():
                    conn.rollback()
                if self.db.is_sqlite:
                    raw = conn.connection.dbapi_connection
                    if raw is not None:
                        raw.execute("PRAGMA foreign_keys = ON")
                conn.close()
        finally:
            if self._file_lock is not None:
                self._file_lock.release()


def _alembic_config(conn: Connection) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "mydw.db:migrations")
    cfg.attributes["connection"] = conn
    return cfg


def _run_alembic(conn: Connection, what: str, target: str) -> None:
    from alembic import command

    cfg = _alembic_config(conn)
    if what == "stamp":
        command.stamp(cfg, target)
    else:
        command.upgrade(cfg, target)


KEEP_BACKUPS = 3
"""Migration backups kept beside the database (the newest); older ones are deleted, so a
migration failing every night does not fill the disk."""


def _backup_sqlite(db: Database, before: str) -> str | None:
    """Copy an existing SQLite database aside (owner-only) before changing its schema;
    keep the `KEEP_BACKUPS` newest copies."""
    path = db.sqlite_path
    if path is None or not path.exists() or path.stat().st_size == 0:
        return None
    stamp = utcnow().strftime("%Y%m%dT%H%M%S")
    dest = path.with_name(f"{path.name}.bak-{before}-{stamp}")
    import os
    import sqlite3

    os.close(os.open(dest, os.O_WRONLY | os.O_CREAT, 0o600))  # owner-only from the start
    src = sqlite3.connect(path)
    try:
        dst = sqlite3.connect(dest)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()
    shutil.copymode(path, dest)
    _prune_backups(path, keep=dest)
    return str(dest)


def _prune_backups(path: Path, *, keep: Path) -> None:
    """Delete all but the `KEEP_BACKUPS` newest `<db>.bak-*` files (never `keep`)."""
    import contextlib

    found = []
    for backup in path.parent.glob(f"{path.name}.bak-*"):
        with contextlib.suppress(OSError):
            found.append((backup.stat().st_mtime_ns, backup.name, backup))
    found.sort(reverse=True)
    for _mtime, _name, old in found[KEEP_BACKUPS:]:
        if old != keep:
            with contextlib.suppress(OSError):
                old.unlink()


def script_revisions() -> list[str]:
    """Revisions found in migrations/versions (for tests and `mydw db path`)."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_alembic_config(None))  # type: ignore[arg-type]
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]
