"""Typo-tolerant matching of the cached titles (English and French), built once per turn.

`TitleIndex` maps every cached title to a key (`lexicon.title_key`: accents, case and
punctuation folded), and also the key without its leading article ("the matrix" →
"matrix", "le parrain" → "parrain"). A lookup tries the exact key, then rapidfuzz's
normalized Indel ratio over all keys (C code: a few milliseconds for 20,000 keys, where a
loop of difflib would take seconds), then — unless `strict` — the most voted title that
starts with the words given ("lord of the rings" → the first one).

A match is only returned when it is clear: two different titles scoring within
`TIE_MARGIN` of each other give no match, so the words as typed go to the services (which
then search TMDB, or answer `ambiguous` with candidates).
"""

from __future__ import annotations

import base64
import re
import sys
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from mydw.services.chat.lexicon import ARTICLE, fold_many, strip_article, title_key

if TYPE_CHECKING:
    from mydw.services.context import AppContext

TIE_MARGIN = 3.0
_STRIP_ARTICLES = re.compile(ARTICLE, re.MULTILINE)
PREFIX_MIN = 6  # characters a prefix match needs


class TitleEntry(NamedTuple):
    tmdb_id: int
    title_en: str | None
    title_fr: str | None
    year: int | None = None
    votes: int | None = None


@dataclass(frozen=True)
class TitleMatch:
    title: str  # the cached title, as stored, in the language it matched
    entries: tuple[TitleEntry, ...]  # every cached movie under that title (remakes)
    score: float  # 100 for an exact key
    how: str  # "exact", "fuzzy" or "prefix"


def cutoff(length: int) -> float | None:
    """The least ratio a typo'd query of `length` characters needs (None: exact only)."""
    if length <= 3:
        return None
    return 75.0 if length == 4 else 80.0


