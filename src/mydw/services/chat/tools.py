"""The assistant's tools: the same service functions the commands call, as data.

Why this module is long: each tool is its schema, its argument checks and its runner over
the services, side by side, so what a model is told and what runs cannot drift apart.

Both assistants use them: a model through `TOOL_SCHEMAS` (the OpenAI "tools" array) and
`execute`, the built-in assistant through `execute` only. A tool never raises for bad
arguments or a service error: the outcome carries `ok=False` and
`data={"error": error.to_json()}` (the stable `code`, `message`, ...), which goes back
to a model as the tool's answer so it can correct itself.

Movies come back as the movie objects of every command (`MovieView.to_json()`). A
movie argument takes a TMDB id (`603`, `tmdb:603`), an IMDb id (`tt0133093`) or a title
(`"Dune (2021)"`). Suggestions (`recommend`) never include a movie the user marked with
any status: the services exclude them, and `execute` checks again.

Schemas are deliberately flat (scalar types, enums, few required fields) so that small
local models cope. Arguments are validated and gently coerced ("1999" → 1999, 603 →
"603", null → absent); unknown arguments are ignored.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mydw.domain.errors import InvalidInput, MydwError, UsageError
from mydw.domain.types import MovieStatus

if TYPE_CHECKING:
    from mydw.services.context import AppContext
    from mydw.services.views import MovieView

LIST_STATUSES = tuple(s.value for s in MovieStatus)  # seen, later, not_interested
STATUSES = (*LIST_STATUSES, "none")  # set_status: "none" unmarks
SEARCH_LIMIT = 10
LIST_LIMIT = 20
LIST_MAX = 100
RECOMMEND_LIMIT = 10
RECOMMEND_MAX = 50


@dataclass(frozen=True)
class ToolCall:
    name: str  # search_movies | get_movie | set_status | list_my_movies | recommend
    arguments: dict[str, Any]
    id: str = ""


@dataclass
class ToolOutcome:
    call: ToolCall
    ok: bool
    movies: list[MovieView] = field(default_factory=list)  # the movies this result is about
    # discover parameters understood (recommend without similar_to)
    filters: dict[str, Any] | None = None
    # status changes made: {"tmdb_id": int, "status": str}
    actions: list[dict[str, Any]] = field(default_factory=list)
    # JSON-ready payload for a model; {"error": {...}} on failure
    data: dict[str, Any] = field(default_factory=dict)
    error: MydwError | None = None


# --------------------------------------------------------------------------- schemas


@dataclass(frozen=True)
class _Param:
    name: str
    type: str  # string | integer | number | string_list
    description: str
    required: bool = False
    enum: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    default: Any = None
    advertised: bool = True  # False: accepted, not shown to models (built-in only)

    def schema(self) -> dict[str, Any]:
        data: dict[str, Any] = {"type": self.type, "description": self.description}
        if self.enum:
            data["enum"] = list(self.enum)
        if self.minimum is not None:
            data["minimum"] = int(self.minimum) if self.type == "integer" else self.minimum
        if self.maximum is not None:
            data["maximum"] = int(self.maximum) if self.type == "integer" else self.maximum
        if self.default is not None:
            data["default"] = self.default
        return data


_MOVIE = "A TMDB id (603), an IMDb id (tt0133093) or a title, optionally with its year: " \
    "'Dune (2021)'."
_YEAR: dict[str, Any] = {"minimum": 1870, "maximum": 2100}


@dataclass(frozen=True)
class _Tool:
    name: str
    description: str
    params: tuple[_Param, ...]

    def schema(self) -> dict[str, Any]:
        shown = [p for p in self.params if p.advertised]
        return {
            "type": "function",
            "function": {
                "name": self.name,
                "description": self.description,
                "parameters": {
                    "type": "object",
                    "properties": {p.name: p.schema() for p in shown},
                    "required": [p.name for p in shown if p.required],
                },
            },
        }


_TOOLS: dict[str, _Tool] = {t.name: t for t in (
    _Tool("search_movies",
          "Search movies by title (TMDB, or the local cache offline). Each movie has the "
          "user's status (null when unmarked). When nothing matches, `did_you_mean` may "
          "list close titles (a typo).",
          (_Param("query", "string", "Title or words of the title.", required=True),
           _Param("year", "integer", "Release year, to pick among remakes.", **_YEAR))),
    _Tool("get_movie",
          "Details of one movie: overview, genres, IMDb rating, trailer, the user's status.",
          (_Param("movie", "string", _MOVIE, required=True),)),
    _Tool("set_status",
          "Mark a movie for the user: seen, later (watchlist), not_interested, or none to "
          "remove it from the user's lists. Only when the user asks for it.",
          (_Param("movie", "string", _MOVIE, required=True),
           _Param("status", "string", "The new status.", required=True, enum=STATUSES))),
    _Tool("list_my_movies",
          "The user's own movies (newest first), optionally one status and one genre. "
          "`total` counts every match.",
          (_Param("status", "string", "Only this status.", enum=LIST_STATUSES),
           _Param("genre", "string", "A genre in English or French (Comedy, Comédie)."),
           _Param("limit", "integer", "At most this many movies.", minimum=1,
                  maximum=LIST_MAX, default=LIST_LIMIT))),
    _Tool("recommend",
          "Great movies the user has not marked. With similar_to: movies like that one; "
          "otherwise the filters given (all optional). With no argument at all: movies "
          "like the ones the user saw and liked (each with `because`).",
          (_Param("genre", "string", "A genre in English or French (Thriller, Comédie)."),
           _Param("without_genre", "string", "Leave out movies of this genre (Horror)."),
           _Param("min_rating", "number", "Minimum IMDb rating.", minimum=0, maximum=10),
           _Param("year_from", "integer", "Released in or after this year.", **_YEAR),
           _Param("year_to", "integer", "Released in or before this year.", **_YEAR),
           _Param("language", "string", "Original language, two letters (fr, ko, ja)."),
           _Param("similar_to", "string", "Movies like this one: " + _MOVIE),
           _Param("limit", "integer", "At most this many movies.", minimum=1,
                  maximum=RECOMMEND_MAX, default=RECOMMEND_LIMIT),
           _Param("keywords", "string_list", "Theme words (haunted, heist).",
                  advertised=False))),
)}

TOOL_NAMES: tuple[str, ...] = tuple(_TOOLS)
TOOL_SCHEMAS: list[dict[str, Any]] = [tool.schema() for tool in _TOOLS.values()]


# --------------------------------------------------------------------------- arguments


def _coerce(param: _Param, value: Any) -> Any:
    """`value` as the parameter's type, or UsageError naming the parameter."""
    name, kind = param.name, param.type
    if kind == "string":
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise UsageError(f"{name} must be a string", parameter=name)
        text = " ".join(str(value).split())
        if param.enum:
            text = text.lower().replace("-", "_").replace(" ", "_")
            if text not in param.enum:
                raise UsageError(f"{name} must be one of {', '.join(param.enum)} "
                                 f"(got {value!r})", parameter=name)
        return text
    if kind == "string_list":
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise UsageError(f"{name} must be a list of strings", parameter=name)
        return [w for w in (" ".join(i.split()) for i in items) if w]
    number: float
    if isinstance(value, bool):
        raise UsageError(f"{name} must be a number", parameter=name)
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise UsageError(f"{name} must be a number (got {value!r})",
                             parameter=name) from None
    else:
        raise UsageError(f"{name} must be a number", parameter=name)
    if not math.isfinite(number):
        raise UsageError(f"{name} must be a finite number", parameter=name)
    if kind == "integer":
        if number != int(number):
            raise UsageError(f"{name} must be a whole number (got {value!r})", parameter=name)
        result: float = int(number)
    else:
        result = number
    low, high = param.minimum, param.maximum
    if (low is not None and result < low) or (high is not None and result > high):
        raise UsageError(f"{name} must be between {low:g} and {high:g} (got {value!r})",
                         parameter=name)
    return result


