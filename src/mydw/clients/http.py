"""A polite shared HTTP helper for every upstream client (TMDB, OMDb, IMDb datasets).

Why this module is long: every request of every upstream goes through the one send loop
here (limiter, deadline, retries, redirects, size cap, error mapping); split, the pieces
would each need the others' state.

What it does for the clients:

* one ``httpx.Client`` with a base URL, sane timeouts, our ``User-Agent`` and
  ``Accept: application/json``;
* a thread-safe client-side rate limiter (token bucket);
* bounded retries with exponential backoff and jitter on 429, 500/502/503/504,
  timeouts and connection failures (``Retry-After`` honoured, in seconds or as an
  HTTP date); never on 401/404/422 or any other 4xx;
* strict JSON parsing (not JSON, or not the expected top-level type → ``UpstreamError``);
* mapping of final HTTP failures to the domain exceptions with one-line messages that
  name the service;
* ONE deadline per request with all its retries (default 2x the read timeout): the body is
  streamed and the clock checked between chunks, and on the real network every socket read
  (the status line and headers too) is cut at the deadline (`clients/deadline.py`), so a
  server that stalls or drips costs at most the deadline (httpx's read timeout is per read);
* a size cap on every answer (`max_bytes`, 8 MB by default: JSON APIs);
* redirects followed by hand: to another origin (scheme, host, port) the credentials
  (`credential_params` in the query, the `Authorization` header) are dropped first;
* at most `max_connections` connections (httpx `Limits`), shared by the threads that use
  one client (the sync httpx client is thread-safe; so is the rate limiter).

Error messages never contain URLs: query strings may carry API keys.

``MYDW_HTTP_BACKOFF_SCALE`` (float, default 1.0) multiplies every wait between retries,
including waits taken from ``Retry-After``. Tests set it to 0.01.
"""

from __future__ import annotations

import json
import random
import ssl
import threading
import time
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx

from mydw import __version__
from mydw.clients.deadline import DeadlineTransport, until
from mydw.clients.errors import UpstreamFailure
from mydw.clients.retry import (
    BACKOFF_SCALE_ENV,
    RateLimiter,
    RetryPolicy,
    Sleep,
    backoff_scale_from_env,
    parse_retry_after,
)
from mydw.domain.errors import (
    RateLimited,
    UpstreamAuthError,
    UpstreamError,
    UpstreamNotFound,
)

USER_AGENT = f"mydw/{__version__} (+https://moviesyoudidntwatch.com)"
DEFAULT_TIMEOUT = httpx.Timeout(10.0, connect=5.0)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_JSON_BYTES = 8 * 1024 * 1024  # no JSON answer of TMDB or OMDb comes near it
MAX_REDIRECTS = 5
MAX_CONNECTIONS = 10  # TMDB's documented limit per IP
DEADLINE_FACTOR = 2.0  # a request and its retries: at most twice the read timeout

JsonObject = dict[str, Any]
__all__ = ["BACKOFF_SCALE_ENV", "DEFAULT_TIMEOUT", "MAX_JSON_BYTES", "RETRY_STATUSES",
           "USER_AGENT", "HttpClient", "JsonObject", "RateLimiter", "RetryPolicy", "Sleep",
           "backoff_scale_from_env", "default_deadline", "error_detail", "network_transport",
           "parse_retry_after"]

# Network failures worth another try. Everything else from httpx (bad URL, local
# protocol error...) is a bug on our side and fails at once.
_RETRYABLE_TRANSPORT_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.TimeoutException,
    httpx.ConnectError,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
)


class _OutOfTime(Exception):
    """The request's deadline passed while its answer was still coming."""


class _TooLarge(Exception):
    """The answer is bigger than the client accepts."""


def default_deadline(timeout: httpx.Timeout | float | None) -> float:
    """Twice the read timeout (``MYDW_HTTP_TIMEOUT``, default 10 s): one request with every
    retry of it must be over by then."""
    if timeout is None:
        timeout = DEFAULT_TIMEOUT
    if isinstance(timeout, httpx.Timeout):
        read = timeout.read if timeout.read is not None else DEFAULT_TIMEOUT.read
        return DEADLINE_FACTOR * float(read or 10.0)
    return DEADLINE_FACTOR * float(timeout)


_SSL_LOCK = threading.Lock()
_SSL_CONTEXTS: dict[bool, ssl.SSLContext] = {}


