"""The built-in assistant's understanding: each request, the tool it must call and the
arguments it must pass — 40+ requests in English, 40+ in French (both understood
whatever the reply language)."""

from __future__ import annotations

from typing import Any

import pytest
from tests.unit.chat.builtin_cases import index

from mydw.domain.types import utcnow
from mydw.services.chat.builtin import understand

TITLES = index()
NOW = utcnow().year  # "recent", "this year", "the last 10 years" count back from it

R = "recommend"

ENGLISH: list[tuple[str, str, str | None, dict[str, Any] | None]] = [
    # (request, kind, tool, arguments)
    ("tell me about Inception", "title", "get_movie", {"movie": "Inception"}),
    ("Tell me about Inceptoin", "title", "get_movie", {"movie": "Inception"}),
    ("tell me more about the matrx", "title", "get_movie", {"movie": "The Matrix"}),
    ("what is Heat about?", "title", "get_movie", {"movie": "Heat"}),
    ("info on Titanik please", "title", "get_movie", {"movie": "Titanic"}),
    ("Inception", "title", "get_movie", {"movie": "Inception"}),
    ("Dune (2021)", "title", "get_movie", {"movie": "Dune (2021)"}),
    ("blade runner 2049", "title", "get_movie", {"movie": "Blade Runner 2049"}),
    ("tell me about the lord of the rings", "title", "get_movie",
     {"movie": "The Lord of the Rings: The Fellowship of the Ring"}),
    ("tell me about Oppenheimer", "title", "get_movie", {"movie": "Oppenheimer"}),
    ("I want to see Inception", "title", "get_movie", {"movie": "Inception"}),
    ("search for star wars", "title", "search_movies", {"query": "star wars"}),
    ("movies like The Matrix", "similar", R, {"similar_to": "The Matrix", "limit": 5}),
    ("something similar to Heat", "similar", R, {"similar_to": "Heat", "limit": 5}),
    ("3 movies like Inception", "similar", R, {"similar_to": "Inception", "limit": 3}),
    ("if I liked Inception what should I watch", "similar", R,
     {"similar_to": "Inception", "limit": 5}),
    ("90s sci-fi rated above 8", "filters", R,
     {"genre": "Science Fiction", "year_from": 1990, "year_to": 1999, "min_rating": 8.0,
      "limit": 5}),
    ("Korean thrillers after 2015", "filters", R,
     {"genre": "Thriller", "year_from": 2016, "language": "ko", "limit": 5}),
    ("heist movies from the 80s", "filters", R,
     {"genre": "Crime", "year_from": 1980, "year_to": 1989, "keywords": ["heist"], "limit": 5}),
    ("comedies with a rating of at least 7.5", "filters", R,
     {"genre": "Comedy", "min_rating": 7.5, "limit": 5}),
    ("war movies before 1970", "filters", R, {"genre": "War", "year_to": 1969, "limit": 5}),
    ("romcoms from the 2000s", "filters", R,
     {"genre": "Romance", "year_from": 2000, "year_to": 2009, "limit": 5}),
    ("a Spanish drama since 2010", "filters", R,
     {"genre": "Drama", "year_from": 2010, "language": "es", "limit": 5}),
    ("Japanese animated movies", "filters", R,
     {"genre": "Animation", "language": "ja", "limit": 5}),
    ("top 10 horror movies", "filters", R, {"genre": "Horror", "limit": 10}),
    ("Italian westerns between 1960 and 1975", "filters", R,
     {"genre": "Western", "year_from": 1960, "year_to": 1975, "language": "it", "limit": 5}),
    ("well rated Indian dramas", "filters", R,
     {"genre": "Drama", "min_rating": 8.0, "language": "hi", "limit": 5}),
    ("SF from the late seventies", "filters", R,
     {"genre": "Science Fiction", "year_from": 1975, "year_to": 1979, "limit": 5}),
    ("recommend me something", "filters", R, {"limit": 5}),
    ("something feel-good for a rainy Sunday", "mood", R, {"genre": "Comedy", "limit": 5}),
    ("a movie to make me cry", "mood", R, {"genre": "Drama", "limit": 5}),
    ("movies about time travel", "mood", R,
     {"genre": "Science Fiction", "keywords": ["time travel"], "limit": 5}),
    ("something scary with a haunted house", "mood", R,
     {"genre": "Horror", "keywords": ["haunted"], "limit": 5}),
    ("mark Inception as seen", "status", "set_status", {"movie": "Inception", "status": "seen"}),
    ("add Heat to my watchlist", "status", "set_status", {"movie": "Heat", "status": "later"}),
    ("I watched Dune", "status", "set_status", {"movie": "Dune", "status": "seen"}),
    ("I've already seen The Matrix", "status", "set_status",
     {"movie": "The Matrix", "status": "seen"}),
    ("not interested in Titanic", "status", "set_status",
     {"movie": "Titanic", "status": "not_interested"}),
    ("I don't want to watch Titanic", "status", "set_status",
     {"movie": "Titanic", "status": "not_interested"}),
    ("remove Heat from my watchlist", "status", "set_status", {"movie": "Heat", "status": "none"}),
    ("unmark Inception", "status", "set_status", {"movie": "Inception", "status": "none"}),
    ("mark Incepshun as seen", "status", "set_status", {"movie": "Incepshun", "status": "seen"}),
    ("what's on my watchlist?", "mine", "list_my_movies", {"status": "later", "limit": 10}),
    ("movies I've seen", "mine", "list_my_movies", {"status": "seen", "limit": 10}),
    ("show my seen comedies", "mine", "list_my_movies",
     {"status": "seen", "genre": "Comedy", "limit": 10}),
    ("how many movies have I seen?", "stats", "list_my_movies", {"status": "seen", "limit": 5}),
    ("how many movies are on my watchlist?", "stats", "list_my_movies",
     {"status": "later", "limit": 5}),
    ("my stats", "stats", "list_my_movies", {}),
    ("help", "help", None, None),
    ("what can you do?", "help", None, None),
    # Left out, and recent: never the genre the user said no to.
    ("no horror please", "filters", R, {"without_genre": "Horror", "limit": 5}),
    ("a comedy but not a romance", "filters", R,
     {"genre": "Comedy", "without_genre": "Romance", "limit": 5}),
    ("nothing scary tonight", "filters", R, {"without_genre": "Horror", "limit": 5}),
    # The genre named outright wins over its synonym said no to; a mood does not.
    ("horror but no gore", "filters", R, {"genre": "Horror", "limit": 5}),
    ("something spooky but no horror", "filters", R, {"without_genre": "Horror", "limit": 5}),
    ("recent thrillers", "filters", R, {"genre": "Thriller", "year_from": NOW - 2, "limit": 5}),
    ("movies from the last 10 years", "filters", R, {"year_from": NOW - 9, "limit": 5}),
    ("comedies from this year", "filters", R,
     {"genre": "Comedy", "year_from": NOW, "year_to": NOW, "limit": 5}),
]

