"""Database URLs: what a user may type, and the one-line errors for what mydw cannot use."""

from __future__ import annotations

from pathlib import Path

import pytest

from mydw.db.engine import Database, describe, resolve_url
from mydw.domain.errors import ConfigError


def test_default_is_sqlite_in_the_data_folder(home: Path) -> None:
    url = resolve_url(None)
    assert url.drivername == "sqlite+pysqlite"
    assert url.database == str(home / "mydw.db")


def test_postgresql_means_psycopg_3_and_passwords_are_hidden() -> None:
    url = resolve_url("postgresql://ada:s3cret@db.example/mydw")
    assert url.drivername == "postgresql+psycopg"
    assert "s3cret" not in describe(url)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("garbage", "invalid database URL"),
        ("mysql://x@localhost/db", "no driver for mysql"),
        ("nosuch://x/y", "unknown database type"),
    ],
)
def test_unusable_urls_are_clear_errors(home: Path, url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Database(resolve_url(url)).engine  # noqa: B018 (the property builds the engine)
