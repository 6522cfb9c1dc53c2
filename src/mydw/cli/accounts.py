"""signup, login, logout, whoami, account delete."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

from mydw.cli import output, prompts
from mydw.cli.options import JsonOption
from mydw.cli.state import context
from mydw.domain.errors import InvalidInput

if TYPE_CHECKING:
    from mydw.services.accounts import UserInfo

T = TypeVar("T")

EmailOption = Annotated[str | None, typer.Option("--email", "-e", help="Your email address.")]
PasswordStdin = Annotated[
    bool,
    typer.Option("--password-stdin", help="Read the password from the first line of stdin."),
]


def _ask(
    value: str | None,
    label: str,
    check: Callable[[str], T],
    *,
    secret: bool = False,
    option: str = "",
) -> T:
    """Use the given value, or prompt for it when a person is at the terminal."""
    if value is not None:
        return check(value)
    _need_terminal(option or label)
    while True:
        answer = prompts.ask(label, secret=secret)
        try:
            return check(answer)
        except InvalidInput as e:
            output.notice(str(e))


def _need_terminal(what: str) -> None:
    if not output.interactive():
        raise InvalidInput(f"missing {what} (no terminal to ask)")


def _read_password_stdin() -> str:
    line = sys.stdin.readline()
    password = line.rstrip("\r\n")
    if not password:
        raise InvalidInput("--password-stdin: no password on stdin")
    return password


def signup(
    email: EmailOption = None,
    first_name: Annotated[str | None, typer.Option("--first-name", "-f")] = None,
    last_name: Annotated[str | None, typer.Option("--last-name", "-l")] = None,
    password_stdin: PasswordStdin = False,
    json_: JsonOption = False,
) -> None:
    """Create a local account, then log in.

    Prompts for what is missing when a person is at the terminal (the password hidden and
    confirmed). Example: echo "$PW" | mydw signup -e ada@example.com -f Ada -l Lovelace
    --password-stdin
    """
    from mydw.services import accounts as svc

    ctx = context()
    before = svc.optional_user(ctx)
    first = _ask(
        first_name, "First name", lambda v: svc.check_name(v, "first name"), option="--first-name"
    )
    last = _ask(
        last_name, "Last name", lambda v: svc.check_name(v, "last name"), option="--last-name"
    )
    address = _ask(email, "Email", svc.normalize_email, option="--email")

    def password_ok(value: str) -> str:
        svc.check_password(value)
        return value

    if password_stdin:
        password = password_ok(_read_password_stdin())
    else:
        _need_terminal("--password-stdin")
        password = prompts.new_password(password_ok)
    user = svc.signup(ctx, first_name=first, last_name=last, email=address, password=password)
    _say_who_was_logged_out(before, user.email)
    if json_:
        output.emit_json(user.to_json())
    else:
        output.success(
            f"Welcome, {user.first_name}! Account {user.email} created; you are logged in."
        )


def _say_who_was_logged_out(before: UserInfo | None, now: str) -> None:
    """Logging in as someone else on this machine ends the previous login: say so."""
    if before is not None and before.email != now:
        output.notice(f"{before.email} was logged out (one login per database).")


def login(
    email: EmailOption = None,
    password_stdin: PasswordStdin = False,
    json_: JsonOption = False,
) -> None:
    """Log in on this machine (the session token is kept in the keyring)."""
    from mydw.services import accounts as svc

    ctx = context()
    before = svc.optional_user(ctx)
    address = _ask(email, "Email", lambda v: v.strip(), option="--email")
    if password_stdin:
        password = _read_password_stdin()
    else:
        password = _ask(None, "Password", lambda v: v, secret=True, option="--password-stdin")
    user = svc.login(ctx, email=address, password=password)
    _say_who_was_logged_out(before, user.email)
    if json_:
        output.emit_json(user.to_json())
    else:
        output.success(f"Logged in as {user.email}.")


def logout(json_: JsonOption = False) -> None:
    """Log out: the session is revoked and forgotten."""
    from mydw.services import accounts as svc

    was = svc.logout(context())
    if json_:
        output.emit_json({"logged_out": was})
    elif was:
        output.success("Logged out.")
    else:
        output.notice("Nobody was logged in.")


def whoami(json_: JsonOption = False) -> None:
    """Who is logged in (exit 3 when nobody is)."""
    from mydw.services import accounts as svc

    user = svc.current_user(context())
    if json_:
        output.emit_json(user.to_json())
        return
    from rich.text import Text

    joined = user.joined.date().isoformat() if user.joined else "?"
    output.out().print(Text(f"{user.first_name} {user.last_name} <{user.email}> — joined {joined}"))


account_app = typer.Typer(help="Your account.", no_args_is_help=True)


@account_app.command("delete")
def account_delete(
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
    json_: JsonOption = False,
) -> None:
    """Delete your account with all its marks and chats."""
    from mydw.services import accounts as svc

    ctx = context()
    user = svc.current_user(ctx)
    if not yes:
        if not output.interactive():
            raise InvalidInput("refusing to delete the account without --yes (no terminal to ask)")
        if not prompts.confirm(f"Delete the account {user.email} with all its marks and chats?"):
            raise typer.Exit(1)
    svc.delete_account(ctx, user.id)
    if json_:
        output.emit_json({"deleted": user.to_json()})
    else:
        output.success(f"Account {user.email} deleted.")


@account_app.command("password")
def account_password(
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the current password, then the new one, from the first two lines of stdin.",
        ),
    ] = False,
) -> None:
    """Change your password; your other login sessions are ended."""
    from mydw.services import accounts as svc

    ctx = context()
    user = svc.current_user(ctx)

    def password_ok(value: str) -> str:
        svc.check_password(value)
        return value

    if password_stdin:
        current = _read_password_stdin()
        new = password_ok(_read_password_stdin())
    else:
        current = _ask(
            None, "Current password", lambda v: v, secret=True, option="--password-stdin"
        )
        new = prompts.new_password(password_ok, "New password")
    svc.change_password(ctx, user.id, current=current, new=new)
    output.success(f"Password of {user.email} changed.")


def register(app: typer.Typer) -> None:
    app.command()(signup)
    app.command()(login)
    app.command()(logout)
    app.command()(whoami)
    app.add_typer(account_app, name="account")