def validate(call: ToolCall) -> dict[str, Any]:
    """The call's arguments checked against its tool: {name: value} with defaults; raises
    InvalidInput (unknown tool) or UsageError (a missing, mistyped or out-of-range value)."""
    tool = _TOOLS.get(call.name)
    if tool is None:
        raise InvalidInput(f"unknown tool {call.name!r} (known: {', '.join(TOOL_NAMES)})")
    if not isinstance(call.arguments, dict):
        raise UsageError("arguments must be a JSON object", parameter="arguments")
    values: dict[str, Any] = {}
    for param in tool.params:
        raw = call.arguments.get(param.name)
        if raw is None or (isinstance(raw, str) and not raw.strip()) or raw == []:
            if param.required:
                raise UsageError(f"{param.name} is required", parameter=param.name)
            values[param.name] = param.default
            continue
        values[param.name] = _coerce(param, raw)
    return values


# --------------------------------------------------------------------------- execute


def execute(ctx: AppContext, user_id: int, call: ToolCall, *, lang: str) -> ToolOutcome:
    """Run one tool call for `user_id`; never raises for bad input or a service error."""
    try:
        args = validate(call)
        return _RUNNERS[call.name](ctx, user_id, call, args, lang)
    except MydwError as error:
        return failed(call, error)
    except Exception as exc:  # a bug must not end the conversation: the model is told
        return failed(call, MydwError(f"internal error: {type(exc).__name__}: {exc}",
                                      code="internal"))


