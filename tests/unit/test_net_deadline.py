"""One deadline per request (all its retries included), size caps, and redirects that never
carry credentials to another host — over real HTTP, against small servers of this module."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from tests.fakes.omdb import FAKE_OMDB_API_KEY, FakeOmdb
from tests.fakes.server import FakeServer, RecordedRequest, Reply
from tests.fakes.tmdb import FAKE_TMDB_API_KEY, FAKE_TMDB_TOKEN, FakeTmdb

from mydw.clients.http import HttpClient
from mydw.clients.omdb import OmdbClient
from mydw.clients.tmdb import TmdbClient
from mydw.domain.errors import UpstreamError
from mydw.services import catalog
from mydw.services.context import AppContext

# Seconds beyond the 1 s deadline a test accepts (thread start, a drip interval, a loaded
# CI machine). Kept under 1.5: without the deadline a silent server costs 5 tries of the
# 0.5 s timeout (2.5 s), so a bound of 2.2 s still tells the two apart.
SLACK = 1.2


class RawServer:
    """A TCP server on 127.0.0.1 whose every connection is handed to `serve(conn)`."""

    def __init__(self, serve: Callable[[socket.socket], None]) -> None:
        self._serve = serve
        self._sock = socket.socket()
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self._stop = threading.Event()
        self._conns: list[socket.socket] = []
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            self.connections += 1
            self._conns.append(conn)
            threading.Thread(target=self._run, args=(conn,), daemon=True).start()

    def _run(self, conn: socket.socket) -> None:
        try:
            conn.recv(65536)  # the request (small GETs fit in one read)
            self._serve(conn)
        except OSError:
            pass

    def stopped(self) -> bool:
        return self._stop.is_set()

    def close(self) -> None:
        self._stop.set()
        self._sock.close()
        for conn in self._conns:
            with contextlib.suppress(OSError):
                conn.close()


def silent(server_stop: Callable[[], bool]) -> Callable[[socket.socket], None]:
    def serve(conn: socket.socket) -> None:  # accepts, reads, never answers
        while not server_stop():
            time.sleep(0.05)
    return serve


def dripping(server_stop: Callable[[], bool],
             every: float = 0.2) -> Callable[[socket.socket], None]:
    def serve(conn: socket.socket) -> None:  # headers at once, then one byte per `every` s
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Content-Length: 100000\r\n\r\n{")
        while not server_stop():
            time.sleep(every)
            conn.sendall(b" ")
    return serve


def dripping_headers(server_stop: Callable[[], bool],
                     every: float = 0.2) -> Callable[[socket.socket], None]:
    def serve(conn: socket.socket) -> None:  # the status line and headers, a byte at a time
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Pad: " + b"x" * 5000
        for byte in head:
            if server_stop():
                return
            conn.sendall(bytes([byte]))
            time.sleep(every)
    return serve


def _raw(behaviour: Callable[[Callable[[], bool]], Callable[[socket.socket], None]],
         ) -> Iterator[RawServer]:
    """A RawServer whose connections get `behaviour(stopped)`, closed after the test."""
    holder: list[RawServer] = []
    server = RawServer(lambda conn: behaviour(holder[0].stopped)(conn))
    holder.append(server)
    yield server
    server.close()


@pytest.fixture
def silent_server() -> Iterator[RawServer]:
    yield from _raw(silent)


@pytest.fixture
def drip_server() -> Iterator[RawServer]:
    yield from _raw(dripping)


@pytest.fixture
def header_drip_server() -> Iterator[RawServer]:
    yield from _raw(dripping_headers)


def timed(call: Callable[[], Any], *, guard: float = 8.0) -> tuple[float, Any]:
    """(seconds, result or exception) of `call`, run in a thread so that a request that
    would hang forever fails the test instead of holding it."""
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            box["value"] = call()
        except BaseException as exc:
            box["value"] = exc

    started = time.monotonic()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(guard)
    took = time.monotonic() - started
    assert not worker.is_alive(), f"the request was still running after {guard} s"
    return took, box["value"]


# --------------------------------------------------------------------------- the client


def test_the_real_network_transport_reads_under_the_deadline() -> None:
    # DeadlineTransport swaps httpx's pool for one with our network backend: if a new httpx
    # renamed the attribute, this says so (and the header-drip tests below would hang).
    import httpcore
    import httpx

    from mydw.clients.deadline import DeadlineTransport, _Backend

    transport = DeadlineTransport(ssl_context=None, limits=httpx.Limits())
    assert isinstance(transport._pool, httpcore.ConnectionPool)
    assert isinstance(transport._pool._network_backend, _Backend)
    client = HttpClient("TMDB", "http://127.0.0.1:9/")
    assert isinstance(client._client._transport, DeadlineTransport)


def test_default_deadline_is_twice_the_read_timeout() -> None:
    from mydw.clients.http import default_deadline

    assert default_deadline(None) == 20.0
    assert default_deadline(0.5) == 1.0


@pytest.mark.parametrize("server_name", ["silent_server", "drip_server", "header_drip_server"])
def test_a_stalled_or_dripping_server_costs_one_deadline(
    server_name: str, request: pytest.FixtureRequest
) -> None:
    server: RawServer = request.getfixturevalue(server_name)
    client = HttpClient("TMDB", server.url + "/", timeout=0.5, backoff_scale=0.01)
    with client:
        took, outcome = timed(lambda: client.request_json("x"))
    assert isinstance(outcome, UpstreamError), outcome
    assert "did not answer in time" in outcome.message
    assert took <= 1.0 + SLACK  # the deadline: twice the 0.5 s timeout


# --------------------------------------------------------------------------- search


@pytest.fixture
def cached_keeper(home: Path, memory_keyring: Any, tmdb: FakeTmdb,
                  monkeypatch: pytest.MonkeyPatch) -> None:
    """'keeper' searched once on a working TMDB: the cache holds its movies."""
    monkeypatch.setenv("MYDW_TMDB_BASE_URL", tmdb.api_url)
    monkeypatch.setenv("MYDW_TMDB_API_KEY", FAKE_TMDB_API_KEY)
    monkeypatch.setenv("MYDW_HTTP_BACKOFF_SCALE", "0.01")
    ctx = AppContext()
    try:
        assert catalog.search(ctx, "keeper", lang="en").source == "tmdb"
    finally:
        ctx.close()


@pytest.mark.parametrize("server_name", ["silent_server", "drip_server", "header_drip_server"])
def test_search_answers_from_the_cache_after_the_deadline(
    server_name: str, request: pytest.FixtureRequest, cached_keeper: None,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    server: RawServer = request.getfixturevalue(server_name)
    monkeypatch.setenv("MYDW_TMDB_BASE_URL", server.url + "/3")
    monkeypatch.setenv("MYDW_HTTP_TIMEOUT", "0.5")  # deadline 1 s
    ctx = AppContext()
    try:
        took, result = timed(lambda: catalog.search(ctx, "keeper", lang="en", refresh=True))
    finally:
        ctx.close()
    assert not isinstance(result, BaseException), result
    assert result.source == "cache"
    assert sorted(m.tmdb_id for m in result.movies) == [900001, 900002]
    assert "timed out" in (result.notice or "")
    assert took <= 1.0 + SLACK


# --------------------------------------------------------------------------- size cap


class Huge(FakeServer):
    def handle(self, request: RecordedRequest) -> Reply:
        return Reply.json({"results": ["x" * 1000] * 10_000})  # ~10 MB


def test_an_answer_over_the_cap_is_refused_not_read() -> None:
    with Huge() as huge:
        client = HttpClient("TMDB", huge.url + "/", timeout=2.0)
        with client, pytest.raises(UpstreamError, match="larger than 8 MB"):
            client.request_json("x")
        assert huge.count() == 1  # no retry: it would be as big again


def test_a_chunked_answer_over_the_cap_is_cut_while_reading() -> None:
    def serve(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 65536
        for _ in range(200):  # 12.5 MB, no Content-Length
            conn.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        conn.sendall(b"0\r\n\r\n")

    server = RawServer(serve)
    try:
        client = HttpClient("OMDb", server.url + "/", timeout=2.0, max_bytes=1024 * 1024)
        with client, pytest.raises(UpstreamError, match="larger than 1 MB"):
            client.request_json("")
    finally:
        server.close()


# --------------------------------------------------------------------------- redirects


class Mover(FakeServer):
    """Answers every request with a redirect to the same path and query on `target`."""

    def __init__(self, target: str) -> None:
        super().__init__()
        self.target = target

    def handle(self, request: RecordedRequest) -> Reply:
        from urllib.parse import urlencode

        query = urlencode(request.params)
        return Reply(301, b"", {"Location": f"{self.target}{request.path}?{query}"})


def _leaked(fake: FakeServer, *secrets: str) -> list[str]:
    found = []
    for r in fake.requests:
        text = " ".join([r.path, *r.params.values(), *r.headers.values()])
        found += [s for s in secrets if s in text]
    return found


def test_a_tmdb_key_never_follows_a_redirect_to_another_port() -> None:
    with FakeTmdb() as other, Mover(other.api_url.removesuffix("/3")) as mover:
        client = TmdbClient(FAKE_TMDB_API_KEY, base_url=mover.url + "/3")
        with client, pytest.raises(UpstreamError):
            client.search_movies("keeper")
        assert other.count() == 1  # the redirect was followed ...
        assert _leaked(other, FAKE_TMDB_API_KEY) == []  # ... without the key


def test_a_tmdb_token_never_follows_a_redirect_to_another_port() -> None:
    with FakeTmdb() as other, Mover(other.api_url.removesuffix("/3")) as mover:
        client = TmdbClient(FAKE_TMDB_TOKEN, base_url=mover.url + "/3")
        with client, pytest.raises(UpstreamError):
            client.search_movies("keeper")
        assert other.count() == 1
        assert _leaked(other, FAKE_TMDB_TOKEN) == []


def test_an_omdb_key_never_follows_a_redirect_to_another_port() -> None:
    with FakeOmdb() as other, Mover(other.url) as mover:
        client = OmdbClient(FAKE_OMDB_API_KEY, base_url=mover.url + "/")
        with client, pytest.raises(UpstreamError):
            client.rating("tt9000001")
        assert other.count() == 1
        assert _leaked(other, FAKE_OMDB_API_KEY) == []


def test_a_redirect_on_the_same_origin_keeps_the_key() -> None:
    class Here(FakeTmdb):
        def handle(self, request: RecordedRequest) -> Reply:
            if request.path == "/old/3/search/movie":
                return Reply(302, b"", {"Location": "/3/search/movie?" + "&".join(
                    f"{k}={v}" for k, v in request.params.items())})
            return super().handle(request)

    with Here() as here:
        client = TmdbClient(FAKE_TMDB_API_KEY, base_url=here.url + "/old/3")
        with client:
            assert client.search_movies("keeper").total_results == 2


# --------------------------------------------------------------------------- the dataset


def test_the_dataset_download_has_its_own_cap_and_keeps_the_old_copy(tmp_path: Path) -> None:
    import gzip

    from tests.fakes.imdb_datasets import FakeImdbDatasets

    from mydw.clients.imdb_datasets import MAX_DATASET_BYTES, ImdbDatasetsClient

    assert MAX_DATASET_BYTES > 8 * 1024 * 1024  # larger than the JSON APIs' cap
    dest = tmp_path / "title.ratings.tsv.gz"
    with FakeImdbDatasets() as datasets:
        with ImdbDatasetsClient(base_url=datasets.url, max_bytes=1024 * 1024) as client:
            assert client.download_ratings(dest).downloaded
        before = dest.read_bytes()
        rows = "".join(f"tt{i:07d}\t7.0\t{i}\n" for i in range(300_000))
        datasets.set_bytes(gzip.compress(
            ("tconst\taverageRating\tnumVotes\n" + rows).encode(), compresslevel=1))
        with ImdbDatasetsClient(base_url=datasets.url, max_bytes=1024 * 1024) as client, \
                pytest.raises(UpstreamError, match="larger than 1 MB"):
            client.download_ratings(dest)
    assert dest.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


@pytest.mark.parametrize("server_name", ["silent_server", "header_drip_server"])
def test_a_model_server_that_stalls_or_drips_its_headers_costs_one_deadline(
    server_name: str, request: pytest.FixtureRequest
) -> None:
    from mydw.clients.chat_model import ChatModelClient

    server: RawServer = request.getfixturevalue(server_name)
    with ChatModelClient(server.url + "/v1", "m", timeout=0.5) as client:
        took, outcome = timed(lambda: client.complete([{"role": "user", "content": "hi"}]))
    assert isinstance(outcome, UpstreamError), outcome
    assert "did not answer in time" in outcome.message
    assert took <= 1.0 + SLACK  # twice the 0.5 s read timeout
