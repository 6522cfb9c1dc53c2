"""The built-in assistant's replies: run the understood call, write the answer in `lang`.

Why this module is long: one reply writer per kind of request (details, lists, paging,
numbered questions, actions, errors) in both languages; they share the line formats.

A reply is a short sentence plus one `Title (year) — IMDb 8.1` line per movie; an
ambiguous title is a numbered question (kept as `pending`); an error is a helpful
sentence, never a traceback. The outcomes handed back carry, as `movies`, exactly the
movies the reply shows (a "more" page drops those this session already showed).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from mydw.domain.errors import MydwError
from mydw.services.chat.builtin_types import (
    MAX_LIMIT,
    PAGE,
    PAGED,
    BuiltinReply,
    Understanding,
)
from mydw.services.chat.lexicon import LANGUAGE_NAMES
from mydw.services.chat.tools import ToolCall, ToolOutcome
from mydw.services.views import MovieView

Execute = Callable[[ToolCall], ToolOutcome]

_T: dict[str, tuple[str, str]] = {
    "help": (
        "I can find movies and keep your lists. Try:\n"
        "- tell me about Inception\n- movies like The Matrix\n"
        "- 90s sci-fi rated above 8 · Korean thrillers after 2015\n"
        "- something feel-good for a rainy Sunday\n"
        "- mark Inception as seen · add Heat to my watchlist · not interested in Titanic\n"
        "- what's on my watchlist? · how many movies have I seen?\n"
        "Say \"more\" for more suggestions.",
        "Je trouve des films et je tiens vos listes. Essayez :\n"
        "- parle-moi d'Amélie\n- des films comme Matrix\n"
        "- des comédies françaises des années 2000 · des polars notés plus de 7\n"
        "- un film qui fait peur\n"
        "- j'ai vu Dune · ajoute Heat à ma liste · pas intéressé par Titanic\n"
        "- qu'est-ce qu'il y a dans ma liste ? · combien de films ai-je vus ?\n"
        "Dites « encore » pour d'autres suggestions."),
    "unknown": ("I did not understand that. Say \"help\" to see what I can do.",
                "Je n'ai pas compris. Dites « aide » pour voir ce que je sais faire."),
    "cancelled": ("OK, nothing changed.", "D'accord, rien n'a été changé."),
    "choose_range": ("Please answer with a number from 1 to {n}.",
                     "Répondez par un numéro de 1 à {n}."),
    "nothing_more": ("There is nothing to continue: ask me for movies first.",
                     "Il n'y a rien à continuer : demandez-moi d'abord des films."),
    "no_more": ("That's all I have for this request.",
                "Je n'ai rien d'autre pour cette demande."),
    "which": ("Which one do you mean?", "Lequel voulez-vous dire ?"),
    "did_you_mean": ("I couldn't find “{ref}”. Did you mean one of these?",
                     "Je n'ai pas trouvé « {ref} ». Vouliez-vous dire l'un de ceux-ci ?"),
    "guessed": ("(I couldn't find “{ref}”: here is {title}.)",
                "(Je n'ai pas trouvé « {ref} » : voici {title}.)"),
    "which_hint": ("Answer with a number or a year.", "Répondez par un numéro ou une année."),
    "suggest": ("Here are movies you haven't marked{crit}:",
                "Voici des films que vous n'avez pas encore marqués{crit} :"),
    "suggest_more": ("More movies you haven't marked{crit}:",
                     "D'autres films que vous n'avez pas encore marqués{crit} :"),
    "suggest_none": ("I found nothing you haven't marked{crit}. Try fewer filters.",
                     "Je n'ai rien trouvé que vous n'ayez pas déjà marqué{crit}. "
                     "Essayez avec moins de filtres."),
    "because": ("Because you watched {titles}, movies you haven't marked:",
                "Parce que vous avez vu {titles}, des films que vous n'avez pas encore "
                "marqués :"),
    "similar": ("Movies like {title} that you haven't marked:",
                "Des films comme {title} que vous n'avez pas encore marqués :"),
    "similar_none": ("I found nothing like {title} that you haven't marked.",
                     "Je n'ai rien trouvé comme {title} que vous n'ayez pas déjà marqué."),
    "search": ("Movies matching “{q}”:", "Films correspondant à « {q} » :"),
    "search_none": ("No movie matches “{q}”.", "Aucun film ne correspond à « {q} »."),
    "seen": ("Marked {title} as seen.", "{title} est marqué comme vu."),
    "later": ("Added {title} to your watchlist.", "{title} est ajouté à votre liste à voir."),
    "not_interested": ("Got it: I won't suggest {title} again.",
                       "C'est noté : je ne vous proposerai plus {title}."),
    "none": ("Removed {title} from your lists.", "{title} est retiré de vos listes."),
    "status_is": ("You marked it: {status}.", "Vous l'avez marqué : {status}."),
    "list_seen": ("Movies you have seen ({total}):", "Films que vous avez vus ({total}) :"),
    "list_later": ("Your watchlist ({total}):", "Votre liste à voir ({total}) :"),
    "list_not_interested": ("Movies you are not interested in ({total}):",
                            "Films qui ne vous intéressent pas ({total}) :"),
    "list_all": ("Your movies ({total}):", "Vos films ({total}) :"),
    "list_empty": ("Nothing here yet.", "Rien pour l'instant."),
    "list_more": ("More of your movies:", "La suite de vos films :"),
    "stats_seen": ("You have seen {total} movies.", "Vous avez vu {total} films."),
    "stats_later": ("You have {total} movies on your watchlist.",
                    "Vous avez {total} films dans votre liste à voir."),
    "stats_not_interested": ("You are not interested in {total} movies.",
                             "{total} films ne vous intéressent pas."),
    "stats_all": ("You have marked {total} movies: {seen} seen, {later} to watch, "
                  "{not_interested} not interested.",
                  "Vous avez marqué {total} films (vus : {seen}, à voir : {later}, "
                  "sans intérêt : {not_interested})."),
    # One movie (English) / zero or one (French: "0 film", "1 film"): `t(..., total=n)`.
    "stats_seen_one": ("You have seen {total} movie.", "Vous avez vu {total} film."),
    "stats_later_one": ("You have {total} movie on your watchlist.",
                        "Vous avez {total} film dans votre liste à voir."),
    "stats_not_interested_one": ("You are not interested in {total} movie.",
                                 "{total} film ne vous intéresse pas."),
    "stats_all_one": ("You have marked {total} movie: {seen} seen, {later} to watch, "
                      "{not_interested} not interested.",
                      "Vous avez marqué {total} film (vus : {seen}, à voir : {later}, "
                      "sans intérêt : {not_interested})."),
    "latest": ("The latest:", "Les derniers :"),
    "not_found": ("I couldn't find “{ref}”. Check the spelling, or add the year.",
                  "Je n'ai pas trouvé « {ref} ». Vérifiez l'orthographe, ou ajoutez l'année."),
    "upstream": ("TMDB can't be reached right now ({message}). Movies already in the local "
                 "cache still work: ask for suggestions or your lists.",
                 "TMDB ne répond pas pour l'instant ({message}). Les films déjà en cache "
                 "restent disponibles : demandez des suggestions ou vos listes."),
    "not_logged_in": ("Please log in first (mydw login).",
                      "Connectez-vous d'abord (mydw login)."),
    "invalid": ("I couldn't do that: {message}.", "Je n'ai pas pu le faire : {message}."),
    "failed": ("Something went wrong ({code}): {message}.",
               "Quelque chose n'a pas marché ({code}) : {message}."),
    "notice": ("Note: {notice}.", "Remarque : {notice}."),
}

_STATUS_NAMES = {"seen": ("seen", "vu"), "later": ("to watch", "à voir"),
                 "not_interested": ("not interested", "pas intéressé")}


def t(key: str, lang: str, **values: Any) -> str:
    total = values.get("total")
    if isinstance(total, int) and (total == 1 or (lang == "fr" and total == 0)):
        key = key + "_one" if key + "_one" in _T else key
    text = _T[key][1 if lang == "fr" else 0]
    return text.format(**values) if values else text


def movie_line(movie: MovieView, lang: str) -> str:
    """`Title (1999) — IMDb 8.1` (no rating known: `Title (1999)`)."""
    line = movie.label(lang)
    if movie.imdb_rating is not None:
        line += f" — IMDb {movie.imdb_rating:.1f}"
    return line


def _lines(movies: Sequence[MovieView], lang: str) -> str:
    return "\n".join(movie_line(m, lang) for m in movies)


def _join(*parts: str | None) -> str:
    return "\n".join(p for p in parts if p)


def criteria(arguments: dict[str, Any], lang: str) -> str:
    """`recommend` filters as a short bracket: ` (Science Fiction, 1990–1999, IMDb ≥ 8)`."""
    from mydw.services.filters import BUILTIN_GENRES

    parts: list[str] = []
    def genre_label(name: str) -> str:
        names = next((n for n in BUILTIN_GENRES.values() if n[0] == name), (name, name))
        return names[1] if lang == "fr" else names[0]

    if genre := arguments.get("genre"):
        parts.append(genre_label(genre))
    if left_out := arguments.get("without_genre"):
        parts.append(("sans " if lang == "fr" else "no ") + genre_label(left_out))
    low, high = arguments.get("year_from"), arguments.get("year_to")
    if low and high:
        parts.append(str(low) if low == high else f"{low}–{high}")
    elif low:
        parts.append(f"{low} " + ("ou après" if lang == "fr" else "or later"))
    elif high:
        parts.append(f"{high} " + ("ou avant" if lang == "fr" else "or earlier"))
    if (rating := arguments.get("min_rating")) is not None:
        parts.append(f"IMDb ≥ {rating:g}")
    if code := arguments.get("language"):
        names = LANGUAGE_NAMES.get(code, (code, code))
        parts.append(names[1] if lang == "fr" else names[0])
    if words := arguments.get("keywords"):
        parts.append(", ".join(f"“{w}”" for w in words))
    return f" ({', '.join(parts)})" if parts else ""


# --------------------------------------------------------------------------- errors


def _error(outcome: ToolOutcome) -> dict[str, Any]:
    if outcome.error is not None:
        return outcome.error.to_json()
    error = outcome.data.get("error") if isinstance(outcome.data, dict) else None
    return error if isinstance(error, dict) else {"code": "internal", "message": "no answer"}


def _candidates(outcome: ToolOutcome) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if outcome.error is not None and outcome.error.candidates:
        for c in outcome.error.candidates:
            if isinstance(c, MovieView):
                found.append({"tmdb_id": c.tmdb_id, "title_en": c.title_en,
                              "title_fr": c.title_fr, "year": c.release_year,
                              "imdb_rating": c.imdb_rating})
            else:
                found.append(candidate_json(c.to_json()))
        return found
    return [candidate_json(c) for c in _error(outcome).get("candidates") or []]


def candidate_json(c: dict[str, Any]) -> dict[str, Any]:
    return {"tmdb_id": c.get("tmdb_id"), "title_en": c.get("title_en"),
            "title_fr": c.get("title_fr"), "year": c.get("release_year", c.get("year")),
            "imdb_rating": c.get("imdb_rating")}


def candidate_line(c: dict[str, Any], lang: str) -> str:
    title = (c.get("title_fr") if lang == "fr" else c.get("title_en")) or c.get(
        "title_en") or c.get("title_fr") or f"TMDB #{c.get('tmdb_id')}"
    line = f"{title} ({c['year']})" if c.get("year") else str(title)
    if c.get("imdb_rating") is not None:
        line += f" — IMDb {float(c['imdb_rating']):.1f}"
    return line


def ask_which(call: dict[str, Any], argument: str, candidates: list[dict[str, Any]], lang: str,
              outcomes: list[ToolOutcome], *, missed: str | None = None) -> BuiltinReply:
    """The numbered question of which candidate `call`'s `argument` means, stored as the
    reply's `pending` (`missed`: the words that matched nothing, for close titles)."""
    asked: dict[str, Any] = {"type": "choose", "call": call, "argument": argument,
                             "candidates": candidates}
    if missed is not None:
        asked["missed"] = missed
    return BuiltinReply(question(asked, lang), outcomes, asked)


