"""Did you mean …? The movies whose title is close to one that matched nothing (a typo).

TMDB's search matches words, not misspellings: "Quantum Orchrad" finds nothing, and
neither does "Inceptoin". After such a miss, and only then, the title's words are searched
one by one (the three longest, at once), with the first half of the longest word too (a
typo in the second half of a one-word title still finds it). The movies found are ranked by
how few typos one of their titles (English, French, original; folded, with or without a
leading article) is from the title given; `edits_allowed` says how many may be.

The searches are remembered like any other (the search cache); an upstream failure here
only means no suggestion.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from mydw.domain.errors import MydwError
from mydw.domain.types import fold
from mydw.services.catalog.common import Upstream, views_with_lines
from mydw.services.catalog.pages import fresh_page, query_key, search_pages_at_once
from mydw.services.context import AppContext
from mydw.services.views import MovieView


def edits_allowed(length: int) -> int:
    """How many typos (a letter wrong, missing, extra, or two swapped) a title of `length`
    characters may carry and still be suggested: about one in five, at most three."""
    return 0 if length < 4 else 1 if length <= 5 else 2 if length <= 11 else 3


MAX_QUERIES = 4
SHOWN = 3
# Words that say nothing of a title (English and French articles and linking words).
_STOP_WORDS = frozenset({"the", "a", "an", "of", "and", "in", "on", "to", "for", "le", "la",
                         "les", "l", "un", "une", "de", "des", "du", "d", "et", "en", "au",
                         "aux"})
_ARTICLE = re.compile(r"^(?:the|a|an|le|la|les|l'|un|une) ?")
_WORD = re.compile(r"[^\W_]+")
_PUNCTUATION = re.compile(r"[^\w\s]")


def queries_for(title: str) -> list[str]:
    """The searches a missed `title` is worth (longest words first; none for a short one)."""
    words = sorted(dict.fromkeys(w for w in _WORD.findall(fold(title))
                                 if len(w) >= 3 and w not in _STOP_WORDS),
                   key=lambda w: (-len(w), w))
    if not words or len(fold(title)) < 4:
        return []
    queries = words[:3]
    if len(words[0]) >= 6:
        queries.append(words[0][: (len(words[0]) + 1) // 2])
    return queries[:MAX_QUERIES]


def _plain(text: str) -> str:
    return " ".join(_PUNCTUATION.sub("", text).split())


def typos(wanted: str, lines: set[str]) -> int:
    """The fewest typos between `wanted` (folded) and one of a movie's folded titles, with
    or without a leading article, punctuation left out (optimal string alignment distance:
    rapidfuzz's C code)."""
    from rapidfuzz.distance import OSA

    plain = _plain(wanted)
    bare = _plain(_ARTICLE.sub("", wanted))
    best = 1 << 30
    for line in lines:
        if line:
            best = min(best, OSA.distance(plain, _plain(line)),
                       OSA.distance(bare, _plain(_ARTICLE.sub("", line))))
    return best


def suggestions(ctx: AppContext, up: Upstream, title: str, year: int | None, lang: str,
                *, shown: int = SHOWN) -> list[MovieView]:
    """Cached movies (after the searches) whose titles are close to `title`, closest first."""
    wanted = fold(title)
    queries = queries_for(title)
    pages: list[list[int]] = []
    missing: list[tuple[str, str, int | None]] = []  # (cache key, query, year)
    for query in queries:
        key = query_key(query, lang, year, 1)
        if (page := fresh_page(ctx, key)) is not None:
            pages.append(page.tmdb_ids)
        else:
            missing.append((key, query, year))
    if missing:
        pages += [answer.tmdb_ids for answer in search_pages_at_once(ctx, up, missing, lang)
                  if not isinstance(answer, MydwError)]
    ids = list(dict.fromkeys(i for page in pages for i in page))
    allowed = edits_allowed(len(_plain(wanted)))
    close = [(n, view) for view, lines in views_with_lines(ctx, ids)
             if (n := typos(wanted, lines)) <= allowed
             and (year is None or view.release_year == year)]
    close.sort(key=lambda nv: (nv[0], -(nv[1].vote_count or 0)))
    return [view for _typos, view in close[:shown]]


def did_you_mean(views: Sequence[MovieView], lang: str) -> str | None:
    """`did you mean "Quantum Orchard (2021)"?` (None without a suggestion)."""
    if not views:
        return None
    labels = " or ".join(f'"{v.label(lang)}"' for v in views)
    return f"did you mean {labels}?"
