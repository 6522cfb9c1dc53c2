"""Fakes with network latency: every answer is `latency` seconds late (a far-away server).

`SlowTmdb` / `SlowOmdb` answer exactly like `FakeTmdb` / `FakeOmdb`, only later; they also
count how many requests were in flight at once (`peak_in_flight`), so a benchmark or a test
can check that the client stays within a connection budget.

No pytest dependency: the latency benchmark (benchmarks/latency.py) uses them.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from tests.fakes.omdb import FakeOmdb
from tests.fakes.server import RecordedRequest
from tests.fakes.tmdb import FakeTmdb


class _Latency:
    """Mixin over a `FakeServer`: sleeps `latency` s before each answer and tracks how many
    requests were being answered at the same time."""

    latency: float = 0.0

    def _init_latency(self, latency: float) -> None:
        self.latency = latency
        # socketserver listens with a backlog of 5: more connections opened at once than
        # that lose their SYN and retry a second later (Linux), which no real server does.
        self._httpd.socket.listen(128)  # type: ignore[attr-defined]
        self._flight_lock = threading.Lock()
        self.in_flight = 0
        self.peak_in_flight = 0

    def reset_peak(self) -> None:
        with self._flight_lock:
            self.peak_in_flight = self.in_flight

    def respond(self, request: RecordedRequest) -> tuple[int, dict[str, str], bytes, float]:
        with self._flight_lock:
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        try:
            if self.latency:
                time.sleep(self.latency)
            answer: tuple[int, dict[str, str], bytes, float] = super().respond(  # type: ignore[misc]
                request
            )
            return answer
        finally:
            with self._flight_lock:
                self.in_flight -= 1


class SlowTmdb(_Latency, FakeTmdb):
    def __init__(self, *, latency: float = 0.1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._init_latency(latency)


class SlowOmdb(_Latency, FakeOmdb):
    def __init__(self, *, latency: float = 0.1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._init_latency(latency)


__all__ = ["SlowOmdb", "SlowTmdb"]
