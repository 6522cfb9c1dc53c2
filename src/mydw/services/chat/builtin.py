"""The built-in assistant: a deterministic understanding of requests, English and French.

No model, no network of its own: `understand` routes a request to one tool call of
`mydw.services.chat.tools` (contract 3) with the arguments it must pass; `respond` runs
that call through the `execute` it is given and writes the reply in `lang` (whichever
language the request was written in).

Kinds: `title` (get_movie / search_movies), `similar` and `filters` and `mood` (recommend),
`status` (set_status), `mine` and `stats` (list_my_movies), `help`, `answer` (to a numbered
question), `more` (the next page), `unknown`.

It never writes on a guess: a status change names a title that is matched strictly (exact
or one clear typo), and an ambiguous title gets a numbered question stored as `pending`
(`{"type": "choose", "call", "argument", "candidates"}`, and `missed`: the words that
matched nothing when the candidates are close titles, services/catalog/suggest.py); paging keeps
`{"type": "more", "call", "shown", "page"}`.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mydw.services.chat import builtin_intents as it
from mydw.services.chat.builtin_filters import read_filters
from mydw.services.chat.lexicon import FILLER, ORDINALS, normalize_with_map, title_key
from mydw.services.chat.titles import TitleIndex, TitleMatch
from mydw.services.chat.tools import ToolCall

if TYPE_CHECKING:
    from mydw.services.chat.tools import ToolOutcome
    from mydw.services.context import AppContext

from mydw.services.chat.builtin_types import (  # noqa: F401  (re-exported)
    KINDS,
    LATEST_YEAR,
    LIST_PAGE,
    MAX_LIMIT,
    PAGE,
    PAGED,
    STATS_SHOWN,
    BuiltinReply,
    Understanding,
)


def _call(name: str, **arguments: Any) -> ToolCall:
    return ToolCall(name, {k: v for k, v in arguments.items() if v is not None})


# --------------------------------------------------------------------------- text


class _Request:
    """The request normalized, with a map back to the words as typed."""

    def __init__(self, text: str) -> None:
        self.original = text
        norm, where = normalize_with_map(text)
        # Leading greetings and politeness ("hey, please tell me about…") carry nothing.
        while (m := FILLER.match(norm)) and (m.end() == len(norm) or norm[m.end()] in " ,."):
            cut = m.end()
            while cut < len(norm) and norm[cut] in " ,.":
                cut += 1
            if cut >= len(norm):
                break
            norm, where = norm[cut:], where[cut:]
        self.norm = norm
        self.where = where

    def typed(self, start: int, end: int) -> str:
        """The words as typed behind norm[start:end]."""
        if start >= end:
            return ""
        return self.original[self.where[start]:self.where[end - 1] + 1].strip(" '\"«»“”.,!?")


_LEADING = re.compile(r"^(?:the (?:movie|film)|le film|film|movie)\s+(?=.)|^['\"]")
_TRAILING_YEAR = re.compile(r"\s*(?:from|of|de|du|sorti en|en|in)?\s*\(?((?:18|19|20)\d\d)\)?$")
_QUESTION = re.compile(r"^(?:what|which|quoi|lequel|laquelle|lesquels|quel|quels|quelle|"
                       r"quelles|it|ca|cela|this|that|them|les|everything|tout)$")


def _movie_ref(req: _Request, span: tuple[int, int], titles: TitleIndex | None, *,
               strict: bool, de: str | None = None) -> tuple[str, TitleMatch | None]:
    """The `movie` argument for the words in `span`: the cached title they name (typos
    forgiven), else the words as typed; a trailing year is kept as `Title (year)`."""
    start, end = span
    text = req.norm[start:end]
    while m := _LEADING.match(text):
        start += m.end()
        text = req.norm[start:end]
    text = text.rstrip(" '.,!?")
    end = start + len(text)
    candidates: list[tuple[str, int | None, int]] = [(text, None, end)]
    m = _TRAILING_YEAR.search(text)
    if m and m.start() > 0 and int(m.group(1)) <= LATEST_YEAR:
        candidates.append((text[: m.start()].strip(), int(m.group(1)), start + m.start()))
    if titles is not None:
        for words, year, _stop in candidates:
            variants = [words]
            if de in ("du", "des"):
                variants.insert(0, ("le " if de == "du" else "les ") + words)
            for variant in variants:
                found = titles.match(variant, year=year, strict=strict) if words else None
                if found is not None:
                    return (f"{found.title} ({year})" if year else found.title), found
    _words, year, stop = candidates[-1]
    typed = req.typed(start, stop)
    return (f"{typed} ({year})" if year else typed), None


# --------------------------------------------------------------------------- answers


_NUMBER = re.compile(r"^(?:(?:number|numero|num|n°|no|#|option|choice|choix|le|la|the)\s*)?"
                     r"(\d{1,2})(?:\s*(?:st|nd|rd|th|er|re|e|eme))?(?:\s+(?:one|un|une))?$")
_YEAR_ANY = re.compile(r"(?<!\d)((?:18|19|20)\d\d)(?!\d)")


def _answer(req: _Request, pending: dict[str, Any]) -> Understanding | None:
    candidates = pending.get("candidates") or []
    text = req.norm.strip(" .!?")
    if it.CANCEL.match(text):
        return Understanding("answer", cancelled=True)
    choice: int | None = None
    if m := _NUMBER.match(text):
        choice = int(m.group(1))
    elif len(text.split()) <= 5 and (
        found := [ORDINALS[w] for w in re.findall(r"[a-z0-9]+", text) if w in ORDINALS]
    ):
        choice = len(candidates) if found[0] == -1 else found[0]
    elif years := _YEAR_ANY.findall(text):
        same = [i for i, c in enumerate(candidates, 1) if str(c.get("year")) == years[0]]
        if len(same) != 1:
            return Understanding("answer") if same else None
        choice = same[0]
    else:
        key = title_key(req.original)
        same = [i for i, c in enumerate(candidates, 1)
                if key and key in {title_key(c.get("title_en") or ""),
                                   title_key(c.get("title_fr") or "")}]
        if len(same) != 1:
            return None
        choice = same[0]
    if not 1 <= choice <= len(candidates):
        return Understanding("answer", choice=choice)
    call = pending["call"]
    arguments = dict(call["arguments"])
    arguments[pending.get("argument", "movie")] = f"tmdb:{candidates[choice - 1]['tmdb_id']}"
    return Understanding("answer", call=ToolCall(call["name"], arguments), choice=choice)


def _more(pending: dict[str, Any] | None) -> Understanding:
    if not pending or pending.get("type") != "more" or "call" not in pending:
        return Understanding("more")
    call = pending["call"]
    arguments = dict(call["arguments"])
    page = int(pending.get("page") or PAGE)
    if call["name"] in ("recommend", "list_my_movies"):
        arguments["limit"] = min(MAX_LIMIT, len(pending.get("shown") or []) + page)
    return Understanding("more", call=ToolCall(call["name"], arguments), page=page)


# --------------------------------------------------------------------------- understand


_NOT_MINE = re.compile(r"(?<![a-z])(?:haven'?t|have not|not seen|never seen|not yet|unseen|"
                       r"pas encore|jamais vus?|pas vus?|pas deja|recommend|suggest|propose|"
                       r"conseille|recommande)(?![a-z])")


def understand(text: str, *, lang: str, pending: dict[str, Any] | None = None,
               titles: TitleIndex | None = None) -> Understanding:
    """What `text` asks for, and the tool call that answers it (pure: no I/O besides the
    lazy title index). `lang` is the reply language; both languages are understood."""
    del lang  # understanding does not depend on the reply language
    req = _Request(text)
    norm = req.norm.strip(" .!?")
    if not norm or it.HELP.match(norm):
        return Understanding("help")
    if pending and pending.get("type") == "choose" and (answer := _answer(req, pending)):
        return answer
    if it.MORE.match(norm):
        return _more(pending)
    if _NUMBER.match(norm) or norm in ORDINALS:
        return Understanding("unknown")  # a choice, but no question is open
    if it.STATS.search(norm) and (it.mine_cue(norm) or re.search(r"films|movies", norm)):
        status = it.mine_status(norm)
        limit = STATS_SHOWN if status else None
        return Understanding("stats", _call("list_my_movies", status=status, limit=limit),
                             status=status)
    for status, patterns in it.STATUS:
        if not patterns.relevant(norm):
            continue
        for pattern in patterns:
            m = pattern.match(req.norm)
            if m and not _QUESTION.match(m.group("t").strip()):
                movie, found = _movie_ref(req, m.span("t"), titles, strict=True)
                if movie:
                    return Understanding("status", _call("set_status", movie=movie,
                                                         status=status),
                                         status=status, match=found)
    if it.mine_cue(norm) and not _NOT_MINE.search(norm):
        filters, _rest = read_filters(norm)
        status = it.mine_status(norm)
        genre = filters.genres[0] if filters.genres else None
        limit = filters.limit or LIST_PAGE
        return Understanding("mine", _call("list_my_movies", status=status, genre=genre,
                                           limit=limit), status=status, page=limit)
    for pattern in it.SIMILAR if it.SIMILAR.relevant(norm) else ():
        if m := pattern.match(req.norm):
            movie, found = _movie_ref(req, m.span("t"), titles, strict=False)
            filters, _rest = read_filters(norm)
            limit = filters.limit or PAGE
            return Understanding("similar", _call("recommend", similar_to=movie, limit=limit),
                                 match=found, page=limit)
    for pattern in it.TITLE:
        if m := pattern.match(req.norm):
            de = m.groupdict().get("de")
            movie, found = _movie_ref(req, m.span("t"), titles, strict=False, de=de)
            return Understanding("title", _call("get_movie", movie=movie), match=found)
    for pattern in it.SEARCH:
        if (m := pattern.match(req.norm)) and not read_filters(m.group("t"))[0].found:
            query, found = _movie_ref(req, m.span("t"), titles, strict=False)
            year_match = re.search(r"\((\d{4})\)$", query)
            if year_match:
                query = query[: year_match.start()].strip()
            year = int(year_match.group(1)) if year_match else None
            return Understanding("title", _call("search_movies", query=query, year=year),
                                 match=found)
    return _describe(req, norm, titles)


def _describe(req: _Request, norm: str, titles: TitleIndex | None) -> Understanding:
    """Filters, a mood, a bare title, or nothing understood."""
    filters, rest = read_filters(norm)
    start = 0
    if want := it.WANT.match(norm):
        start = want.end()
        verb = re.match(r"(?:watch|see|voir|regarder)?\s*", norm[start:])
        start += verb.end() if verb else 0
    # A title is looked for (the index loaded) only when words are left that no filter
    # read: "90s dramas rated above 8" needs no index, "Dune (2021)" does.
    if titles is not None and start < len(norm) and (rest or not filters.structured):
        movie, found = _movie_ref(req, (start, len(norm)), titles, strict=False)
        if found is not None and (
            not filters.found or (found.how == "exact" and (rest or not filters.structured))
        ):
            return Understanding("title", _call("get_movie", movie=movie), match=found)
    if filters.found:
        kind = "filters" if filters.structured else "mood"
        limit = filters.limit or PAGE
        return Understanding(kind, _call("recommend", **filters.arguments(), limit=limit),
                             page=limit)
    if it.RECOMMEND.search(norm) or filters.limit:
        limit = filters.limit or PAGE
        return Understanding("filters", _call("recommend", limit=limit), page=limit)
    if len(norm.split()) <= 6 and "?" not in req.original:
        movie, found = _movie_ref(req, (start, len(norm)), titles, strict=False)
        return Understanding("title", _call("get_movie", movie=movie), match=found)
    return Understanding("unknown")


# --------------------------------------------------------------------------- respond


# "it", "that one", "celui-ci", "marque-le", "je l'ai vu": the one movie the last reply was
# about (its `movies`), written as `tmdb:ID` before the request is understood again.
_IT = re.compile(r"(?<![\w'’-])(?:this|that) (?:one|movie|film)\b|(?<![\w'’-])(?:it|this|that|"
                 r"celui-(?:ci|là|la)|celle-(?:ci|là|la)|ce film|ça|ca)(?![\w'’-])", re.I)
_CLITIC = re.compile(r"\b(\w+)-(?:le|la|les)\b", re.I)
_ELIDED = re.compile(r"\bje\s+l['’]\s*ai\s+(\w+)", re.I)


def _refer(text: str, tmdb_id: int) -> str:
    ref = f"tmdb:{tmdb_id}"
    text = _ELIDED.sub(lambda m: f"j'ai {m.group(1)} {ref}", text)
    text = _CLITIC.sub(lambda m: f"{m.group(1)} {ref}", text)
    return _IT.sub(ref, text, count=1) if ref not in text else text


def last_movies(history: list[dict[str, Any]]) -> list[int]:
    """The TMDB ids the last assistant message was about (its optional `movies` key)."""
    for message in reversed(history):
        if message.get("role") == "assistant":
            ids = message.get("movies")
            return [i for i in ids if isinstance(i, int)] if isinstance(ids, list) else []
    return []


def last_pending(history: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The `pending` of the last assistant message (an open question or a page)."""
    for message in reversed(history):
        if message.get("role") == "assistant":
            pending = message.get("pending")
            return pending if isinstance(pending, dict) else None
    return None


