"""Every parser, on any input: a result of the promised type and range, or a clear
`MydwError` (one line, a known code); never another exception.

Each property also pins what a valid input must give, so a parser that refused
everything, or accepted everything, would fail here too.
"""

from __future__ import annotations

import gzip
import math
import string
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from mydw.domain.constants import MAX_VOTES, RATING_MAX, RATING_MIN
from mydw.domain.errors import EXIT_CODES, MydwError, UpstreamError

# Any text, with the characters parsers trip on made likely.
TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=60) | st.text(
    alphabet=string.digits + " .,-+eEinfatyNAN()\t\n\x00\u0663\u00b2dhmsw:/tT", max_size=30)
JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20)


def clear(error: MydwError) -> None:
    """What every refusal must look like."""
    assert error.code in EXIT_CODES
    assert error.message and "\n" not in error.message
    assert "Traceback" not in error.message


# --------------------------------------------------------------------------- durations



@given(TEXT)
@example("100000000d")
@example("1e400s")
@example("99999999999999999999w")
def test_parse_duration_any_text(text: str) -> None:
    from mydw.domain.types import parse_duration

    try:
        value = parse_duration(text)
    except MydwError as error:
        clear(error)
        return
    assert isinstance(value, timedelta) and value >= timedelta(0)


@given(st.integers(0, 5_000), st.sampled_from("smhdwSMHDW"), st.sampled_from(["", " "]))
def test_parse_duration_valid(number: int, unit: str, space: str) -> None:
    from mydw.domain.types import parse_duration

    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}[unit.lower()]
    assert parse_duration(f"{number}{space}{unit}") == timedelta(seconds=number * seconds)


# --------------------------------------------------------------------------- ratings, votes


@given(JSONISH)
@example(float("inf"))
@example(float("nan"))
@example(10.000001)
@example(True)
def test_valid_rating_and_votes_any_value(value: Any) -> None:
    from mydw.services.ratings import checked, valid_rating, valid_votes

    rating = valid_rating(value)
    assert rating is None or (math.isfinite(rating) and RATING_MIN <= rating <= RATING_MAX)
    votes = valid_votes(value)
    assert votes is None or (type(votes) is int and 0 <= votes <= MAX_VOTES)
    both = checked(value, value)
    assert (both.rating, both.votes) == (rating, votes)


@given(st.floats(RATING_MIN, RATING_MAX), st.integers(0, MAX_VOTES))
def test_valid_rating_and_votes_keep_good_values(rating: float, votes: int) -> None:
    from mydw.services.ratings import valid_rating, valid_votes

    assert valid_rating(rating) == rating and valid_votes(votes) == votes


# --------------------------------------------------------------------------- OMDb


@given(JSONISH)
@example("Infinity")
@example("1e999")
@example("٣")
@example("12,34,5")
def test_omdb_values_any(value: Any) -> None:
    from mydw.clients.omdb import parse_rating, parse_votes

    for parse in (parse_rating, parse_votes):
        try:
            got = parse(value)
        except UpstreamError as error:
            clear(error)
            continue
        assert got is None or (isinstance(got, int | float) and math.isfinite(got) and got >= 0)
    try:
        rating = parse_rating(value)
    except UpstreamError:
        return
    assert rating is None or rating <= RATING_MAX


@given(st.floats(0, 10).map(lambda f: f"{f:.1f}"), st.integers(0, 10**9))
def test_omdb_values_valid(rating: str, votes: int) -> None:
    from mydw.clients.omdb import parse_rating, parse_votes

    assert parse_rating(rating) == float(rating)
    assert parse_votes(f"{votes:,}") == votes


# --------------------------------------------------------------------------- the dataset

FIELD = st.binary(max_size=12) | st.sampled_from(
    [b"\\N", b"7.5", b"99.9", b"-3", b"inf", b"nan", b"1e308", b"12345678901234567890123",
     b"\xff", b"\x1b[31m", b"", b" 7 "])



@given(st.lists(st.tuples(st.sampled_from([b"tt0000001", b"tt1234567", b"x"]), FIELD, FIELD),
                max_size=8))
@example([(b"tt0000001", b"99.9", b"-3")])
def test_dataset_rows_any(rows: list[tuple[bytes, bytes, bytes]]) -> None:
    from mydw.clients.imdb_datasets import _row

    for parts in rows:
        row = _row(b"\t".join(parts))
        if row is None:
            continue
        _tconst, rating, votes = row
        assert rating is None or (math.isfinite(rating) and 0 <= rating <= 10), row
        assert votes is None or 0 <= votes <= MAX_VOTES, row


@given(st.lists(st.binary(max_size=40), max_size=12))
def test_dataset_file_any_lines(tmp_path_factory: Any, lines: list[bytes]) -> None:
    """A file of any lines after the right header: rows or nothing, never a crash."""
    from mydw.clients.imdb_datasets import iter_ratings

    path = Path(tmp_path_factory.mktemp("ds")) / "title.ratings.tsv.gz"
    path.write_bytes(gzip.compress(b"tconst\taverageRating\tnumVotes\n" + b"\n".join(lines)))
    try:
        rows = list(iter_ratings(path))
    except UpstreamError as error:
        clear(error)
        return
    assert all(isinstance(t, str) for t, _, _ in rows)


