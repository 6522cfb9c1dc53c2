"""A hostile fake for every upstream path: TMDB (search, details, find, discover,
recommendations, keywords, genres), OMDb, the IMDb dataset download and an OpenAI-compatible
chat model, each answered normally by the suite's fakes unless told to misbehave.

One server, four roots (point each setting at its own):

    hostile.tmdb_url      http://127.0.0.1:P/3      (MYDW_TMDB_BASE_URL, key FAKE_TMDB_API_KEY)
    hostile.omdb_url      http://127.0.0.1:P/omdb/  (MYDW_OMDB_BASE_URL, key FAKE_OMDB_API_KEY)
    hostile.datasets_url  http://127.0.0.1:P/imdb   (MYDW_IMDB_DATASETS_URL)
    hostile.llm_url       http://127.0.0.1:P/v1     (MYDW_LLM_BASE_URL, any model)

`hostile.misbehave(kind, path_prefix)` makes the requests whose path starts with the prefix
(e.g. "/3/search/movie", "/omdb", "/imdb", "/v1") misbehave; every other request gets the
normal answer. Kinds (`KINDS`):

    escapes         ANSI/CSI/OSC sequences and control characters in every text field
    error_escapes   an error answer (401/500) whose message carries them
    deep            JSON nested 100,000 levels deep
    huge            a valid answer with a 50 MB title (or an endless-looking 50 MB body)
    string_numbers  ids, ratings and counts as strings
    wrong_shape     a list where an object is expected (and objects where lists are)
    null_ids        null ids
    float_ids       ids like 900001.5
    nonfinite       NaN / Infinity / -Infinity literals for numbers
    redirect        302 to `redirect_to` (another host and port)
    redirect_loop   302 to itself, forever

Raw socket misbehaviour (what an HTTP server library would not do) is `RawHostile`, a small
threaded socket server: `drip` (one byte every `interval` seconds of a body announced as
100 KB, forever) or `endless` (a chunked body that never ends, at ~`rate` bytes a second).
It answers every path alike; pair it with the normal fakes for the other services.

No pytest dependency.
"""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Self

from tests.fakes.imdb_datasets import FakeImdbDatasets
from tests.fakes.omdb import FakeOmdb
from tests.fakes.openai import FakeOpenAI
from tests.fakes.server import FakeServer, RecordedRequest, Reply
from tests.fakes.tmdb import FakeTmdb

# What a hostile title carries: SGR colours, a screen clear, an OSC window title (BEL and
# ST terminated), an OSC 8 hyperlink, a C1 CSI, backspace, carriage return, NUL, DEL.
EVIL = ("\x1b[2J\x1b[31mRED\x1b[0m\x1b]0;owned\x07\x1b]8;;http://evil.example/\x1b\\click"
        "\x1b]8;;\x1b\\\x9b31m\x08\x08\rX\x00\x7f\x0b\x0c")
# Characters that must never reach a terminal, a CSV or a JSON document from upstream:
# every C0 control but newline and tab, DEL, and the C1 controls.
FORBIDDEN = frozenset(chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F,
                                       *range(0x80, 0xA0)))
TEXT_KEYS = frozenset({"title", "original_title", "overview", "tagline", "name", "Title",
                       "Plot", "content", "status_message", "Error", "message"})
NUMBER_KEYS = frozenset({"vote_average", "vote_count", "popularity", "runtime", "page",
                         "total_pages", "total_results"})
ID_KEYS = frozenset({"id"})
DEPTH = 100_000
HUGE = 50 * 1024 * 1024
_HUGE_MARK = "\x00huge-text-here\x00"

KINDS = ("escapes", "error_escapes", "deep", "huge", "string_numbers", "wrong_shape",
         "null_ids", "float_ids", "nonfinite", "redirect", "redirect_loop")
ROOTS = {"tmdb": "/3", "omdb": "/omdb", "datasets": "/imdb", "llm": "/v1"}