def question(pending: dict[str, Any], lang: str) -> str:
    numbered = "\n".join(f"{i}. {candidate_line(c, lang)}"
                         for i, c in enumerate(pending["candidates"], 1))
    head = (t("did_you_mean", lang, ref=pending["missed"]) if pending.get("missed")
            else t("which", lang))
    return _join(head, numbered, t("which_hint", lang))


def _ref(call: ToolCall) -> str:
    args = call.arguments
    return str(args.get("movie") or args.get("similar_to") or args.get("query") or "")


def _failure(outcome: ToolOutcome, lang: str) -> BuiltinReply:
    error = _error(outcome)
    code = str(error.get("code") or "internal")
    message = str(error.get("message") or "").rstrip(".")
    if code == "ambiguous" and (candidates := _candidates(outcome)):
        argument = "similar_to" if "similar_to" in outcome.call.arguments else "movie"
        return ask_which(_call_json(outcome.call), argument, candidates, lang, [outcome])
    if code in ("not_found", "ambiguous"):
        text = t("not_found", lang, ref=_ref(outcome.call) or message)
    elif code in ("upstream", "upstream_auth", "rate_limited"):
        text = t("upstream", lang, message=message)
    elif code == "not_logged_in":
        text = t("not_logged_in", lang)
    elif code in ("invalid_input", "usage"):
        text = t("invalid", lang, message=message)
    else:
        text = t("failed", lang, code=code, message=message)
    return BuiltinReply(text, [outcome], None)