def test_dataset_good_rows(tmp_path: Path) -> None:
    from mydw.clients.imdb_datasets import iter_ratings

    path = tmp_path / "title.ratings.tsv.gz"
    path.write_bytes(gzip.compress(b"tconst\taverageRating\tnumVotes\ntt0000001\t7.5\t12\n"
                                   b"tt0000002\t\\N\t\\N\n"))
    assert list(iter_ratings(path)) == [("tt0000001", 7.5, 12), ("tt0000002", None, None)]


# --------------------------------------------------------------------------- TMDB payloads


def _parsers() -> list[Any]:
    from mydw.clients.tmdb import parse

    return [parse.parse_page, parse.parse_details, parse.parse_genres,
            parse.parse_external_imdb_id, parse.parse_keywords,
            lambda body: parse.parse_summaries(body, "movie_results")]


MOVIE = st.fixed_dictionaries({"id": st.integers(1, 10**9) | JSONISH, "title": TEXT | JSONISH},
                              optional={k: JSONISH for k in (
                                  "release_date", "genre_ids", "vote_average", "vote_count",
                                  "popularity", "overview", "original_title", "genres",
                                  "videos", "translations", "external_ids", "runtime",
                                  "imdb_id", "poster_path", "original_language")})
BODY = st.dictionaries(TEXT, JSONISH, max_size=5) | st.fixed_dictionaries(
    {"page": JSONISH, "total_pages": JSONISH, "total_results": JSONISH,
     "results": st.lists(MOVIE | JSONISH, max_size=3), "genres": JSONISH,
     "movie_results": st.lists(MOVIE, max_size=2)}) | MOVIE


@given(BODY)
def test_tmdb_payloads_any(body: dict[str, Any]) -> None:
    from mydw.clients.tmdb.parse import validated

    for parse in _parsers():
        try:
            validated(parse, body)
        except UpstreamError as error:
            clear(error)
            assert error.message.startswith("TMDB sent an unexpected response")




@given(st.floats(allow_nan=False) | st.integers(), st.integers())
@example(1e308, -5)
def test_tmdb_numbers_are_bounded_where_they_enter(average: float, votes: int) -> None:
    from mydw.clients.tmdb.parse import parse_summary

    try:
        summary = parse_summary({"id": 1, "title": "x", "vote_average": average,
                                 "vote_count": votes})
    except Exception as error:  # the parse module's own refusal is fine
        assert "unexpected" in type(error).__name__.lower() or isinstance(error, MydwError)
        return
    assert 0 <= summary.vote_average <= 10 and 0 <= summary.vote_count <= MAX_VOTES


def test_tmdb_payload_good_page() -> None:
    from mydw.clients.tmdb.parse import parse_page, validated

    page = validated(parse_page, {"page": 1, "total_pages": 1, "total_results": 1,
                                  "results": [{"id": 7, "title": "T",
                                               "release_date": "2001-02-03"}]})
    assert [(m.tmdb_id, m.title, m.release_year) for m in page.results] == [(7, "T", 2001)]


# --------------------------------------------------------------------------- settings


def _keys() -> list[str]:
    from mydw.config.settings import KEYS

    return sorted(KEYS)




@pytest.mark.parametrize("name", _keys())
@given(value=TEXT)
@example(value="٣")
@example(value="nan")
@example(value="1" * 400)
def test_every_setting_any_value(name: str, value: str) -> None:
    from mydw.config.settings import KEYS

    key = KEYS[name]
    try:
        parsed = key.check(value)
    except MydwError as error:
        clear(error)
        assert name in error.message
        return
    if isinstance(parsed, float):
        assert math.isfinite(parsed)
    if isinstance(parsed, int) and not isinstance(parsed, bool):
        assert parsed >= 0


@given(st.sampled_from(["discover-min-votes", "llm-history"]),
       st.text(alphabet="٠١٢٣٤٥٦٧٨٩²³", min_size=1, max_size=4))
def test_count_settings_take_ascii_digits_only(name: str, value: str) -> None:
    from mydw.config.settings import KEYS

    with pytest.raises(MydwError):
        KEYS[name].check(value)


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("discover-min-votes", "5000", 5000), ("discover-min-rating", "7.5", 7.5),
    ("lang", "FR", "fr"), ("http-timeout", "2.5", 2.5), ("llm-history", "2", 2),
    ("search-freshness", " 7d ", "7d"), ("debug", "yes", True)])
def test_settings_valid_values(name: str, value: str, expected: Any) -> None:
    from mydw.config.settings import KEYS

    assert KEYS[name].check(value) == expected


# --------------------------------------------------------------------------- movie references


@given(TEXT)
@example("Dune (2021)")
@example("(2021)")
@example(" (99999)")
def test_split_year_any(ref: str) -> None:
    from mydw.services.catalog.resolve import split_year

    title, year = split_year(ref)
    assert isinstance(title, str)
    assert year is None or (1000 <= year <= 9999 and title)


