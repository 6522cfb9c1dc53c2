"""One chat turn: pick the assistant, answer, and save the turn — or nothing.

* The assistant: the built-in one when no model is configured (`llm-base-url` unset) or
  `builtin=True`; else the model. A URL without `llm-model` (or a model without
  `llm-base-url`) is a configuration error (exit 1) naming the missing setting.
* Saving: a completed turn appends the user's message and the reply to the session in ONE
  transaction (creating the session on its first turn). A failed or interrupted turn
  saves nothing — unless a tool already changed a status: then the user's message and an
  assistant note saying what was changed and that the assistant failed are saved, and the
  error carries `session_id` (`error.extra`, in its JSON).
* Never a marked movie among suggestions: `recommend` results are checked once more
  against the user's marks at the end of the turn (after any status change it made).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mydw.domain.errors import ConfigError, Interrupted, InvalidInput, MydwError
from mydw.domain.types import fold, parse_language
from mydw.services.chat import sessions
from mydw.services.chat.tools import ToolCall, ToolOutcome

if TYPE_CHECKING:
    from mydw.services.context import AppContext
    from mydw.services.views import MovieView

BUILTIN = "builtin"
TextSink = Callable[[str], None]


@dataclass(frozen=True)
class Assistant:
    name: str  # "builtin" or the model's name
    base_url: str | None = None

    @property
    def builtin(self) -> bool:
        return self.base_url is None


@dataclass
class TurnResult:
    session_id: str
    reply: str
    movies: list[MovieView]
    filters: dict[str, Any] | None
    actions: list[dict[str, Any]]
    assistant: str
    streamed: bool = False  # the reply went to `on_text` as it arrived

    def to_json(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "reply": self.reply,
            "movies": [m.to_json() for m in self.movies],
            "filters": self.filters,
            "actions": self.actions,
            "assistant": self.assistant,
        }


def choose_assistant(ctx: AppContext, *, builtin: bool = False) -> Assistant:
    """The assistant of this turn (see the module doc); ConfigError when half-configured."""
    base_url, model = ctx.settings.llm_base_url, ctx.settings.llm_model
    if base_url and not model:
        raise ConfigError("llm-model is not set, but llm-base-url is: which model should "
                          "answer?", hint="`mydw config set llm-model NAME` or MYDW_LLM_MODEL "
                          "(or --builtin)", parameter="llm-model")
    if model and not base_url:
        raise ConfigError("llm-base-url is not set, but llm-model is: where does the model "
                          "run?", hint="`mydw config set llm-base-url URL` or MYDW_LLM_BASE_URL "
                          "(http://localhost:11434/v1 for Ollama)", parameter="llm-base-url")
    if builtin or not base_url or not model:
        return Assistant(BUILTIN)
    return Assistant(model, base_url)


def run_turn(ctx: AppContext, user_id: int, text: str, *, lang: str,
             session_id: str | None = None, builtin: bool = False, stream: bool = False,
             on_text: TextSink | None = None, max_rounds: int | None = None) -> TurnResult:
    """Answer `text` in the session `session_id` (a full id; None: a new session).

    `on_text` receives the model's reply as it arrives (with `stream`, fragment by
    fragment); the built-in's reply is not streamed (`TurnResult.streamed` is False).
    Ctrl-C raises `Interrupted`; see the module doc for what is saved.
    """
    message = (text or "").strip()
    if not message:
        raise InvalidInput("the message is empty", parameter="message")
    lang = parse_language(lang)
    assistant = choose_assistant(ctx, builtin=builtin)
    history = sessions.conversation(ctx, user_id, session_id) if session_id else []
    asked_at = sessions.now_iso()
    outcomes: list[ToolOutcome] = []

    def execute(call: ToolCall) -> ToolOutcome:
        from mydw.services.chat import tools

        return tools.execute(ctx, user_id, call, lang=lang)

    def execute_and_record(call: ToolCall) -> ToolOutcome:
        outcome = execute(call)
        outcomes.append(outcome)
        return outcome

    pending: dict[str, Any] | None = None
    shown: Sequence[ToolOutcome] = outcomes  # whose movies the reply is about
    try:
        if assistant.builtin:
            reply, pending, shown = _builtin(ctx, user_id, message, lang, history,
                                             execute_and_record, outcomes)
            streamed = False
        else:
            reply = _model(ctx, assistant, message, lang, history, execute, outcomes,
                           stream=stream, on_text=on_text, max_rounds=max_rounds)
            streamed = on_text is not None
    except KeyboardInterrupt:
        error: MydwError = Interrupted("interrupted: the turn was cancelled")
        _save_partial(ctx, user_id, session_id, message, asked_at, outcomes, error, lang,
                      assistant)
        raise error from None
    except MydwError as failure:
        _save_partial(ctx, user_id, session_id, message, asked_at, outcomes, failure, lang,
                      assistant)
        raise
    movies = _reply_movies(ctx, user_id, reply, shown, builtin=assistant.builtin)
    actions = [a for o in outcomes for a in o.actions]
    filters = next((o.filters for o in reversed(outcomes) if o.filters is not None), None)
    answer: dict[str, Any] = {"role": "assistant", "content": reply,
                              "at": sessions.now_iso(), "movies": [m.tmdb_id for m in movies]}
    if actions:
        answer["actions"] = actions
    if pending is not None:
        answer["pending"] = pending
    saved = sessions.append(ctx, user_id, session_id,
                            [{"role": "user", "content": message, "at": asked_at}, answer])
    return TurnResult(saved, reply, movies, filters, actions, assistant.name, streamed)


# --------------------------------------------------------------------------- assistants


def _builtin(ctx: AppContext, user_id: int, text: str, lang: str,
             history: list[dict[str, Any]], execute: Callable[[ToolCall], ToolOutcome],
             outcomes: list[ToolOutcome],
             ) -> tuple[str, dict[str, Any] | None, list[ToolOutcome]]:
    """The built-in's reply, its open question, and the outcomes it shows: their movies are
    the turn's (a page of "more" shows only the new ones, not all the tool returned)."""
    from mydw.services.chat import builtin

    reply = builtin.respond(ctx, user_id, text, lang=lang, history=history, execute=execute)
    for outcome in reply.outcomes:  # outcomes the built-in made without `execute`
        if not any(outcome is known or outcome.call is known.call for known in outcomes):
            outcomes.append(outcome)
    return str(reply.content), reply.pending, list(reply.outcomes)