def _typo(u: Understanding, outcome: ToolOutcome, *, lang: str,
          pending: dict[str, Any] | None, history: list[dict[str, Any]],
          execute: Execute) -> BuiltinReply | None:
    """A title that matched nothing but is close to some (services/catalog/suggest.py): one
    close title answers a question that changes nothing; otherwise, or for a status
    change (never written on a guess), the close titles are a numbered question."""
    error = _error(outcome)
    candidates = _candidates(outcome)
    if error.get("code") != "not_found" or not candidates or u.call is None:
        return None
    argument = "similar_to" if "similar_to" in u.call.arguments else "movie"
    if argument not in u.call.arguments:
        return None
    ref = _ref(u.call)
    if len(candidates) == 1 and u.call.name != "set_status":
        call = ToolCall(u.call.name, {**u.call.arguments,
                                      argument: f"tmdb:{candidates[0]['tmdb_id']}"})
        answered = reply(replace(u, call=call), lang=lang, pending=pending,
                         history=history, execute=execute)
        note = t("guessed", lang, ref=ref, title=candidate_line(candidates[0], lang))
        return replace(answered, content=_join(note, answered.content))
    return ask_which(_call_json(outcome.call), argument, candidates, lang, [outcome],
                     missed=ref)


def _call_json(call: ToolCall) -> dict[str, Any]:
    return {"name": call.name, "arguments": dict(call.arguments)}