FRENCH: list[tuple[str, str, str | None, dict[str, Any] | None]] = [
    ("parle-moi d'Amélie", "title", "get_movie", {"movie": "Amélie"}),
    ("parle moi d'amelie", "title", "get_movie", {"movie": "Amélie"}),
    ("parle-moi du Parrain", "title", "get_movie", {"movie": "Le Parrain"}),
    ("parle-moi de La Haine", "title", "get_movie", {"movie": "La Haine"}),
    ("c'est quoi Inception ?", "title", "get_movie", {"movie": "Inception"}),
    ("que penses-tu de Heat ?", "title", "get_movie", {"movie": "Heat"}),
    ("infos sur Titanik", "title", "get_movie", {"movie": "Titanic"}),
    ("le fabuleux destin d'amelie poulain", "title", "get_movie",
     {"movie": "Le Fabuleux Destin d'Amélie Poulain"}),
    ("Amelei", "title", "get_movie", {"movie": "Amélie"}),
    ("parle-moi de Dune de 1984", "title", "get_movie", {"movie": "Dune (1984)"}),
    ("tu connais Intouchables ?", "title", "get_movie", {"movie": "Intouchables"}),
    ("cherche le film Astérix", "title", "search_movies", {"query": "Astérix"}),
    ("des films comme Matrix", "similar", R, {"similar_to": "Matrix", "limit": 5}),
    ("un film dans le genre de Heat", "similar", R, {"similar_to": "Heat", "limit": 5}),
    ("quelque chose qui ressemble à Inception", "similar", R,
     {"similar_to": "Inception", "limit": 5}),
    ("j'ai aimé Heat, quoi d'autre ?", "similar", R, {"similar_to": "Heat", "limit": 5}),
    ("des films similaires à Blade Runner", "similar", R,
     {"similar_to": "Blade Runner", "limit": 5}),
    ("des comédies françaises des années 2000", "filters", R,
     {"genre": "Comedy", "year_from": 2000, "year_to": 2009, "language": "fr", "limit": 5}),
    ("un polar noté plus de 7", "filters", R, {"genre": "Crime", "min_rating": 7.0, "limit": 5}),
    ("des films d'horreur japonais entre 1995 et 2005", "filters", R,
     {"genre": "Horror", "year_from": 1995, "year_to": 2005, "language": "ja", "limit": 5}),
    ("des films de SF des années 80", "filters", R,
     {"genre": "Science Fiction", "year_from": 1980, "year_to": 1989, "limit": 5}),
    ("les meilleurs westerns italiens", "filters", R,
     {"genre": "Western", "language": "it", "limit": 5}),
    ("des films indiens de plus de 7,5", "filters", R,
     {"min_rating": 7.5, "language": "hi", "limit": 5}),
    ("des thrillers coréens après 2015", "filters", R,
     {"genre": "Thriller", "year_from": 2016, "language": "ko", "limit": 5}),
    ("westerns des années 60", "filters", R,
     {"genre": "Western", "year_from": 1960, "year_to": 1969, "limit": 5}),
    ("des drames au moins 7.5 avant 1980", "filters", R,
     {"genre": "Drama", "year_to": 1979, "min_rating": 7.5, "limit": 5}),
    ("une comédie romantique depuis 2010", "filters", R,
     {"genre": "Romance", "year_from": 2010, "limit": 5}),
    ("des dessins animés bien notés", "filters", R,
     {"genre": "Animation", "min_rating": 8.0, "limit": 5}),
    ("trois films allemands", "filters", R, {"language": "de", "limit": 3}),
    ("je veux voir un film romantique", "filters", R, {"genre": "Romance", "limit": 5}),
    ("propose-moi un film", "filters", R, {"limit": 5}),
    ("un film qui fait peur", "mood", R, {"genre": "Horror", "limit": 5}),
    ("un film de braquage", "mood", R, {"genre": "Crime", "keywords": ["heist"], "limit": 5}),
    ("un film qui fait du bien", "mood", R, {"genre": "Comedy", "limit": 5}),
    ("un film avec des zombies", "mood", R,
     {"genre": "Horror", "keywords": ["zombie"], "limit": 5}),
    ("un film sur le voyage dans le temps", "mood", R,
     {"genre": "Science Fiction", "keywords": ["time travel"], "limit": 5}),
    ("marque Inception comme vu", "status", "set_status",
     {"movie": "Inception", "status": "seen"}),
    ("j'ai vu Dune", "status", "set_status", {"movie": "Dune", "status": "seen"}),
    ("j'ai déjà vu Matrix", "status", "set_status", {"movie": "Matrix", "status": "seen"}),
    ("ajoute Heat à ma liste", "status", "set_status", {"movie": "Heat", "status": "later"}),
    ("pas intéressé par Titanic", "status", "set_status",
     {"movie": "Titanic", "status": "not_interested"}),
    ("Titanic ne m'intéresse pas", "status", "set_status",
     {"movie": "Titanic", "status": "not_interested"}),
    ("je ne veux pas voir Titanic", "status", "set_status",
     {"movie": "Titanic", "status": "not_interested"}),
    ("retire Heat de ma liste", "status", "set_status", {"movie": "Heat", "status": "none"}),
    ("qu'est-ce qu'il y a dans ma liste ?", "mine", "list_my_movies",
     {"status": "later", "limit": 10}),
    ("quels films ai-je vus ?", "mine", "list_my_movies", {"status": "seen", "limit": 10}),
    ("mes films vus", "mine", "list_my_movies", {"status": "seen", "limit": 10}),
    ("combien de films ai-je vus ?", "stats", "list_my_movies", {"status": "seen", "limit": 5}),
    ("mes statistiques", "stats", "list_my_movies", {}),
    ("aide", "help", None, None),
    ("que sais-tu faire ?", "help", None, None),
    ("pas de films d'horreur", "filters", R, {"without_genre": "Horror", "limit": 5}),
    ("une comédie mais pas romantique", "filters", R,
     {"genre": "Comedy", "without_genre": "Romance", "limit": 5}),
    ("un film sans horreur", "filters", R, {"without_genre": "Horror", "limit": 5}),
    ("un film d'horreur mais sans gore", "filters", R, {"genre": "Horror", "limit": 5}),
    ("des films récents", "filters", R, {"year_from": NOW - 2, "limit": 5}),
    ("des drames des 5 dernières années", "filters", R,
     {"genre": "Drama", "year_from": NOW - 4, "limit": 5}),
    ("un thriller de l'année dernière", "filters", R,
     {"genre": "Thriller", "year_from": NOW - 1, "year_to": NOW - 1, "limit": 5}),
]


