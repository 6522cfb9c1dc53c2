"""Issue 10: values checked where they enter — upstream parsers, the masking of secrets,
the JSON writer's numbers. Each test failed before its fix."""

from __future__ import annotations

import math
from typing import Any

import pytest

from mydw.clients.omdb import parse_rating, parse_votes
from mydw.clients.tmdb import parse
from mydw.domain.errors import UpstreamError

ESC = "\x1b]0;owned\x07\x1b[1;31m"


def _summary(**fields: Any) -> dict[str, Any]:
    return {"id": 42, "title": "Plain", "release_date": "2001-02-03", "genre_ids": [18],
            "vote_average": 7.0, "vote_count": 10, "popularity": 1.0, **fields}


def test_tmdb_strings_are_cleaned_and_bounded_where_they_enter() -> None:
    movie = parse.validated(parse.parse_summary, _summary(
        title=f"Bad{ESC}Title\x9b2J", original_title="x" * 50_000,
        overview=f"line one{ESC}\nline\x00 two"))
    assert movie.title == "BadTitle"
    assert len(movie.original_title) <= 500
    assert movie.overview == "line one\nline two"
    details = parse.validated(parse.parse_details, {
        **_summary(title="T\x1b[2J"), "genres": [{"id": 18, "name": f"Drama{ESC}"}],
        "videos": {"results": [{"key": "k\x1b", "site": "YouTube", "type": "Trailer",
                                "name": f"Official{ESC}"}]},
        "translations": {"translations": [{"iso_639_1": "fr", "iso_3166_1": "FR",
                                           "data": {"title": f"Titre{ESC}",
                                                    "overview": "Résumé\x1b[31m"}}]},
        "tagline": "\x07ring"})
    assert details.title == "T" and details.genres == [(18, "Drama")]
    assert details.videos[0].name == "Official" and details.videos[0].key == "k"
    assert details.translations[0].title == "Titre"
    assert details.translations[0].overview == "Résumé"
    assert details.tagline == "ring"


def test_tmdb_numbers_are_bounded_where_they_enter() -> None:
    movie = parse.validated(parse.parse_summary, _summary(
        vote_average=math.inf, popularity=math.nan, vote_count=10**23,
        release_date="9999-01-01"))
    assert math.isfinite(movie.vote_average) and math.isfinite(movie.popularity)
    assert movie.vote_count <= 2**31 - 1
    assert movie.release_year is None  # not a plausible year
    with pytest.raises(UpstreamError):
        parse.validated(parse.parse_summary, _summary(id=10**20))  # no INTEGER holds it
    with pytest.raises(UpstreamError):
        parse.validated(parse.parse_summary, _summary(id=-3))
    details = parse.validated(parse.parse_details, {**_summary(), "runtime": 10**12})
    assert details.runtime is None


@pytest.mark.parametrize("text", ["inf", "nan", "-3", "99.9", "٧.٥"])
def test_omdb_ratings_outside_0_to_10_are_refused(text: str) -> None:
    with pytest.raises(UpstreamError):
        parse_rating(text)


def test_omdb_vote_counts_beyond_belief_are_unknown() -> None:
    assert parse_votes("12,345,678,901,234,567,890,123") is None
    assert parse_votes("2,345,678") == 2345678
    with pytest.raises(UpstreamError):
        parse_votes("-5")


def test_error_text_from_an_upstream_is_one_clean_line() -> None:
    import httpx

    from mydw.clients.http import error_detail

    response = httpx.Response(401, json={"status_message": f"Invalid{ESC} key\x1b[2J\nnow"})
    assert error_detail(response) == "Invalid key now"


@pytest.mark.parametrize(("text", "masked"), [
    ("postgresql://ada:s3cret@db:5432/mydw", "postgresql://ada:***@db:5432/mydw"),
    ("cannot use 'postgresql+psycopg://u:p@ss@h/x' now",
     "cannot use 'postgresql+psycopg://u:***@h/x' now"),
    ("https://api.themoviedb.org/3", "https://api.themoviedb.org/3"),
    ("postgresql://ada@db/mydw", "postgresql://ada@db/mydw"),
    ("host=db password=s3cret user=u", "host=db password=*** user=u"),
    ("[parameters: ('a@b.c', '$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA')]",
     "[parameters: ('a@b.c', '$…(hidden)')]"),
])
def test_secrets_are_masked_in_any_text(text: str, masked: str) -> None:
    from mydw.domain.text import mask_secrets

    assert mask_secrets(text) == masked


def test_the_chat_model_text_is_cleaned_where_it_enters() -> None:
    import json

    import httpx

    from mydw.clients.chat_model import ChatModelClient

    body = {"choices": [{"message": {"role": "assistant",
                                     "content": f"Hello{ESC} there\x1b[2J\n- a"},
                         "finish_reason": "stop"}]}
    client = ChatModelClient("http://model.test/v1", "m", transport=httpx.MockTransport(
        lambda request: httpx.Response(200, content=json.dumps(body).encode(),
                                       headers={"content-type": "application/json"})))
    with client:
        reply = client.complete([{"role": "user", "content": "hi"}])
    assert reply.content == "Hello there\n- a"
    chunks = [{"choices": [{"delta": {"content": text}}]} for text in (f"Hel{ESC}", "lo ",
                                                                           "\x1b[2Jworld")]
    events = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
    streamed: list[str] = []
    client = ChatModelClient("http://model.test/v1", "m", transport=httpx.MockTransport(
        lambda request: httpx.Response(200, content=events.encode(),
                                       headers={"content-type": "text/event-stream"})))
    with client:
        reply = client.stream([{"role": "user", "content": "hi"}], on_text=streamed.append)
    assert reply.content == "Hello world" and "".join(streamed) == "Hello world"
