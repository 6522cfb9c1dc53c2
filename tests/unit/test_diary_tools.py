"""The chat tools' movie objects carry the user's own rating and latest viewing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from tests.conftest import Cli
from tests.fakes.tmdb import FAKE_TMDB_API_KEY, FakeTmdb

from mydw.services import diary
from mydw.services.chat.tools import ToolCall, execute
from mydw.services.context import AppContext


@pytest.fixture
def app(cli: Cli, tmdb: FakeTmdb,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[AppContext, int]]:
    monkeypatch.setenv("MYDW_TMDB_BASE_URL", tmdb.api_url)
    monkeypatch.setenv("MYDW_TMDB_API_KEY", FAKE_TMDB_API_KEY)
    cli.signup()
    from mydw.services import accounts

    ctx = AppContext(transport=cli.router.transport())
    yield ctx, accounts.current_user(ctx).id
    ctx.close()


def test_tools_show_my_rating_and_watched_on(app: tuple[AppContext, int]) -> None:
    ctx, uid = app
    diary.add_viewings(ctx, uid, ["900001"], date(2024, 2, 3))
    diary.rate(ctx, uid, "900001", 8.5)

    def movie(name: str, **arguments: object) -> dict[str, object]:
        outcome = execute(ctx, uid, ToolCall(name, dict(arguments), "c1"), lang="en")
        assert outcome.ok, outcome.data
        found = [m for m in outcome.movies if m.tmdb_id == 900001]
        assert found, outcome.movies
        return found[0].to_json()

    for data in (movie("get_movie", movie="900001"),
                 movie("search_movies", query="lighthouse keeper"),
                 movie("list_my_movies")):
        assert (data["my_rating"], data["watched_on"]) == (8.5, "2024-02-03")
    # Changing the status through the chat keeps the diary; `none` forgets it.
    assert movie("set_status", movie="900001", status="later")["my_rating"] == 8.5
    gone = movie("set_status", movie="900001", status="none")
    assert (gone["my_rating"], gone["watched_on"]) == (None, None)
