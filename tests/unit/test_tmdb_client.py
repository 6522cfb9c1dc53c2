"""TmdbClient against httpx.MockTransport (made-up data in TMDB's shapes)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from mydw.clients.tmdb import (
    AUTH_HINT,
    TmdbClient,
    TmdbVideo,
    credential_kind,
    poster_url,
    video_languages,
)
from mydw.domain.errors import RateLimited, UpstreamAuthError, UpstreamError, UpstreamNotFound
from mydw.services.catalog.trailers import pick_trailer

KEY = "0123456789abcdef0123456789abcdef"
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl"

MOVIE = {
    "adult": False,
    "backdrop_path": None,
    "genre_ids": [18, 53],
    "id": 4242,
    "original_language": "fr",
    "original_title": "Le Serpent de Verre",
    "overview": "",
    "popularity": 12.5,
    "poster_path": "/abc.jpg",
    "release_date": "2001-05-04",
    "title": "The Glass Snake",
    "video": False,
    "vote_average": 7,
    "vote_count": 321,
}

DETAILS: dict[str, Any] = {
    **{k: v for k, v in MOVIE.items() if k != "genre_ids"},
    "genres": [{"id": 18, "name": "Drame"}, {"id": 53, "name": "Thriller"}],
    "imdb_id": "",
    "overview": "Un serpent de verre traverse Paris.",
    "runtime": 101,
    "tagline": "",
    "videos": {
        "results": [
            {
                "iso_639_1": "fr",
                "iso_3166_1": "FR",
                "name": "Bande-annonce",
                "key": "frTrailer01",
                "site": "YouTube",
                "size": 1080,
                "type": "Trailer",
                "official": True,
                "published_at": "2001-03-01T10:00:00.000Z",
                "id": "v1",
            }
        ]
    },
    "external_ids": {"id": 4242, "imdb_id": "tt7654321", "wikidata_id": None},
    "translations": {
        "translations": [
            {
                "iso_3166_1": "FR",
                "iso_639_1": "fr",
                "name": "Français",
                "english_name": "French",
                "data": {"homepage": "", "overview": "Un serpent…", "title": "", "tagline": ""},
            },
            {
                "iso_3166_1": "US",
                "iso_639_1": "en",
                "name": "English",
                "english_name": "English",
                "data": {"overview": "A glass snake…", "title": "The Glass Snake"},
            },
        ]
    },
}


class Recorder:
    def __init__(self, responses: list[httpx.Response | Exception]) -> None:
        self.responses = responses
        self.requests: list[httpx.Request] = []
        self.waits: list[float] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        item = self.responses.pop(0) if len(self.responses) > 1 else self.responses[0]
        if isinstance(item, Exception):
            raise item
        return item

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture(autouse=True)
def _no_env_scale(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("MYDW_HTTP_BACKOFF_SCALE", raising=False)
    yield


@pytest.fixture
def client_for() -> Iterator[Callable[..., tuple[TmdbClient, Recorder]]]:
    clients: list[TmdbClient] = []

    def build(*responses: httpx.Response | Exception, credential: str = KEY) -> Any:
        rec = Recorder(list(responses))
        client = TmdbClient(
            credential,
            base_url="https://tmdb.test/3",
            transport=httpx.MockTransport(rec.handler),
            sleep=rec.sleep,
            rate_per_second=None,
        )
        clients.append(client)
        return client, rec

    yield build
    for c in clients:
        c.close()


def page(results: list[dict[str, Any]], **extra: Any) -> httpx.Response:
    body = {"page": 1, "results": results, "total_pages": 1, "total_results": len(results)}
    body.update(extra)
    return httpx.Response(200, json=body)


# -- credentials -----------------------------------------------------------------------


def test_v3_key_goes_as_api_key_param(client_for: Any) -> None:
    client, rec = client_for(page([MOVIE]))
    client.search_movies("glass")
    request = rec.requests[0]
    assert request.url.params["api_key"] == KEY
    assert "authorization" not in request.headers
    assert client.credential_kind == "api_key"


def test_read_access_token_goes_as_bearer(client_for: Any) -> None:
    client, rec = client_for(page([MOVIE]), credential=TOKEN)
    client.search_movies("glass")
    request = rec.requests[0]
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert "api_key" not in request.url.params


@pytest.mark.parametrize("bad", ["", "   ", "not-a-key", "0123456789abcdef", "eyJonly-one-part"])
def test_malformed_credentials_are_refused_without_a_request(bad: str) -> None:
    with pytest.raises(UpstreamAuthError) as info:
        credential_kind(bad)
    assert info.value.hint == AUTH_HINT
    assert credential_kind(f"  {KEY}\n") == "api_key"


# -- search ----------------------------------------------------------------------------


def test_search_params_and_parsing(client_for: Any) -> None:
    client, rec = client_for(page([MOVIE], total_pages=3, total_results=45))
    result = client.search_movies("Le Serpent", language="fr-FR", year=2001, page=900)
    params = rec.requests[0].url.params
    assert rec.requests[0].url.path == "/3/search/movie"
    assert params["query"] == "Le Serpent"
    assert params["language"] == "fr-FR"
    assert params["primary_release_year"] == "2001"
    assert params["page"] == "500"  # clamped
    assert (result.page, result.total_pages, result.total_results) == (1, 3, 45)
    movie = result.results[0]
    assert movie.tmdb_id == 4242
    assert movie.title == "The Glass Snake"
    assert movie.overview is None  # "" → None
    assert movie.release_year == 2001
    assert movie.vote_average == 7.0 and isinstance(movie.vote_average, float)
    assert movie.genre_ids == [18, 53]


def test_search_page_below_one_is_clamped_and_no_year_is_not_sent(client_for: Any) -> None:
    client, rec = client_for(page([]))
    result = client.search_movies("x", page=0)
    assert rec.requests[0].url.params["page"] == "1"
    assert "primary_release_year" not in rec.requests[0].url.params
    assert result.results == []


def test_empty_release_date_gives_no_year(client_for: Any) -> None:
    client, _ = client_for(page([{**MOVIE, "release_date": ""}]))
    assert client.search_movies("x").results[0].release_year is None


@pytest.mark.parametrize(
    "broken",
    [
        {k: v for k, v in MOVIE.items() if k != "id"},
        {**MOVIE, "id": "4242"},
        {**MOVIE, "title": None},
        {**MOVIE, "vote_count": True},
        {**MOVIE, "genre_ids": ["18"]},
        "not a movie",
    ],
)
def test_malformed_result_is_an_upstream_error(client_for: Any, broken: Any) -> None:
    client, _ = client_for(page([MOVIE, broken]))
    with pytest.raises(UpstreamError) as info:
        client.search_movies("x")
    assert str(info.value).startswith("TMDB sent an unexpected response")


def test_page_missing_total_is_an_upstream_error(client_for: Any) -> None:
    client, _ = client_for(httpx.Response(200, json={"page": 1, "results": []}))
    with pytest.raises(UpstreamError, match="unexpected response"):
        client.search_movies("x")


# -- details ---------------------------------------------------------------------------


def test_movie_details_parsing_and_params(client_for: Any) -> None:
    client, rec = client_for(httpx.Response(200, json=DETAILS))
    details = client.movie_details(4242, language="fr-FR")
    params = rec.requests[0].url.params
    assert rec.requests[0].url.path == "/3/movie/4242"
    assert params["append_to_response"] == "videos,external_ids,translations,credits"
    assert params["include_video_language"] == "fr,en,null"
    assert params["language"] == "fr-FR"
    assert details.imdb_id == "tt7654321"  # top-level "" → from external_ids
    assert details.genres == [(18, "Drame"), (53, "Thriller")]
    assert details.overview == "Un serpent de verre traverse Paris."
    assert details.release_year == 2001 and details.runtime == 101
    assert details.videos[0].key == "frTrailer01" and details.videos[0].official is True
    fr, en = details.translations
    assert (fr.iso_639_1, fr.iso_3166_1, fr.title, fr.overview) == ("fr", "FR", None, "Un serpent…")
    assert en.title == "The Glass Snake"
    assert pick_trailer(details.videos, "fr-FR") == "https://www.youtube.com/watch?v=frTrailer01"


def test_movie_details_without_appended_objects_or_ids(client_for: Any) -> None:
    body = {k: v for k, v in DETAILS.items() if k not in ("videos", "translations")}
    body["imdb_id"] = None
    body["external_ids"] = {"imdb_id": ""}
    client, rec = client_for(httpx.Response(200, json=body))
    details = client.movie_details(4242)
    assert rec.requests[0].url.params["include_video_language"] == "en,null"
    assert details.imdb_id is None
    assert details.videos == [] and details.translations == []


def test_movie_details_bad_video_is_rejected_whole(client_for: Any) -> None:
    body = json.loads(json.dumps(DETAILS))
    body["videos"]["results"].append({"key": 5, "site": "YouTube", "type": "Trailer"})
    client, _ = client_for(httpx.Response(200, json=body))
    with pytest.raises(UpstreamError, match="TMDB sent an unexpected response"):
        client.movie_details(4242)


# -- errors ----------------------------------------------------------------------------


def test_401_is_an_auth_error_with_hint(client_for: Any) -> None:
    body = {
        "status_code": 7,
        "status_message": "Invalid API key: You must be granted a valid key.",
        "success": False,
    }
    client, rec = client_for(httpx.Response(401, json=body))
    with pytest.raises(UpstreamAuthError) as info:
        client.genres()
    assert str(info.value) == (
        "TMDB refused the API key (401: Invalid API key: You must be granted a valid key.)"
    )
    assert info.value.hint == (
        "set one with `mydw config set tmdb-api-key` or the MYDW_TMDB_API_KEY variable"
    )
    assert len(rec.requests) == 1 and rec.waits == []


def test_401_with_token_names_the_token(client_for: Any) -> None:
    client, _ = client_for(httpx.Response(401, json={"status_code": 3}), credential=TOKEN)
    with pytest.raises(UpstreamAuthError, match="TMDB refused the access token"):
        client.genres()


def test_404_is_not_found(client_for: Any) -> None:
    body = {"status_code": 34, "status_message": "The resource you requested could not be found."}
    client, rec = client_for(httpx.Response(404, json=body))
    with pytest.raises(UpstreamNotFound) as info:
        client.movie_details(999)
    assert str(info.value) == "TMDB has no movie with id 999"
    assert len(rec.requests) == 1


def test_422_is_not_retried(client_for: Any) -> None:
    client, rec = client_for(httpx.Response(422, json={"errors": ["query must be provided"]}))
    with pytest.raises(UpstreamError) as info:
        client.search_movies("")
    assert "query must be provided" in str(info.value)
    assert len(rec.requests) == 1 and rec.waits == []


def test_cdn_429_html_then_success(client_for: Any) -> None:
    cdn = httpx.Response(429, text="<html>Error from cloudfront</html>")
    client, rec = client_for(cdn, page([MOVIE]))
    assert client.search_movies("x").results[0].tmdb_id == 4242
    assert rec.waits == [pytest.approx(1.0, rel=0.5)]


def test_persistent_429_is_rate_limited(client_for: Any) -> None:
    body = {"status_code": 25, "status_message": "Your request count (#) is over the limit."}
    client, rec = client_for(httpx.Response(429, json=body, headers={"Retry-After": "2"}))
    with pytest.raises(RateLimited):
        client.genres()
    assert len(rec.requests) == 5
    assert rec.waits == [2.0, 2.0, 2.0, 2.0]


def test_500_then_success_and_timeout(client_for: Any) -> None:
    client, rec = client_for(
        httpx.Response(500, json={"status_code": 11}),
        httpx.ReadTimeout("slow"),
        httpx.Response(200, json={"genres": [{"id": 35, "name": "Comédie"}]}),
    )
    assert client.genres(language="fr-FR") == {35: "Comédie"}
    assert len(rec.requests) == 3 and len(rec.waits) == 2


def test_success_false_body_is_an_error(client_for: Any) -> None:
    client, _ = client_for(
        httpx.Response(200, json={"success": False, "status_message": "Service offline."})
    )
    with pytest.raises(UpstreamError, match="Service offline"):
        client.genres()


def test_truncated_json_is_an_upstream_error(client_for: Any) -> None:
    client, _ = client_for(httpx.Response(200, content=b'{"genres": [{"id": 35, "na'))
    with pytest.raises(UpstreamError, match="TMDB sent an answer that is not valid JSON"):
        client.genres()


# -- other endpoints -------------------------------------------------------------------


def test_find_by_imdb_id(client_for: Any) -> None:
    body = {
        "movie_results": [{**MOVIE, "media_type": "movie"}],
        "person_results": [],
        "tv_results": [{"id": 1, "name": "A show"}],
        "tv_episode_results": [],
        "tv_season_results": [],
    }
    client, rec = client_for(httpx.Response(200, json=body))
    found = client.find_by_imdb_id("tt7654321")
    assert rec.requests[0].url.path == "/3/find/tt7654321"
    assert rec.requests[0].url.params["external_source"] == "imdb_id"
    assert [m.tmdb_id for m in found] == [4242]


def test_find_unknown_id_is_empty(client_for: Any) -> None:
    client, _ = client_for(httpx.Response(404, json={"status_code": 34}))
    assert client.find_by_imdb_id("tt0000000") == []


def test_discover_params(client_for: Any) -> None:
    client, rec = client_for(page([MOVIE]))
    client.discover(
        language="fr-FR",
        page=2,
        sort_by="vote_average.desc",
        with_genres=[18, 53],
        vote_average_gte=7.5,
        vote_count_gte=100,
        release_year_from=1990,
        release_year_to=1999,
        with_original_language="fr",
    )
    params = rec.requests[0].url.params
    assert rec.requests[0].url.path == "/3/discover/movie"
    assert params["with_genres"] == "18,53"
    assert params["vote_average.gte"] == "7.5"
    assert params["vote_count.gte"] == "100"
    assert params["primary_release_date.gte"] == "1990-01-01"
    assert params["primary_release_date.lte"] == "1999-12-31"
    assert params["with_original_language"] == "fr"
    assert params["sort_by"] == "vote_average.desc"
    assert params["page"] == "2"


def test_discover_omits_unset_filters(client_for: Any) -> None:
    client, rec = client_for(page([]))
    client.discover()
    params = rec.requests[0].url.params
    for name in ("with_genres", "vote_average.gte", "primary_release_date.gte"):
        assert name not in params


def test_external_imdb_id(client_for: Any) -> None:
    client, rec = client_for(
        httpx.Response(200, json={"id": 4242, "imdb_id": "tt7654321"}),
        httpx.Response(200, json={"id": 4243, "imdb_id": None}),
    )
    assert client.external_imdb_id(4242) == "tt7654321"
    assert client.external_imdb_id(4243) is None
    assert rec.requests[0].url.path == "/3/movie/4242/external_ids"


# -- pure helpers ----------------------------------------------------------------------


def video(
    key: str,
    lang: str | None = "en",
    kind: str = "Trailer",
    official: bool = True,
    published: str = "2020-01-01T00:00:00.000Z",
    site: str = "YouTube",
) -> TmdbVideo:
    return TmdbVideo(key, site, kind, official, published, lang)


def test_pick_trailer_prefers_official_trailer_then_newest() -> None:
    videos = [
        video("oldOfficial", published="2019-01-01T00:00:00.000Z"),
        video("newOfficial", published="2019-09-01T00:00:00.000Z"),
        video("newestFan", official=False, published="2019-12-01T00:00:00.000Z"),
        video("teaser", kind="Teaser", published="2020-06-01T00:00:00.000Z"),
        video("clip", kind="Clip", published="2021-01-01T00:00:00.000Z"),
    ]
    assert pick_trailer(videos, "en-US") == "https://www.youtube.com/watch?v=newOfficial"
    assert pick_trailer(videos[2:], "en") == "https://www.youtube.com/watch?v=newestFan"
    assert pick_trailer(videos[3:], "en") == "https://www.youtube.com/watch?v=teaser"
    assert pick_trailer(videos[4:], "en") is None


def test_pick_trailer_language_rules() -> None:
    videos = [
        video("enTrailer", "en"),
        video("noLang", None, published="2021-01-01T00:00:00.000Z"),
        video("frVimeo", "fr", site="Vimeo"),
        video("frTeaser", "fr", kind="Teaser"),
    ]
    assert pick_trailer(videos, "fr-FR") == "https://www.youtube.com/watch?v=frTeaser"
    assert pick_trailer(videos[:3], "fr-FR") is None  # French is strict, Vimeo ignored
    assert pick_trailer(videos[:3], "fr", fallback_languages=["en"]) == (
        "https://www.youtube.com/watch?v=noLang"
    )
    assert pick_trailer(videos[1:2], "en-US") == "https://www.youtube.com/watch?v=noLang"
    assert pick_trailer([], "en") is None


def test_video_languages_and_poster_url() -> None:
    assert video_languages("en-US") == "en,null"
    assert video_languages("fr-FR") == "fr,en,null"
    assert poster_url("/abc.jpg") == "https://image.tmdb.org/t/p/w500/abc.jpg"
    assert poster_url(None) is None and poster_url("") is None


# -- recommendations, keywords, discover with_keywords ---------------------------------


def test_recommendations_request_and_shape(client_for: Callable[..., Any]) -> None:
    recommended = {**MOVIE, "media_type": "movie", "vote_count": 0, "vote_average": 0}
    client, rec = client_for(page([recommended], total_pages=2, total_results=40))
    answer = client.recommendations(550, language="fr-FR", page=2)
    request = rec.requests[0]
    assert request.url.path == "/3/movie/550/recommendations"
    assert request.url.params["language"] == "fr-FR"
    assert request.url.params["page"] == "2"
    assert [m.tmdb_id for m in answer.results] == [4242]
    assert answer.results[0].vote_count == 0
    assert (answer.total_pages, answer.total_results) == (2, 40)


def test_recommendations_of_an_unknown_movie_is_not_found(client_for: Callable[..., Any]) -> None:
    body = {"status_code": 34, "status_message": "not found", "success": False}
    client, _rec = client_for(httpx.Response(404, json=body))
    with pytest.raises(UpstreamNotFound, match="TMDB has no movie with id 999"):
        client.recommendations(999, language="en-US")


def test_search_keywords_returns_id_name_pairs(client_for: Callable[..., Any]) -> None:
    results = [{"id": 10224, "name": "haunted house"}, {"id": 3358, "name": "haunted"}]
    client, rec = client_for(page(results))
    found = client.search_keywords("haunted")
    assert rec.requests[0].url.path == "/3/search/keyword"
    assert rec.requests[0].url.params["query"] == "haunted"
    assert found == [(10224, "haunted house"), (3358, "haunted")]
    assert found[0].id == 10224 and found[0].name == "haunted house"


def test_search_keywords_rejects_a_malformed_keyword(client_for: Callable[..., Any]) -> None:
    client, _rec = client_for(page([{"id": "x", "name": "heist"}]))
    with pytest.raises(UpstreamError, match="unexpected response"):
        client.search_keywords("heist")


def test_discover_sends_keywords_joined_with_pipes(client_for: Callable[..., Any]) -> None:
    client, rec = client_for(page([]))
    client.discover(with_keywords=[9715, 10224])
    assert rec.requests[0].url.params["with_keywords"] == "9715|10224"
    client.discover()
    assert "with_keywords" not in rec.requests[1].url.params
