"""The root command, and the one error boundary that maps errors to exit codes.

Kept light: importing this module must not import SQLAlchemy, Alembic, httpx or keyring.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING, Annotated, Any

# Before anything looks at sys.stdout: a closed stdin, stdout or stderr made harmless.
from mydw.cli import streams  # noqa: F401  (imported for that effect)

if "TYPER_USE_RICH" not in os.environ and not sys.stdout.isatty():
    # Rich help panels cost ~90 ms of imports; people at a terminal get them, scripts don't.
    os.environ["TYPER_USE_RICH"] = "0"

import typer

from mydw import __version__
from mydw.cli.state import RunState
from mydw.domain.errors import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    Interrupted,
    InvalidInput,
    MydwError,
    UsageError,
)

if TYPE_CHECKING:
    from mydw.services.context import AppContext

# The modules that register commands, in the order `mydw --help` lists them.
_MODULES = ("accounts", "catalog", "marks", "diary", "refresh", "config", "db", "chat",
            "recommend", "transfer")
# Which module registers each top-level command: a run imports and builds only the one it
# names (every module and its ~70 parameters cost ~20 ms at each start-up). A test checks
# this table against the whole app.
_COMMAND_MODULE = {
    "signup": "accounts", "login": "accounts", "logout": "accounts", "whoami": "accounts",
    "account": "accounts", "search": "catalog", "show": "catalog", "mark": "marks",
    "unmark": "marks", "list": "marks", "stats": "marks", "discover": "marks",
    "rate": "diary", "diary": "diary", "refresh": "refresh", "config": "config", "db": "db",
    "chat": "chat", "recommend": "recommend", "import": "transfer", "export": "transfer",
}


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mydw {__version__}")
        raise typer.Exit()


def root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks (also MYDW_DEBUG=1).")
    ] = False,
) -> None:
    """mydw — Movies You Didn't Watch.

    Search movies, mark them seen / later / not interested, discover great movies you
    have not seen, and keep IMDb ratings fresh from cron.
    """


def build_app(modules: Sequence[str] = _MODULES) -> typer.Typer:
    """The root command with the commands of `modules` (all of them by default)."""
    built = typer.Typer(
        name="mydw",
        help="mydw — Movies You Didn't Watch: track what you saw, find great movies you didn't.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,  # the boundary below handles errors; never show locals
        context_settings={"help_option_names": ["-h", "--help"]},
    )
    built.callback()(root)
    for name in modules:
        # __import__, not importlib.import_module: `python -X importtime` shows only the former.
        __import__(f"mydw.cli.{name}", fromlist=["register"]).register(built)
    return built


def _app_for(args: Sequence[str]) -> typer.Typer:
    """The app a run needs: only the module of the command it names (`mydw whoami`), or the
    whole app (`mydw`, `mydw --help`, a typo that deserves "No such command", completion)."""
    module = _COMMAND_MODULE.get(args[0]) if args else None
    return build_app((module,)) if module else build_app()


def __getattr__(name: str) -> Any:
    """`mydw.cli.app.app`: the whole app, built on first use (tests walk it)."""
    if name == "app":
        globals()["app"] = built = build_app()
        return built
    raise AttributeError(name)


class _StderrHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        # Never let a notice break a command (a closed stderr, say); never print a secret.
        with contextlib.suppress(Exception):
            from mydw.domain.text import clean_text, mask_secrets

            sys.stderr.write(f"mydw: {clean_text(mask_secrets(record.getMessage()))}\n")


def _configure_logging(debug: bool) -> None:
    logger = logging.getLogger("mydw")
    if not any(isinstance(h, _StderrHandler) for h in logger.handlers):
        logger.addHandler(_StderrHandler())
    logger.setLevel(logging.DEBUG if debug else logging.WARNING)
    logger.propagate = False


def _command_for(cli_app: typer.Typer, args: Sequence[str]) -> Any:
    """The Click command that `args` name (the deepest sub-command), for flag names."""
    from typer.main import get_command

    command: Any = get_command(cli_app)
    for arg in args:
        sub = getattr(command, "commands", {}).get(arg)
        if sub is None:
            if arg.startswith("-"):
                continue
            break
        command = sub
    return command


def _flags(cli_app: typer.Typer, args: Sequence[str]) -> dict[str, str]:
    """Parameter name -> its long flag, for the running command (`year_from` -> `--year-from`;
    a service's plural `genres` is the command's repeatable `--genre`)."""
    flags: dict[str, str] = {}
    for param in getattr(_command_for(cli_app, args), "params", []):
        opts = [o for o in param.opts if o.startswith("--")]
        if param.name and opts:
            flags[param.name] = opts[0]
            flags.setdefault(param.name + "s", opts[0])
    return flags


def _with_flag(error: MydwError, cli_app: typer.Typer, args: Sequence[str]) -> MydwError:
    """Services start a message about a parameter with its name (`limit must be...`) and may
    name others (`min_rating 8 is above max_rating 7`): at the command line those names
    become the command's flags (`--min-rating 8 is above --max-rating 7`)."""
    if not error.parameter:
        return error
    import re

    flags = _flags(cli_app, args)
    message = error.message
    if error.parameter in flags and message.startswith(error.parameter):
        message = flags[error.parameter] + message[len(error.parameter):]
    error.message = re.sub(
        r"(?<![\w-])([a-z]+(?:_[a-z]+)+)\b",
        lambda m: flags.get(m.group(1), m.group(1)),
        message,
    )
    return error