@given(st.text(alphabet=string.ascii_letters + " :'", min_size=1, max_size=30).filter(
    lambda t: t.strip()), st.integers(1000, 9999))
def test_split_year_valid(title: str, year: int) -> None:
    from mydw.services.catalog.resolve import split_year

    assert split_year(f"{title} ({year})") == (title.strip(), year)


@given(TEXT)
def test_status_and_language_any(text: str) -> None:
    from mydw.domain.types import MovieStatus, check_language

    for parse in (lambda t: MovieStatus.parse(t, parameter="status"),
                  lambda t: check_language(t, "lang")):
        try:
            parse(text)
        except MydwError as error:
            clear(error)


@given(TEXT, TEXT, st.integers() | st.none(), st.integers() | st.none())
def test_movie_filter_any(genre: str, language: str, year_from: int | None,
                          year_to: int | None) -> None:
    from mydw.services.filters import MovieFilter

    try:
        MovieFilter.parse(genres=[genre], language=language, year_from=year_from,
                          year_to=year_to)
    except MydwError as error:
        clear(error)


# --------------------------------------------------------------------------- chat


TOOL_ARGS = st.dictionaries(st.sampled_from(
    ["query", "year", "movie", "status", "genre", "limit", "min_rating", "year_from",
     "year_to", "language", "similar_to", "keywords", "x"]), JSONISH, max_size=6)


@given(st.sampled_from(["search_movies", "get_movie", "set_status", "list_my_movies",
                        "recommend", "nope", ""]), TOOL_ARGS | JSONISH)
@example("recommend", {"limit": float("inf")})
@example("recommend", {"min_rating": "1e999"})
@example("list_my_movies", {"limit": 10**30})
def test_tool_arguments_any(name: str, arguments: Any) -> None:
    from mydw.services.chat.tools import ToolCall, validate

    try:
        values = validate(ToolCall(name, arguments))
    except MydwError as error:
        clear(error)
        return
    assert isinstance(values, dict)


def test_tool_arguments_valid() -> None:
    from mydw.services.chat.tools import ToolCall, validate

    values = validate(ToolCall("recommend", {"genre": "Drama", "min_rating": "7.5",
                                             "limit": 5}))
    assert (values["genre"], values["min_rating"], values["limit"]) == ("Drama", 7.5, 5)


@given(TEXT, st.sampled_from(["en", "fr"]), st.none() | st.dictionaries(
    st.sampled_from(["type", "options", "movies", "call", "page"]), JSONISH, max_size=4))
@example("movies like (2021)", "en", None)
@example("3", "fr", {"type": "choose", "options": [None, 1, "x"]})
def test_understand_any_text(text: str, lang: str, pending: dict[str, Any] | None) -> None:
    from mydw.services.chat.builtin import KINDS, understand
    from mydw.services.chat.titles import TitleIndex

    result = understand(text, lang=lang, pending=pending, titles=TitleIndex([]))
    assert result.kind in KINDS


@given(JSONISH)
def test_model_tool_arguments_any(value: Any) -> None:
    from mydw.clients.chat_model import parse_arguments

    text, parsed = parse_arguments(value)
    assert isinstance(text, str) and (parsed is None or isinstance(parsed, dict))


@given(TEXT)
@example("Wed, 21 Oct 2015 07:28:00 GMT")
@example("1e999")
@example("-5")
def test_retry_after_any(value: str) -> None:
    from mydw.clients.retry import parse_retry_after

    got = parse_retry_after(value)
    assert got is None or (math.isfinite(got) and got >= 0)


def test_retry_after_valid() -> None:
    from mydw.clients.retry import parse_retry_after

    assert parse_retry_after("5") == 5.0 and parse_retry_after("soon") is None


# --------------------------------------------------------------------------- did you mean / tables


@given(TEXT)
@example("Quantum Orchrad")
def test_any_title_gives_at_most_four_searches_of_its_own_words(title: str) -> None:
    from mydw.domain.types import fold
    from mydw.services.catalog.suggest import queries_for

    queries = queries_for(title)
    assert len(queries) <= 4 and len(set(queries)) == len(queries)
    assert all(q and q in fold(title) for q in queries)
    if title == "Quantum Orchrad":
        assert queries == ["orchrad", "quantum", "orch"]


@given(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 60)), min_size=1, max_size=9),
       st.integers(0, 200))
def test_table_widths_stay_between_the_longest_word_and_cell(
    spans: list[tuple[int, int]], room: int,
) -> None:
    from mydw.cli.render import _share

    least = [w for w, _ in spans]
    most = [max(w, w + extra) for w, extra in spans]
    widths = _share(least, most, room)
    assert all(w <= x <= m for w, x, m in zip(least, widths, most, strict=True))
    if sum(least) <= room:
        assert sum(widths) <= room
        if sum(most) <= room:
            assert widths == most  # room for every cell: nothing narrowed