def _ssl_context(base_url: str) -> ssl.SSLContext:
    """One TLS context per process (loading the trusted certificates takes ~40 ms: not
    once per client). A plain-http service gets a context that trusts nothing, so a
    redirect of it to https fails closed instead of paying for the certificates."""
    secure = base_url.lower().startswith("https:")
    with _SSL_LOCK:
        context = _SSL_CONTEXTS.get(secure)
        if context is None:
            context = (httpx.create_ssl_context() if secure
                       else ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT))
            _SSL_CONTEXTS[secure] = context
        return context


def network_transport(base_url: str, *,
                      max_connections: int = MAX_CONNECTIONS) -> httpx.BaseTransport:
    """The transport to the real network: httpx's, with every socket read (the status line
    and headers too) cut at the deadline of the request being sent (`deadline.until`)."""
    limits = httpx.Limits(max_connections=max_connections,
                          max_keepalive_connections=max_connections)
    return DeadlineTransport(ssl_context=_ssl_context(base_url), limits=limits)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    default = {"http": 80, "https": 443}.get(url.scheme)
    return url.scheme, url.host, url.port or default


def _one_line(text: str, limit: int = 160) -> str:
    """Upstream error text as one clean line (no escape sequences), at most `limit` long."""
    from mydw.domain.text import clean_text

    return clean_text(text, max_length=limit)


def error_detail(response: httpx.Response) -> str:
    """A short human description of an error response, whatever its body looks like.

    Understands TMDB ``{"status_code","status_message"}``, TMDB ``{"errors":[...]}``,
    OMDb ``{"Error": ...}`` and generic ``{"message"/"error": ...}``; falls back to the
    reason phrase (never dumps an HTML page).
    """
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        body = None
    if isinstance(body, dict):
        for key in ("status_message", "Error", "message", "error"):
            value = body.get(key)
            if isinstance(value, str) and value.strip():
                return _one_line(value)
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            return _one_line("; ".join(str(e) for e in errors))
    reason = response.reason_phrase or ""
    return reason or f"HTTP {response.status_code}"


def _describe_body(response: httpx.Response) -> str:
    ctype = response.headers.get("content-type", "").split(";")[0].strip() or "no content type"
    if not response.content:
        return f"an empty body ({ctype})"
    head = response.content[:40].decode("utf-8", "replace")
    return f"{ctype}, starting {_one_line(head, 40)!r}"