class TitleIndex:
    """The cached titles; `loader` (when given) is called on the first lookup only.

    Title n is entry n // 2's English (even n) or French (odd n) title. Titles are grouped
    by their key without its article: group g is `_choices[g]`, and its titles are
    `_order[_starts[g]:_starts[g + 1]]`. An index read back from its snapshot holds only
    that (the choices and flat integer arrays: a few milliseconds to read) and fetches the
    titles of the few entries a lookup returns."""

    def __init__(self, entries: Sequence[TitleEntry] = (), *,
                 loader: Callable[[], Sequence[TitleEntry]] | None = None,
                 fetch: Callable[[Sequence[int]], dict[int, tuple[str | None, str | None]]]
                 | None = None) -> None:
        self._loader = loader
        self._fetch = fetch  # tmdb ids -> their (English, French) titles
        self._ids: Sequence[int] = []
        self._years: Sequence[int] = []  # -1: unknown
        self._votes: Sequence[int] = []  # -1: unknown
        self._titles: dict[int, str] = {}  # title n -> the title ("" if missing)
        self._keys: dict[int, str] = {}  # title n -> its key
        self._choices: list[str] = []  # the keys without article, one per group
        self._group: dict[str, int] = {}  # choice -> its group
        self._order: Sequence[int] = []  # titles, group after group
        self._starts: Sequence[int] = [0]  # where each group starts in `_order`
        self._loaded = loader is None
        self._snapshot: _Snapshot | None = None
        if self._loaded:
            self._build(entries)

    @classmethod
    def from_database(cls, ctx: AppContext) -> TitleIndex:
        """An index over every cached movie, read when first needed: from a snapshot in the
        cache folder while the movies table has not changed (one aggregate query), else
        built from one query and saved for the next turn."""
        index = cls(loader=lambda: load_entries(ctx), fetch=lambda ids: load_titles(ctx, ids))
        index._snapshot = _Snapshot(ctx)
        return index

    def __len__(self) -> int:
        self._ensure()
        return len(self._ids)

    def _ensure(self) -> None:
        if not self._loaded:
            self._loaded = True
            assert self._loader is not None
            if self._snapshot is not None and self._restore(self._snapshot.read()):
                return
            self._build(self._loader())
            if self._snapshot is not None:
                self._snapshot.write(self._state())

    def _known(self, titles: Iterable[int]) -> None:
        """The titles and keys of these title numbers at hand (read from the database for
        an index restored from its snapshot; a movie gone since reads as untitled)."""
        missing = sorted({n >> 1 for n in titles if n not in self._titles})
        if not missing:
            return
        assert self._fetch is not None
        found = self._fetch([self._ids[i] for i in missing])
        numbered: list[tuple[int, str]] = []
        for i in missing:
            en, fr = found.get(self._ids[i], (None, None))
            numbered += [(2 * i, en or ""), (2 * i + 1, fr or "")]
        for (n, title), key in zip(numbered, fold_many([t for _n, t in numbered]),
                                   strict=True):
            self._titles[n], self._keys[n] = title, key

    def _entry(self, i: int) -> TitleEntry:
        self._known((2 * i,))
        year, votes = self._years[i], self._votes[i]
        return TitleEntry(self._ids[i], self._titles[2 * i] or None,
                          self._titles[2 * i + 1] or None, None if year < 0 else year,
                          None if votes < 0 else votes)

    def _members(self, choice: str) -> Sequence[int]:
        g = self._group[choice]
        return self._order[self._starts[g]:self._starts[g + 1]]

    def _state(self) -> dict[str, Any]:
        """The choices, newline-joined, and base64 integer arrays: what reads back fastest
        (a JSON list of 70,000 numbers alone took 3 ms; the titles, 6 ms more)."""
        return {"choices": "\n".join(self._choices),
                **{name: _pack(getattr(self, "_" + name)) for name in _INTEGERS}}

    def _restore(self, state: dict[str, Any] | None) -> bool:
        """The index of a snapshot (our own file, written whole by an atomic rename): its
        shapes are checked, not every item; False (and nothing kept) when they are off."""
        if state is None or self._fetch is None:
            return False
        try:
            ids, years, votes, order, starts = (_unpack(state[name]) for name in _INTEGERS)
            choices = state["choices"].split("\n") if ids else []
        except (KeyError, TypeError, AttributeError, ValueError):
            return False
        if (not len(ids) == len(years) == len(votes) or len(order) != 2 * len(ids)
                or len(starts) != len(choices) + 1 or starts[-1] != len(order)):
            return False
        self._ids, self._years, self._votes = ids, years, votes
        self._choices, self._order, self._starts = choices, order, starts
        self._group = dict(zip(choices, range(len(choices)), strict=True))
        return True

    def _build(self, entries: Sequence[TitleEntry]) -> None:
        """Keys for every title, folded in bulk (C speed: one `title_key` call per title
        took ~100 ms for 20,000 titles), grouped by their article-less form."""
        entries = list(entries)
        self._ids = [e.tmdb_id for e in entries]
        self._years = [-1 if e.year is None else e.year for e in entries]
        self._votes = [-1 if e.votes is None else e.votes for e in entries]
        titles = [t or "" for e in entries for t in (e.title_en, e.title_fr)]
        keys = fold_many(titles)
        self._titles, self._keys = dict(enumerate(titles)), dict(enumerate(keys))
        # (no titles: no groups; "".split("\n") would give one empty key of no title)
        shorts = _STRIP_ARTICLES.sub("", "\n".join(keys)).split("\n") if keys else []
        groups: dict[str, list[int]] = {}
        for n, short in enumerate(shorts):
            groups.setdefault(short, []).append(n)
        for short in [k for k in groups if not k or not keys[groups[k][0]]]:
            numbers = [n for n in groups.pop(short) if keys[n]]
            for n in numbers:  # a title that is only an article ("The"): its own key
                groups.setdefault(keys[n], []).append(n)
        self._choices = list(groups)
        self._group = dict(zip(self._choices, range(len(self._choices)), strict=True))
        order: list[int] = []
        starts = [0]
        for members in groups.values():
            order += members
            starts.append(len(order))
        self._order, self._starts = order, starts

    def match(self, text: str, *, year: int | None = None,
              strict: bool = False) -> TitleMatch | None:
        """The cached title `text` names (typos forgiven), or None when unsure."""
        self._ensure()
        key = title_key(text)
        if not key or not self._ids:
            return None
        found = self._exact(key)
        if found is None:
            found = self._fuzzy(strip_article(key))
        if found is None and not strict:
            found = self._prefix(strip_article(key))
        if found is None:
            return None
        if year is not None:
            same_year = tuple(e for e in found.entries if e.year == year)
            if not same_year:
                return None
            found = TitleMatch(found.title, same_year, found.score, found.how)
        return found

    def _make(self, short_key: str, score: float, how: str, key: str | None = None,
              ) -> TitleMatch:
        """The entries under `short_key` (only those whose full key is `key`, if given)."""
        members = self._members(short_key)
        self._known(members)
        titles = [n for n in members if key is None or self._keys[n] == key]
        entries: dict[int, TitleEntry] = {}
        for n in titles:
            if n >> 1 not in entries:
                entries[n >> 1] = self._entry(n >> 1)
        return TitleMatch(self._titles[titles[0]], tuple(entries.values()), score, how)

    def _exact(self, key: str) -> TitleMatch | None:
        short = strip_article(key)
        if short not in self._group:
            return None
        members = self._members(short)
        self._known(members)
        if any(self._keys[n] == key for n in members):
            return self._make(short, 100.0, "exact", key)
        return self._make(short, 100.0, "exact")

    def _fuzzy(self, short: str) -> TitleMatch | None:
        least = cutoff(len(short))
        if least is None:
            return None
        from rapidfuzz import fuzz, process

        best = process.extract(short, self._choices, scorer=fuzz.ratio, processor=None,
                               limit=2, score_cutoff=least)
        if not best:
            return None
        if len(best) > 1 and best[0][1] - best[1][1] < TIE_MARGIN:
            return None
        return self._make(best[0][0], float(best[0][1]), "fuzzy")

    def _prefix(self, short: str) -> TitleMatch | None:
        if len(short) < PREFIX_MIN:
            return None
        start = short + " "
        keys = [k for k in self._choices if k.startswith(start)]
        if not keys:
            return None

        def votes(k: str) -> int:
            return max(max(self._votes[n >> 1], 0) for n in self._members(k))

        return self._make(max(keys, key=votes), 90.0, "prefix")


