"""The built-in assistant's replies, over a scripted `execute`: rendered answers in English
and French, numbered questions answered, "more" paging, errors as sentences."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.unit.chat.builtin_cases import index, movie

from mydw.domain.errors import Ambiguous, NotFound, UpstreamError
from mydw.services.chat.builtin import BuiltinReply, respond, understand
from mydw.services.chat.builtin_reply import reply
from mydw.services.chat.tools import ToolCall, ToolOutcome
from mydw.services.context import AppContext
from mydw.services.views import MovieView

TITLES = index()
DUNE_1984 = movie(841, "Dune", 1984, 6.3)
DUNE_2021 = movie(438631, "Dune", 2021, 8.0, title_fr="Dune : Première partie")
SUGGESTIONS = [movie(1000 + i, f"Film {i}", 1990 + i, 8.0 + i / 10) for i in range(10)]


class Script:
    """A fake `execute`: records each call and answers from `answers` (a function)."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.calls: list[ToolCall] = []

    def __call__(self, call: ToolCall) -> ToolOutcome:
        self.calls.append(call)
        return self.answer(call)  # type: ignore[no-any-return]


def ok(call: ToolCall, movies: list[MovieView], **data: Any) -> ToolOutcome:
    return ToolOutcome(call=call, ok=True, movies=movies, filters=None, actions=[],
                       data={"movies": [m.to_json() for m in movies], **data})


def failed(call: ToolCall, error: Exception) -> ToolOutcome:
    assert hasattr(error, "to_json")
    return ToolOutcome(call=call, ok=False, movies=[], filters=None, actions=[],
                       data={"error": error.to_json()}, error=error)  # type: ignore[arg-type]


def turn(text: str, execute: Script, *, lang: str = "en",
         history: list[dict[str, Any]] | None = None) -> BuiltinReply:
    history = history or []
    pending = None
    for message in reversed(history):
        if message["role"] == "assistant":
            pending = message.get("pending")
            break
    understood = understand(text, lang=lang, pending=pending, titles=TITLES)
    return reply(understood, lang=lang, pending=pending, history=history, execute=execute)


def said(history: list[dict[str, Any]], text: str, answer: BuiltinReply) -> None:
    history.append({"role": "user", "content": text})
    history.append({"role": "assistant", "content": answer.content, "pending": answer.pending,
                    "movies": [m.tmdb_id for m in answer.movies]})


def recommend(call: ToolCall) -> ToolOutcome:
    limit = call.arguments.get("limit", 20)
    return ok(call, SUGGESTIONS[:limit])


# --------------------------------------------------------------------------- rendered


def test_a_recommendation_in_english_lists_title_year_and_rating() -> None:
    execute = Script(recommend)
    answer = turn("90s sci-fi rated above 8", execute)
    assert answer.content.splitlines() == [
        "Here are movies you haven't marked (Science Fiction, 1990–1999, IMDb ≥ 8):",
        "Film 0 (1990) — IMDb 8.0", "Film 1 (1991) — IMDb 8.1", "Film 2 (1992) — IMDb 8.2",
        "Film 3 (1993) — IMDb 8.3", "Film 4 (1994) — IMDb 8.4",
    ]
    assert [m.tmdb_id for m in answer.movies] == [1000, 1001, 1002, 1003, 1004]
    assert answer.pending == {"type": "more", "call": {"name": "recommend", "arguments": {
        "genre": "Science Fiction", "year_from": 1990, "year_to": 1999, "min_rating": 8.0,
        "limit": 5}}, "shown": [1000, 1001, 1002, 1003, 1004], "page": 5}


def test_the_same_request_in_french_gets_a_french_reply() -> None:
    answer = turn("des comédies françaises des années 2000", Script(recommend), lang="fr")
    assert answer.content.splitlines()[0] == (
        "Voici des films que vous n'avez pas encore marqués (Comédie, 2000–2009, français) :")
    assert answer.content.splitlines()[1] == "Film 0 (1990) — IMDb 8.0"


def test_a_genre_said_no_to_is_left_out_and_the_reply_says_so() -> None:
    execute = Script(recommend)
    answer = turn("a comedy but no romance", execute)
    assert execute.calls[0].arguments == {"genre": "Comedy", "without_genre": "Romance",
                                          "limit": 5}
    assert answer.content.splitlines()[0] == (
        "Here are movies you haven't marked (Comedy, no Romance):")
    french = turn("pas de films d'horreur", Script(recommend), lang="fr")
    assert french.content.splitlines()[0] == (
        "Voici des films que vous n'avez pas encore marqués (sans Horreur) :")