def _check(text: str, kind: str, tool: str | None, arguments: dict[str, Any] | None,
           lang: str) -> None:
    understood = understand(text, lang=lang, titles=TITLES)
    assert understood.kind == kind
    if tool is None:
        assert understood.call is None
        return
    assert understood.call is not None
    assert (understood.call.name, understood.call.arguments) == (tool, arguments)


def test_there_are_at_least_40_requests_in_each_language() -> None:
    assert len(ENGLISH) >= 40
    assert len(FRENCH) >= 40


@pytest.mark.parametrize(("text", "kind", "tool", "arguments"), ENGLISH,
                         ids=[c[0] for c in ENGLISH])
def test_english_request(text: str, kind: str, tool: str | None,
                         arguments: dict[str, Any] | None) -> None:
    _check(text, kind, tool, arguments, lang="en")


@pytest.mark.parametrize(("text", "kind", "tool", "arguments"), FRENCH,
                         ids=[c[0] for c in FRENCH])
def test_french_request(text: str, kind: str, tool: str | None,
                        arguments: dict[str, Any] | None) -> None:
    _check(text, kind, tool, arguments, lang="fr")


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_both_languages_are_understood_whatever_the_reply_language(lang: str) -> None:
    for text, kind, tool, arguments in [ENGLISH[0], FRENCH[0], ENGLISH[16], FRENCH[17]]:
        _check(text, kind, tool, arguments, lang=lang)


def test_without_an_index_the_words_as_typed_are_the_title() -> None:
    understood = understand("tell me about Inceptoin", lang="en")
    assert understood.call is not None
    assert understood.call.arguments == {"movie": "Inceptoin"}


def test_a_status_change_never_corrects_a_doubtful_title() -> None:
    # "Dune" is two cached movies: the title is passed on, the service will ask which.
    understood = understand("I watched Dune", lang="en", titles=TITLES)
    assert understood.match is not None and len(understood.match.entries) == 2
    assert understood.call is not None and understood.call.arguments["movie"] == "Dune"


def test_a_bare_number_without_an_open_question_is_not_a_movie_id() -> None:
    assert understand("2", lang="en", titles=TITLES).call is None
