"""Requests that do not depend on each other, sent together.

`each(fn, items)` runs `fn` on every item in a small pool of threads and gives back, in the
items' order, each result or the `MydwError` it raised. Only network work belongs in `fn`:
the database is written by the calling thread, in its own transactions, as before. The
upstream clients are shared by the threads (the sync httpx client is thread-safe, and each
client's rate limiter and connection limit are shared by all its users).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from mydw.domain.errors import MydwError

T = TypeVar("T")
R = TypeVar("R")

MAX_WORKERS = 10  # TMDB: at most 10 connections at once


def each(fn: Callable[[T], R], items: Sequence[T], *,
         max_workers: int = MAX_WORKERS) -> list[R | MydwError]:
    """`fn(item)` for every item, at most `max_workers` at once; a `MydwError` is returned
    in place of its result (anything else propagates)."""

    def guarded(item: T) -> R | MydwError:
        try:
            return fn(item)
        except MydwError as error:
            return error

    if len(items) <= 1:
        return [guarded(item) for item in items]
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(max_workers, len(items)),
                            thread_name_prefix="mydw-net") as pool:
        return list(pool.map(guarded, items))
