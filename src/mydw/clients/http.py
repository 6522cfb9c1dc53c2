"""A polite shared HTTP helper for every upstream client (TMDB, OMDb, IMDb datasets).

What it does for the clients:

* one ``httpx.Client`` with a base URL, sane timeouts, our ``User-Agent`` and
  ``Accept: application/json``;
* a thread-safe client-side rate limiter (token bucket);
* bounded retries with exponential backoff and jitter on 429, 500/502/503/504,
  timeouts and connection failures (``Retry-After`` honoured, in seconds or as an
  HTTP date); never on 401/404/422 or any other 4xx;
* strict JSON parsing (not JSON, or not the expected top-level type → ``UpstreamError``);
* mapping of final HTTP failures to the domain exceptions with one-line messages that
  name the service.

Error messages never contain URLs: query strings may carry API keys.

``MYDW_HTTP_BACKOFF_SCALE`` (float, default 1.0) multiplies every wait between retries,
including waits taken from ``Retry-After``. Tests set it to 0.01.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import httpx

from mydw import __version__
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

JsonObject = dict[str, Any]
__all__ = ["BACKOFF_SCALE_ENV", "DEFAULT_TIMEOUT", "RETRY_STATUSES", "USER_AGENT", "HttpClient",
           "JsonObject", "RateLimiter", "RetryPolicy", "Sleep", "backoff_scale_from_env",
           "error_detail", "parse_retry_after"]

# Network failures worth another try. Everything else from httpx (bad URL, local
# protocol error...) is a bug on our side and fails at once.
_RETRYABLE_TRANSPORT_ERRORS: tuple[type[httpx.TransportError], ...] = (
    httpx.TimeoutException,
    httpx.ConnectError,
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
)


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
    except (ValueError, UnicodeDecodeError):
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
    ) -> None:
        self.service = service
        self.retry = retry or RetryPolicy()
        self.backoff_scale = (
            backoff_scale if backoff_scale is not None else backoff_scale_from_env()
        )
        self._sleep = sleep
        self._jitter = jitter
        self._limiter = RateLimiter(rate_per_second, sleep=sleep) if rate_per_second else None
        all_headers = {"User-Agent": USER_AGENT, "Accept": "application/json"}
        all_headers.update(headers or {})
        self._client = httpx.Client(
            base_url=base_url,
            timeout=timeout if timeout is not None else DEFAULT_TIMEOUT,
            headers=all_headers,
            params=dict(params or {}),
            transport=transport,
            follow_redirects=follow_redirects,
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

    def _wait_before_retry(self, retry_index: int, response: httpx.Response | None) -> None:
        delay: float | None = None
        if response is not None:
            after = parse_retry_after(response.headers.get("retry-after"))
            if after is not None:
                delay = min(self.retry.max_delay, after) * self.backoff_scale
        if delay is None:
            delay = self.backoff_delay(retry_index)
        self._sleep(delay)

    # -- sending ---------------------------------------------------------------------
    def _send(self, request: httpx.Request, *, stream: bool) -> httpx.Response:
        attempts = self.retry.attempts
        for attempt in range(attempts):
            last_try = attempt == attempts - 1
            if self._limiter is not None:
                self._limiter.acquire()
            try:
                response = self._client.send(request, stream=stream)
            except httpx.TimeoutException as exc:
                if last_try:
                    raise UpstreamFailure(
                        f"{self.service} did not answer in time "
                        f"(timeout after {attempts} {_tries(attempts)})",
                        reason="timed out",
                        service=self.service,
                    ) from exc
                self._wait_before_retry(attempt, None)
                continue
            except _RETRYABLE_TRANSPORT_ERRORS as exc:
                # A refused connection or an unknown host usually means "offline": one more
                # try, not the full backoff (callers then answer from the cache at once).
                gave_up = isinstance(exc, httpx.ConnectError) and attempt >= 1
                if last_try or gave_up:
                    attempts = attempt + 1
                    connect = isinstance(exc, httpx.ConnectError)
                    reason = "no connection" if connect else "connection lost"
                    raise UpstreamFailure(
                        f"Could not reach {self.service} ({reason} "
                        f"after {attempts} {_tries(attempts)})",
                        reason=reason,
                        service=self.service,
                        hint="Check your network connection.",
                    ) from exc
                self._wait_before_retry(attempt, None)
                continue
            except httpx.HTTPError as exc:
                raise UpstreamFailure(
                    f"Request to {self.service} failed", reason="request failed",
                    service=self.service,
                ) from exc
            if response.status_code in RETRY_STATUSES and not last_try:
                response.close()
                self._wait_before_retry(attempt, response)
                continue
            return response
        raise AssertionError("unreachable")  # pragma: no cover

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
        except (ValueError, UnicodeDecodeError) as exc:
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