def test_an_english_request_gets_a_french_reply_when_lang_is_fr() -> None:
    answer = turn("Korean thrillers after 2015", Script(recommend), lang="fr")
    assert answer.content.startswith(
        "Voici des films que vous n'avez pas encore marqués (Thriller, 2016 ou après, coréen) :")


def test_a_movie_without_rating_or_year_has_a_short_line() -> None:
    bare = movie(5, "Unknown", None, None)
    answer = turn("recommend me something", Script(lambda c: ok(c, [bare])))
    assert answer.content.splitlines()[1] == "Unknown"


def test_details_of_a_movie_in_french_fall_back_to_the_english_overview() -> None:
    inception = movie(27205, "Inception", 2010, 8.8, genre_ids=(878, 28), status="seen",
                      overview="A thief who steals corporate secrets.")
    execute = Script(lambda c: ok(c, [inception]))
    answer = turn("parle-moi d'Inceptoin", execute, lang="fr")
    assert execute.calls == [ToolCall("get_movie", {"movie": "Inception"})]
    assert answer.content.splitlines() == [
        "Inception (2010) — IMDb 8.8", "Science-Fiction, Action",
        "A thief who steals corporate secrets.", "https://www.imdb.com/title/tt0027205/",
        "Vous l'avez marqué : vu.",
    ]


def test_similar_names_the_source_movie() -> None:
    def similar(call: ToolCall) -> ToolOutcome:
        return ok(call, SUGGESTIONS[:2], similar_to={"title_en": "The Matrix", "title_fr": "Matrix",
                                                 "release_year": 1999})

    answer = turn("des films comme Matrix", Script(similar), lang="fr")
    assert answer.content.splitlines()[0] == (
        "Des films comme Matrix (1999) que vous n'avez pas encore marqués :")
    answer = turn("movies like The Matrix", Script(similar))
    assert answer.content.splitlines()[0] == (
        "Movies like The Matrix (1999) that you haven't marked:")


def test_a_status_change_is_confirmed_in_both_languages() -> None:
    heat = movie(949, "Heat", 1995, 8.3)

    def mark(call: ToolCall) -> ToolOutcome:
        outcome = ok(call, [heat])
        outcome.actions.append({"tmdb_id": 949, "status": call.arguments["status"]})
        return outcome

    answer = turn("add Heat to my watchlist", Script(mark))
    assert answer.content == "Added Heat (1995) to your watchlist."
    assert answer.actions == [{"tmdb_id": 949, "status": "later"}]
    assert turn("retire Heat de ma liste", Script(mark), lang="fr").content == (
        "Heat (1995) est retiré de vos listes.")
    assert turn("pas intéressé par Heat", Script(mark), lang="fr").content == (
        "C'est noté : je ne vous proposerai plus Heat (1995).")


def test_the_watchlist_shows_its_total() -> None:
    listed = [movie(1, "One", 2001, 7.0, status="later"), movie(2, "Two", 2002, None,
                                                                status="later")]
    execute = Script(lambda c: ok(c, listed, total=23))
    answer = turn("what's on my watchlist?", execute)
    assert answer.content.splitlines() == ["Your watchlist (23):", "One (2001) — IMDb 7.0",
                                           "Two (2002)"]
    assert turn("qu'est-ce qu'il y a dans ma liste ?", execute, lang="fr").content.startswith(
        "Votre liste à voir (23) :")


def test_stats_count_the_seen_movies() -> None:
    seen = [movie(i, f"Seen {i}", 2000 + i, 7.0, status="seen") for i in range(5)]
    answer = turn("combien de films ai-je vus ?", Script(lambda c: ok(c, seen, total=42)),
                  lang="fr")
    assert answer.content.splitlines()[:2] == ["Vous avez vu 42 films.", "Les derniers :"]
    everything = [movie(1, "A", status="seen"), movie(2, "B", status="seen"),
                  movie(3, "C", status="later"), movie(4, "D", status="not_interested")]
    answer = turn("my stats", Script(lambda c: ok(c, everything, total=4)))
    assert answer.content == (
        "You have marked 4 movies: 2 seen, 1 to watch, 1 not interested.")


@pytest.mark.parametrize(("lang", "first"), [("en", "I can find movies"),
                                              ("fr", "Je trouve des films")])
