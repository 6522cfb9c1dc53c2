"""mydw chat: the movie concierge (a REPL, one turn with -m, and the stored sessions).

Only typer is imported at start-up; the chat services, httpx and readline are imported
inside the commands (`mydw --help` and every other command load nothing of chat).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mydw.cli import output
from mydw.cli.output import JsonOption, LangOption, chosen_lang
from mydw.cli.state import context

if TYPE_CHECKING:
    from mydw.domain.errors import MydwError
    from mydw.services.chat.turn import TurnResult
    from mydw.services.context import AppContext
    from mydw.services.views import MovieView

HISTORY_FILE = "chat_history"
HISTORY_LENGTH = 1000

chat_app = typer.Typer(
    help="Talk with the movie concierge: find, ask about and mark movies.",
    invoke_without_command=True,
)

SessionIdArg = Annotated[str, typer.Argument(help="A session id, or any unique prefix of it.",
                                             show_default=False)]

REPL_HELP = """\
Ask for movies in English or French, for example:
  movies like The Matrix · 90s sci-fi rated above 8 · something feel-good for a rainy Sunday
  tell me about Inception · mark Heat as seen · what's on my watchlist?
Commands: /new (a new session), /help, /quit (or Ctrl-D). Ctrl-C cancels a reply."""


# --------------------------------------------------------------------------- display


def show_movies(movies: Sequence[MovieView], lang: str) -> None:
    """The movies a reply is about, through the renderer every list command uses."""
    from mydw.cli import render

    render.movies(movies, lang)


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _print_turn(result: TurnResult, lang: str) -> None:
    if result.streamed:
        _write("\n")
    else:
        reply = result.reply
        if result.movies and result.assistant == "builtin":
            # The built-in's stored reply lists its movies as text (for the history and a
            # model continuing the session); on screen the renderer shows them instead.
            from mydw.services.chat.builtin_reply import movie_line

            shown = {movie_line(m, lang) for m in result.movies}
            first, *rest = reply.splitlines() or [""]
            reply = "\n".join([first, *(line for line in rest if line not in shown)])
        _write(reply.rstrip() + "\n")
    if result.movies:
        show_movies(result.movies, lang)


def _report(error: MydwError) -> None:
    lines = [f"mydw: error: {error.message}"]
    lines += [f"  {c.label()} — tmdb:{c.tmdb_id}" for c in error.candidates]
    if error.hint:
        lines.append(f"hint: {error.hint}")
    sys.stderr.write("\n".join(lines) + "\n")
    sys.stderr.flush()


# --------------------------------------------------------------------------- one turn


def _session_for(ctx: AppContext, user_id: int, session: str | None,
                 continue_: bool) -> str | None:
    from mydw.domain.errors import UsageError
    from mydw.services.chat import sessions

    if session is not None and continue_:
        raise UsageError("--session and --continue cannot be used together")
    if session is not None:
        return sessions.resolve_id(ctx, user_id, session)
    if continue_:
        return sessions.most_recent(ctx, user_id)
    return None


@chat_app.callback(invoke_without_command=True)
def chat(
    typer_ctx: typer.Context,
    message: Annotated[
        str | None,
        typer.Option("--message", "-m", help="Say this, print the reply and exit (for scripts)."),
    ] = None,
    session: Annotated[
        str | None, typer.Option("--session", "-s", help="Continue this session (id or prefix).")
    ] = None,
    continue_: Annotated[
        bool, typer.Option("--continue", "-c", help="Continue the most recent session.")
    ] = False,
    lang: LangOption = None,
    builtin: Annotated[
        bool, typer.Option("--builtin", help="Use the built-in assistant even if a model is set.")
    ] = False,
    no_stream: Annotated[
        bool, typer.Option("--no-stream", help="Print the model's reply once it is complete.")
    ] = False,
    json_: JsonOption = False,
) -> None:
    """Talk with the movie concierge: a conversation at the terminal, or one turn with -m.

    Without a model configured, the built-in assistant answers (offline too). With
    llm-base-url and llm-model (any OpenAI-compatible server: Ollama, llama.cpp, vLLM,
    OpenAI...), the model answers, using the same tools. Example: mydw chat -m "movies
    like The Matrix"
    """
    if typer_ctx.invoked_subcommand is not None:
        return
    from mydw.services import accounts
    from mydw.services.chat.turn import run_turn  # before context(): see cli/state.py

    language = chosen_lang(lang)
    ctx = context()
    user = accounts.current_user(ctx)
    session_id = _session_for(ctx, user.id, session, continue_)
    if message is None:
        if json_:
            from mydw.domain.errors import UsageError

            raise UsageError("--json needs a message: use -m TEXT")
        _repl(ctx, user.id, language, session_id, builtin=builtin, stream=not no_stream)
        return
    result = run_turn(ctx, user.id, message, lang=language, session_id=session_id,
                      builtin=builtin, stream=not no_stream,
                      on_text=None if json_ else _write)
    if json_:
        output.emit_json(result.to_json())
        return
    _print_turn(result, language)
    output.notice(f"session {result.session_id} (continue with `mydw chat -c`)")


# --------------------------------------------------------------------------- the REPL


def history_path() -> Path:
    from mydw.config import paths

    return paths.data_dir() / HISTORY_FILE


def _open_history() -> Path | None:
    """The line-history file, created owner-only (0600); None when impossible."""
    from mydw.config import paths
    from mydw.domain.errors import ConfigError

    path = history_path()
    try:
        paths.ensure_private_dir(path.parent)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.close(fd)
        os.chmod(path, 0o600)
    except (OSError, ConfigError):
        return None
    return path


def _repl(ctx: AppContext, user_id: int, lang: str, session_id: str | None, *,
          builtin: bool, stream: bool) -> None:
    from mydw.domain.errors import Interrupted, MydwError
    from mydw.services.chat.turn import choose_assistant, run_turn

    try:
        import readline
    except ImportError:  # pragma: no cover - Windows without pyreadline
        readline = None  # type: ignore[assignment]
    history = _open_history() if readline is not None else None
    if readline is not None and history is not None:
        with contextlib.suppress(OSError):
            readline.read_history_file(history)
        readline.set_history_length(HISTORY_LENGTH)
    assistant = choose_assistant(ctx, builtin=builtin).name
    sys.stderr.write(f"mydw chat — {assistant}. /help for help, Ctrl-D to leave.\n")
    try:
        while True:
            try:
                line = input("> ")
            except EOFError:
                _write("\n")
                break
            except KeyboardInterrupt:
                _write("\n")
                continue
            text = line.strip()
            if not text:
                continue
            if text in ("/quit", "/exit", "/q"):
                break
            if text == "/help":
                _write(REPL_HELP + "\n")
                continue
            if text == "/new":
                session_id = None
                sys.stderr.write("A new session starts.\n")
                continue
            if text.startswith("/"):
                sys.stderr.write(f"unknown command {text.split()[0]} (try /help)\n")
                continue
            try:
                result = run_turn(ctx, user_id, text, lang=lang, session_id=session_id,
                                  builtin=builtin, stream=stream, on_text=_write)
            except KeyboardInterrupt:
                _write("\n")
                sys.stderr.write("cancelled\n")
                continue
            except Interrupted as error:
                _write("\n")
                sys.stderr.write("cancelled\n")
                session_id = error.extra.get("session_id", session_id)
                continue
            except MydwError as error:
                _write("\n")
                _report(error)
                session_id = error.extra.get("session_id", session_id)
                continue
            session_id = result.session_id
            _print_turn(result, lang)
    finally:
        if readline is not None and history is not None:
            try:
                readline.write_history_file(history)
                os.chmod(history, 0o600)
            except OSError:
                pass


# --------------------------------------------------------------------------- sessions


@chat_app.command("list")
def list_(json_: JsonOption = False) -> None:
    """Your chat sessions, most recent first."""
    from mydw.services import accounts
    from mydw.services.chat import sessions

    ctx = context()
    user = accounts.current_user(ctx)
    found = sessions.list_sessions(ctx, user.id)
    if json_:
        output.emit_json([s.to_json() for s in found])
        return
    if not found:
        output.notice("No chat sessions yet. Start one with `mydw chat`.")
        return
    for s in found:
        when = s.updated_on.strftime("%Y-%m-%d %H:%M") if s.updated_on else "—"
        _write(f"{s.id[:8]}  {when}  {s.messages:>3} messages  {s.title}\n")


@chat_app.command("show")
def show(session_id: SessionIdArg, json_: JsonOption = False) -> None:
    """One session's conversation."""
    from mydw.services import accounts
    from mydw.services.chat import sessions

    ctx = context()
    user = accounts.current_user(ctx)
    detail = sessions.show(ctx, user.id, session_id)
    if json_:
        output.emit_json(detail.to_json())
        return
    created = detail.created_on.strftime("%Y-%m-%d %H:%M") if detail.created_on else "—"
    _write(f"Session {detail.id} (started {created} UTC)\n")
    for message in detail.conversation:
        who = "you" if message.get("role") == "user" else "mydw"
        _write(f"\n{who}: {message.get('content') or ''}\n")


@chat_app.command("delete")
def delete(session_id: SessionIdArg, json_: JsonOption = False) -> None:
    """Delete one session."""
    from mydw.services import accounts
    from mydw.services.chat import sessions

    ctx = context()
    user = accounts.current_user(ctx)
    deleted = sessions.delete(ctx, user.id, session_id)
    if json_:
        output.emit_json({"deleted": deleted})
    else:
        output.success(f"Deleted chat session {deleted}.")


def register(app: typer.Typer) -> None:
    app.add_typer(chat_app, name="chat")
