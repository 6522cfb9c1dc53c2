"""Fixtures shared by the unit tests (a module may define its own `app` instead)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from tests.conftest import Cli
from tests.fakes.tmdb import FAKE_TMDB_API_KEY, FakeTmdb

from mydw.services.context import AppContext


@pytest.fixture
def app(cli: Cli, tmdb: FakeTmdb,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[AppContext, int]]:
    """A signed-up user's context over the fake TMDB (in-process), and the user's id."""
    monkeypatch.setenv("MYDW_TMDB_BASE_URL", tmdb.api_url)
    monkeypatch.setenv("MYDW_TMDB_API_KEY", FAKE_TMDB_API_KEY)
    cli.signup()
    from mydw.services import accounts

    ctx = AppContext(transport=cli.router.transport())
    yield ctx, accounts.current_user(ctx).id
    ctx.close()
