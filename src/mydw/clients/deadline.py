"""Socket reads that end by the running request's deadline, headers included.

httpx's read timeout is per read: a server that sends its status line and headers one byte
every half second never trips it (h11 accepts 16 KB of headers: hours). `HttpClient`
checks its deadline between body chunks, which cannot help before the headers are in. So
the transport it builds for the real network reads through `DeadlineTransport`: every read
of every socket is given at most the time left to the request this thread is sending
(`until(end)`, around one try), and one past it fails as a read timeout at once.

The sync httpx client reads in the calling thread, so the deadline is a context variable
(each thread has its own). Reads outside `until` are untouched.
"""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

_END: contextvars.ContextVar[float | None] = contextvars.ContextVar("mydw_deadline",
                                                                     default=None)


@contextmanager
def until(end: float) -> Iterator[None]:
    """Reads in this thread end by `end` (a `time.monotonic()` instant)."""
    token = _END.set(end)
    try:
        yield
    finally:
        _END.reset(token)


def _capped(timeout: float | None) -> float | None:
    end = _END.get()
    if end is None:
        return timeout
    left = end - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("the request's deadline passed")
    return left if timeout is None else min(timeout, left)


class _Stream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, _capped(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, timeout)

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _Stream(self._inner.start_tls(ssl_context, server_hostname, _capped(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        return _Stream(self._inner.connect_tcp(host, port, timeout, local_address,
                                               socket_options))

    def connect_unix_socket(self, path: str, timeout: float | None = None,
                            socket_options: Iterable[Any] | None = None,
                            ) -> httpcore.NetworkStream:
        return _Stream(self._inner.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class DeadlineTransport(httpx.HTTPTransport):
    """httpx's own transport (its request and error mapping) over a connection pool that
    reads through the deadline-aware backend above.

    httpx takes no network backend, so the pool its constructor made (no connection yet)
    is replaced by an equal one with ours; a test checks the attribute still exists.
    """

    def __init__(self, *, ssl_context: Any, limits: httpx.Limits) -> None:
        super().__init__(verify=ssl_context, limits=limits)
        self._pool.close()
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_Backend(),
        )