def failed(call: ToolCall, error: MydwError) -> ToolOutcome:
    """The outcome of a call that could not run (also used for unparsable arguments)."""
    return ToolOutcome(call=call, ok=False, movies=[], filters=None, actions=[],
                       data={"error": error.to_json()}, error=error)


def _ok(call: ToolCall, movies: Sequence[MovieView], data: dict[str, Any], *,
        filters: dict[str, Any] | None = None,
        actions: list[dict[str, Any]] | None = None) -> ToolOutcome:
    return ToolOutcome(call=call, ok=True, movies=list(movies), filters=filters,
                       actions=actions or [], data=data)


def _json(movies: Sequence[MovieView]) -> list[dict[str, Any]]:
    return [m.to_json() for m in movies]


def marked_tmdb_ids(ctx: AppContext, user_id: int, tmdb_ids: Sequence[int]) -> set[int]:
    """The TMDB ids among `tmdb_ids` that the user marked (any status)."""
    if not tmdb_ids:
        return set()
    from sqlalchemy import select

    from mydw.db.models import Movie, UserMovie

    with ctx.db.read() as session:
        return set(session.scalars(
            select(Movie.tmdb_id).join(UserMovie, UserMovie.movie_id == Movie.id)
            .where(UserMovie.user_id == user_id, Movie.tmdb_id.in_(list(tmdb_ids)))))


def unmarked(ctx: AppContext, user_id: int, movies: Sequence[MovieView],
             *, exclude: Sequence[int] = ()) -> list[MovieView]:
    """`movies` without those the user marked, nor `exclude` (TMDB ids), nor duplicates."""
    marked = marked_tmdb_ids(ctx, user_id, [m.tmdb_id for m in movies]) | set(exclude)
    kept: dict[int, MovieView] = {}
    for movie in movies:
        if movie.status is None and movie.tmdb_id not in marked:
            kept.setdefault(movie.tmdb_id, movie)
    return list(kept.values())


def _search(ctx: AppContext, user_id: int, call: ToolCall, args: dict[str, Any],
            lang: str) -> ToolOutcome:
    from mydw.services import catalog

    result = catalog.search(ctx, args["query"], year=args["year"], lang=lang,
                            limit=SEARCH_LIMIT, user_id=user_id)
    data: dict[str, Any] = {"movies": _json(result.movies)}
    if result.notice:
        data["notice"] = result.notice
    if result.suggestions:  # nothing matched: close titles (a typo?), for the model to offer
        data["did_you_mean"] = _json(result.suggestions)
    return _ok(call, result.movies, data)


def _get(ctx: AppContext, user_id: int, call: ToolCall, args: dict[str, Any],
         lang: str) -> ToolOutcome:
    from mydw.services import catalog

    movie = catalog.show(ctx, args["movie"], user_id=user_id, lang=lang)
    return _ok(call, [movie], {"movie": movie.to_json()})


