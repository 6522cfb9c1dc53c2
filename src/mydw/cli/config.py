"""mydw config get | set | unset | show."""

from __future__ import annotations

from typing import Annotated

import typer

from mydw.cli import output
from mydw.cli.output import JsonOption
from mydw.cli.state import context

config_app = typer.Typer(
    help="Read and change settings (secrets go to the keyring).", no_args_is_help=True
)

NameArg = Annotated[str, typer.Argument(help="Setting name, e.g. lang or tmdb-api-key.")]


@config_app.command("get")
def get(
    name: NameArg,
    reveal: Annotated[bool, typer.Option(help="Show a secret in full.")] = False,
    json_: JsonOption = False,
) -> None:
    """Print one setting's value (secrets masked unless --reveal)."""
    from mydw.services import settings as svc

    view = svc.get(context().secrets, name, reveal=reveal)
    if json_:
        output.emit_json(view.to_json())
    elif view.value is None:
        output.notice(f"{view.name} is not set")
    else:
        typer.echo(view.value)


@config_app.command("set")
def set_(
    name: NameArg,
    value: Annotated[
        str | None, typer.Argument(help="The value (prompted, hidden, for secrets).")
    ] = None,
) -> None:
    """Set a setting. Example: mydw config set lang fr; mydw config set tmdb-api-key"""
    from mydw.config.settings import key
    from mydw.domain.errors import InvalidInput
    from mydw.services import settings as svc

    k = key(name)
    if value is None:
        if not output.interactive():
            raise InvalidInput(f"missing value for {k.name} (no terminal to ask)")
        value = typer.prompt(k.name, hide_input=k.secret, err=True)
    where = svc.set_value(context().secrets, k.name, value)
    output.success(f"{k.name} saved ({where}).")


@config_app.command("unset")
def unset(name: NameArg) -> None:
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
    from rich.table import Table
    from rich.text import Text

    table = Table(box=None, header_style="bold")
    table.add_column("setting")
    table.add_column("value")
    table.add_column("from", style="dim")
    for v in views:
        table.add_row(v.name, Text("" if v.value is None else v.value), v.source)
    output.out().print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
