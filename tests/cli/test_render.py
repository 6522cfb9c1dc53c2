"""The one renderer: tables fit the terminal; piped output is plain text."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from datetime import datetime

import pytest
from rich.console import Console

from mydw.cli import render
from mydw.services.views import MovieView
from tests.conftest import Cli

LONG_POSTER = "https://image.tmdb.org/t/p/original/" + "a1b2c3d4e5" * 6 + ".jpg"


def _movie(tmdb_id: int = 603, **changes: object) -> MovieView:
    base = MovieView(
        id=1, tmdb_id=tmdb_id, imdb_id="tt0133093", title_en="The Matrix", title_fr="Matrix",
        overview_en="A hacker learns\tthe truth.\nThen fights.", overview_fr=None,
        poster_url=LONG_POSTER, trailer_en="https://www.youtube.com/watch?v=vKQi3bBA1y8",
        trailer_fr=None, imdb_rating=8.7, vote_count=2_100_000, genres=["Action",
        "Science Fiction"], genre_ids=[28, 878], release_year=1999, original_language="en",
        cached_on=datetime(2024, 5, 1), imdb_updated_on=datetime(2024, 5, 1),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


MOVIES = [
    _movie(),
    _movie(900001, title_en="The Extraordinarily Long-Winded Adventures of the Lighthouse "
           "Keeper and His Remarkably Patient Cat", imdb_rating=None, vote_count=None,
           genre_ids=[18, 9648, 10770, 99], genres=["Drama", "Mystery", "TV Movie",
           "Documentary"], status="not_interested", updated_at=datetime(2024, 6, 2, 10, 0)),
    _movie(900002, title_en="Alien [/] \x1b[31mred\x1b[0m", status="seen",
           updated_at=datetime(2023, 1, 1)),
]


def _print(width: int, draw: object) -> list[str]:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, no_color=True, force_terminal=False)
    draw(console)  # type: ignore[operator]
    return buffer.getvalue().splitlines()


def _words(text: str) -> set[str]:
    return set(re.findall(r"[\w'-]+", text))


@pytest.mark.parametrize("width", [80, 120])
@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_movie_table_fits_the_terminal_and_cuts_no_word(width: int, lang: str) -> None:
    lines = _print(width, lambda c: render.movies(MOVIES, lang, title="Yours (3)", console=c))
    assert lines and max(len(line) for line in lines) <= width
    shown = _words("\n".join(lines))
    for movie in MOVIES:
        assert _words(render.title(movie, lang)) <= shown, render.title(movie, lang)
        assert str(movie.tmdb_id) in shown
    assert "Yours (3)" in lines[0]
    assert "\x1b" not in "".join(lines)
    if lang == "en":
        assert "Alien [/]" in "\n".join(lines)  # not parsed as markup


def test_a_wide_terminal_shows_every_column() -> None:
    header = _print(160, lambda c: render.movies(MOVIES, "en", console=c))[0]
    for column in ("Title", "Year", "IMDb", "Votes", "Genres", "Status", "Updated", "TMDB"):
        assert column in header
    assert "2,100,000" in "\n".join(_print(160, lambda c: render.movies(MOVIES, "en",
                                                                        console=c)))


def test_one_status_spelling_and_one_unknown() -> None:
    line = render.movie_line(MOVIES[1], "en")
    assert "not-interested 2024-06-02" in line
    assert "IMDb —" in line
    assert render.status(None) == render.rating(None) == render.votes(None) == render.UNKNOWN
    assert render.genres(MOVIES[0], "fr") == "Action, Science-Fiction"


@pytest.mark.parametrize("width", [80, 120])
def test_details_never_split_a_url(width: int) -> None:
    lines = _print(width, lambda c: render.movie_details(MOVIES[0], "en", console=c))
    text = "\n".join(lines)
    for url in (LONG_POSTER, "https://www.imdb.com/title/tt0133093/",
                "https://www.themoviedb.org/movie/603"):
        assert any(url in line for line in lines), (url, text)
    assert "A hacker learns the truth." in text


def test_piped_lists_are_one_plain_line_per_movie(capsys: pytest.CaptureFixture[str]) -> None:
    render.movies(MOVIES, "en", title="ignored when piped")
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert len(lines) == len(MOVIES)
    assert "\t" not in out and "\x1b" not in out
    assert all(line == line.rstrip() and "  " not in line for line in lines)
    assert lines[0] == ("The Matrix (1999) — tmdb:603 · IMDb 8.7 (2,100,000 votes) · "
                        "Action, Science Fiction")
    assert max(len(line) for line in lines) > 80  # never wrapped


def test_piped_details_are_field_value_lines(capsys: pytest.CaptureFixture[str]) -> None:
    render.movie_details(MOVIES[0], "fr")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Title: Matrix"
    assert "Title (en): The Matrix" in lines
    assert "Overview: A hacker learns the truth. Then fights." in lines
    assert f"Poster: {LONG_POSTER}" in lines
    assert all(": " in line and "\t" not in line for line in lines)


def test_every_commands_movie_json_has_the_same_keys(online: Cli) -> None:
    keys = set(MOVIES[0].to_json())
    found = online.ok("search", "lighthouse", "--json").json()
    assert all(set(m) == keys for m in found)
    online.signup()
    online.ok("mark", "seen", "900001")
    for args in (["search", "lighthouse", "--json"], ["list", "--json"],
                 ["mark", "later", "900001", "--json"], ["discover", "--json"]):
        data = online.ok(*args).json()
        assert data and all(set(m) == keys for m in data), args
    shown = online.ok("show", "900001", "--json").json()
    assert set(shown) == keys | {"imdb_url", "original_title", "runtime", "directors"}
    json.dumps(shown)


FRENCH_SEEN = [
    _movie(900008, title_fr="Zéro Absolu", genre_ids=[878, 53],
           genres=["Science Fiction", "Thriller"], status="seen", my_rating=8.0,
           updated_at=datetime(2026, 12, 2), vote_count=874, imdb_rating=6.7),
    _movie(900011, title_fr="Le Jardin des machines silencieuses", genre_ids=[16, 10751],
           genres=["Animation", "Family"], status="seen", updated_at=datetime(2026, 12, 2),
           vote_count=301_999, imdb_rating=8.1),
    _movie(900001, title_fr="Le Gardien du phare", genre_ids=[18, 9648],
           genres=["Drama", "Mystery"], status="seen", updated_at=datetime(2026, 12, 2),
           vote_count=45_210, imdb_rating=7.3),
]


@pytest.mark.parametrize("width", [60, 70, 80, 100])
@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("movies", [MOVIES, FRENCH_SEEN], ids=["long", "seen"])
def test_no_cell_is_cut_mid_word(width: int, lang: str, movies: list[MovieView]) -> None:
    # Where every cell does not fit on one line, Rich narrows the widest columns first,
    # even below their longest word: "Science-Fictio" / "n, Thriller" at 80 columns.
    lines = _print(width, lambda c: render.movies(movies, lang, console=c))
    assert max(len(line) for line in lines) <= width
    shown = _words("\n".join(lines))
    header = lines[0].split()
    for movie in movies:
        cells = {"Title": render.title(movie, lang), "Genres": render.genres(movie, lang),
                 "Votes": render.votes(movie.vote_count)}
        for column, text in cells.items():
            if column in header and any(c.isalnum() for c in text):  # not left out
                assert _words(text) <= shown, (text, width)


def test_the_movie_keys_are_those_of_every_movie_object() -> None:
    from mydw.services.views import MOVIE_KEYS

    for movie in MOVIES + FRENCH_SEEN:
        assert tuple(movie.to_json()) == MOVIE_KEYS
