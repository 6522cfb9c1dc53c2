"""HttpClient: retries, backoff, Retry-After, strict JSON, error mapping, rate limiting."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from mydw import __version__
from mydw.clients.http import (
    HttpClient,
    RateLimiter,
    RetryPolicy,
    backoff_scale_from_env,
    parse_retry_after,
)
from mydw.domain.errors import RateLimited, UpstreamAuthError, UpstreamError, UpstreamNotFound

Handler = Callable[[httpx.Request], httpx.Response]


class SleepRecorder:
    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture(autouse=True)
def _no_env_scale(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.delenv("MYDW_HTTP_BACKOFF_SCALE", raising=False)
    yield


def make(handler: Handler, sleep: SleepRecorder, **kwargs: object) -> HttpClient:
    # These tests count waits with a recording sleep (the clock does not move): a long
    # deadline keeps them about the retry policy (tests/unit/test_net_deadline.py: deadlines).
    kwargs.setdefault("deadline", 1000.0)
    return HttpClient(
        "TMDB",
        "https://api.example.test/3/",
        transport=httpx.MockTransport(handler),
        sleep=sleep,
        jitter=lambda: 0.0,
        **kwargs,  # type: ignore[arg-type]
    )


def sequence(*responses: httpx.Response | Exception) -> tuple[Handler, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        return item

    return handler, seen


OK = httpx.Response(200, json={"ok": True})


def test_sends_user_agent_accept_and_timeouts() -> None:
    handler, seen = sequence(OK)
    sleep = SleepRecorder()
    with make(handler, sleep) as client:
        assert client.request_json("movie/1", params={"language": "fr-FR"}) == {"ok": True}
    request = seen[0]
    assert request.headers["user-agent"] == (
        f"mydw/{__version__} (+https://moviesyoudidntwatch.com)"
    )
    assert request.headers["accept"] == "application/json"
    assert request.url.path == "/3/movie/1"
    assert request.url.params["language"] == "fr-FR"
    timeout = request.extensions["timeout"]
    assert timeout["connect"] == 5.0 and timeout["read"] == 10.0
    assert sleep.waits == []


def test_429_without_retry_after_uses_exponential_backoff_then_succeeds() -> None:
    handler, seen = sequence(
        httpx.Response(429, text="Too Many Requests"),
        httpx.Response(429, text="Too Many Requests"),
        OK,
    )
    sleep = SleepRecorder()
    assert make(handler, sleep).request_json("x") == {"ok": True}
    assert len(seen) == 3
    assert sleep.waits == [1.0, 2.0]


def test_429_with_retry_after_seconds_is_honoured_and_capped() -> None:
    handler, _ = sequence(
        httpx.Response(429, headers={"Retry-After": "3"}),
        httpx.Response(429, headers={"Retry-After": "120"}),
        OK,
    )
    sleep = SleepRecorder()
    make(handler, sleep).request_json("x")
    assert sleep.waits == [3.0, 30.0]


def test_429_with_retry_after_http_date() -> None:
    when = datetime.now(UTC) + timedelta(seconds=8)
    handler, _ = sequence(
        httpx.Response(429, headers={"Retry-After": format_datetime(when, usegmt=True)}), OK
    )
    sleep = SleepRecorder()
    make(handler, sleep).request_json("x")
    assert len(sleep.waits) == 1
    assert 5.0 <= sleep.waits[0] <= 8.0


def test_persistent_429_raises_rate_limited_after_bounded_retries() -> None:
    body = {"status_code": 25, "status_message": "Your request count (#) is over the limit."}
    handler, seen = sequence(httpx.Response(429, json=body))
    sleep = SleepRecorder()
    with pytest.raises(RateLimited) as info:
        make(handler, sleep).request_json("x")
    assert len(seen) == 5
    assert sleep.waits == [1.0, 2.0, 4.0, 8.0]
    assert "TMDB" in str(info.value) and "429" in str(info.value)
    assert info.value.service == "TMDB"


def test_500_then_success() -> None:
    handler, seen = sequence(httpx.Response(500, text="oops"), OK)
    sleep = SleepRecorder()
    assert make(handler, sleep).request_json("x") == {"ok": True}
    assert len(seen) == 2 and sleep.waits == [1.0]


def test_persistent_503_is_an_upstream_error_after_bounded_retries() -> None:
    handler, seen = sequence(httpx.Response(503, text="<html>down</html>"))
    sleep = SleepRecorder()
    with pytest.raises(UpstreamError) as info:
        make(handler, sleep, retry=RetryPolicy(max_retries=2)).request_json("x")
    assert len(seen) == 3
    assert sleep.waits == [1.0, 2.0]
    message = str(info.value)
    assert message.startswith("TMDB is having trouble (503")
    assert "3 tries" in message and "\n" not in message and "<html>" not in message


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_client_errors_are_never_retried(status: int) -> None:
    handler, seen = sequence(httpx.Response(status, json={"errors": ["query must be provided"]}))
    sleep = SleepRecorder()
    with pytest.raises((UpstreamError, UpstreamNotFound)):
        make(handler, sleep).request_json("x")
    assert len(seen) == 1
    assert sleep.waits == []


def test_error_mapping_classes_and_messages() -> None:
    sleep = SleepRecorder()
    handler, _ = sequence(
        httpx.Response(401, json={"status_code": 7, "status_message": "Invalid API key: nope"})
    )
    with pytest.raises(UpstreamAuthError) as auth:
        make(handler, sleep).request_json("x", credential="API key", auth_hint="set it")
    assert str(auth.value) == "TMDB refused the API key (401: Invalid API key: nope)"
    assert auth.value.hint == "set it"

    handler, _ = sequence(httpx.Response(404, json={"status_code": 34, "status_message": "gone"}))
    with pytest.raises(UpstreamNotFound) as nf:
        make(handler, sleep).request_json("x", not_found="TMDB has no movie with id 5")
    assert str(nf.value) == "TMDB has no movie with id 5"

    handler, _ = sequence(httpx.Response(422, json={"errors": ["query must be provided"]}))
    with pytest.raises(UpstreamError) as bad:
        make(handler, sleep).request_json("x")
    assert str(bad.value) == "TMDB rejected the request (422: query must be provided)"
    assert not isinstance(bad.value, UpstreamAuthError)


def test_timeouts_are_retried_then_reported() -> None:
    handler, seen = sequence(httpx.ReadTimeout("timed out"))
    sleep = SleepRecorder()
    with pytest.raises(UpstreamError) as info:
        make(handler, sleep, retry=RetryPolicy(max_retries=2)).request_json("x")
    assert str(info.value) == "TMDB did not answer in time (timeout after 3 tries)"
    assert len(seen) == 3 and sleep.waits == [1.0, 2.0]


def test_timeout_then_success() -> None:
    handler, seen = sequence(httpx.ConnectTimeout("slow"), OK)
    sleep = SleepRecorder()
    assert make(handler, sleep).request_json("x") == {"ok": True}
    assert len(seen) == 2


def test_connection_errors_are_retried_then_reported() -> None:
    handler, seen = sequence(httpx.ConnectError("refused"))
    sleep = SleepRecorder()
    with pytest.raises(UpstreamError) as info:
        make(handler, sleep, retry=RetryPolicy(max_retries=1)).request_json("x")
    assert "Could not reach TMDB" in str(info.value)
    assert len(seen) == 2


def test_a_refused_connection_is_tried_only_twice_whatever_the_policy() -> None:
    # Offline: give up quickly so the caller can answer from the cache.
    handler, seen = sequence(httpx.ConnectError("refused"))
    sleep = SleepRecorder()
    with pytest.raises(UpstreamError, match="after 2 tries"):
        make(handler, sleep, retry=RetryPolicy(max_retries=4)).request_json("x")
    assert len(seen) == 2
    assert len(sleep.waits) == 1


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"page": 1, "results": [', "application/json"),
        (b"<!DOCTYPE html><html><body>502 Bad Gateway</body></html>", "text/html"),
        (b"", "application/json"),
        (b'{"a": NaN}', "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
    ],
)
def test_body_that_is_not_json_is_an_upstream_error(body: bytes, content_type: str) -> None:
    handler, _ = sequence(httpx.Response(200, content=body, headers={"Content-Type": content_type}))
    with pytest.raises(UpstreamError) as info:
        make(handler, SleepRecorder()).request_json("x")
    message = str(info.value)
    assert message.startswith("TMDB sent an answer that is not valid JSON")
    assert "\n" not in message


@pytest.mark.parametrize("payload", [b"[1, 2]", b'"text"', b"3", b"null"])
def test_wrong_top_level_type(payload: bytes) -> None:
    handler, _ = sequence(httpx.Response(200, content=payload))
    with pytest.raises(UpstreamError, match="TMDB sent an unexpected response"):
        make(handler, SleepRecorder()).request_json("x")


def test_backoff_scale_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYDW_HTTP_BACKOFF_SCALE", "0.01")
    assert backoff_scale_from_env() == 0.01
    handler, _ = sequence(
        httpx.Response(503), httpx.Response(429, headers={"Retry-After": "10"}), OK
    )
    sleep = SleepRecorder()
    make(handler, sleep).request_json("x")
    assert sleep.waits == pytest.approx([0.01, 0.1])
    for bad in ("abc", "-1", "nan", ""):
        monkeypatch.setenv("MYDW_HTTP_BACKOFF_SCALE", bad)
        assert backoff_scale_from_env() == 1.0


def test_jitter_only_shortens_waits() -> None:
    handler, _ = sequence(httpx.Response(503), httpx.Response(503), OK)
    sleep = SleepRecorder()
    client = HttpClient(
        "TMDB",
        "https://x.test/",
        transport=httpx.MockTransport(handler),
        sleep=sleep,
        jitter=lambda: 0.999,
    )
    client.request_json("x")
    assert 0.5 <= sleep.waits[0] < 1.0 and 1.0 <= sleep.waits[1] < 2.0


def test_parse_retry_after() -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_retry_after("7", now=now) == 7.0
    assert parse_retry_after("Thu, 01 Jan 2026 00:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Wed, 31 Dec 2025 00:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon", now=now) is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("-5") is None


def test_rate_limiter_spaces_requests_after_the_burst() -> None:
    now = [0.0]
    waits: list[float] = []
    limiter = RateLimiter(20, burst=2, clock=lambda: now[0], sleep=waits.append)
    for _ in range(4):
        limiter.acquire()
    assert waits == pytest.approx([0.05, 0.1])
    now[0] = 10.0
    assert limiter.acquire() == 0.0


def test_rate_limiter_is_thread_safe() -> None:
    waits: list[float] = []
    lock = threading.Lock()

    def record(seconds: float) -> None:
        with lock:
            waits.append(seconds)

    limiter = RateLimiter(100, burst=1, clock=lambda: 0.0, sleep=record)
    threads = [threading.Thread(target=limiter.acquire) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 20 reservations, the first free: each later caller waits one more slot (no duplicates).
    assert sorted(round(w, 6) for w in waits) == [round(i / 100, 6) for i in range(1, 20)]


def test_client_uses_rate_limiter_with_injected_sleep() -> None:
    handler, _ = sequence(OK)
    sleep = SleepRecorder()
    client = make(handler, sleep, rate_per_second=1)
    client.request_json("a")
    client.request_json("b")
    assert len(sleep.waits) == 1 and 0.9 < sleep.waits[0] <= 1.0