def test_help(lang: str, first: str) -> None:
    execute = Script(recommend)
    answer = turn("help" if lang == "en" else "aide", execute, lang=lang)
    assert answer.content.startswith(first)
    assert execute.calls == []


# --------------------------------------------------------------------------- questions


def ambiguous_then_marked(call: ToolCall) -> ToolOutcome:
    if call.arguments["movie"] == "Dune":
        return failed(call, Ambiguous("'Dune' matches 2 movies",
                                      candidates=[DUNE_1984, DUNE_2021]))
    picked = DUNE_1984 if call.arguments["movie"] == "tmdb:841" else DUNE_2021
    outcome = ok(call, [picked])
    outcome.actions.append({"tmdb_id": picked.tmdb_id, "status": call.arguments["status"]})
    return outcome


def test_an_ambiguous_title_gets_a_numbered_question_and_nothing_is_written() -> None:
    execute = Script(ambiguous_then_marked)
    answer = turn("I watched Dune", execute)
    assert answer.content.splitlines() == [
        "Which one do you mean?", "1. Dune (1984) — IMDb 6.3", "2. Dune (2021) — IMDb 8.0",
        "Answer with a number or a year."]
    assert answer.actions == []
    assert answer.pending is not None and answer.pending["type"] == "choose"
    assert [c["tmdb_id"] for c in answer.pending["candidates"]] == [841, 438631]


@pytest.mark.parametrize(("lang", "request_", "choice", "tmdb_id"), [
    ("en", "I watched Dune", "2", 438631),
    ("en", "I watched Dune", "the 1984 one", 841),
    ("en", "I watched Dune", "the second one", 438631),
    ("en", "I watched Dune", "number 1", 841),
    ("fr", "j'ai vu Dune", "le deuxième", 438631),
    ("fr", "j'ai vu Dune", "celui de 1984", 841),
    ("fr", "j'ai vu Dune", "le premier", 841),
    ("fr", "j'ai vu Dune", "le dernier", 438631),
])
def test_the_question_is_answered_by_number_ordinal_or_year(
        lang: str, request_: str, choice: str, tmdb_id: int) -> None:
    execute = Script(ambiguous_then_marked)
    history: list[dict[str, Any]] = []
    said(history, request_, turn(request_, execute, lang=lang))
    answer = turn(choice, execute, lang=lang, history=history)
    assert execute.calls[-1] == ToolCall("set_status", {"movie": f"tmdb:{tmdb_id}",
                                                        "status": "seen"})
    assert answer.actions == [{"tmdb_id": tmdb_id, "status": "seen"}]
    assert answer.pending is None
    if lang == "fr":
        assert answer.content.endswith("est marqué comme vu.")
    else:
        assert answer.content.startswith("Marked Dune (")


def test_a_number_out_of_range_asks_again_and_keeps_the_question() -> None:
    execute = Script(ambiguous_then_marked)
    history: list[dict[str, Any]] = []
    said(history, "I watched Dune", turn("I watched Dune", execute))
    answer = turn("7", execute, history=history)
    assert answer.content.startswith("Please answer with a number from 1 to 2.")
    assert answer.pending == history[-1]["pending"]
    assert len(execute.calls) == 1


def test_none_of_them_cancels() -> None:
    execute = Script(ambiguous_then_marked)
    history: list[dict[str, Any]] = []
    said(history, "j'ai vu Dune", turn("j'ai vu Dune", execute, lang="fr"))
    answer = turn("aucun", execute, lang="fr", history=history)
    assert answer.content == "D'accord, rien n'a été changé."
    assert answer.pending is None and len(execute.calls) == 1


def test_a_new_request_instead_of_an_answer_is_served() -> None:
    execute = Script(lambda c: ambiguous_then_marked(c) if c.name == "set_status"
                     else recommend(c))
    history: list[dict[str, Any]] = []
    said(history, "I watched Dune", turn("I watched Dune", execute))
    turn("90s sci-fi", execute, history=history)
    assert execute.calls[-1].name == "recommend"


# --------------------------------------------------------------------------- more


