"""OmdbClient against httpx.MockTransport: Response/Error semantics, N/A and commas."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from mydw.clients.omdb import OmdbClient, OmdbRating, parse_rating, parse_votes
from mydw.domain.errors import RateLimited, UpstreamAuthError, UpstreamError

KEY = "ab12cd34"


class Recorder:
    def __init__(self, *responses: httpx.Response) -> None:
        self.responses = list(responses)
        self.requests: list[httpx.Request] = []
        self.waits: list[float] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]


@pytest.fixture(autouse=True)
def _no_env_scale(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("MYDW_HTTP_BACKOFF_SCALE", raising=False)
    yield


def make(*responses: httpx.Response) -> tuple[OmdbClient, Recorder]:
    rec = Recorder(*responses)
    client = OmdbClient(
        KEY,
        base_url="https://omdb.test/",
        transport=httpx.MockTransport(rec.handler),
        sleep=rec.waits.append,
        rate_per_second=None,
    )
    return client, rec


def title(**overrides: Any) -> dict[str, Any]:
    body = {
        "Title": "The Glass Snake",
        "Year": "2001",
        "Ratings": [{"Source": "Internet Movie Database", "Value": "7.6/10"}],
        "imdbRating": "7.6",
        "imdbVotes": "2,345,678",
        "imdbID": "tt7654321",
        "Type": "movie",
        "BoxOffice": "N/A",
        "Response": "True",
    }
    body.update(overrides)
    return body


def error(message: str, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json={"Response": "False", "Error": message})


def test_rating_parses_and_sends_key_and_id() -> None:
    client, rec = make(httpx.Response(200, json=title()))
    with client:
        rating = client.rating("tt7654321")
    assert rating == OmdbRating("tt7654321", 7.6, 2345678)
    params = rec.requests[0].url.params
    assert params["apikey"] == KEY and params["i"] == "tt7654321"
    assert rec.requests[0].headers["user-agent"].startswith("mydw/")


def test_not_available_values_are_none() -> None:
    client, _ = make(httpx.Response(200, json=title(imdbRating="N/A", imdbVotes="N/A")))
    assert client.rating("tt7654321") == OmdbRating("tt7654321", None, None)


@pytest.mark.parametrize(
    "message", ["Movie not found!", "Incorrect IMDb ID.", "Error getting data."]
)
def test_no_data_answers_return_none(message: str) -> None:
    client, rec = make(error(message))
    assert client.rating("tt0000001") is None
    assert len(rec.requests) == 1


def test_malformed_id_makes_no_request() -> None:
    client, rec = make(httpx.Response(200, json=title()))
    assert client.rating("nm0000001") is None
    assert rec.requests == []


def test_request_limit_is_rate_limited_without_retry() -> None:
    client, rec = make(error("Request limit reached!", 401))
    with pytest.raises(RateLimited) as info:
        client.rating("tt7654321")
    assert "limit" in str(info.value) and info.value.service == "OMDb"
    assert len(rec.requests) == 1 and rec.waits == []


@pytest.mark.parametrize(
    ("message", "status"),
    [("Invalid API key!", 401), ("No API key provided.", 401), ("Invalid API key!", 200)],
)
def test_key_errors_are_auth_errors_with_hint(message: str, status: int) -> None:
    client, rec = make(error(message, status))
    with pytest.raises(UpstreamAuthError) as info:
        client.rating("tt7654321")
    assert str(info.value) == f"OMDb refused the API key ({message})"
    assert info.value.hint is not None
    assert "MYDW_OMDB_API_KEY" in info.value.hint and "omdb-api-key" in info.value.hint
    assert len(rec.requests) == 1


def test_401_without_json_is_still_an_auth_error() -> None:
    client, _ = make(httpx.Response(401, text="Unauthorized"))
    with pytest.raises(UpstreamAuthError):
        client.rating("tt7654321")


def test_other_error_is_upstream_error() -> None:
    client, _ = make(error("Something went wrong."))
    with pytest.raises(UpstreamError, match=r"OMDb reported an error \(Something went wrong\.\)"):
        client.rating("tt7654321")


def test_5xx_is_retried_then_success() -> None:
    client, rec = make(httpx.Response(503, text="busy"), httpx.Response(200, json=title()))
    assert client.rating("tt7654321") is not None
    assert len(rec.requests) == 2 and len(rec.waits) == 1


@pytest.mark.parametrize(
    "body",
    [b"<html>cdn</html>", b'{"Title": "x", "imdbRat', b"[]", b'{"Title": "no Response"}'],
)
def test_bad_bodies_are_upstream_errors(body: bytes) -> None:
    client, _ = make(httpx.Response(200, content=body))
    with pytest.raises(UpstreamError) as info:
        client.rating("tt7654321")
    assert "OMDb" in str(info.value)


def test_unparseable_rating_is_an_upstream_error() -> None:
    client, _ = make(httpx.Response(200, json=title(imdbRating="great")))
    with pytest.raises(UpstreamError, match="unexpected response"):
        client.rating("tt7654321")


def test_parse_helpers() -> None:
    assert parse_votes("2,345,678") == 2345678
    assert parse_votes("95") == 95
    assert parse_votes("N/A") is None and parse_votes(None) is None
    assert parse_rating("6.2") == 6.2
    assert parse_rating("N/A") is None
    for bad in ("1.2.3", "-4", "12,x"):
        with pytest.raises(UpstreamError):
            parse_votes(bad)
    with pytest.raises(UpstreamError):
        parse_rating("11.5")


def test_empty_key_is_refused() -> None:
    with pytest.raises(UpstreamAuthError, match="No OMDb API key"):
        OmdbClient("  ")