# --------------------------------------------------------------------------- reply


def _shown_before(history: list[dict[str, Any]]) -> set[int]:
    ids: set[int] = set()
    for message in history:
        for value in message.get("movies") or []:
            if isinstance(value, int):
                ids.add(value)
            elif isinstance(value, dict) and isinstance(value.get("tmdb_id"), int):
                ids.add(value["tmdb_id"])
    return ids


def _notice(outcome: ToolOutcome, lang: str) -> str | None:
    notice = outcome.data.get("notice") if isinstance(outcome.data, dict) else None
    return t("notice", lang, notice=str(notice).rstrip(".")) if notice else None


def reply(u: Understanding, *, lang: str, pending: dict[str, Any] | None,
          history: list[dict[str, Any]], execute: Execute) -> BuiltinReply:
    if u.kind == "help":
        return BuiltinReply(t("help", lang))
    if u.call is None:
        if u.kind == "answer" and u.cancelled:
            return BuiltinReply(t("cancelled", lang))
        if u.kind == "answer" and pending:
            n = len(pending.get("candidates") or [])
            return BuiltinReply(_join(t("choose_range", lang, n=n), question(pending, lang)),
                                pending=pending)
        return BuiltinReply(t("nothing_more" if u.kind == "more" else "unknown", lang))
    try:
        outcome = execute(u.call)
    except MydwError as error:  # the tools catch their errors; this is a last guard
        outcome = ToolOutcome(call=u.call, ok=False, movies=[], filters=None, actions=[],
                              data={"error": error.to_json()}, error=error)
    if not outcome.ok:
        guessed = _typo(u, outcome, lang=lang, pending=pending, history=history,
                        execute=execute)
        return guessed or _failure(outcome, lang)
    if u.call.name in PAGED and u.kind != "stats":
        return _page(u, outcome, lang=lang, pending=pending, history=history, execute=execute)
    if u.call.name == "set_status":
        return _status(u, outcome, lang)
    if u.kind == "stats":
        return _stats(u, outcome, lang)
    return _details(outcome, lang)


