"""The fake upstream servers answer with the documented shapes, through the real clients."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from tests.fakes.imdb_datasets import FakeImdbDatasets, default_rows
from tests.fakes.omdb import FAKE_OMDB_API_KEY, FakeOmdb
from tests.fakes.server import FakeServer, RecordedRequest, Reply
from tests.fakes.tmdb import (
    FAKE_TMDB_API_KEY,
    FAKE_TMDB_TOKEN,
    GENRES_EN,
    GENRES_FR,
    FakeMovie,
    FakeTmdb,
    FakeVideo,
)

from mydw.clients.imdb_datasets import ImdbDatasetsClient, iter_ratings
from mydw.clients.omdb import OmdbClient, OmdbRating
from mydw.clients.tmdb import TmdbClient
from mydw.domain.errors import (
    RateLimited,
    UpstreamAuthError,
    UpstreamError,
    UpstreamNotFound,
)
from mydw.services.catalog.trailers import pick_trailer


def no_sleep(seconds: float) -> None:
    pass


@pytest.fixture(scope="module")
def tmdb_server() -> Iterator[FakeTmdb]:
    with FakeTmdb() as server:
        yield server


@pytest.fixture
def tmdb(tmdb_server: FakeTmdb) -> Iterator[TmdbClient]:
    tmdb_server.clear_faults()
    with TmdbClient(FAKE_TMDB_API_KEY, base_url=tmdb_server.api_url, sleep=no_sleep) as client:
        yield client


# -- base server -----------------------------------------------------------------------


class Echo(FakeServer):
    def handle(self, request: RecordedRequest) -> Reply:
        return Reply.json({"path": request.path, "params": request.params})


def test_base_server_log_count_and_faults() -> None:
    with Echo() as server:
        assert server.url.startswith("http://127.0.0.1:")
        with httpx.Client(base_url=server.url) as http:
            assert http.get("/a/b", params={"x": "1"}).json() == {
                "path": "/a/b",
                "params": {"x": "1"},
            }
            server.fail_next(2, status=503, body={"oops": True}, path_prefix="/a")
            assert http.get("/other").status_code == 200  # prefix does not match
            assert [http.get("/a").status_code for _ in range(3)] == [503, 503, 200]
            server.fail_next(1, status=None, truncate=True)
            cut = http.get("/a/long", params={"pad": "z" * 100})
            assert cut.status_code == 200
            with pytest.raises(json.JSONDecodeError):
                cut.json()
            server.fail_next(1, status=429, headers={"Retry-After": "7"})
            limited = http.get("/r")
            assert limited.status_code == 429 and limited.headers["retry-after"] == "7"
        assert server.count() == 7
        assert server.count("/a") == 5
        last = server.last("/a/b")
        assert last is not None and last.params == {"x": "1"}
        assert "user-agent" in last.headers


def test_base_server_delay_provokes_client_timeout() -> None:
    with Echo() as server, httpx.Client(base_url=server.url, timeout=0.2) as http:
        server.fail_next(1, status=None, delay=0.6)
        with pytest.raises(httpx.ReadTimeout):
            http.get("/slow")
        assert http.get("/fast").status_code == 200


# -- FakeTmdb --------------------------------------------------------------------------


def test_search_shape_and_remakes(tmdb: TmdbClient, tmdb_server: FakeTmdb) -> None:
    result = tmdb.search_movies("LIGHTHOUSE keeper")
    assert result.total_results == 2 and result.total_pages == 1
    assert {m.release_year for m in result.results} == {1998, 2019}
    assert all(m.title == "The Lighthouse Keeper" for m in result.results)
    only_1998 = tmdb.search_movies("lighthouse", year=1998)
    assert [m.tmdb_id for m in only_1998.results] == [900001]
    request = tmdb_server.last("/3/search/movie")
    assert request is not None and request.param("primary_release_year") == "1998"
    assert request.param("api_key") == FAKE_TMDB_API_KEY


def test_raw_search_body_has_documented_fields(tmdb_server: FakeTmdb) -> None:
    body = httpx.get(
        tmdb_server.api_url + "/search/movie",
        params={"api_key": FAKE_TMDB_API_KEY, "query": "quantum"},
    ).json()
    assert set(body) == {"page", "results", "total_pages", "total_results"}
    assert set(body["results"][0]) == {
        "adult", "backdrop_path", "genre_ids", "id", "original_language", "original_title",
        "overview", "popularity", "poster_path", "release_date", "title", "video",
        "vote_average", "vote_count",
    }  # fmt: skip


def test_search_is_accent_insensitive_in_any_language(tmdb: TmdbClient) -> None:
    assert [m.tmdb_id for m in tmdb.search_movies("ete brulant").results] == [900003]
    french = tmdb.search_movies("gardien du phare", language="fr-FR")
    assert {m.title for m in french.results} == {"Le Gardien du phare"}
    assert tmdb.search_movies("ZERO ABSOLU").results[0].title == "Absolute Zero"


def test_search_pagination(tmdb_server: FakeTmdb, tmdb: TmdbClient) -> None:
    for i in range(25):
        tmdb_server.add_movie(
            FakeMovie(950000 + i, f"Paging Test {i}", "en", "2000-01-01", f"Paging Test {i}", "x")
        )
    try:
        first = tmdb.search_movies("paging test")
        second = tmdb.search_movies("paging test", page=2)
        assert (first.total_results, first.total_pages) == (25, 2)
        assert len(first.results) == 20 and len(second.results) == 5
        assert second.page == 2
    finally:
        for i in range(25):
            tmdb_server.remove_movie(950000 + i)


def test_missing_query_is_422(tmdb: TmdbClient) -> None:
    with pytest.raises(UpstreamError, match="422: query must be provided"):
        tmdb.search_movies("")


def test_details_french_and_fallbacks(tmdb: TmdbClient, tmdb_server: FakeTmdb) -> None:
    fr = tmdb.movie_details(900001, language="fr-FR")
    assert fr.title == "Le Gardien du phare"
    assert fr.imdb_id == "tt9000001"
    assert ("fr", "FR") in {(t.iso_639_1, t.iso_3166_1) for t in fr.translations}
    assert {v.iso_639_1 for v in fr.videos} == {"fr", "en"}  # include_video_language=fr,en,null
    assert pick_trailer(fr.videos, "fr-FR") == "https://www.youtube.com/watch?v=LhK98frTr01"
    assert (9648, "Mystère") in fr.genres
    request = tmdb_server.last("/3/movie/900001")
    assert request is not None and request.param("include_video_language") == "fr,en,null"

    no_fr = tmdb.movie_details(900004, language="fr-FR")
    assert no_fr.title == "Quantum Orchard"  # falls back to the original title
    assert no_fr.overview is None  # TMDB sends "" for a missing translation
    assert pick_trailer(no_fr.videos, "fr-FR") is None
    assert pick_trailer(no_fr.videos, "fr-FR", fallback_languages=["en"]) is not None


def test_details_english_trailer_and_null_language(tmdb: TmdbClient) -> None:
    remake = tmdb.movie_details(900002)
    assert {v.iso_639_1 for v in remake.videos} == {"en", None}
    assert pick_trailer(remake.videos, "en-US") == "https://www.youtube.com/watch?v=LhK19enNew0"


def test_details_without_imdb_id_and_with_appended_ids() -> None:
    with FakeTmdb(appended_ids=True) as server:
        with TmdbClient(FAKE_TMDB_API_KEY, base_url=server.api_url) as client:
            small_hours = client.movie_details(900010)
            assert small_hours.imdb_id is None and small_hours.release_year is None
            assert client.external_imdb_id(900010) is None
            assert client.external_imdb_id(900003) == "tt9000003"
        raw = httpx.get(
            server.api_url + "/movie/900003",
            params={"api_key": FAKE_TMDB_API_KEY, "append_to_response": "videos,external_ids"},
        ).json()
        assert raw["videos"]["id"] == 900003 and raw["external_ids"]["imdb_id"] == "tt9000003"


def test_unknown_movie_is_404_code_34(tmdb: TmdbClient, tmdb_server: FakeTmdb) -> None:
    with pytest.raises(UpstreamNotFound, match="TMDB has no movie with id 123"):
        tmdb.movie_details(123)
    raw = httpx.get(tmdb_server.api_url + "/movie/123", params={"api_key": FAKE_TMDB_API_KEY})
    assert raw.status_code == 404
    assert raw.json() == {
        "status_code": 34,
        "status_message": "The resource you requested could not be found.",
        "success": False,
    }


def test_bad_credentials_are_401_code_7(tmdb_server: FakeTmdb) -> None:
    with (
        TmdbClient("0" * 32, base_url=tmdb_server.api_url) as client,
        pytest.raises(UpstreamAuthError, match="Invalid API key"),
    ):
        client.genres()
    with TmdbClient(FAKE_TMDB_TOKEN, base_url=tmdb_server.api_url) as client:
        assert client.genres() == GENRES_EN
    request = tmdb_server.last("/3/genre")
    assert request is not None and request.headers["authorization"] == f"Bearer {FAKE_TMDB_TOKEN}"
    raw = httpx.get(tmdb_server.api_url + "/genre/movie/list")
    assert raw.status_code == 401 and raw.json()["status_code"] == 7


def test_genres_find_discover(tmdb: TmdbClient) -> None:
    assert tmdb.genres(language="fr-FR") == GENRES_FR
    found = tmdb.find_by_imdb_id("tt9000005", language="fr-FR")
    assert [(m.tmdb_id, m.title) for m in found] == [(900005, "Les Marées d'Octobre")]
    assert tmdb.find_by_imdb_id("tt0000000") == []

    dramas = tmdb.discover(with_genres=[18], release_year_from=1990, release_year_to=2010)
    assert {m.tmdb_id for m in dramas.results} == {900001, 900003}
    both = tmdb.discover(with_genres=[878, 53])
    assert [m.tmdb_id for m in both.results] == [900008]
    french = tmdb.discover(with_original_language="fr", sort_by="primary_release_date.asc")
    assert [m.release_year for m in french.results] == [1987, 2004, 2023]
    good = tmdb.discover(vote_average_gte=7.5, vote_count_gte=1000)
    assert {m.tmdb_id for m in good.results} == {900005, 900011}
    popular = tmdb.discover()
    pops = [m.popularity for m in popular.results]
    assert pops == sorted(pops, reverse=True) and len(pops) == 12


def test_recommendations_share_genres_or_keywords(tmdb: TmdbClient) -> None:
    answer = tmdb.recommendations(900001, language="en-US")
    ids = [m.tmdb_id for m in answer.results]
    assert 900001 not in ids
    assert ids[0] == 900002  # the remake: same genre, three shared keywords
    assert answer.total_results == len(ids)
    with pytest.raises(UpstreamNotFound):
        tmdb.recommendations(1, language="en-US")


def test_recommendations_raw_items_carry_media_type(tmdb_server: FakeTmdb) -> None:
    with httpx.Client(base_url=tmdb_server.api_url) as http:
        body = http.get("/movie/900004/recommendations",
                        params={"api_key": FAKE_TMDB_API_KEY, "language": "fr-FR"}).json()
    assert set(body) == {"page", "results", "total_pages", "total_results"}
    assert body["results"] and all(r["media_type"] == "movie" for r in body["results"])


def test_keyword_search_and_discover_with_keywords(tmdb: TmdbClient) -> None:
    haunted = tmdb.search_keywords("HAUNTED")
    assert {k.name for k in haunted} == {"haunted", "haunted house"}
    assert tmdb.search_keywords("no such keyword at all") == []
    either = tmdb.discover(with_keywords=[k.id for k in haunted])
    assert [m.tmdb_id for m in either.results] == [900010]
    lighthouse = [k.id for k in tmdb.search_keywords("lighthouse")]
    both = tmdb.discover(with_keywords=lighthouse)
    assert {m.tmdb_id for m in both.results} == {900001, 900002}


def test_keyword_search_without_query_is_422(tmdb_server: FakeTmdb) -> None:
    with httpx.Client(base_url=tmdb_server.api_url) as http:
        answer = http.get("/search/keyword", params={"api_key": FAKE_TMDB_API_KEY})
    assert answer.status_code == 422
    assert answer.json() == {"errors": ["query must be provided"]}


def test_faults_through_the_client(tmdb_server: FakeTmdb) -> None:
    waits: list[float] = []
    with TmdbClient(FAKE_TMDB_API_KEY, base_url=tmdb_server.api_url, sleep=waits.append) as client:
        tmdb_server.fail_next(2, status=503, path_prefix="/3/genre")
        before = tmdb_server.count("/3/genre")
        assert client.genres()[35] == "Comedy"
        assert tmdb_server.count("/3/genre") - before == 3 and len(waits) == 2

        tmdb_server.fail_next(1, status=None, truncate=True)
        with pytest.raises(UpstreamError, match="not valid JSON"):
            client.genres()

        tmdb_server.fail_next(1, status=200, body="<html>cdn</html>")
        with pytest.raises(UpstreamError, match="not valid JSON"):
            client.genres()

        tmdb_server.fail_next(10, status=429, body=b"")
        with pytest.raises(RateLimited):
            client.genres()
        tmdb_server.clear_faults()


def test_timeout_through_the_client(tmdb_server: FakeTmdb) -> None:
    with TmdbClient(
        FAKE_TMDB_API_KEY, base_url=tmdb_server.api_url, sleep=no_sleep, timeout=0.2
    ) as client:
        tmdb_server.fail_next(5, status=None, delay=0.4)
        with pytest.raises(UpstreamError, match="TMDB did not answer in time"):
            client.genres()
    tmdb_server.clear_faults()


def test_added_movie_with_videos(tmdb_server: FakeTmdb, tmdb: TmdbClient) -> None:
    tmdb_server.add_movie(
        FakeMovie(
            960001,
            "Added Film",
            "en",
            "2024-02-02",
            "Added Film",
            "Made up.",
            videos=(FakeVideo("addTeaser01", "fr", "Teaser"),),
        )
    )
    try:
        details = tmdb.movie_details(960001, language="fr-FR")
        assert details.title == "Added Film" and details.overview is None
        assert pick_trailer(details.videos, "fr") == "https://www.youtube.com/watch?v=addTeaser01"
    finally:
        tmdb_server.remove_movie(960001)


# -- FakeOmdb --------------------------------------------------------------------------


def test_omdb_shapes_and_errors() -> None:
    with FakeOmdb(daily_limit=3) as server:
        with OmdbClient(FAKE_OMDB_API_KEY, base_url=server.url + "/") as client:
            assert client.rating("tt9000007") == OmdbRating("tt9000007", 7.2, 2345678)
            assert client.rating("tt9000004") == OmdbRating("tt9000004", None, None)
            assert client.rating("tt9999999") is None  # "Error getting data." (200)
            assert client.rating("tt9000001") is not None
            with pytest.raises(RateLimited):
                client.rating("tt9000002")
        raw = httpx.get(server.url + "/", params={"apikey": FAKE_OMDB_API_KEY, "i": "tt9000002"})
        assert raw.status_code == 401
        assert raw.json() == {"Response": "False", "Error": "Request limit reached!"}
        server.reset_limit()
        ok = httpx.get(server.url + "/", params={"apikey": FAKE_OMDB_API_KEY, "i": "tt9000006"})
        body = ok.json()
        assert body["Response"] == "True" and body["imdbVotes"] == "21,345"
        assert all(isinstance(v, str) for k, v in body.items() if k != "Ratings")
        nf = httpx.get(server.url + "/", params={"apikey": FAKE_OMDB_API_KEY, "i": "bad"})
        assert nf.status_code == 200 and nf.json()["Error"] == "Incorrect IMDb ID."
        with (
            OmdbClient("deadbeef", base_url=server.url + "/") as client,
            pytest.raises(UpstreamAuthError, match="Invalid API key!"),
        ):
            client.rating("tt9000001")


# -- FakeImdbDatasets ------------------------------------------------------------------


def test_datasets_download_304_and_corrupt(tmp_path: Path) -> None:
    dest = tmp_path / "title.ratings.tsv.gz"
    with FakeImdbDatasets() as server, ImdbDatasetsClient(base_url=server.url) as client:
        first = client.download_ratings(dest, max_age=timedelta(days=1))
        assert first.downloaded and first.etag == server.etag
        assert list(iter_ratings(dest)) == default_rows()

        assert client.download_ratings(dest, max_age=timedelta(days=1)).status == "fresh"
        assert server.count() == 1
        second = client.download_ratings(dest, max_age=None)
        assert second.status == "not-modified" and server.count() == 2

        server.set_rows([("tt0000001", 5.0, 10)])
        server.serve_corrupt()
        with pytest.raises(UpstreamError, match="corrupt"):
            client.download_ratings(dest, max_age=None)
        assert list(iter_ratings(dest)) == default_rows()  # previous copy kept

        server.serve_corrupt(False)
        third = client.download_ratings(dest, max_age=None)
        assert third.downloaded and list(iter_ratings(dest)) == [("tt0000001", 5.0, 10)]
        last = server.last()
        assert last is not None and last.headers.get("if-none-match") is not None


def test_servers_stop_cleanly() -> None:
    server = FakeTmdb(movies=[])
    server.start()
    url = server.api_url
    server.stop()
    start = time.monotonic()
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/genre/movie/list", timeout=1)
    assert time.monotonic() - start < 1.5