def _model(ctx: AppContext, assistant: Assistant, text: str, lang: str,
           history: list[dict[str, Any]], execute: Callable[[ToolCall], ToolOutcome],
           outcomes: list[ToolOutcome], *, stream: bool, on_text: TextSink | None,
           max_rounds: int | None) -> str:
    from mydw.clients.chat_model import ChatModelClient
    from mydw.services.chat import loop
    from mydw.services.chat.prompt import system_prompt

    messages = [{"role": "system", "content": system_prompt(lang)},
                *loop.bounded_history(history, ctx.settings.llm_history),
                {"role": "user", "content": text}]
    assert assistant.base_url is not None
    with ChatModelClient(assistant.base_url, assistant.name,
                         api_key=ctx.secret("llm-api-key"), transport=ctx.transport,
                         timeout=ctx.settings.http_timeout) as client:
        rounds = loop.MAX_ROUNDS if max_rounds is None else max_rounds
        result = loop.run(client, messages, execute=execute, lang=lang, max_rounds=rounds,
                          stream=stream, on_text=on_text, outcomes=outcomes)
    return result.content


# --------------------------------------------------------------------------- movies


def _reply_movies(ctx: AppContext, user_id: int, reply: str, outcomes: Sequence[ToolOutcome],
                  *, builtin: bool) -> list[MovieView]:
    """The movies the reply is about, with the user's current statuses; a suggestion
    (from `recommend`) the user has marked is dropped.

    The built-in's reply is about every movie its tools returned. A model's reply is about
    the movies it names (by title); when it names none, those of its last tool result.
    """
    found: dict[int, MovieView] = {}
    suggested: set[int] = set()
    other: set[int] = set()
    for outcome in outcomes:
        for movie in outcome.movies:
            found.setdefault(movie.tmdb_id, movie)
            (suggested if outcome.call.name == "recommend" else other).add(movie.tmdb_id)
    if not found:
        return []
    chosen = list(found.values())
    if not builtin:
        said = fold(reply)
        named = [m for m in chosen if _named(m, said)]
        if named:
            chosen = named
        else:
            last = next((o for o in reversed(outcomes) if o.movies), None)
            chosen = [found[m.tmdb_id] for m in last.movies] if last else []
    current = _statuses(ctx, user_id, [m.tmdb_id for m in chosen])
    kept: list[MovieView] = []
    for movie in chosen:
        status, updated = current.get(movie.tmdb_id, (None, None))
        if status is not None and movie.tmdb_id in suggested and movie.tmdb_id not in other:
            continue  # never suggest a marked movie
        kept.append(dataclasses.replace(movie, status=status, updated_at=updated))
    return kept


def _named(movie: MovieView, said: str) -> bool:
    for title in (movie.title_en, movie.title_fr):
        folded = fold(title or "")
        if len(folded) >= 3 and folded in said:
            return True
    return False


def _statuses(ctx: AppContext, user_id: int, tmdb_ids: Sequence[int]) -> dict[int, Any]:
    if not tmdb_ids:
        return {}
    from sqlalchemy import select

    from mydw.db.models import Movie, UserMovie

    with ctx.db.read() as session:
        rows = session.execute(
            select(Movie.tmdb_id, UserMovie.status, UserMovie.updated_at)
            .join(UserMovie, UserMovie.movie_id == Movie.id)
            .where(UserMovie.user_id == user_id, Movie.tmdb_id.in_(list(tmdb_ids))))
        return {r.tmdb_id: (r.status, r.updated_at) for r in rows}


# --------------------------------------------------------------------------- failures

_NOTE = {
    "en": ("I changed: {changes}. Then {who} failed ({error}), so there is no other answer.",
           "the model", "the assistant", "removed from your lists"),
    "fr": ("J'ai modifié : {changes}. Puis {who} a échoué ({error}) : pas d'autre réponse.",
           "le modèle", "l'assistant", "retiré de vos listes"),
}


def _save_partial(ctx: AppContext, user_id: int, session_id: str | None, text: str,
                  asked_at: str, outcomes: Sequence[ToolOutcome], error: MydwError,
                  lang: str, assistant: Assistant) -> None:
    """A failed turn saves nothing — unless a tool changed a status (see the module doc)."""
    actions = [a for o in outcomes for a in o.actions]
    if not actions:
        return
    template, model, builtin, removed = _NOTE.get(lang, _NOTE["en"])
    changes = []
    for outcome in outcomes:
        for movie, action in zip(outcome.movies, outcome.actions, strict=False):
            status = action["status"]
            shown = removed if status == "none" else status.replace("_", "-")
            changes.append(f"{movie.label(lang)} → {shown}")
    note = template.format(changes="; ".join(changes), error=error.message,
                           who=builtin if assistant.builtin else model)
    saved = sessions.append(ctx, user_id, session_id, [
        {"role": "user", "content": text, "at": asked_at},
        {"role": "assistant", "content": note, "at": sessions.now_iso(),
         "movies": [a["tmdb_id"] for a in actions], "actions": actions},
    ])
    error.extra["session_id"] = saved