def _set_status(ctx: AppContext, user_id: int, call: ToolCall, args: dict[str, Any],
                lang: str) -> ToolOutcome:
    from mydw.services import marks

    status = args["status"]
    if status == "none":
        changed = marks.unmark(ctx, user_id, [args["movie"]], lang=lang)
    else:
        changed = marks.mark(ctx, user_id, [args["movie"]], status, lang=lang)
    actions = [{"tmdb_id": m.tmdb_id, "status": status} for m in changed]
    data = {"movies": _json(changed), "status": status}
    return _ok(call, changed, data, actions=actions)


def _list_mine(ctx: AppContext, user_id: int, call: ToolCall, args: dict[str, Any],
               lang: str) -> ToolOutcome:
    from mydw.services import marks

    every = marks.list_movies(
        ctx, user_id, statuses=[args["status"]] if args["status"] else [],
        genres=[args["genre"]] if args["genre"] else [], lang=lang)
    shown = every[: args["limit"]]
    return _ok(call, shown, {"total": len(every), "movies": _json(shown)})


def _recommend(ctx: AppContext, user_id: int, call: ToolCall, args: dict[str, Any],
               lang: str) -> ToolOutcome:
    if args["similar_to"]:
        from mydw.services import similar  # type: ignore[attr-defined,unused-ignore]

        found = similar.similar(ctx, user_id, args["similar_to"], limit=args["limit"],
                                lang=lang)
        source: MovieView = found.source
        movies = unmarked(ctx, user_id, found.movies, exclude=[source.tmdb_id])
        data: dict[str, Any] = {"similar_to": source.to_json(), "movies": _json(movies)}
        if found.notice:
            data["notice"] = found.notice
        return _ok(call, movies, data)
    if all(args[name] is None or args[name] == [] for name in _FILTERS):
        liked = _because_you_watched(ctx, user_id, call, args, lang)
        if liked is not None:
            return liked
    from mydw.services import discover

    options: dict[str, Any] = {}
    if args["keywords"]:
        options["keywords"] = tuple(args["keywords"])
    genres = [args["genre"]] if args["genre"] else []
    without = [args["without_genre"]] if args["without_genre"] else []
    result = discover.discover(
        ctx, user_id, genres=genres, min_rating=args["min_rating"],
        year_from=args["year_from"], year_to=args["year_to"], language=args["language"],
        limit=args["limit"], lang=lang, without_genres=without, **options)
    movies = unmarked(ctx, user_id, result.movies)
    filters: dict[str, Any] = {
        "genres": genres, "year_from": args["year_from"], "year_to": args["year_to"],
        "min_rating": args["min_rating"], "min_votes": None, "language": args["language"],
        "sort": "popularity",
    }
    if without:
        filters["without_genres"] = without
    if args["keywords"]:
        filters["keywords"] = list(args["keywords"])
    data = {"filters": filters, "movies": _json(movies)}
    if result.notice:
        data["notice"] = result.notice
    return _ok(call, movies, data, filters=filters)


_FILTERS = ("genre", "without_genre", "min_rating", "year_from", "year_to", "language",
            "similar_to", "keywords")


def _because_you_watched(ctx: AppContext, user_id: int, call: ToolCall, args: dict[str, Any],
                         lang: str) -> ToolOutcome | None:
    """`recommend` without any filter: `recommend.recommend` (movies like the ones the user
    saw and liked, each with `score` and `because`); None when it has nothing to offer (the
    user saw nothing yet, or nothing is like what they saw): then discover answers."""
    from mydw.services import recommend

    found = recommend.recommend(ctx, user_id, limit=args["limit"], lang=lang)
    kept = {m.tmdb_id for m in unmarked(ctx, user_id, found.movies)}
    items = [i for i in found.items if i.movie.tmdb_id in kept]
    if not items:
        return None
    data: dict[str, Any] = {
        "because_you_watched": [{"tmdb_id": s.tmdb_id, "title_en": s.title_en,
                                 "title_fr": s.title_fr} for s in found.sources],
        "movies": [i.to_json() for i in items],
    }
    if found.notice:
        data["notice"] = found.notice
    return _ok(call, [i.movie for i in items], data)


_Runner = Callable[["AppContext", int, ToolCall, dict[str, Any], str], ToolOutcome]
_RUNNERS: dict[str, _Runner] = {
    "search_movies": _search,
    "get_movie": _get,
    "set_status": _set_status,
    "list_my_movies": _list_mine,
    "recommend": _recommend,
}

