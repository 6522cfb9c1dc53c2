"""mydw db upgrade | current | path."""

from __future__ import annotations

import typer

from mydw.cli import output
from mydw.cli.options import JsonOption
from mydw.cli.state import context

db_app = typer.Typer(
    help="The database: where it is, its schema revision, migrations.", no_args_is_help=True
)


@db_app.command("upgrade")
def upgrade(json_: JsonOption = False) -> None:
    """Bring the schema to the latest revision (every command also does this on first use)."""
    from mydw.services import database as svc

    result = svc.upgrade(context())
    if json_:
        output.emit_json(result.to_json())
    elif result.before == result.after:
        output.success(f"Already at the latest revision ({result.after}).")
    else:
        output.success(f"Upgraded from {result.before or 'an empty database'} to {result.after}.")
        if result.backup:
            output.notice(f"Backup of the previous database: {result.backup}")


@db_app.command("current")
def current(json_: JsonOption = False) -> None:
    """The database's schema revision and the latest one this mydw knows."""
    from mydw.services import database as svc

    status = svc.status(context())
    if json_:
        output.emit_json(status.to_json())
    else:
        state = "up to date" if status.current == status.head else "needs upgrade"
        typer.echo(f"{status.current or '(empty)'} (latest {status.head}: {state})")


@db_app.command("path")
def path(json_: JsonOption = False) -> None:
    """Where the database is: the SQLite file, or the URL (password hidden)."""
    from mydw.services import database as svc

    where = svc.location(context())
    if json_:
        output.emit_json(where)
    else:
        typer.echo(where["path"] or where["url"])


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