@pytest.mark.parametrize(("lang", "first", "more"), [
    ("en", "90s sci-fi rated above 8", "more"),
    ("fr", "des films de SF des années 90", "encore"),
    ("fr", "des films de SF des années 90", "d'autres"),
])
def test_more_pages_on_without_repeating(lang: str, first: str, more: str) -> None:
    execute = Script(recommend)
    history: list[dict[str, Any]] = []
    said(history, first, turn(first, execute, lang=lang))
    answer = turn(more, execute, lang=lang, history=history)
    assert execute.calls[-1].arguments["limit"] == 10
    assert [m.tmdb_id for m in answer.movies] == [1005, 1006, 1007, 1008, 1009]
    assert answer.pending is not None
    assert answer.pending["shown"] == [1000 + i for i in range(10)]
    said(history, more, answer)
    last = turn(more, execute, lang=lang, history=history)
    assert execute.calls[-1].arguments["limit"] == 15
    assert last.movies == []
    assert last.content == ("That's all I have for this request." if lang == "en"
                            else "Je n'ai rien d'autre pour cette demande.")
    assert last.pending is None


def test_more_never_reshows_what_this_session_already_showed() -> None:
    execute = Script(recommend)
    history: list[dict[str, Any]] = [
        {"role": "assistant", "content": "earlier", "movies": [1005, 1006]}]
    said(history, "recommend me something", turn("recommend me something", execute,
                                                 history=history))
    answer = turn("more", execute, history=history)
    assert [m.tmdb_id for m in answer.movies] == [1007, 1008, 1009]


def test_more_on_a_list_pages_the_list() -> None:
    listed = [movie(i, f"Mine {i}", 2000, 7.0, status="later") for i in range(15)]
    execute = Script(lambda c: ok(c, listed[: c.arguments.get("limit", 100)], total=15))
    history: list[dict[str, Any]] = []
    said(history, "my watchlist", turn("my watchlist", execute))
    answer = turn("more", execute, history=history)
    assert execute.calls[-1].arguments == {"status": "later", "limit": 20}
    assert answer.content.splitlines()[0] == "More of your movies:"
    assert [m.tmdb_id for m in answer.movies] == list(range(10, 15))


def test_more_with_nothing_to_continue() -> None:
    execute = Script(recommend)
    assert turn("encore", execute, lang="fr").content == (
        "Il n'y a rien à continuer : demandez-moi d'abord des films.")
    assert execute.calls == []


# --------------------------------------------------------------------------- errors


def test_upstream_down_is_a_helpful_sentence() -> None:
    execute = Script(lambda c: failed(c, UpstreamError("TMDB timed out", service="tmdb")))
    answer = turn("tell me about Oppenheimer", execute)
    assert answer.content.startswith("TMDB can't be reached right now (TMDB timed out).")
    assert "Traceback" not in answer.content
    answer = turn("parle-moi d'Oppenheimer", execute, lang="fr")
    assert answer.content.startswith("TMDB ne répond pas pour l'instant")


def test_not_found_names_what_was_asked() -> None:
    execute = Script(lambda c: failed(c, NotFound("no movie titled 'Zzyzx' on TMDB")))
    assert turn("tell me about Zzyzx", execute).content == (
        "I couldn't find “Zzyzx”. Check the spelling, or add the year.")
    assert turn("parle-moi de Zzyzx", execute, lang="fr").content == (
        "Je n'ai pas trouvé « Zzyzx ». Vérifiez l'orthographe, ou ajoutez l'année.")


def test_an_error_raised_by_execute_is_still_a_sentence() -> None:
    def boom(call: ToolCall) -> ToolOutcome:
        raise UpstreamError("connection refused")

    assert turn("tell me about Heat", Script(boom)).content.startswith("TMDB can't be reached")


def test_unknown_requests_point_to_help() -> None:
    execute = Script(recommend)
    answer = turn("the weather has been rather unpredictable lately, hasn't it?", execute)
    assert answer.content == "I did not understand that. Say \"help\" to see what I can do."
    assert execute.calls == []


# --------------------------------------------------------------------------- respond()


@pytest.fixture
def ctx(home: Path) -> Iterator[AppContext]:
    from mydw.db.models import Movie

    context = AppContext()
    with context.db.write() as session:
        session.add(Movie(tmdb_id=27205, title_en="Inception", title_fr="Inception",
                          release_year=2010, genres=[], genre_ids=[]))
        session.add(Movie(tmdb_id=194, title_en="Amélie",
                          title_fr="Le Fabuleux Destin d'Amélie Poulain", release_year=2001,
                          genres=[], genre_ids=[]))
        for tmdb_id, year in ((841, 1984), (438631, 2021)):
            session.add(Movie(tmdb_id=tmdb_id, title_en="Dune", title_fr="Dune",
                              release_year=year, genres=[], genre_ids=[]))
    yield context
    context.close()


