"""Row keys → movies, through TMDB only, in parallel under one rate limit, remembered.

Every distinct key of a file is resolved once: `title:` keys by TMDB search (the exact
title and year; several exact matches → ambiguous, none → unmatched, never a guess),
`imdb:` keys by TMDB find, `tmdb:` keys directly. What each key resolved to (a TMDB id,
or the candidates of an unmatched/ambiguous key) is kept in a JSON file under the cache
folder, saved as the import goes: a second import asks TMDB nothing, and an interrupted
one resumes where it stopped. OMDb is never asked (its free quota is small; `refresh`
fills IMDb ratings).
"""

from __future__ import annotations

import contextlib
import inspect
import json
import os
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from mydw.db.models import Movie
from mydw.domain.errors import MydwError
from mydw.domain.types import fold
from mydw.services.context import AppContext

if TYPE_CHECKING:
    import httpx

    from mydw.clients.retry import RateLimiter
    from mydw.services.views import MovieView

Progress = Callable[[int, int], None]

WORKERS = 8
SAVE_EVERY = 25  # resolutions between two saves of the memory file
MEMORY_VERSION = 1


def tmdb_rate_limit() -> float:
    """The TMDB client's own requests-per-second limit (its default)."""
    from mydw.clients.tmdb import TmdbClient

    default = inspect.signature(TmdbClient.__init__).parameters["rate_per_second"].default
    return float(default) if isinstance(default, int | float) else 20.0


@dataclass(frozen=True)
class Match:
    tmdb_id: int | None
    outcome: str  # matched | unmatched | ambiguous
    candidates: tuple[tuple[int, str], ...] = ()  # (tmdb id, "Title (year)")
    message: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"tmdb_id": self.tmdb_id, "outcome": self.outcome,
                "candidates": [list(c) for c in self.candidates], "message": self.message}

    @classmethod
    def from_json(cls, data: Any) -> Match | None:
        try:
            outcome = data["outcome"]
            tmdb_id = data["tmdb_id"]
            if outcome not in ("matched", "unmatched", "ambiguous"):
                return None
            if outcome == "matched" and not (isinstance(tmdb_id, int) and tmdb_id > 0):
                return None
            candidates = tuple((int(t), str(label)) for t, label in data.get("candidates", []))
            return cls(tmdb_id if outcome == "matched" else None, outcome, candidates,
                       str(data.get("message", "")))
        except (KeyError, TypeError, ValueError):
            return None


