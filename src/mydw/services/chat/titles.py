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

import re
from collections.abc import Callable, Sequence
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
    """The cached titles; `loader` (when given) is called on the first lookup only."""

    def __init__(self, entries: Sequence[TitleEntry] = (), *,
                 loader: Callable[[], Sequence[TitleEntry]] | None = None) -> None:
        self._loader = loader
        self._entries: list[TitleEntry] = []
        self._titles: list[str] = []  # title n is entry n // 2 (English, then French)
        self._keys: list[str] = []  # title n's key
        self._short: dict[str, list[int]] = {}  # key without article -> titles n
        self._choices: list[str] = []
        self._loaded = loader is None
        self._snapshot: _Snapshot | None = None
        if self._loaded:
            self._build(entries)

    @classmethod
    def from_database(cls, ctx: AppContext) -> TitleIndex:
        """An index over every cached movie, read when first needed: from a snapshot in the
        cache folder while the movies table has not changed (one aggregate query), else
        built from one query and saved for the next turn."""
        index = cls(loader=lambda: load_entries(ctx))
        index._snapshot = _Snapshot(ctx)
        return index

    def __len__(self) -> int:
        self._ensure()
        return len(self._entries)

    def _ensure(self) -> None:
        if not self._loaded:
            self._loaded = True
            assert self._loader is not None
            if self._snapshot is not None and self._restore(self._snapshot.read()):
                return
            self._build(self._loader())
            if self._snapshot is not None:
                self._snapshot.write(self._state())

    def _state(self) -> dict[str, Any]:
        return {"entries": [list(e) for e in self._entries], "keys": self._keys,
                "short": self._short}

    def _restore(self, state: dict[str, Any] | None) -> bool:
        if state is None:
            return False
        try:  # our own file, written whole (atomic rename): shapes checked, not every item
            entries, keys, short = state["entries"], state["keys"], state["short"]
            if not (isinstance(entries, list) and isinstance(keys, list)
                    and isinstance(short, dict)):
                return False
            self._entries = [TitleEntry._make(e) for e in entries]
        except (KeyError, TypeError, ValueError):
            self._entries = []
            return False
        self._keys, self._short = keys, short
        self._titles = [t or "" for e in self._entries for t in (e.title_en, e.title_fr)]
        if len(self._keys) != len(self._titles):
            self._entries, self._keys, self._short, self._titles = [], [], {}, []
            return False
        self._choices = list(self._short)
        return True

    def _build(self, entries: Sequence[TitleEntry]) -> None:
        """Keys for every title, folded in bulk (C speed: one `title_key` call per title
        took ~100 ms for 20,000 titles), grouped by their article-less form."""
        self._entries = list(entries)
        self._titles = [t or "" for e in self._entries for t in (e.title_en, e.title_fr)]
        self._keys = fold_many(self._titles)
        # (no titles: no groups; "".split("\n") would give one empty key of no title)
        shorts = _STRIP_ARTICLES.sub("", "\n".join(self._keys)).split("\n") if self._keys else []
        groups = self._short
        for n, short in enumerate(shorts):
            groups.setdefault(short, []).append(n)
        for short in [k for k in groups if not k or not self._keys[groups[k][0]]]:
            titles = [n for n in groups.pop(short) if self._keys[n]]
            for n in titles:  # a title that is only an article ("The"): its own key
                groups.setdefault(self._keys[n], []).append(n)
        self._choices = list(groups)

    def match(self, text: str, *, year: int | None = None,
              strict: bool = False) -> TitleMatch | None:
        """The cached title `text` names (typos forgiven), or None when unsure."""
        self._ensure()
        key = title_key(text)
        if not key or not self._entries:
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
        titles = [n for n in self._short[short_key] if key is None or self._keys[n] == key]
        entries: dict[int, TitleEntry] = {}
        for n in titles:
            entries.setdefault(n >> 1, self._entries[n >> 1])
        return TitleMatch(self._titles[titles[0]], tuple(entries.values()), score, how)

    def _exact(self, key: str) -> TitleMatch | None:
        short = strip_article(key)
        if short not in self._short:
            return None
        if any(self._keys[n] == key for n in self._short[short]):
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
            return max(self._entries[n >> 1].votes or 0 for n in self._short[k])

        return self._make(max(keys, key=votes), 90.0, "prefix")


class _Snapshot:
    """The folded keys of the last index built for this database, in the cache folder
    (owner-only), valid while the movies table's fingerprint is the same: folding 20,000
    titles costs ~100 ms a turn, reading them back ~10 ms."""

    VERSION = 1

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
