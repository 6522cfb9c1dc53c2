"""The built-in assistant end to end: `mydw chat --builtin` through the real tools, services
and database, against the fake TMDB and OMDb (tests/unit/chat tests the understanding and
the replies with stand-in tools; this is where the two have to agree)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import Cli
from tests.fakes.omdb import FAKE_OMDB_API_KEY, FakeOmdb
from tests.fakes.tmdb import FAKE_TMDB_API_KEY, FakeTmdb


@pytest.fixture
def user(cli: Cli, tmdb: FakeTmdb, omdb: FakeOmdb, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("MYDW_TMDB_BASE_URL", tmdb.api_url)
    monkeypatch.setenv("MYDW_TMDB_API_KEY", FAKE_TMDB_API_KEY)
    monkeypatch.setenv("MYDW_OMDB_BASE_URL", omdb.url + "/")
    monkeypatch.setenv("MYDW_OMDB_API_KEY", FAKE_OMDB_API_KEY)
    cli.signup()
    return cli


def say(cli: Cli, text: str, *more: str) -> dict[str, Any]:
    data: dict[str, Any] = cli.ok("chat", "-m", text, "--builtin", "--json", *more).json()
    return data


def test_a_title_with_a_typo_is_found_and_described(user: Cli) -> None:
    # Nothing cached: TMDB's search finds nothing for the typo, its words find the movie.
    data = say(user, "tell me about Quantum Orchrad")
    assert [m["tmdb_id"] for m in data["movies"]] == [900004]
    assert data["reply"].splitlines()[:2] == [
        "(I couldn't find “Quantum Orchrad”: here is Quantum Orchard (2021).)",
        "Quantum Orchard (2021)"]
    assert data["assistant"] == "builtin" and data["actions"] == []
    # Now cached: the title index forgives the typo without asking TMDB.
    again = say(user, "tell me about Quantum Orchrad")
    assert again["reply"].splitlines()[0] == "Quantum Orchard (2021)"


def test_a_status_change_on_an_unknown_typo_asks_first(user: Cli) -> None:
    asked = say(user, "mark Copper Canyn Run as seen")
    assert asked["actions"] == []
    assert asked["reply"].splitlines()[:2] == [
        "I couldn't find “Copper Canyn Run”. Did you mean one of these?",
        "1. Copper Canyon Run (1972)"]
    answered = say(user, "1", "--continue")
    assert answered["actions"] == [{"tmdb_id": 900009, "status": "seen"}]


def test_an_ambiguous_title_asks_and_a_year_answers(user: Cli) -> None:
    first = say(user, "mark The Lighthouse Keeper as seen")
    assert first["actions"] == []  # never on a guess
    assert first["reply"].splitlines()[0] == "Which one do you mean?"
    assert "The Lighthouse Keeper (1998)" in first["reply"]
    assert "The Lighthouse Keeper (2019)" in first["reply"]
    answer = say(user, "the 2019 one", "--continue")
    assert answer["session_id"] == first["session_id"]
    assert answer["actions"] == [{"tmdb_id": 900002, "status": "seen"}]
    listed = user.ok("list", "--json").json()
    assert [(m["tmdb_id"], m["status"]) for m in listed] == [(900002, "seen")]


def test_similar_names_its_source_and_leaves_out_what_is_marked(user: Cli) -> None:
    user.ok("mark", "later", "tmdb:900005")
    data = say(user, "movies like The Lighthouse Keeper (1998)")
    ids = [m["tmdb_id"] for m in data["movies"]]
    assert ids and 900001 not in ids and 900005 not in ids  # the source, a marked movie
    assert data["reply"].splitlines()[0] == (
        "Movies like The Lighthouse Keeper (1998) that you haven't marked:")
    french = say(user, "des films comme Le Gardien du phare (1998)", "--lang", "fr")
    assert french["reply"].splitlines()[0] == (
        "Des films comme Le Gardien du phare (1998) que vous n'avez pas encore marqués :")


def test_filters_reach_discover_and_suggestions_skip_marked_movies(user: Cli) -> None:
    user.ok("mark", "seen", "tmdb:900011")
    data = say(user, "animated movies rated above 1 after 2010")
    assert data["filters"]["genres"] == ["Animation"]
    assert data["filters"]["year_from"] == 2011
    assert 900011 not in [m["tmdb_id"] for m in data["movies"]]


def test_status_changes_in_both_languages_and_the_lists(user: Cli) -> None:
    added = say(user, "add Midnight Paperwork to my watchlist")
    assert added["actions"] == [{"tmdb_id": 900006, "status": "later"}]
    assert added["reply"] == "Added Midnight Paperwork (2015) to your watchlist."
    refused = say(user, "pas intéressé par Absolute Zero", "--lang", "fr")
    assert refused["actions"] == [{"tmdb_id": 900008, "status": "not_interested"}]
    assert refused["reply"] == "C'est noté : je ne vous proposerai plus Zéro Absolu (2023)."
    watchlist = say(user, "what's on my watchlist?")
    assert [m["tmdb_id"] for m in watchlist["movies"]] == [900006]
    assert watchlist["reply"].splitlines()[0] == "Your watchlist (1):"


@pytest.mark.parametrize(("marked", "lang", "expected"), [
    (1, "en", "You have seen 1 movie."),
    (2, "en", "You have seen 2 movies."),
    (1, "fr", "Vous avez vu 1 film."),
    (2, "fr", "Vous avez vu 2 films."),
])
def test_counts_agree_with_their_number(user: Cli, marked: int, lang: str,
                                        expected: str) -> None:
    user.ok("mark", "seen", *["tmdb:900003", "tmdb:900006"][:marked])
    question = "how many movies have I seen?" if lang == "en" else "combien de films ai-je vus ?"
    data = say(user, question, "--lang", lang)
    assert data["reply"].splitlines()[0] == expected


def test_the_overall_count_covers_every_marked_movie(user: Cli) -> None:
    refs = [f"tmdb:{900000 + i}" for i in (3, 4, 5, 6, 7, 8, 9, 11, 12)]
    user.ok("mark", "seen", *refs[:6])
    user.ok("mark", "later", *refs[6:8])
    user.ok("mark", "not-interested", refs[8])
    data = say(user, "how many movies have I marked?")
    assert data["reply"] == (
        "You have marked 9 movies: 6 seen, 2 to watch, 1 not interested.")


def test_a_session_is_stored_in_the_seeds_shape(user: Cli) -> None:
    data = say(user, "add Midnight Paperwork to my watchlist")
    shown = user.ok("chat", "show", data["session_id"], "--json").json()
    roles = [(m["role"], m["content"]) for m in shown["conversation"]]
    assert roles == [("user", "add Midnight Paperwork to my watchlist"),
                     ("assistant", data["reply"])]
    assert json.dumps(shown)  # plain JSON all through


def test_more_shows_only_the_next_movies_then_none(user: Cli,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYDW_DISCOVER_MIN_VOTES", "0")
    first = say(user, "movies rated above 1")
    pages = [[m["tmdb_id"] for m in first["movies"]]]
    assert len(pages[0]) == 5
    for _ in range(5):
        data = say(user, "more", "--continue")
        pages.append([m["tmdb_id"] for m in data["movies"]])
        if not pages[-1]:
            break
    assert data["reply"] == "That's all I have for this request."
    assert pages[-1] == []  # nothing shown again with it
    shown = [i for page in pages for i in page]
    assert len(shown) == len(set(shown)) > 5  # each page only the movies not shown yet
    stored = user.ok("chat", "show", first["session_id"], "--json").json()["conversation"]
    assert [m.get("movies") for m in stored if m["role"] == "assistant"] == pages


def test_it_after_a_list_asks_which_one(user: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYDW_DISCOVER_MIN_VOTES", "0")
    listed = say(user, "movies rated above 1")
    shown = [m["tmdb_id"] for m in listed["movies"]]
    asked = say(user, "add it to my watchlist", "--continue")
    assert asked["actions"] == [] and asked["movies"] == []
    lines = asked["reply"].splitlines()
    assert lines[0] == "Which one do you mean?" and len(lines) == len(shown) + 2
    answered = say(user, "2", "--continue")
    assert answered["actions"] == [{"tmdb_id": shown[1], "status": "later"}]
    # with one movie shown, "it" is that movie, as before
    say(user, "tell me about Copper Canyon Run")
    assert say(user, "mark it as seen", "--continue")["actions"] == [
        {"tmdb_id": 900009, "status": "seen"}]


def test_what_to_watch_names_the_seen_movies_behind_it(user: Cli) -> None:
    user.ok("mark", "seen", "tmdb:900001")
    user.ok("rate", "tmdb:900001", "9")
    data = say(user, "what should I watch?")
    ids = [m["tmdb_id"] for m in data["movies"]]
    assert ids and 900001 not in ids
    assert data["reply"].splitlines()[0] == (
        "Because you watched The Lighthouse Keeper (1998), movies you haven't marked:")


def test_a_search_that_finds_nothing_offers_the_close_titles(user: Cli) -> None:
    asked = say(user, "search for Copper Canyn Run")
    assert asked["reply"].splitlines()[:2] == [
        "I couldn't find “Copper Canyn Run”. Did you mean one of these?",
        "1. Copper Canyon Run (1972)"]
    answered = say(user, "1", "--continue")
    assert [m["tmdb_id"] for m in answered["movies"]] == [900009]
    assert answered["reply"].splitlines()[0] == "Copper Canyon Run (1972) — IMDb 6.2"
