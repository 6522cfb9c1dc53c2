"""Waiting between requests: the retry policy, `Retry-After`, the backoff scale from
`MYDW_HTTP_BACKOFF_SCALE`, and a thread-safe client-side rate limiter (token bucket)."""

from __future__ import annotations

import email.utils
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

BACKOFF_SCALE_ENV = "MYDW_HTTP_BACKOFF_SCALE"
Sleep = Callable[[float], None]


@dataclass(frozen=True)
class RetryPolicy:
    """``max_retries`` retries after the first try (so ``max_retries + 1`` tries in all).

    The n-th wait (n from 0) is ``min(max_delay, base_delay * 2**n) * scale``, reduced by
    up to ``jitter_fraction`` at random. A ``Retry-After`` value replaces the computed
    wait (capped at ``max_delay``, then scaled, no jitter).
    """

    max_retries: int = 4
    base_delay: float = 1.0
    max_delay: float = 30.0
    jitter_fraction: float = 0.5

    @property
    def attempts(self) -> int:
        return self.max_retries + 1


def backoff_scale_from_env() -> float:
    """``MYDW_HTTP_BACKOFF_SCALE`` as a float >= 0; 1.0 when unset or unusable."""
    raw = os.environ.get(BACKOFF_SCALE_ENV, "").strip()
    if not raw:
        return 1.0
    try:
        value = float(raw)
    except ValueError:
        return 1.0
    if not math.isfinite(value) or value < 0:
        return 1.0
    return value


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP-date)."""
    if value is None:
        return None
    value = value.strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        if math.isfinite(seconds) and seconds >= 0:
            return seconds
        return None
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now or datetime.now(UTC)
    return max(0.0, (when - current).total_seconds())


class RateLimiter:
    """Thread-safe token bucket: ``rate`` requests per second, bursts up to ``burst``.

    Callers reserve a token under the lock and sleep (outside the lock) until their
    reservation comes due, so concurrent callers are spaced fairly.
    """

    def __init__(
        self,
        rate: float,
        *,
        burst: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = time.sleep,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = float(rate)
        self.capacity = float(burst) if burst is not None else max(1.0, self.rate)
        self._clock = clock
        self._sleep = sleep
        self._tokens = self.capacity
        self._last = clock()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Take one token, sleeping if needed. Returns the time slept (seconds)."""
        with self._lock:
            now = self._clock()
            elapsed = max(0.0, now - self._last)
            self._last = now
            self._tokens = min(self.capacity, self._tokens + elapsed * self.rate)
            self._tokens -= 1.0
            wait = -self._tokens / self.rate if self._tokens < 0 else 0.0
        if wait > 0:
            self._sleep(wait)
        return wait