class Memory:
    """The JSON file of what each key resolved to (thread-safe; saved atomically)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._entries: dict[str, Match] = {}
        self._dirty = 0
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        if isinstance(data, dict) and data.get("version") == MEMORY_VERSION:
            for key, value in (data.get("keys") or {}).items():
                match = Match.from_json(value)
                if match is not None:
                    self._entries[str(key)] = match

    def get(self, key: str) -> Match | None:
        with self._lock:
            return self._entries.get(key)

    def put(self, key: str, match: Match) -> None:
        with self._lock:
            self._entries[key] = match
            self._dirty += 1
            due = self._dirty >= SAVE_EVERY
        if due:
            self.save()

    def save(self) -> None:
        with self._lock:
            if not self._dirty:
                return
            payload = {"version": MEMORY_VERSION,
                       "keys": {k: m.to_json() for k, m in self._entries.items()}}
            self._dirty = 0
            with contextlib.suppress(OSError):  # the memory is an optimisation
                self.path.parent.mkdir(parents=True, exist_ok=True)
                temp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
                temp.write_text(json.dumps(payload), encoding="utf-8")
                os.replace(temp, self.path)


def memory_path() -> Path:
    from mydw.config.paths import cache_dir

    return cache_dir() / "import-matches.json"


# --------------------------------------------------------------------------- a paced context


def _paced_transport(inner: httpx.BaseTransport, limiter: RateLimiter) -> httpx.BaseTransport:
    import httpx

    class Paced(httpx.BaseTransport):
        """Every request of every thread waits for the one shared token bucket."""

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            limiter.acquire()
            return inner.handle_request(request)

        def close(self) -> None:  # the clients close theirs; the import closes `inner`
            pass

    return Paced()


class _ImportContext(AppContext):
    """The import's context: the same settings, database and secrets, its requests paced
    by one limiter, and no OMDb key (an import never asks OMDb)."""

    def __init__(self, parent: AppContext, transport: httpx.BaseTransport) -> None:
        super().__init__(settings=parent.settings, secrets=parent.secrets, transport=transport)
        self.__dict__["db"] = parent.db
        self._parent = parent

    def secret(self, name: str) -> str | None:
        if name == "omdb-api-key":
            return None
        return self._parent.secret(name)

    def close(self) -> None:  # the database belongs to the parent
        pass


# --------------------------------------------------------------------------- matching


class Matcher:
    def __init__(self, ctx: AppContext, memory: Memory, *, workers: int | None = None) -> None:
        self.ctx = ctx
        self.memory = memory
        self.workers = workers or WORKERS
        self._lock = threading.Lock()
        self.asked = 0  # keys resolved through TMDB in this run

    def resolve(self, keys: Iterable[str], progress: Progress | None = None, *,
                force: bool = False) -> dict[str, Match]:
        """Every key → its match: from memory (unless `force`), else through TMDB (in
        parallel)."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, Match] = {}
        todo = []
        for key in wanted:
            known = None if force else self.memory.get(key)
            if known is not None:
                found[key] = known
            else:
                todo.append(key)
        done = len(found)
        if progress:
            progress(done, len(wanted))
        if not todo:
            return found
        from mydw.clients.http import network_transport
        from mydw.clients.retry import RateLimiter

        own = self.ctx.transport is None
        inner = self.ctx.transport or network_transport(
            self.ctx.settings.tmdb_base_url, max_connections=self.workers)
        limiter = RateLimiter(tmdb_rate_limit())
        sub = _ImportContext(self.ctx, _paced_transport(inner, limiter))
        pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="mydw-import")
        try:
            futures = {pool.submit(self._one, sub, key): key for key in todo}
            for future in as_completed(futures):
                key = futures[future]
                found[key] = future.result()  # an upstream failure stops the import
                done += 1
                if progress:
                    progress(done, len(wanted))
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            self.memory.save()
            if own:
                inner.close()
        return found

    def _one(self, ctx: AppContext, key: str) -> Match:
        """Resolve one key and remember it at once (a worker finishing after an interrupt
        still saves its answer for the next run)."""
        with self._lock:
            self.asked += 1
        match = _resolve(ctx, key)
        self.memory.put(key, match)
        return match


def _resolve(ctx: AppContext, key: str) -> Match:
    from mydw.services import catalog

    kind, _, value = key.partition(":")
    if kind == "title":
        return _by_title(ctx, value)
    ref = f"tmdb:{value}" if kind == "tmdb" else value
    try:
        view = catalog.resolve_movie(ctx, ref, lang="en")
    except MydwError as error:
        if error.code in ("not_found", "ambiguous", "invalid_input"):
            return Match(None, "unmatched", (), error.message)
        raise
    return Match(view.tmdb_id, "matched")


def _label(view: MovieView) -> tuple[int, str]:
    return view.tmdb_id, view.label("en")


def _by_title(ctx: AppContext, value: str) -> Match:
    from mydw.services import catalog

    title, _, year_text = value.rpartition("|")
    year = int(year_text) if year_text else None
    try:
        # No did-you-mean searches: a file's titles are exact, and a large import with
        # many unknown titles would pay up to four more requests for each.
        found = catalog.search(ctx, title, year=year, lang="en", limit=20,
                               suggest=False).movies
    except MydwError as error:
        if error.code in ("invalid_input", "usage"):
            return Match(None, "unmatched", (), error.message)
        raise
    wanted = fold(title)
    exact = [v for v in found
             if wanted in {fold(v.title_en or ""), fold(v.title_fr or "")}
             and (year is None or v.release_year == year)]
    if len(exact) == 1:
        return Match(exact[0].tmdb_id, "matched")
    suffix = f" ({year})" if year else ""
    if exact:
        return Match(None, "ambiguous", tuple(_label(v) for v in exact),
                     f"{title}{suffix} matches {len(exact)} movies")
    return Match(None, "unmatched", tuple(_label(v) for v in found[:5]),
                 f"no movie titled {title!r}{suffix} on TMDB")


def movie_ids(ctx: AppContext, tmdb_ids: Iterable[int]) -> dict[int, int]:
    """TMDB id → movies.id of the cached ones."""
    wanted = sorted(set(tmdb_ids))
    result: dict[int, int] = {}
    with ctx.db.read() as session:
        for start in range(0, len(wanted), 500):
            chunk = wanted[start:start + 500]
            for movie_id, tmdb_id in session.execute(
                select(Movie.id, Movie.tmdb_id).where(Movie.tmdb_id.in_(chunk))
            ):
                result[tmdb_id] = movie_id
    return result