def has_forbidden(text: str) -> bool:
    """Whether `text` carries a control character (or an ESC) from upstream."""
    return any(c in FORBIDDEN for c in text)


def _walk(value: Any, change: Callable[[str, Any], Any]) -> Any:
    """A copy of a JSON value with `change(key, value)` applied to every object member."""
    if isinstance(value, dict):
        return {k: change(k, _walk(v, change)) for k, v in value.items()}
    if isinstance(value, list):
        return [_walk(v, change) for v in value]
    return value


class HostileServer(FakeServer):
    """See the module doc. `tmdb`, `omdb`, `datasets`, `llm` are the normal fakes behind it
    (their own sockets are closed: they only compute answers)."""

    name = "Hostile"

    def __init__(self, *, redirect_to: str | None = None, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        super().__init__(host, port)
        self.tmdb, self.omdb = FakeTmdb(), FakeOmdb()
        self.datasets, self.llm = FakeImdbDatasets(), FakeOpenAI()
        for fake in (self.tmdb, self.omdb, self.datasets, self.llm):
            fake.stop()  # never started: only its answers are used
        self.redirect_to = redirect_to
        self._rules: list[tuple[str, str]] = []

    @property
    def tmdb_url(self) -> str:
        return self.url + "/3"

    @property
    def omdb_url(self) -> str:
        return self.url + "/omdb/"

    @property
    def datasets_url(self) -> str:
        return self.url + "/imdb"

    @property
    def llm_url(self) -> str:
        return self.url + "/v1"

    def misbehave(self, kind: str, path_prefix: str = "/") -> Self:
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r} (known: {', '.join(KINDS)})")
        with self._lock:
            self._rules.append((path_prefix, kind))
        return self

    def behave(self) -> None:
        with self._lock:
            self._rules.clear()

    def _kind(self, path: str) -> str | None:
        with self._lock:
            for prefix, kind in self._rules:
                if path.startswith(prefix):
                    return kind
        return None

    # -- answers ---------------------------------------------------------------------
    def normal(self, request: RecordedRequest) -> Reply:
        """What the suite's fakes answer (the path without this server's root)."""
        path = request.path
        if path.startswith("/omdb"):
            return self.omdb.handle(request)
        if path.startswith("/imdb"):
            return self.datasets.handle(replace(request, path=path[len("/imdb"):]))
        if path.startswith("/v1"):
            return self.llm.handle(request)
        return self.tmdb.handle(request)

    def handle(self, request: RecordedRequest) -> Reply:
        kind = self._kind(request.path)
        if kind is None:
            return self.normal(request)
        return getattr(self, "_" + kind)(request)

    def _json_of(self, request: RecordedRequest) -> tuple[Reply, Any]:
        reply = self.normal(request)
        try:
            return reply, json.loads(reply.body)
        except ValueError:
            return reply, None

    def _changed(self, request: RecordedRequest, change: Callable[[str, Any], Any],
                 *, allow_nan: bool = False) -> Reply:
        reply, data = self._json_of(request)
        if data is None:  # the dataset: its rows are the hostile part
            return self._hostile_rows(reply)
        body = json.dumps(_walk(data, change), allow_nan=allow_nan).encode()
        return Reply(reply.status, body, {"Content-Type": "application/json"})

    def _escapes(self, request: RecordedRequest) -> Reply:
        if request.path.startswith("/v1"):
            return Reply.json(self.llm_answer(f"Here you are {EVIL} done"))
        return self._changed(request, lambda k, v: f"{EVIL}{v}{EVIL}"
                             if k in TEXT_KEYS and isinstance(v, str) else v)

    def _error_escapes(self, request: RecordedRequest) -> Reply:
        path = request.path
        if path.startswith("/omdb"):
            return Reply.json({"Response": "False", "Error": f"Invalid API key!{EVIL}"}, 401)
        if path.startswith("/imdb"):
            return Reply(500, f"<h1>{EVIL}</h1>".encode(), {"Content-Type": "text/html"})
        if path.startswith("/v1"):
            return Reply.json({"error": {"message": f"overloaded {EVIL}", "type": EVIL}}, 500)
        return Reply.json({"status_code": 7, "success": False,
                           "status_message": f"Invalid API key {EVIL}"}, 401)

    def _deep(self, request: RecordedRequest) -> Reply:
        body = b"[" * DEPTH + b"]" * DEPTH
        if request.path.startswith("/imdb"):
            return Reply(200, gzip.compress(b"tconst\taverageRating\tnumVotes\n" + body))
        return Reply(200, body, {"Content-Type": "application/json"})

    def _huge(self, request: RecordedRequest) -> Reply:
        # One text of HUGE bytes (the first title, or the model's reply), spliced into the
        # encoded answer: json.dumps of a 50 MB string would hold the GIL for a long while,
        # and this server shares its process with the mydw it is testing.
        if request.path.startswith("/v1"):
            reply = Reply.json(self.llm_answer(_HUGE_MARK))
        else:
            seen: list[str] = []

            def change(k: str, v: Any) -> Any:
                if k in ("title", "Title") and isinstance(v, str) and not seen:
                    seen.append(v)
                    return _HUGE_MARK
                return v

            reply = self._changed(request, change)
        mark = json.dumps(_HUGE_MARK).encode()
        assert mark in reply.body, "the huge text found no place in the answer"
        return Reply(reply.status, reply.body.replace(mark, b'"' + b"A" * HUGE + b'"', 1),
                     reply.headers)

    def _string_numbers(self, request: RecordedRequest) -> Reply:
        def change(k: str, v: Any) -> Any:
            if k in NUMBER_KEYS | ID_KEYS and isinstance(v, int | float):
                return str(v)
            if k == "imdbRating":
                return 7.5  # OMDb's strings as numbers, the other way round
            if k == "imdbVotes":
                return ["1,000"]
            return v

        if request.path.startswith("/v1"):
            return Reply.json({"choices": "none", "usage": "lots"})
        return self._changed(request, change)

    def _wrong_shape(self, request: RecordedRequest) -> Reply:
        reply, data = self._json_of(request)
        if data is None:
            return self._hostile_rows(reply)
        if request.path.startswith("/v1"):
            return Reply.json({"choices": [{"message": ["assistant", "hi"]}]})

        def change(k: str, v: Any) -> Any:
            if isinstance(v, list):
                return {"0": v}
            if isinstance(v, dict):
                return [v]
            return v

        return Reply.json(_walk(data, change) if isinstance(data, dict) else data)

    def _null_ids(self, request: RecordedRequest) -> Reply:
        if request.path.startswith("/v1"):
            return Reply.json({"choices": [{"message": None}]})
        return self._changed(request, lambda k, v: None
                             if k in ("id", "imdbID", "imdb_id") else v)

    def _float_ids(self, request: RecordedRequest) -> Reply:
        if request.path.startswith("/v1"):
            return Reply.json({"choices": [{"index": 0.5, "message": {"role": 1.5,
                                                                       "content": 2.5}}]})
        return self._changed(request, lambda k, v: v + 0.5
                             if k == "id" and isinstance(v, int) else v)

    def _nonfinite(self, request: RecordedRequest) -> Reply:
        values = iter([float("nan"), float("inf"), float("-inf")] * 10_000)

        def change(k: str, v: Any) -> Any:
            if k in NUMBER_KEYS and isinstance(v, int | float):
                return next(values)
            if k in ("imdbRating", "imdbVotes"):
                return "Infinity" if k == "imdbRating" else "NaN"
            return v

        if request.path.startswith("/v1"):
            return Reply(200, b'{"choices": [{"message": {"role": "assistant", "content": NaN}}]'
                         b', "usage": {"total_tokens": Infinity}}',
                         {"Content-Type": "application/json"})
        return self._changed(request, change, allow_nan=True)

    def _redirect(self, request: RecordedRequest) -> Reply:
        target = self.redirect_to or "http://localhost:9"
        return Reply(302, b"", {"Location": target + request.path})

    def _redirect_loop(self, request: RecordedRequest) -> Reply:
        return Reply(302, b"", {"Location": self.url + request.path})

    @staticmethod
    def _hostile_rows(reply: Reply) -> Reply:
        """A dataset whose values no checker should believe (guard's: ratings 0-10, votes
        bounded), with rows of every broken shape around good ones."""
        rows = ["tconst\taverageRating\tnumVotes",
                "tt9000001\t99.9\t5", "tt9000002\t-3\t5", "tt9000003\tinf\t5",
                "tt9000005\tnan\t5", "tt9000006\t7.0\t-12",
                "tt9000007\t7.0\t12345678901234567890123", "tt9000008\t7.0",
                "tt9000009\t7\t8\t9", "\t\t", "tt9000011\t\x1b[31m\t\x07",
                "tt9000012\t1e308\t1e3"]
        return Reply(200, gzip.compress("\n".join(rows).encode() + b"\n\xff\xfe\n"),
                     {"Content-Type": "binary/octet-stream"})

    @staticmethod
    def llm_answer(content: str) -> dict[str, Any]:
        return {"id": "chatcmpl-hostile", "object": "chat.completion", "model": "m",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": content}}]}


class Recorder(FakeServer):
    """The other host a redirect points to: records what arrives, answers 200 {}."""

    name = "Recorder"

    def handle(self, request: RecordedRequest) -> Reply:
        return Reply.json({})


class RawHostile:
    """A threaded socket server that answers every request with a body that crawls
    (`drip`: one byte every `interval` s of an announced 100 KB JSON body) or never ends
    (`endless`: chunked, ~`rate` bytes a second). `url` is its root (any path)."""

    def __init__(self, mode: str = "drip", *, interval: float = 0.5,
                 rate: int = 20 * 1024 * 1024) -> None:
        if mode not in ("drip", "endless"):
            raise ValueError(f"unknown mode {mode!r}")
        self.mode, self.interval, self.rate = mode, interval, rate
        self._sock = socket.create_server(("127.0.0.1", 0))
        self._sock.settimeout(0.1)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self.connections = 0
        self.bytes_sent = 0
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def start(self) -> Self:
        thread = threading.Thread(target=self._accept, daemon=True, name="RawHostile")
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        self._sock.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.connections += 1
            worker = threading.Thread(target=self._serve, args=(conn,), daemon=True)
            worker.start()

    def _count(self, n: int) -> None:
        with self._lock:
            self.bytes_sent += n

    def _serve(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                head = b""
                while b"\r\n\r\n" not in head and len(head) < 65536:
                    part = conn.recv(4096)
                    if not part:
                        return
                    head += part
                if self.mode == "drip":
                    self._drip(conn)
                else:
                    self._endless(conn)
            except OSError:
                return  # the client gave up: what a deadline is for

    def _drip(self, conn: socket.socket) -> None:
        body = b'{"page": 1, "results": [' + b" " * 100_000
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Content-Length: %d\r\n\r\n" % (len(body) + 2))
        for byte in body:
            if self._stop.wait(self.interval):
                return
            conn.sendall(bytes([byte]))
            self._count(1)

    def _endless(self, conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                     b"Transfer-Encoding: chunked\r\n\r\n")
        chunk = b" " * 65536
        frame = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
        conn.sendall(b'1\r\n[\r\n')
        pause = len(chunk) / self.rate
        while not self._stop.is_set():
            conn.sendall(frame)
            self._count(len(chunk))
            time.sleep(pause)


__all__ = ["DEPTH", "EVIL", "FORBIDDEN", "HUGE", "KINDS", "ROOTS", "HostileServer",
           "RawHostile", "Recorder", "has_forbidden"]
