"""The chat tools: the same services as the commands, validated arguments, errors as data."""

from __future__ import annotations

import json

import pytest

from mydw.services.chat.tools import TOOL_SCHEMAS, ToolCall, execute, validate
from mydw.services.context import AppContext

MOVIE_KEYS = {
    "tmdb_id", "imdb_id", "title_en", "title_fr", "overview_en", "overview_fr", "poster_url",
    "trailer_en", "trailer_fr", "imdb_rating", "vote_count", "genres", "genre_ids",
    "release_year", "original_language", "cached_on", "imdb_updated_on", "status", "updated_at",
    "my_rating", "watched_on",
}


def run(app: tuple[AppContext, int], name: str, **arguments: object):  # type: ignore[no-untyped-def]
    ctx, user_id = app
    outcome = execute(ctx, user_id, ToolCall(name, dict(arguments), "call_1"), lang="en")
    json.dumps(outcome.data)  # always JSON-ready
    return outcome


def test_schemas_are_flat_objects_of_scalars_and_enums() -> None:
    names = [t["function"]["name"] for t in TOOL_SCHEMAS]
    assert names == ["search_movies", "get_movie", "set_status", "list_my_movies", "recommend"]
    for tool in TOOL_SCHEMAS:
        params = tool["function"]["parameters"]
        assert params["type"] == "object"
        for prop in params["properties"].values():
            assert prop["type"] in ("string", "integer", "number")
    recommend = TOOL_SCHEMAS[4]["function"]["parameters"]
    assert set(recommend["properties"]) == {"genre", "without_genre", "min_rating", "year_from",
                                            "year_to", "language", "similar_to", "limit"}
    assert recommend["required"] == []
    status = TOOL_SCHEMAS[2]["function"]["parameters"]["properties"]["status"]
    assert status["enum"] == ["seen", "later", "not_interested", "none"]


def test_search_returns_movie_objects_with_the_users_status(app: tuple[AppContext, int]) -> None:
    run(app, "set_status", movie="900001", status="seen")
    outcome = run(app, "search_movies", query="lighthouse keeper")
    assert outcome.ok
    assert {m["tmdb_id"]: m["status"] for m in outcome.data["movies"]} == {
        900001: "seen", 900002: None}
    assert set(outcome.data["movies"][0]) == MOVIE_KEYS
    assert [m.tmdb_id for m in outcome.movies] == [m["tmdb_id"] for m in outcome.data["movies"]]


@pytest.mark.parametrize("ref", ["900004", 900004, "tt9000004", "Quantum Orchard"])
def test_a_movie_argument_takes_a_tmdb_id_an_imdb_id_or_a_title(
    app: tuple[AppContext, int], ref: object
) -> None:
    outcome = run(app, "get_movie", movie=ref)
    assert outcome.ok, outcome.data
    assert outcome.data["movie"]["tmdb_id"] == 900004


def test_set_status_marks_and_none_unmarks(app: tuple[AppContext, int]) -> None:
    marked = run(app, "set_status", movie="Quantum Orchard", status="later")
    assert marked.ok and marked.actions == [{"tmdb_id": 900004, "status": "later"}]
    mine = run(app, "list_my_movies")
    assert mine.data["total"] == 1 and mine.data["movies"][0]["status"] == "later"
    changed = run(app, "set_status", movie="900004", status="not-interested")
    assert changed.actions == [{"tmdb_id": 900004, "status": "not_interested"}]
    removed = run(app, "set_status", movie="900004", status="none")
    assert removed.ok and removed.actions == [{"tmdb_id": 900004, "status": "none"}]
    assert run(app, "list_my_movies").data == {"total": 0, "movies": []}


def test_list_my_movies_counts_every_match_and_filters(app: tuple[AppContext, int]) -> None:
    for ref in ("900001", "900002", "900003"):
        run(app, "set_status", movie=ref, status="seen")
    run(app, "set_status", movie="900006", status="later")
    limited = run(app, "list_my_movies", status="seen", limit=2)
    assert limited.data["total"] == 3 and len(limited.data["movies"]) == 2
    comedies = run(app, "list_my_movies", genre="Comédie")
    assert [m["tmdb_id"] for m in comedies.data["movies"]] == [900006]


def test_recommend_never_returns_a_marked_movie(app: tuple[AppContext, int]) -> None:
    before = run(app, "recommend", min_rating=0, limit=20)
    assert before.ok, before.data
    assert before.filters is not None and before.filters["min_rating"] == 0
    ids = [m["tmdb_id"] for m in before.data["movies"]]
    assert len(ids) >= 2
    run(app, "set_status", movie=str(ids[0]), status="not_interested")
    after = run(app, "recommend", min_rating=0, limit=20)
    assert ids[0] not in [m["tmdb_id"] for m in after.data["movies"]]
    assert all(m.status is None for m in after.movies)