def _page(u: Understanding, outcome: ToolOutcome, *, lang: str, pending: dict[str, Any] | None,
          history: list[dict[str, Any]], execute: Execute) -> BuiltinReply:
    call = u.call
    assert call is not None
    close = outcome.data.get("did_you_mean") if isinstance(outcome.data, dict) else None
    if call.name == "search_movies" and not outcome.movies and close:
        # nothing matched, but some titles are close: which one, to tell about it
        return ask_which({"name": "get_movie", "arguments": {}}, "movie",
                         [candidate_json(c) for c in close], lang, [outcome],
                         missed=str(call.arguments.get("query") or ""))
    more = u.kind == "more" and pending is not None
    before = [int(i) for i in (pending or {}).get("shown") or []] if more else []
    skip = set(before)
    if more and call.name != "list_my_movies":
        skip |= _shown_before(history)
    movies = [m for m in outcome.movies if m.tmdb_id not in skip][: u.page]
    limit = call.arguments.get("limit")
    if (more and not movies and isinstance(limit, int) and limit < MAX_LIMIT
            and len(outcome.movies) >= limit):
        wider = ToolCall(call.name, {**call.arguments,
                                     "limit": min(MAX_LIMIT, limit + len(skip))}, call.id)
        retry = execute(wider)
        if retry.ok:
            outcome = retry
            movies = [m for m in outcome.movies if m.tmdb_id not in skip][: u.page]
    shown_outcome = replace(outcome, movies=movies)
    new_pending = {"type": "more", "call": _call_json(call),
                   "shown": before + [m.tmdb_id for m in movies], "page": u.page}
    if more and not movies:
        return BuiltinReply(t("no_more", lang), [shown_outcome], None)
    head = _page_head(call, outcome, movies, lang, more)
    return BuiltinReply(_join(head, _lines(movies, lang), _notice(outcome, lang)),
                        [shown_outcome], new_pending if movies else None)


