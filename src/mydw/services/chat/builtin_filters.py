"""Structured filters and moods read from a normalized request (English or French).

`read_filters("des comedies francaises des annees 2000")` → genres ["Comedy"],
language "fr", years 2000–2009. Each pattern blanks the span it read, so "annees 2000" is
not read again as the year 2000, and the order below decides which reading wins.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mydw.services.chat import lexicon as lx

_NUM = r"(\d{1,2}(?:[.,]\d{1,2})?)"
_YEAR = r"((?:18|19|20)\d\d)"
_B = r"(?<![a-z0-9])"
_E = r"(?![a-z0-9])"
_NOT_COUNT = r"(?!\s*(?:movies|films|titles|titres|suggestions|ideas|idees))(?![.,]?\d)"

_RANGE = re.compile(
    _B + r"(?:between|entre|from|de|du|des annees)\s+" + _YEAR
    + r"\s+(?:and|et|to|a|au|jusqu'a|-)\s+" + _YEAR + _E
    + r"|" + _B + _YEAR + r"\s*-\s*" + _YEAR + _E)
_AFTER = re.compile(_B + r"(?:after|post|apres|plus recents? que|later than|sortis? apres)\s+"
                    r"(?:the\s+year\s+|l'an\s+|l'annee\s+|)" + _YEAR + _E)
_SINCE = re.compile(_B + r"(?:since|from|starting|depuis|a partir de|a compter de|des)\s+"
                    r"(?:the\s+year\s+|l'an\s+|l'annee\s+|)" + _YEAR + _E)
_BEFORE = re.compile(_B + r"(?:before|pre|prior to|older than|avant|anterieurs? a|"
                     r"sortis? avant)\s+(?:the\s+year\s+|l'an\s+|l'annee\s+|)" + _YEAR + _E)
_UNTIL = re.compile(_B + r"(?:until|till|up to|through|jusqu'en|jusqu'a)\s+" + _YEAR + _E)
_PART = r"(?:(early|late|mid|debut des|fin des|milieu des)\s+(?:the\s+)?)?"
_DECADE_FR = re.compile(_B + _PART + r"(?:les\s+)?annees\s+((?:19|20)?\d0)(?:'?s)?" + _E)
_DECADE = re.compile(_B + _PART + r"'?((?:19|20)?\d0)'?s" + _E)
_DECADE_WORD = re.compile(_B + _PART + r"(" + "|".join(lx.DECADE_WORDS) + r")" + _E)
_BARE_YEAR = re.compile(_B + r"(?:in|en|of|de|from|du|year|annee)?\s*" + _YEAR + _E)
# Recency, counted back from this year ("recent" and "latest": the last RECENT_YEARS).
RECENT_YEARS = 3
_RECENT = re.compile(_B + r"(?:recent|recently released|newest|latest|brand new|new releases?|"
                     r"recents?|recentes?|nouveautes?|dernieres? sorties?|sortis? recemment)"
                     + _E)
_THIS_YEAR = re.compile(_B + r"(?:(?:from |of |released )?this year|(?:de |sortis? )?cette annee"
                        r"|de l'annee)" + _E)
_LAST_YEAR = re.compile(_B + r"(?:(?:from |of )?last year|de l'annee derniere|l'annee derniere|"
                        r"de l'an dernier|l'an dernier|l'an passe)" + _E)
_NUMBER_WORD = r"(\d{1,2}|" + "|".join(lx.NUMBER_WORDS) + r")"
_LAST_N = re.compile(
    _B + r"(?:(?:in|from|over|of|during) )?(?:the )?(?:last|past) " + _NUMBER_WORD + r" years"
    + r"|" + _B + r"(?:(?:de|des|depuis|sur) )?(?:ces |les )?" + _NUMBER_WORD
    + r" (?:dernieres|derniere) annees" + _E)
_LAST_FEW = re.compile(_B + r"(?:(?:in|from|over|of) )?(?:the )?(?:last|past) (?:few|couple of) "
                       r"years|(?:de |depuis |sur )?ces dernieres annees" + _E)

_RATING_WORD = (r"(?:rated|rating|ratings|with a rating|score|scored|imdb|note|notes|notee|"
                r"notees|avec une note|une note)")
_COMPARE = (r"(?:above|over|more than|greater than|higher than|at least|minimum|min|"
            r"of at least|plus de|plus que|au moins|au-dessus de|au dessus de|minimum de|"
            r"superieure? a|superieure? ou egale? a|>=|>|de plus de)")
_RATING = re.compile(
    _B + _RATING_WORD + r"\s+(?:of\s+|de\s+|:\s*)?(?:" + _COMPARE + r"\s+)?" + _NUM
    + r"(?:\s*/\s*10|\s*\+|\s*(?:on|sur) imdb)?" + _NOT_COUNT
    + r"|" + _B + _COMPARE + r"\s+" + _NUM + r"(?:\s*/\s*10|\s*\+|\s*(?:on|sur) imdb"
    r"|\s*stars|\s*etoiles)?" + _NOT_COUNT
    + r"|" + _B + _NUM + r"\s*(?:\+|/\s*10)(?![a-z0-9])")
_WELL_RATED = re.compile(
    _B + r"(?:(?:well|highly|top|best|critically)[ -](?:rated|acclaimed)|acclaimed|"
    r"(?:tres |les )?(?:bien|mieux) notes?|acclames?|chefs? d'oeuvres?|masterpieces?|"
    r"cult classics?|classiques? cultes?|films? cultes?)" + _E)
WELL_RATED = 8.0

_COUNT = re.compile(
    _B + r"(?:top\s+|the\s+|les\s+|des\s+)?(\d{1,2}|" + "|".join(lx.NUMBER_WORDS)
    + r")\s+(?:more\s+|other\s+|autres\s+|de plus\s+|bons\s+|good\s+)?(?:movies|films|"
      r"suggestions|titles|titres|idees|ideas|picks|recommendations)" + _E
    + r"|" + _B + r"top\s+(\d{1,2})" + _E)
MAX_COUNT = 50

# The vocabulary as one dictionary of word tuples (each `*` expanded to its endings): a
# request is read word by word, longest phrase first, with dictionary lookups — compiling
# some 400 phrase patterns instead cost ~60 ms of start-up on every `mydw chat -m`.
_ENDINGS = ("", "e", "s", "es", "ne", "nes", "x", "le", "les")
_WORD = re.compile(r"[a-z0-9']+")


def _variants(phrase: str) -> list[tuple[str, ...]]:
    forms = [""]
    for n, piece in enumerate(phrase.replace("-", " ").split("*")):
        forms = [f + ending + piece for f in forms for ending in (_ENDINGS if n else ("",))]
    return [tuple(_WORD.findall(f)) for f in forms]


def _vocabulary() -> dict[tuple[str, ...], tuple[str, str, str | None]]:
    """words -> (what, value, implied genre); the first category to claim a phrase keeps it."""
    table: dict[tuple[str, ...], tuple[str, str, str | None]] = {}
    groups: list[tuple[str, dict[str, Any]]] = [
        ("language", lx.LANGUAGES), ("genre", lx.GENRES), ("mood", lx.MOODS)]
    for what, group in groups:
        for value, phrases in group.items():
            for phrase in phrases:
                for words in _variants(phrase):
                    table.setdefault(words, (what, value, None))
    for keyword, (genre, phrases) in lx.THEMES.items():
        for phrase in phrases:
            for words in _variants(phrase):
                table.setdefault(words, ("theme", keyword, genre))
    return table


_VOCABULARY = _vocabulary()
_LONGEST = max(len(words) for words in _VOCABULARY)


@dataclass
class Filters:
    genres: list[str] = field(default_factory=list)  # named genres, in the order given
    mood_genres: list[str] = field(default_factory=list)  # genres a mood or theme implies
    year_from: int | None = None
    year_to: int | None = None
    min_rating: float | None = None
    language: str | None = None
    keywords: list[str] = field(default_factory=list)
    limit: int | None = None
    without_genres: list[str] = field(default_factory=list)  # "no horror", "pas de gore"

    @property
    def structured(self) -> bool:
        return bool(self.genres or self.year_from or self.year_to or self.min_rating is not None
                    or self.language or self.without_genres)

    @property
    def found(self) -> bool:
        return self.structured or bool(self.mood_genres or self.keywords)

    def arguments(self) -> dict[str, Any]:
        """`recommend` arguments (one genre: the tool takes one, the first named wins)."""
        args: dict[str, Any] = {}
        genres = self.genres or self.mood_genres
        if genres:
            args["genre"] = genres[0]
        if self.without_genres:
            args["without_genre"] = self.without_genres[0]
        for name in ("year_from", "year_to", "min_rating", "language"):
            value = getattr(self, name)
            if value is not None:
                args[name] = value
        if self.keywords:
            args["keywords"] = list(self.keywords)
        return args


class _Text:
    """The request being read; `take` blanks what a pattern consumed."""

    def __init__(self, text: str) -> None:
        self.text = f" {text} "

    def take(self, pattern: re.Pattern[str]) -> re.Match[str] | None:
        match = pattern.search(self.text)
        if match:
            start, end = match.span()
            self.text = self.text[:start] + " " * (end - start) + self.text[end:]
        return match


def _decade(value: str) -> int:
    number = int(value)
    if number >= 1800:
        return number
    return 2000 + number if number <= 20 else 1900 + number


def _part(decade: int, part: str | None) -> tuple[int, int]:
    if part in ("early", "debut des"):
        return decade, decade + 4
    if part in ("late", "fin des"):
        return decade + 5, decade + 9
    if part in ("mid", "milieu des"):
        return decade + 3, decade + 7
    return decade, decade + 9


def _number(value: str) -> float:
    return float(value.replace(",", "."))


def _read_years(t: _Text, f: Filters) -> None:
    if m := t.take(_RANGE):
        low, high = sorted(int(y) for y in m.groups() if y)
        f.year_from, f.year_to = low, high
        return
    if m := t.take(_AFTER):
        f.year_from = int(m.group(1)) + 1
    elif m := t.take(_SINCE):
        f.year_from = int(m.group(1))
    if m := t.take(_BEFORE):
        f.year_to = int(m.group(1)) - 1
    elif m := t.take(_UNTIL):
        f.year_to = int(m.group(1))
    if f.year_from is not None or f.year_to is not None:
        return
    for pattern in (_DECADE_FR, _DECADE):
        if m := t.take(pattern):
            f.year_from, f.year_to = _part(_decade(m.group(2)), m.group(1))
            return
    if m := t.take(_DECADE_WORD):
        f.year_from, f.year_to = _part(lx.DECADE_WORDS[m.group(2)], m.group(1))
        return
    if m := t.take(_BARE_YEAR):
        f.year_from = f.year_to = int(m.group(1))
        return
    _read_recency(t, f)


def _read_recency(t: _Text, f: Filters) -> None:
    """"recent", "this year", "last year", "the last 5 years", "ces dernières années"."""
    from mydw.domain.types import utcnow

    now = utcnow().year
    if m := t.take(_LAST_N):
        word = next(g for g in m.groups() if g)
        count = int(word) if word.isdigit() else lx.NUMBER_WORDS[word]
        if count >= 1:
            f.year_from = now - count + 1
    elif t.take(_LAST_FEW):
        f.year_from = now - 4
    elif t.take(_LAST_YEAR):  # before "this year": "de l'année dernière" holds "de l'année"
        f.year_from = f.year_to = now - 1
    elif t.take(_THIS_YEAR):
        f.year_from = f.year_to = now
    elif t.take(_RECENT):
        f.year_from = now - RECENT_YEARS + 1


def _read_rating(t: _Text, f: Filters) -> None:
    if m := t.take(_RATING):
        value = _number(next(g for g in m.groups() if g))
        if 0 <= value <= 10:
            f.min_rating = value
    elif t.take(_WELL_RATED):
        f.min_rating = WELL_RATED


def _read_count(t: _Text, f: Filters) -> None:
    if m := t.take(_COUNT):
        word = next(g for g in m.groups() if g)
        count = int(word) if word.isdigit() else lx.NUMBER_WORDS[word]
        if 1 <= count <= MAX_COUNT:
            f.limit = count


def _add(names: list[str], name: str) -> None:
    if name not in names:
        names.append(name)


def _read_words(t: _Text, f: Filters) -> None:
    words = [(m.group(0), m.start(), m.end()) for m in _WORD.finditer(t.text.replace("-", " "))]
    i = 0
    while i < len(words):
        for n in range(min(_LONGEST, len(words) - i), 0, -1):
            found = _VOCABULARY.get(tuple(w for w, _, _ in words[i:i + n]))
            if found is not None:
                break
        else:
            i += 1
            continue
        what, value, genre = found
        negated = _negated([w for w, _, _ in words[max(0, i - _LOOK_BACK):i]])
        if negated and what in ("genre", "mood"):
            _add(f.without_genres, value)  # "no horror", "nothing scary": leave it out
        elif negated and what != "language":
            pass  # "no zombies": a theme cannot be left out; at least it is not asked for
        elif what == "language":
            f.language = f.language or value
        elif what == "genre":
            _add(f.genres, value)
        elif what == "mood":
            _add(f.mood_genres, value)
        else:
            _add(f.keywords, value)
            if genre:
                _add(f.mood_genres, genre)
        start, end = words[i][1], words[i + n - 1][2]
        t.text = t.text[:start] + " " * (end - start) + t.text[end:]
        i += n


# "no horror", "not a romance", "without gore", "pas de films d'horreur", "sans gore",
# "sauf les comédies": a negation a few small words before a genre leaves it out.
_NEGATIONS = frozenset({
    "no", "not", "without", "except", "excluding", "nothing", "never",
    "non", "pas", "sans", "sauf", "hors", "ni", "aucun", "aucune", "jamais"})
_SMALL = frozenset({
    "a", "an", "the", "any", "too", "very", "so", "of", "film", "films", "movie", "movies",
    "genre", "style", "kind", "sort", "type", "de", "d'", "des", "du", "la", "le", "les", "l'",
    "un", "une", "que", "trop", "tres", "en"})
_LOOK_BACK = 4


def _negated(before: list[str]) -> bool:
    for word in reversed(before):
        if word in _NEGATIONS:
            return True
        if word not in _SMALL:
            return False
    return False


def _drop_wanted(f: Filters) -> None:
    """A genre both asked for and left out. Named outright, it is wanted: in "horror but no
    gore" the "no gore" only says which horror (a theme cannot be left out). Only implied
    by a mood, it is left out: "something scary but no horror"."""
    f.without_genres = [g for g in f.without_genres if g not in f.genres]
    f.mood_genres = [g for g in f.mood_genres if g not in f.without_genres]


def read_filters(text: str) -> tuple[Filters, str]:
    """The filters found in normalized `text`, and what is left of it once they are read."""
    t = _Text(text)
    f = Filters()
    _read_years(t, f)
    _read_rating(t, f)
    _read_count(t, f)
    _read_words(t, f)
    _drop_wanted(f)
    return f, " ".join(t.text.split())
