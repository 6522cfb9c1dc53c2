"""The root command, and the one error boundary that maps errors to exit codes.

Kept light: importing this module must not import SQLAlchemy, Alembic, httpx or keyring.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from typing import Annotated

if "TYPER_USE_RICH" not in os.environ and not sys.stdout.isatty():
    # Rich help panels cost ~90 ms of imports; people at a terminal get them, scripts don't.
    os.environ["TYPER_USE_RICH"] = "0"

import typer

from mydw import __version__
from mydw.cli import accounts, catalog, config, db, marks, refresh
from mydw.domain.errors import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    Ambiguous,
    MydwError,
)

app = typer.Typer(
    name="mydw",
    help="mydw — Movies You Didn't Watch: track what you saw, find great movies you didn't.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,  # the boundary below handles errors; never show locals
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"mydw {__version__}")
        raise typer.Exit()


@app.callback()
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


accounts.register(app)
catalog.register(app)
marks.register(app)
refresh.register(app)
config.register(app)
db.register(app)


class _StderrHandler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        # Never let a notice break a command (a closed stderr, say).
        with contextlib.suppress(Exception):
            sys.stderr.write(f"mydw: {record.getMessage()}\n")


def _report(error: MydwError) -> None:
    colour = sys.stderr.isatty() and not os.environ.get("NO_COLOR")
    label = "\033[1;31merror:\033[0m" if colour else "error:"
    lines = [f"mydw: {label} {error.message}"]
    if isinstance(error, Ambiguous):
        lines += [f"  {c}" for c in error.candidates]
    if error.hint:
        lines.append(f"hint: {error.hint}")
    sys.stderr.write("\n".join(lines) + "\n")


def main() -> None:
    argv = sys.argv[1:]
    debug = "--debug" in argv or os.environ.get("MYDW_DEBUG", "") not in ("", "0")
    # --debug is accepted anywhere on the line, not only before the command.
    args = [a for a in argv if a != "--debug"]
    logger = logging.getLogger("mydw")
    logger.addHandler(_StderrHandler())
    logger.setLevel(logging.DEBUG if debug else logging.WARNING)
    logger.propagate = False
    try:
        app(args=args, prog_name="mydw")
    except MydwError as error:
        if debug:
            import traceback

            traceback.print_exc()
        _report(error)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        sys.stderr.write("mydw: interrupted\n")
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:
        # The reader went away (`mydw list | head`): not an error worth a message.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_FAILED)
    except Exception as error:  # the last line of defence: no traceback for users
        if debug:
            raise
        sys.stderr.write(
            f"mydw: internal error: {type(error).__name__}: {error}\n"
            "hint: run again with --debug for details, and report it\n"
        )
        sys.exit(EXIT_FAILED)