def _page_head(call: ToolCall, outcome: ToolOutcome, movies: list[MovieView], lang: str,
               more: bool) -> str:
    args = call.arguments
    if call.name == "search_movies":
        return t("search" if movies else "search_none", lang, q=args.get("query", ""))
    if call.name == "list_my_movies":
        if more:
            return t("list_more", lang)
        total = outcome.data.get("total", len(outcome.movies))
        head = t(f"list_{args.get('status') or 'all'}", lang, total=total)
        return head if movies else _join(head, t("list_empty", lang))
    if args.get("similar_to"):
        source = outcome.data.get("similar_to") if isinstance(outcome.data, dict) else None
        title = _similar_title(source, str(args["similar_to"]), lang)
        return t("similar" if movies else "similar_none", lang, title=title)
    watched = _watched(outcome, movies, lang)
    if watched and not more:
        return t("because", lang, titles=watched)
    crit = criteria(args, lang)
    if not movies:
        return t("suggest_none", lang, crit=crit)
    return t("suggest_more" if more else "suggest", lang, crit=crit)


def _watched(outcome: ToolOutcome, movies: list[MovieView], lang: str) -> str:
    """The seen movies behind the shown recommendations (`recommend` with no filter answers
    with `because`), as `A, B and C`; empty otherwise."""
    data = outcome.data.get("movies") if isinstance(outcome.data, dict) else None
    shown = {m.tmdb_id for m in movies}
    titles: list[str] = []
    for item in data if isinstance(data, list) else []:
        if not isinstance(item, dict) or item.get("tmdb_id") not in shown:
            continue
        for b in item.get("because") or []:
            title = _similar_title(b, "", lang) if isinstance(b, dict) else ""
            if title and title not in titles:
                titles.append(title)
    titles = titles[:3]
    if len(titles) < 2:
        return "".join(titles)
    joiner = " et " if lang == "fr" else " and "
    return ", ".join(titles[:-1]) + joiner + titles[-1]


def _similar_title(source: Any, fallback: str, lang: str) -> str:
    if isinstance(source, dict):
        title = (source.get("title_fr") if lang == "fr" else source.get("title_en")) or (
            source.get("title_en") or source.get("title_fr"))
        if title:
            year = source.get("release_year")
            return f"{title} ({year})" if year else str(title)
    return fallback


def _status(u: Understanding, outcome: ToolOutcome, lang: str) -> BuiltinReply:
    status = str(outcome.call.arguments.get("status") or u.status or "seen")
    if outcome.movies:
        title = ", ".join(m.label(lang) for m in outcome.movies)
    else:
        title = _ref(outcome.call)
    key = status if status in ("seen", "later", "not_interested") else "none"
    return BuiltinReply(t(key, lang, title=title), [outcome], None)


def _stats(u: Understanding, outcome: ToolOutcome, lang: str) -> BuiltinReply:
    total = int(outcome.data.get("total", len(outcome.movies)))
    status = outcome.call.arguments.get("status")
    if status:
        shown = outcome.movies[:PAGE]
        head = t(f"stats_{status}", lang, total=total)
        body = _join(t("latest", lang), _lines(shown, lang)) if shown else None
        return BuiltinReply(_join(head, body), [replace(outcome, movies=shown)], None)
    counts = {"seen": 0, "later": 0, "not_interested": 0}
    for movie in outcome.movies:
        if movie.status in counts:
            counts[movie.status] += 1
    text = t("stats_all", lang, total=total, **counts)
    return BuiltinReply(text, [replace(outcome, movies=[])], None)


def _details(outcome: ToolOutcome, lang: str) -> BuiltinReply:
    from mydw.services.filters import genre_name

    if not outcome.movies:
        return BuiltinReply(t("not_found", lang, ref=_ref(outcome.call)), [outcome], None)
    movie = outcome.movies[0]
    genres = ", ".join(genre_name(g, lang) for g in movie.genre_ids) or ", ".join(movie.genres)
    status = None
    if movie.status in _STATUS_NAMES:
        name = _STATUS_NAMES[movie.status][1 if lang == "fr" else 0]
        status = t("status_is", lang, status=name)
    text = _join(movie_line(movie, lang), genres, movie.overview(lang), movie.imdb_url, status)
    return BuiltinReply(text, [outcome], None)
