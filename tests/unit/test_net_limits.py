"""Each service's budget: TMDB ~20 requests/s with a burst of 20 let through at once (an
interactive command waits for round trips, not for the limiter), shared by the threads."""

from __future__ import annotations

import threading

from tests.fakes.tmdb import FAKE_TMDB_API_KEY

from mydw.clients.http import RateLimiter
from mydw.clients.omdb import OmdbClient
from mydw.clients.tmdb import TmdbClient


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.lock = threading.Lock()
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self.lock:
            self.waits.append(seconds)


def test_a_burst_of_twenty_goes_at_once_then_twenty_a_second() -> None:
    clock = Clock()
    limiter = RateLimiter(20, burst=20, clock=clock, sleep=clock.sleep)
    for _ in range(20):
        assert limiter.acquire() == 0.0
    assert limiter.acquire() == 0.05
    assert limiter.acquire() == 0.1


def test_threads_share_one_bucket() -> None:
    clock = Clock()
    limiter = RateLimiter(20, burst=20, clock=clock, sleep=clock.sleep)
    threads = [threading.Thread(target=limiter.acquire) for _ in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 20 at once; the 10 others spaced 1/20 s apart, each reserving its own slot
    assert sorted(round(w, 3) for w in clock.waits) == [round(0.05 * i, 3) for i in range(1, 11)]


def test_the_clients_budgets() -> None:
    tmdb = TmdbClient(FAKE_TMDB_API_KEY, base_url="http://127.0.0.1:9/3")
    omdb = OmdbClient("f00dface", base_url="http://127.0.0.1:9/")
    try:
        for client in (tmdb._http, omdb._http):
            limiter = client._limiter
            assert limiter is not None and limiter.capacity == 20
        assert tmdb._http._limiter is not None and tmdb._http._limiter.rate == 20
        pool = tmdb._http._client._transport._pool  # type: ignore[attr-defined]
        assert pool._max_connections == 10
    finally:
        tmdb.close()
        omdb.close()
