"""The chat's `recommend` tool with no argument, and the built-in's "recommend me something",
answer with `recommend.recommend`: because-you-watched, never a marked movie."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.fakes.tmdb import FAKE_TMDB_API_KEY, FakeMovie, FakeTmdb
from tests.helpers import add_user

from mydw.services import marks
from mydw.services.chat import builtin, tools
from mydw.services.chat.tools import ToolCall
from mydw.services.context import AppContext

SEEN = 900001
LATER = 900007
RECS = {SEEN: [900005, LATER, 900003], LATER: [900011, 900012]}


@pytest.fixture
def app(home: Path, memory_keyring: Any, tmdb: FakeTmdb,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[AppContext, int]]:
    monkeypatch.setenv("MYDW_TMDB_BASE_URL", tmdb.api_url)
    monkeypatch.setenv("MYDW_TMDB_API_KEY", FAKE_TMDB_API_KEY)

    def recommended(movie: FakeMovie) -> list[FakeMovie]:
        return [m for m in (tmdb.movie(i) for i in RECS.get(movie.tmdb_id, [])) if m]

    monkeypatch.setattr(tmdb, "recommended", recommended)
    ctx = AppContext()
    uid = add_user(ctx)
    yield ctx, uid
    ctx.close()


def _run(app: tuple[AppContext, int], **arguments: Any) -> tools.ToolOutcome:
    ctx, uid = app
    return tools.execute(ctx, uid, ToolCall("recommend", arguments), lang="en")


def test_no_argument_recommends_because_you_watched(app: tuple[AppContext, int]) -> None:
    ctx, uid = app
    marks.mark(ctx, uid, [str(SEEN)], "seen")
    marks.mark(ctx, uid, [str(LATER)], "later")
    for outcome in (_run(app), _run(app, limit=5)):
        assert outcome.ok, outcome.data
        assert outcome.filters is None
        assert [m.tmdb_id for m in outcome.movies] == [900005, 900003]
        assert [s["tmdb_id"] for s in outcome.data["because_you_watched"]] == [SEEN]
        for movie in outcome.data["movies"]:
            assert movie["status"] is None
            assert [b["tmdb_id"] for b in movie["because"]] == [SEEN]
            assert "score" in movie


def test_a_filter_or_nothing_seen_keeps_discover(app: tuple[AppContext, int]) -> None:
    ctx, uid = app
    marks.mark(ctx, uid, [str(LATER)], "later")
    nothing_seen = _run(app, limit=5)
    assert nothing_seen.ok and nothing_seen.filters is not None  # discover answered
    assert LATER not in [m.tmdb_id for m in nothing_seen.movies]
    marks.mark(ctx, uid, [str(SEEN)], "seen")
    filtered = _run(app, min_rating=0)
    assert filtered.filters is not None and filtered.filters["min_rating"] == 0
    assert "because_you_watched" not in filtered.data


@pytest.mark.parametrize(("text", "lang", "head"), [
    ("recommend me something", "en", "Because you watched The Lighthouse Keeper (1998)"),
    ("what should I watch?", "en", "Because you watched The Lighthouse Keeper (1998)"),
    ("recommande-moi un film", "fr", "Parce que vous avez vu Le Gardien du phare (1998)"),
])
def test_builtin_requests_without_filter_use_it(app: tuple[AppContext, int], text: str,
                                                lang: str, head: str) -> None:
    ctx, uid = app
    marks.mark(ctx, uid, [str(SEEN)], "seen")
    marks.mark(ctx, uid, [str(LATER)], "later")
    answer = builtin.respond(ctx, uid, text, lang=lang, history=[],
                             execute=lambda call: tools.execute(ctx, uid, call, lang=lang))
    assert answer.content.startswith(head), answer.content
    shown = [m.tmdb_id for o in answer.outcomes for m in o.movies]
    assert shown == [900005, 900003]
    assert not {SEEN, LATER, 900011, 900012} & set(shown)