def respond(ctx: AppContext, user_id: int, text: str, *, lang: str,
            history: list[dict[str, Any]],
            execute: Callable[[ToolCall], ToolOutcome]) -> BuiltinReply:
    """One turn: understand `text` (the last assistant message's `pending` answers a
    numbered question or pages on), run its tool call through `execute`, write the reply
    in `lang`. Never raises for a request it cannot serve: the reply says so."""
    from mydw.services.chat.builtin_reply import reply

    del user_id  # `execute` is bound to the user
    pending = last_pending(history)
    titles = TitleIndex.from_database(ctx)
    understood = understand(text, lang=lang, pending=pending, titles=titles)
    about = last_movies(history)
    if len(about) == 1 and understood.kind not in ("answer", "more", "help"):
        rewritten = _refer(text, about[0])
        if rewritten != text:
            again = understand(rewritten, lang=lang, pending=pending, titles=titles)
            if again.kind in ("status", "title", "similar"):
                understood = again
    elif len(about) > 1 and understood.kind not in ("answer", "more", "help"):
        which = _which_of(ctx, text, about, lang=lang, pending=pending, titles=titles)
        if which is not None:
            return which
    return reply(_by_id(understood), lang=lang, pending=pending, history=history,
                 execute=execute)


_SOME = 0  # a stand-in TMDB id for "it" when the last reply showed several movies