def test_recommend_filters_are_the_discover_parameters(app: tuple[AppContext, int]) -> None:
    outcome = run(app, "recommend", genre="Drama", year_from="1980", year_to=2010,
                  min_rating=6, language="fr")
    assert outcome.ok, outcome.data
    assert outcome.filters == {"genres": ["Drama"], "year_from": 1980, "year_to": 2010,
                               "min_rating": 6.0, "min_votes": None, "language": "fr",
                               "sort": "popularity"}
    assert all(m.original_language == "fr" for m in outcome.movies)


def test_recommend_similar_to_uses_the_similar_service(app: tuple[AppContext, int]) -> None:
    pytest.importorskip("mydw.services.similar")
    run(app, "get_movie", movie="900001")
    run(app, "set_status", movie="900003", status="seen")
    outcome = run(app, "recommend", similar_to="900001", limit=5)
    assert outcome.ok, outcome.data
    assert outcome.filters is None
    assert outcome.data["similar_to"]["tmdb_id"] == 900001
    ids = [m.tmdb_id for m in outcome.movies]
    assert 900001 not in ids and 900003 not in ids


def test_recommend_without_a_genre_leaves_it_out(app: tuple[AppContext, int]) -> None:
    every = run(app, "recommend", min_rating=0, limit=50)
    assert any(18 in m.genre_ids for m in every.movies)  # the fake catalogue has dramas
    outcome = run(app, "recommend", without_genre="Drame", min_rating=0, limit=50)
    assert outcome.ok, outcome.data
    assert outcome.movies and all(18 not in m.genre_ids for m in outcome.movies)
    assert outcome.filters is not None and outcome.filters["without_genres"] == ["Drame"]
    both = run(app, "recommend", genre="Drama", without_genre="drama")
    assert not both.ok and both.error is not None and "also a wanted" in both.error.message


def test_recommend_keywords_reach_discover(app: tuple[AppContext, int]) -> None:
    outcome = run(app, "recommend", keywords=["lighthouse"], min_rating=0)
    assert outcome.ok, outcome.data
    assert outcome.filters is not None and outcome.filters["keywords"] == ["lighthouse"]


@pytest.mark.parametrize(("name", "arguments", "code", "parameter"), [
    ("search_movies", {}, "usage", "query"),
    ("search_movies", {"query": "x", "year": "soon"}, "usage", "year"),
    ("search_movies", {"query": "x", "year": 1492}, "usage", "year"),
    ("set_status", {"movie": "900001", "status": "watched"}, "usage", "status"),
    ("set_status", {"movie": "900001"}, "usage", "status"),
    ("list_my_movies", {"limit": 0}, "usage", "limit"),
    ("list_my_movies", {"limit": 2.5}, "usage", "limit"),
    ("list_my_movies", {"status": True}, "usage", "status"),
    ("recommend", {"min_rating": 11}, "usage", "min_rating"),
    ("recommend", {"limit": "many"}, "usage", "limit"),
    ("dance", {}, "invalid_input", None),
])
def test_bad_arguments_come_back_as_errors_with_a_stable_code(
    app: tuple[AppContext, int], name: str, arguments: dict[str, object], code: str,
    parameter: str | None,
) -> None:
    outcome = run(app, name, **arguments)
    assert not outcome.ok
    assert outcome.data["error"]["code"] == code
    assert outcome.data["error"].get("parameter") == parameter
    assert outcome.error is not None and outcome.error.code == code


def test_service_errors_come_back_as_data(app: tuple[AppContext, int]) -> None:
    unknown = run(app, "get_movie", movie="No Such Movie At All")
    assert unknown.data["error"]["code"] == "not_found"
    ambiguous = run(app, "set_status", movie="The Lighthouse Keeper", status="seen")
    assert ambiguous.data["error"]["code"] == "ambiguous"
    assert {c["tmdb_id"] for c in ambiguous.data["error"]["candidates"]} == {900001, 900002}
    assert ambiguous.actions == []
    genre = run(app, "recommend", genre="Space Opera Western")
    assert genre.data["error"]["code"] == "usage"  # an unknown choice (services: UsageError)
    not_mine = run(app, "set_status", movie="900004", status="none")
    assert not_mine.data["error"]["code"] == "not_found"


def test_null_and_unknown_arguments_are_tolerated() -> None:
    values = validate(ToolCall("recommend", {"genre": None, "year_from": "1990",
                                             "mood": "happy", "limit": 3.0}))
    assert values["genre"] is None and values["year_from"] == 1990 and values["limit"] == 3
    assert "mood" not in values
