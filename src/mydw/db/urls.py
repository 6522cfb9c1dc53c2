"""Database URLs: the configured one resolved (default SQLite file, psycopg 3 driver) and
described for messages (password hidden). Imported by `engine` and `migrate` alike."""

from __future__ import annotations

from sqlalchemy import exc
from sqlalchemy.engine import URL, make_url

from mydw.config import paths
from mydw.domain.errors import ConfigError


def resolve_url(configured: str | None) -> URL:
    """The configured URL, or the default SQLite file; `postgresql://` means psycopg 3."""
    if not configured:
        return URL.create("sqlite+pysqlite", database=str(paths.default_database_path()))
    try:
        url = make_url(configured)
    except exc.ArgumentError as e:
        raise ConfigError(f"invalid database URL {configured!r}") from e
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")
    if url.drivername == "sqlite":
        url = url.set(drivername="sqlite+pysqlite")
    return url


def describe(url: URL) -> str:
    """The URL with its password hidden, for messages."""
    return url.render_as_string(hide_password=True)