def _which_of(ctx: AppContext, text: str, about: list[int], *, lang: str,
              pending: dict[str, Any] | None, titles: TitleIndex) -> BuiltinReply | None:
    """"Add it to my watchlist" after a list: the numbered question of which one (the
    movies the last reply showed, in its order); None when `text` names no "it"."""
    from mydw.services.catalog.common import views_with_lines
    from mydw.services.chat.builtin_reply import ask_which, candidate_json

    rewritten = _refer(text, _SOME)
    if rewritten == text:
        return None
    again = understand(rewritten, lang=lang, pending=pending, titles=titles)
    call = again.call
    argument = next((name for name in ("movie", "similar_to")
                     if call is not None and call.arguments.get(name) == f"tmdb:{_SOME}"), None)
    if call is None or argument is None or again.kind not in ("status", "title", "similar"):
        return None
    candidates = [candidate_json(view.to_json())
                  for view, _lines in views_with_lines(ctx, about[:PAGE * 2])]
    if len(candidates) < 2:
        return None
    return ask_which({"name": call.name, "arguments": dict(call.arguments)}, argument,
                     candidates, lang, [])


def _by_id(understood: Understanding) -> Understanding:
    """A title the index matched to one cached movie goes to its tool as `tmdb:ID`: the
    services need not look the title up again (a third of a turn's database time)."""
    match, call = understood.match, understood.call
    if match is None or call is None or len(match.entries) != 1:
        return understood
    for name in ("movie", "similar_to"):
        if name in call.arguments:
            ref = f"tmdb:{match.entries[0].tmdb_id}"
            return dataclasses.replace(
                understood, call=ToolCall(call.name, {**call.arguments, name: ref}))
    return understood