def test_respond_matches_the_cached_titles_and_reads_the_pending_question(
        ctx: AppContext) -> None:
    execute = Script(lambda c: ok(c, [movie(194, "Amélie", 2001, 8.3)]))
    answer = respond(ctx, 1, "parle-moi d'Amelei", lang="fr", history=[], execute=execute)
    # The one cached movie the typo'd title names goes by its id (no second lookup) ...
    assert execute.calls == [ToolCall("get_movie", {"movie": "tmdb:194"})]
    assert answer.content.startswith("Amélie (2001) — IMDb 8.3")
    # ... a title two cached movies share stays a title: the services ask which one.
    marks = Script(ambiguous_then_marked)
    history: list[dict[str, Any]] = []
    first = respond(ctx, 1, "I watched Dune", lang="en", history=history, execute=marks)
    assert marks.calls[0].arguments["movie"] == "Dune"
    said(history, "I watched Dune", first)
    second = respond(ctx, 1, "2", lang="en", history=history, execute=marks)
    assert second.actions == [{"tmdb_id": 438631, "status": "seen"}]


@pytest.mark.parametrize("text", [
    "mark it as seen", "add it to my watchlist", "I watched it", "not interested in that one",
    "je l'ai vu", "marque-le comme vu", "ajoute-le à ma liste", "pas intéressé par celui-ci",
])
def test_it_means_the_one_movie_the_last_reply_was_about(ctx: AppContext, text: str) -> None:
    history = [{"role": "user", "content": "tell me about Inception"},
               {"role": "assistant", "content": "Inception (2010)", "movies": [27205]}]
    execute = Script(lambda c: ok(c, [movie(27205, "Inception", 2010, 8.4)]))
    respond(ctx, 1, text, lang="en", history=history, execute=execute)
    assert len(execute.calls) == 1
    call = execute.calls[0]
    assert call.name == "set_status"
    assert call.arguments["movie"] == "tmdb:27205"


def test_it_after_several_movies_writes_nothing(ctx: AppContext) -> None:
    history = [{"role": "user", "content": "90s dramas"},
               {"role": "assistant", "content": "…", "movies": [1, 2, 3]}]
    execute = Script(lambda c: ok(c, []))
    answer = respond(ctx, 1, "mark it as seen", lang="en", history=history, execute=execute)
    assert all(c.name != "set_status" for c in execute.calls)
    assert answer.actions == []


def test_the_title_index_is_read_back_from_its_snapshot_until_the_movies_change(
        ctx: AppContext) -> None:
    from mydw.db.models import Movie
    from mydw.services.chat.titles import TitleIndex

    first = TitleIndex.from_database(ctx)
    assert first.match("Amelei") is not None and first.match("Inceptoin") is not None
    from mydw.config import paths

    snapshots = list(paths.cache_dir().glob("chat-titles-*.json"))
    assert len(snapshots) == 1
    assert oct(snapshots[0].stat().st_mode & 0o777) == "0o600"
    again = TitleIndex.from_database(ctx)
    # Read back (choices and numbers only; titles fetched for what a lookup returns), it
    # answers exactly as the index it was saved from: typos, exact titles, articles.
    for text in ("Amelei", "Inceptoin", "inception", "the inception", "Le Fabuleux Destin"):
        assert again.match(text) == first.match(text), text
    assert again._snapshot is not None and again._snapshot.read() is not None  # reused
    lazy = TitleIndex.from_database(ctx)
    assert len(lazy) == len(first) and lazy._titles == {}  # no title read yet
    assert lazy.match("Amelei") == first.match("Amelei")
    assert set(lazy._titles) == {n for n, t in first._titles.items() if "Am" in t}  # its own
    with ctx.db.write() as session:
        session.add(Movie(tmdb_id=603, title_en="The Matrix", title_fr="Matrix",
                          release_year=1999, genres=[], genre_ids=[]))
    fresh = TitleIndex.from_database(ctx)
    assert fresh._snapshot is not None and fresh._snapshot.read() is None  # stale: rebuilt
    found = fresh.match("the matrx")
    assert found is not None and found.entries[0].tmdb_id == 603
    snapshots[0].write_text("{not json")
    assert TitleIndex.from_database(ctx).match("Amelei") is not None  # a bad file: rebuilt
