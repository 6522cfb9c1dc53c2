"""mydw config get | set | unset | show."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from mydw.cli import output, prompts
from mydw.cli.options import JsonOption, SettingArgument, SettingValueArgument
from mydw.cli.state import context

config_app = typer.Typer(
    help="Read and change settings (secrets go to the keyring).", no_args_is_help=True
)


@config_app.command("get")
def get(
    name: SettingArgument,
    reveal: Annotated[
        bool, typer.Option(help="Show a secret (or the password in a URL) in full.")
    ] = False,
    json_: JsonOption = False,
) -> None:
    """Print one setting's value (secrets and URL passwords masked unless --reveal)."""
    from mydw.services import settings as svc

    view = svc.get(context().secrets, name, reveal=reveal)
    if json_:
        output.emit_json(view.to_json())
    elif view.value is None:
        output.notice(f"{view.name} is not set")
    else:
        typer.echo(view.value)
    if view.problem and not json_:
        output.notice(f"warning: {view.problem}")


def _value_from_stdin(name: str) -> str:
    line = sys.stdin.readline() if sys.stdin is not None else ""
    value = line.rstrip("\r\n")
    if not value.strip():
        from mydw.domain.errors import InvalidInput

        raise InvalidInput(f"no value for {name} on stdin")
    return value


@config_app.command("set")
def set_(name: SettingArgument, value: SettingValueArgument = None) -> None:
    """Set a setting; without VALUE it is read from stdin (prompted, hidden for secrets, at a
    terminal). Examples: mydw config set lang fr; echo "$KEY" | mydw config set tmdb-api-key
    """
    from mydw.config.settings import key
    from mydw.services import settings as svc

    k = key(name)
    if value is None:
        value = prompts.ask(k.name, secret=k.secret) if output.interactive() \
            else _value_from_stdin(k.name)
    where = svc.set_value(context().secrets, k.name, value)
    output.success(f"{k.name} saved ({where}).")


@config_app.command("unset")
def unset(name: SettingArgument) -> None:
    """Remove a setting (back to the default)."""
    from mydw.services import settings as svc

    svc.unset(context().secrets, name)
    output.success(f"{name} unset.")


@config_app.command("show")
def show(json_: JsonOption = False) -> None:
    """Every setting, its value (secrets masked) and where it comes from."""
    from mydw.services import settings as svc

    views = svc.show(context().secrets)
    if json_:
        output.emit_json([v.to_json() for v in views])
        return
    if not sys.stdout.isatty():
        from mydw.cli import render

        for v in views:
            shown = render.clean(v.value) if v.value is not None else render.UNKNOWN
            sys.stdout.write(f"{v.name}: {shown} ({v.source})\n")
    else:
        from rich.table import Table
        from rich.text import Text

        table = Table(box=None, header_style="bold")
        table.add_column("setting")
        table.add_column("value", overflow="fold")
        table.add_column("from", style="dim")
        for v in views:
            table.add_row(v.name, Text("" if v.value is None else v.value), v.source)
        output.out().print(table)
    for v in views:
        if v.problem:
            output.notice(f"warning: {v.problem}")


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
