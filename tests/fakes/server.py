"""A reusable fake HTTP server for end-to-end tests and benchmarks (stdlib only).

Subclass ``FakeServer`` and implement ``handle(request) -> Reply``. The server listens
on 127.0.0.1 on a free port, runs in a daemon thread, logs every request (thread-safe)
and can inject faults into the next requests::

    with FakeTmdb() as tmdb:
        tmdb.fail_next(2, status=503)          # two 503s, then normal answers
        tmdb.fail_next(1, status=None, delay=3)  # normal answer, 3 s late (timeouts)
        tmdb.fail_next(1, status=None, truncate=True)  # normal answer cut in half
        gate = tmdb.hold()                     # HTTP answers wait until gate.set()
        ... point a client at tmdb.url ...
        assert tmdb.count("/3/search/movie") == 4

No pytest dependency: usable from standalone scripts.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Self
from urllib.parse import parse_qs, urlsplit

if TYPE_CHECKING:
    import httpx


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # lower-case names
    body: bytes = b""

    def param(self, name: str, default: str | None = None) -> str | None:
        """First value of query parameter ``name`` (None/default when absent)."""
        values = self.query.get(name)
        return values[0] if values else default

    @property
    def params(self) -> dict[str, str]:
        return {k: v[0] for k, v in self.query.items() if v}


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> Reply:
        h = {"Content-Type": "application/json;charset=utf-8"}
        h.update(headers or {})
        return cls(status, json.dumps(data, ensure_ascii=False).encode("utf-8"), h)


@dataclass
class _Fault:
    remaining: int
    status: int | None
    body: bytes | None
    headers: dict[str, str]
    delay: float
    truncate: bool
    path_prefix: str | None


def _to_bytes(body: bytes | str | Mapping[str, Any] | list[Any] | None) -> bytes | None:
    if body is None or isinstance(body, bytes):
        return body
    if isinstance(body, str):
        return body.encode("utf-8")
    return json.dumps(body).encode("utf-8")


class FakeServer:
    """Base fake server. Override ``handle``."""

    name = "fake"

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._lock = threading.Lock()
        self._log: list[RecordedRequest] = []
        self._faults: list[_Fault] = []
        self._gate: threading.Event | None = None
        self._gate_timeout = 60.0
        self._thread: threading.Thread | None = None
        server_ref = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            server_version = f"Fake{server_ref.name}/1.0"
            # TCP_NODELAY, as real servers set it: without it the status line, the headers
            # and the body go out as separate small writes, and on a reused (keep-alive)
            # connection Nagle's algorithm holds the body until the client's delayed ACK,
            # ~40 ms later on Linux, which no real TMDB or OMDb answer costs.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

            def _serve(self) -> None:
                server_ref._dispatch(self)

            do_GET = _serve
            do_HEAD = _serve
            do_POST = _serve

        self._httpd = ThreadingHTTPServer((host, port), Handler)
        self._httpd.daemon_threads = True

    # -- lifecycle -------------------------------------------------------------------
    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """Base URL without a trailing slash, e.g. ``http://127.0.0.1:54321``."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Self:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"{type(self).__name__}-{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._httpd.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- log -------------------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._log)

    def count(self, path_prefix: str | None = None) -> int:
        with self._lock:
            if path_prefix is None:
                return len(self._log)
            return sum(1 for r in self._log if r.path.startswith(path_prefix))

    def last(self, path_prefix: str | None = None) -> RecordedRequest | None:
        with self._lock:
            for r in reversed(self._log):
                if path_prefix is None or r.path.startswith(path_prefix):
                    return r
        return None

    def clear_log(self) -> None:
        with self._lock:
            self._log.clear()

    # -- faults ----------------------------------------------------------------------
    def fail_next(
        self,
        n: int = 1,
        *,
        status: int | None = 500,
        body: bytes | str | Mapping[str, Any] | list[Any] | None = None,
        headers: Mapping[str, str] | None = None,
        delay: float = 0.0,
        truncate: bool = False,
        path_prefix: str | None = None,
    ) -> None:
        """Apply a fault to the next ``n`` requests whose path starts with ``path_prefix``.

        ``status=None`` keeps the normal answer (use with ``delay`` or ``truncate``).
        ``body`` defaults to a short plain-text error page when ``status`` is given.
        ``delay`` sleeps before answering (provoke client timeouts). ``truncate`` sends
        only the first half of the body, with a Content-Length matching what is sent
        (valid HTTP, broken payload: e.g. cut JSON or a cut gzip).
        Faults queue up in order.
        """
        with self._lock:
            self._faults.append(
                _Fault(
                    n,
                    status,
                    _to_bytes(body),
                    dict(headers or {}),
                    delay,
                    truncate,
                    path_prefix,
                )
            )

    def hold(self, timeout: float = 60) -> threading.Event:
        """Answers over HTTP wait (each request is logged at once) until the returned event
        is set, or `timeout` seconds: an upstream that stays busy exactly as long as the
        test needs, however loaded the machine is."""
        gate = threading.Event()
        with self._lock:
            self._gate = gate
        self._gate_timeout = timeout
        return gate

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def _take_fault(self, path: str) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.path_prefix is None or path.startswith(fault.path_prefix):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    # -- serving ---------------------------------------------------------------------
    def handle(self, request: RecordedRequest) -> Reply:
        return Reply(404, b"not found", {"Content-Type": "text/plain"})

    def respond(self, request: RecordedRequest) -> tuple[int, dict[str, str], bytes, float]:
        """Log `request`, apply the next fault, and return (status, headers, payload, delay).

        Shared by the HTTP server and the in-process transport, so both answer alike.
        """
        with self._lock:
            self._log.append(request)
        fault = self._take_fault(request.path)
        if fault is not None and fault.status is not None:
            reply = Reply(
                fault.status,
                fault.body if fault.body is not None else f"fault {fault.status}".encode(),
                {"Content-Type": "text/plain"} if fault.body is None else {},
            )
            if fault.body is not None and fault.body[:1] in (b"{", b"["):
                reply.headers["Content-Type"] = "application/json;charset=utf-8"
        else:
            try:
                reply = self.handle(request)
            except Exception as exc:  # a bug in the fake: answer 500, visibly
                reply = Reply(500, f"fake server error: {exc!r}".encode(), {})
        if fault is not None:
            reply.headers.update(fault.headers)
        payload = reply.body
        if fault is not None and fault.truncate:
            payload = payload[: len(payload) // 2]
        if reply.status in (204, 304) or request.method == "HEAD":
            payload = b""
        headers = {k: v for k, v in reply.headers.items() if k.lower() != "content-length"}
        headers["Content-Length"] = str(len(payload))
        return reply.status, headers, payload, fault.delay if fault is not None else 0.0

    def _dispatch(self, h: BaseHTTPRequestHandler) -> None:
        split = urlsplit(h.path)
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else b""
        request = RecordedRequest(
            method=h.command,
            path=split.path,
            query=parse_qs(split.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in h.headers.items()},
            body=body,
        )
        status, headers, payload, delay = self.respond(request)
        with self._lock:
            gate = self._gate
        if gate is not None:
            gate.wait(self._gate_timeout)
        if delay:
            time.sleep(delay)
        try:
            h.send_response(status)
            for name, value in headers.items():
                h.send_header(name, value)
            h.end_headers()
            if payload:
                h.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout test): fine

    # -- in-process ------------------------------------------------------------------
    def answer(self, request: httpx.Request) -> httpx.Response:
        """Answer an httpx request in-process, exactly as the HTTP server would.

        A `delay` fault longer than the request's read timeout raises httpx.ReadTimeout at
        once (what the client would see, without the wait); a shorter one sleeps.
        """
        import httpx

        split = urlsplit(str(request.url))
        recorded = RecordedRequest(
            method=request.method,
            path=split.path,
            query=parse_qs(split.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=request.read(),
        )
        status, headers, payload, delay = self.respond(recorded)
        if delay:
            timeout = (request.extensions.get("timeout") or {}).get("read")
            if timeout is not None and delay >= timeout:
                raise httpx.ReadTimeout("fake: no answer in time", request=request)
            time.sleep(delay)
        return httpx.Response(status, headers=headers, content=payload, request=request)

    def transport(self) -> httpx.MockTransport:
        """An httpx transport that answers in-process (no socket)."""
        import httpx

        return httpx.MockTransport(self.answer)


class Router:
    """One in-process transport for every fake: requests go to the fake whose address they
    name (each fake keeps its own port, so its `url` works for settings as it is)."""

    def __init__(self, *fakes: FakeServer) -> None:
        self._fakes: dict[str, FakeServer] = {}
        for fake in fakes:
            self.add(fake)

    def add(self, fake: FakeServer) -> FakeServer:
        self._fakes[f"127.0.0.1:{fake.port}"] = fake
        return fake

    def handle(self, request: httpx.Request) -> httpx.Response:
        import httpx

        fake = self._fakes.get(request.url.netloc.decode())
        if fake is None:
            raise httpx.ConnectError(f"fake: nothing listens at {request.url.netloc!r}",
                                     request=request)
        return fake.answer(request)

    def transport(self) -> httpx.MockTransport:
        import httpx

        return httpx.MockTransport(self.handle)