class HttpClient:
    """Shared, polite HTTP access to one upstream service.

    ``service`` is the human name used in every message ("TMDB", "OMDb"...).
    ``rate_per_second`` None or 0 disables the limiter. ``sleep`` is used for both rate
    limiting and backoff waits (tests pass a recorder). ``jitter`` returns a float in
    [0, 1) (tests pass ``lambda: 0.0`` for exact waits).
    """

    def __init__(
        self,
        service: str,
        base_url: str,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Sleep = time.sleep,
        rate_per_second: float | None = None,
        timeout: httpx.Timeout | float | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        retry: RetryPolicy | None = None,
        backoff_scale: float | None = None,
        jitter: Callable[[], float] = random.random,
        follow_redirects: bool = True,
        burst: float | None = None,
        deadline: float | None = None,
        max_bytes: int = MAX_JSON_BYTES,
        max_connections: int = MAX_CONNECTIONS,
        credential_params: Collection[str] = (),
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.service = service
        self.retry = retry or RetryPolicy()
        self.deadline = deadline if deadline is not None else default_deadline(timeout)
        self.max_bytes = max_bytes
        self.follow_redirects = follow_redirects
        self._credential_params = frozenset(credential_params) | frozenset(params or {})
        self._clock = clock
        self.backoff_scale = (
            backoff_scale if backoff_scale is not None else backoff_scale_from_env()
        )
        self._sleep = sleep
        self._jitter = jitter
        self._limiter = (
            RateLimiter(rate_per_second, burst=burst, sleep=sleep) if rate_per_second else None
        )
        all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        all_headers.update(headers or {})
        self._client = httpx.Client(
            base_url=base_url,
            timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
            headers=all_headers,
            params=dict(params or {}),
            transport=transport or network_transport(base_url,
                                                     max_connections=max_connections),
            follow_redirects=False,  # followed by hand: see _send_following
        )

    # -- lifecycle -------------------------------------------------------------------
    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- waits -----------------------------------------------------------------------
    def backoff_delay(self, retry_index: int) -> float:
        policy = self.retry
        base = min(policy.max_delay, policy.base_delay * (2.0**retry_index))
        jitter = max(0.0, min(1.0, self._jitter())) * policy.jitter_fraction
        return base * (1.0 - jitter) * self.backoff_scale

    def _retry_delay(self, retry_index: int, response: httpx.Response | None) -> float:
        if response is not None:
            after = parse_retry_after(response.headers.get("retry-after"))
            if after is not None:
                return min(self.retry.max_delay, after) * self.backoff_scale
        return self.backoff_delay(retry_index)

    def _wait_before_retry(
        self, retry_index: int, response: httpx.Response | None, end: float | None = None
    ) -> bool:
        """Sleep before the next try; False (no sleep) when it would end past `end`."""
        delay = self._retry_delay(retry_index, response)
        if end is not None and self._clock() + delay >= end:
            return False
        self._sleep(delay)
        return True

    # -- sending ---------------------------------------------------------------------
    def _timed_out(self, tries: int, *, deadline: bool) -> UpstreamFailure:
        why = (f"gave up after {self.deadline:g} s, {tries} {_tries(tries)}" if deadline
               else f"timeout after {tries} {_tries(tries)}")
        return UpstreamFailure(f"{self.service} did not answer in time ({why})",
                               reason="timed out", service=self.service)

    def _set_timeout(self, request: httpx.Request, remaining: float) -> None:
        """Every phase of this try (connect, each read) ends by the deadline at the latest."""
        configured = self._client.timeout
        def cap(value: float | None) -> float:
            return max(0.001, min(value, remaining) if value is not None else remaining)
        request.extensions["timeout"] = {
            "connect": cap(configured.connect), "read": cap(configured.read),
            "write": cap(configured.write), "pool": cap(configured.pool),
        }

    def _redirected(self, request: httpx.Request, response: httpx.Response) -> httpx.Request:
        """The request a redirect asks for; to another origin without our credentials."""
        url = request.url.join(response.headers["location"])
        headers = httpx.Headers(request.headers)
        headers.pop("Cookie", None)
        if _origin(url) != _origin(request.url):
            headers.pop("Authorization", None)
            for name in self._credential_params:
                if name in url.params:
                    url = url.copy_remove_param(name)
            headers["Host"] = url.netloc.decode("ascii")
        method = "GET" if response.status_code == 303 and request.method != "HEAD" \
            else request.method
        return httpx.Request(method, url, headers=headers, extensions=request.extensions)

    def _send_following(self, request: httpx.Request) -> httpx.Response:
        """Send (body not read), following up to MAX_REDIRECTS redirects by hand."""
        for _hop in range(MAX_REDIRECTS + 1):
            response = self._client.send(request, stream=True, follow_redirects=False)
            if not (self.follow_redirects and response.has_redirect_location):
                return response
            response.close()
            request = self._redirected(request, response)
        raise UpstreamFailure(f"{self.service} redirected the request too many times",
                              reason="too many redirects", service=self.service)

    def _read_body(self, response: httpx.Response, end: float) -> None:
        """Read the body chunk by chunk under the size cap and the deadline."""
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            response.close()
            raise _TooLarge
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.max_bytes:
                    raise _TooLarge
                chunks.append(chunk)
                if self._clock() >= end:
                    raise _OutOfTime
        finally:
            response.close()
        response._content = b"".join(chunks)

    def _send(self, request: httpx.Request, *, stream: bool) -> httpx.Response:
        attempts = self.retry.attempts
        end = self._clock() + self.deadline
        for attempt in range(attempts):
            tries = attempt + 1
            last_try = attempt == attempts - 1
            if self._limiter is not None:
                self._limiter.acquire()
            remaining = end - self._clock()
            if remaining <= 0:
                raise self._timed_out(max(attempt, 1), deadline=True)
            self._set_timeout(request, remaining)
            try:
                # Each socket read of this try, the headers' too, ends by the deadline.
                with until(time.monotonic() + remaining):
                    response = self._send_following(request)
                    if not stream:
                        self._read_body(response, end)
            except (httpx.TimeoutException, _OutOfTime) as exc:
                out_of_time = isinstance(exc, _OutOfTime) or self._clock() >= end
                if last_try or out_of_time or not self._wait_before_retry(attempt, None, end):
                    raise self._timed_out(tries, deadline=not last_try) from exc
                continue
            except _TooLarge:
                raise UpstreamFailure(
                    f"{self.service} sent an answer larger than {self.max_bytes // 1024 // 1024}"
                    " MB (not read)", reason="answer too large", service=self.service,
                ) from None
            except _RETRYABLE_TRANSPORT_ERRORS as exc:
                # A refused connection or an unknown host usually means "offline": one more
                # try, not the full backoff (callers then answer from the cache at once).
                gave_up = isinstance(exc, httpx.ConnectError) and attempt >= 1
                if last_try or gave_up or not self._wait_before_retry(attempt, None, end):
                    connect = isinstance(exc, httpx.ConnectError)
                    reason = "no connection" if connect else "connection lost"
                    raise UpstreamFailure(
                        f"Could not reach {self.service} ({reason} "
                        f"after {tries} {_tries(tries)})",
                        reason=reason,
                        service=self.service,
                        hint="Check your network connection.",
                    ) from exc
                continue
            except httpx.HTTPError as exc:
                raise UpstreamFailure(
                    f"Request to {self.service} failed", reason="request failed",
                    service=self.service,
                ) from exc
            if (response.status_code in RETRY_STATUSES and not last_try
                    and self._wait_before_retry_closing(attempt, response, end)):
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    def _wait_before_retry_closing(
        self, attempt: int, response: httpx.Response, end: float
    ) -> bool:
        """Wait before retrying a 429/5xx answer; False when the deadline forbids it (the
        answer then stands as the final one)."""
        delay = self._retry_delay(attempt, response)
        if self._clock() + delay >= end:
            return False
        response.close()
        self._sleep(delay)
        return True

    def send(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send with rate limiting and retries; return the final response, body read.

        The status is NOT checked: a final 429/5xx comes back after the retries are
        spent (use ``raise_for_status``). Transport failures raise ``UpstreamError``.
        """
        request = self._client.build_request(method, path, params=params, headers=headers)
        return self._send(request, stream=False)

    @contextmanager
    def stream(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Iterator[httpx.Response]:
        """Like ``send`` but the body is not read: iterate ``response.iter_bytes()``.

        Retries cover the connection and the status line, not a body cut mid-way.
        """
        request = self._client.build_request(method, path, params=params, headers=headers)
        response = self._send(request, stream=True)
        try:
            yield response
        finally:
            response.close()

    # -- status and body -------------------------------------------------------------
    def raise_for_status(
        self,
        response: httpx.Response,
        *,
        credential: str = "credential",
        auth_hint: str | None = None,
        not_found: str | None = None,
    ) -> None:
        """Map a non-2xx final response to a domain exception (no-op on 2xx)."""
        status = response.status_code
        if 200 <= status < 300:
            return
        detail = error_detail(response)
        attempts = self.retry.attempts
        if status in (401, 403):
            raise UpstreamAuthError(
                f"{self.service} refused the {credential} ({status}: {detail})",
                service=self.service,
                hint=auth_hint,
            )
        if status == 404:
            raise UpstreamNotFound(not_found or f"{self.service} has no such resource ({detail})")
        if status == 429:
            raise RateLimited(
                f"{self.service} kept refusing requests as too many "
                f"(429 after {attempts} {_tries(attempts)})",
                service=self.service,
                hint="Wait a minute and try again.",
            )
        if status >= 500:
            suffix = f" after {attempts} {_tries(attempts)}" if status in RETRY_STATUSES else ""
            raise UpstreamFailure(
                f"{self.service} is having trouble ({status}: {detail}{suffix})",
                reason=f"server error {status}",
                service=self.service,
                hint="Try again later.",
            )
        raise UpstreamError(
            f"{self.service} rejected the request ({status}: {detail})",
            service=self.service,
        )

    def parse_json_object(self, response: httpx.Response) -> JsonObject:
        """Strictly parse the body as a JSON object, else ``UpstreamError``."""
        try:
            text = response.content.decode("utf-8")
            value = json.loads(text, parse_constant=_reject_constant)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # deep JSON too
            raise UpstreamFailure(
                f"{self.service} sent an answer that is not valid JSON "
                f"({_describe_body(response)})",
                reason="unexpected answer",
                service=self.service,
            ) from exc
        if not isinstance(value, dict):
            raise UpstreamFailure(
                f"{self.service} sent an unexpected response "
                f"(a JSON {type(value).__name__}, expected an object)",
                reason="unexpected answer",
                service=self.service,
            )
        return value

    def request_json(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        method: str = "GET",
        credential: str = "credential",
        auth_hint: str | None = None,
        not_found: str | None = None,
    ) -> JsonObject:
        """Send (with retries), check the status, and return the body as a JSON object."""
        response = self.send(method, path, params=params, headers=headers)
        self.raise_for_status(
            response, credential=credential, auth_hint=auth_hint, not_found=not_found
        )
        return self.parse_json_object(response)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def _tries(n: int) -> str:
    return "try" if n == 1 else "tries"