def _masked(data: Any) -> Any:
    """Every string of an error document with its secrets masked."""
    from mydw.domain.text import mask_secrets

    if isinstance(data, str):
        return mask_secrets(data)
    if isinstance(data, dict):
        return {k: _masked(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_masked(v) for v in data]
    return data


def _report(error: MydwError, state: RunState) -> None:
    """The error on stderr: one JSON object with --json, else `mydw: error: ...` lines.
    Whatever the message carries (upstream text, a URL) is cleaned and masked here, the
    last line of defence."""
    from mydw.domain.text import mask_secrets

    if state.json:
        from mydw.cli import output

        sys.stderr.write(output.dumps({"error": _masked(error.to_json())}) + "\n")
        return
    from mydw.cli import render  # the human form only (~5 ms of imports)

    colour = sys.stderr.isatty() and not os.environ.get("NO_COLOR")
    label = "\033[1;31merror:\033[0m" if colour else "error:"

    lines = [f"mydw: {label} {render.clean(mask_secrets(error.message))}"]
    lines += [f"  {render.clean(c.label())} — tmdb:{c.tmdb_id}" for c in error.candidates]
    if error.hint:
        lines.append(f"hint: {render.clean(mask_secrets(error.hint))}")
    sys.stderr.write("\n".join(lines) + "\n")


def _print_traceback() -> None:
    """--debug: the traceback, with passwords, URL passwords and hashes masked."""
    from mydw.domain.text import mask_secrets

    with contextlib.suppress(Exception):
        sys.stderr.write(mask_secrets(traceback.format_exc()))


def _reset_stored_problems() -> None:
    types = sys.modules.get("mydw.db.types")  # never imported just for this (SQLAlchemy)
    if types is not None:
        types.reset_problems()


def _report_stored_problems(state: RunState, error: MydwError | None) -> None:
    """Stored values mydw did not understand (rows another tool wrote): one line."""
    types = sys.modules.get("mydw.db.types")
    if types is None:
        return
    line = types.problem_report()
    types.reset_problems()
    if line is None or (error is not None and state.json):  # stderr: one JSON object
        return
    with contextlib.suppress(Exception):
        from mydw.cli import render

        sys.stderr.write(f"mydw: {render.clean(line)}\n")


def _usage(exc: Any, args: Sequence[str]) -> MydwError:
    """Click's usage error (bad option, value outside a type, choice or range) as ours."""
    ctx = getattr(exc, "ctx", None)
    path = ctx.command_path if ctx is not None else "mydw"
    param = getattr(exc, "param", None)  # BadParameter, MissingParameter: the parameter
    return UsageError(exc.format_message(), hint=f"see `{path} --help`",
                      parameter=getattr(param, "name", None))


def _rich_help_only_at_a_terminal() -> None:
    """Typer decides on Rich help once, when it is imported (TYPER_USE_RICH, set above for
    a process); a run in a process that imported Typer earlier decides the same way."""
    import typer.core

    at_terminal = sys.stdout is not None and sys.stdout.isatty()
    typer.core.HAS_RICH = at_terminal and os.environ.get("TYPER_USE_RICH", "1") != "0"


def _quiet_stdout() -> None:
    # The reader went away (`mydw list | head`): point stdout at /dev/null so the final
    # flush at exit does not complain either.
    with contextlib.suppress(Exception):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def run(argv: Sequence[str], context: AppContext | None = None) -> int:
    """Run one `mydw` command line and return its exit code: the one error boundary.

    `context` (an AppContext, e.g. with fake upstream transports) is used instead of one
    built from the environment; tests see exactly the stdout, stderr and exit code a user
    would.
    """
    from mydw.cli import output

    argv = list(argv)
    debug = "--debug" in argv or os.environ.get("MYDW_DEBUG", "") not in ("", "0")
    # --debug is accepted anywhere on the line, not only before the command.
    args = [a for a in argv if a != "--debug"]
    from mydw.cli.progress import terminal_progress

    state = RunState(given=context, json="--json" in args, debug=debug,
                     progress=terminal_progress())
    _configure_logging(debug)
    _rich_help_only_at_a_terminal()
    output.reset()
    _reset_stored_problems()
    # Every file and folder this run creates is owner-only, whichever path creates it
    # (database, journal, backups, locks, config, secrets, cache, history).
    umask = os.umask(0o077)
    try:
        code, error = _run(args, state, debug)
    finally:
        os.umask(umask)
    _report_stored_problems(state, error)
    if error is None:
        return code
    with contextlib.suppress(BrokenPipeError, ValueError, OSError):
        # stderr went away too: the code still tells
        _report(error, state)
    return error.exit_code


def _run(args: list[str], state: RunState, debug: bool) -> tuple[int, MydwError | None]:
    """The command, and the error it ended with (None: `code` is its exit code)."""
    cli_app = _app_for(args)
    from typer import Abort, Exit
    from typer._click import ClickException  # Typer bundles Click: never `import click`

    error: MydwError | None = None
    try:
        try:
            result = cli_app(args=args, prog_name="mydw", standalone_mode=False, obj=state)
        finally:
            state.close()
        if result == EXIT_INTERRUPTED:  # Typer turns Ctrl-C inside a command into Exit(130)
            error = Interrupted("interrupted")
        else:
            return (result if isinstance(result, int) else EXIT_OK), None
    except MydwError as exc:
        if debug:
            _print_traceback()
        error = _with_flag(exc, cli_app, args)
    except ClickException as exc:
        if type(exc).__name__ == "NoArgsIsHelpError":  # `mydw`, `mydw config`: the help
            exc.show()
            return EXIT_USAGE, None
        error = _usage(exc, args)
        error.code = "usage" if exc.exit_code == EXIT_USAGE else "invalid_input"
    except Abort as exc:
        # Ctrl-C or Ctrl-D at a prompt (Click's prompt raises Abort from either).
        if isinstance(exc.__context__, EOFError):
            error = InvalidInput("no answer: the input ended at a prompt")
        else:
            error = Interrupted("interrupted")
    except Exit as exc:
        return exc.exit_code, None
    except KeyboardInterrupt:
        error = Interrupted("interrupted")
    except BrokenPipeError:
        _quiet_stdout()
        return EXIT_FAILED, None
    except SystemExit as exc:  # Typer exits on a broken pipe (EPIPE) by itself
        if exc.code == EXIT_FAILED:
            _quiet_stdout()
        return (exc.code if isinstance(exc.code, int) else EXIT_FAILED), None
    except Exception as exc:  # the last line of defence: no traceback for users
        if debug:
            _print_traceback()
        error = MydwError(
            f"internal error: {type(exc).__name__}: {exc}",
            hint="run again with --debug for details, and report it",
            code="internal",
        )
    return error.exit_code, error


def main() -> None:
    from mydw.cli.state import pause_gc, resume_gc

    pause_gc()  # until the command has its context (see cli/state.py)
    try:
        code = run(sys.argv[1:])
    finally:
        resume_gc()
    sys.exit(code)
