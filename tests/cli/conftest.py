"""Fixtures of the CLI tests: the in-process `cli` online against the fake TMDB."""

from __future__ import annotations

import pytest

from tests.conftest import Cli
from tests.fakes.tmdb import FAKE_TMDB_API_KEY, FakeTmdb


@pytest.fixture
def online(cli: Cli, tmdb: FakeTmdb, monkeypatch: pytest.MonkeyPatch) -> Cli:
    """`cli` with TMDB configured (the fake, in-process)."""
    monkeypatch.setenv("MYDW_TMDB_BASE_URL", tmdb.api_url)
    monkeypatch.setenv("MYDW_TMDB_API_KEY", FAKE_TMDB_API_KEY)
    return cli