_INTEGERS = ("ids", "years", "votes", "order", "starts")


def _pack(values: Sequence[int]) -> str:
    """Integers as base64 of a machine array: "i" (4 bytes each) when they all fit."""
    code = "i" if all(-(2**31) <= v < 2**31 for v in values) else "q"
    return code + base64.b64encode(array(code, values).tobytes()).decode("ascii")


def _unpack(text: str) -> array[int]:
    if text[:1] not in ("i", "q"):
        raise ValueError("not a packed array")
    return array(text[0], base64.b64decode(text[1:], validate=True))


class _Snapshot:
    """The folded keys of the last index built for this database, in the cache folder
    (owner-only), valid while the movies table's fingerprint is the same: folding 20,000
    titles costs ~100 ms a turn, reading them back ~10 ms."""

    VERSION = f"3-{sys.byteorder}"  # the integer arrays are in this machine's byte order

    def __init__(self, ctx: AppContext) -> None:
        self._ctx = ctx
        self._fingerprint: list[str] | None = None

    def _path(self) -> Path:
        import hashlib

        from mydw.config import paths
        from mydw.db.urls import describe

        digest = hashlib.sha256(describe(self._ctx.db.url).encode()).hexdigest()[:16]
        return paths.cache_dir() / f"chat-titles-{digest}.json"

    def fingerprint(self) -> list[str]:
        """Changes whenever a movie is added, removed, retitled or re-rated."""
        if self._fingerprint is None:
            with self._ctx.db.read() as session:
                cursor = session.connection().connection.cursor()
                try:
                    cursor.execute(
                        "SELECT count(*), max(id), max(cached_on), max(imdb_updated_on), "
                        "sum(length(coalesce(title_en, '')) + length(coalesce(title_fr, ''))),"
                        " sum(coalesce(vote_count, 0)) FROM movies")
                    self._fingerprint = [str(v) for v in cursor.fetchone()]
                finally:
                    cursor.close()
        return self._fingerprint

    def read(self) -> dict[str, Any] | None:
        import json

        try:
            with self._path().open(encoding="utf-8") as fh:
                data = json.load(fh)
        except (OSError, ValueError):
            return None
        if (not isinstance(data, dict) or data.get("version") != self.VERSION
                or data.get("fingerprint") != self.fingerprint()):
            return None
        state = data.get("state")
        return state if isinstance(state, dict) else None

    def write(self, state: dict[str, Any]) -> None:
        """Best effort: a cache that cannot be written is rebuilt next time."""
        import contextlib
        import json
        import os

        from mydw.config import paths
        from mydw.domain.errors import ConfigError

        path = self._path()
        with contextlib.suppress(OSError, ConfigError):
            paths.ensure_private_dir(path.parent)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"version": self.VERSION, "fingerprint": self.fingerprint(),
                           "state": state}, fh, ensure_ascii=False, separators=(",", ":"))
            os.replace(tmp, path)


def load_entries(ctx: AppContext) -> list[TitleEntry]:
    """Every cached movie's titles, year and vote count (one query, plain DBAPI rows:
    10,000 rows without SQLAlchemy's result processing)."""
    with ctx.db.read() as session:
        cursor = session.connection().connection.cursor()
        try:
            cursor.execute("SELECT tmdb_id, title_en, title_fr, release_year, vote_count "
                           "FROM movies")
            return [TitleEntry._make(row) for row in cursor.fetchall()]
        finally:
            cursor.close()


def load_titles(ctx: AppContext, tmdb_ids: Sequence[int],
                ) -> dict[int, tuple[str | None, str | None]]:
    """The English and French titles of these cached movies (one query)."""
    from sqlalchemy import bindparam, text

    if not tmdb_ids:
        return {}
    query = text("SELECT tmdb_id, title_en, title_fr FROM movies WHERE tmdb_id IN :ids")
    with ctx.db.read() as session:
        rows = session.execute(query.bindparams(bindparam("ids", expanding=True)),
                               {"ids": list(tmdb_ids)})
        return {row[0]: (row[1], row[2]) for row in rows}
