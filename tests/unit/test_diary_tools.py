"""The chat tools' movie objects carry the user's own rating and latest viewing."""

from __future__ import annotations

from datetime import date

from mydw.services import diary
from mydw.services.chat.tools import ToolCall, execute
from mydw.services.context import AppContext


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
