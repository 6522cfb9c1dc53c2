"""Accounts, sessions, settings and the database, run in-process (with no keyring backend
and as the installed command: tests/e2e/test_accounts_e2e.py)."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from tests.conftest import BACKEND, Cli

sqlite_only = pytest.mark.skipif(BACKEND != "sqlite", reason="about the SQLite file")


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (["--email", "not-an-email", "-f", "A", "-l", "B"], "correct horse\n", "valid email"),
        (["--email", "a@b.co", "-f", "A", "-l", "B"], "short\n", "at least 8"),
        (["--email", "a@b.co", "-f", " ", "-l", "B"], "correct horse\n", "first name"),
        (["--email", "a@b.co", "-f", "A", "-l", ""], "correct horse\n", "last name"),
        (["--email", "a@b.co", "-f", "A", "-l", "B"], "\n", "no password"),
    ],
)
def test_bad_signup_input_is_one_clear_line(
    cli: Cli, args: list[str], stdin: str, message: str
) -> None:
    result = cli("signup", *args, "--password-stdin", input=stdin)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_missing_fields_without_a_terminal_are_not_prompted(cli: Cli) -> None:
    result = cli("signup", "--email", "a@b.co", "--password-stdin", input="correct horse\n")
    assert result.returncode == 1
    assert "missing --first-name" in result.stderr


def test_duplicate_email_any_case(cli: Cli) -> None:
    cli.signup("ada@example.com")
    again = cli(
        "signup",
        "--email",
        "ADA@EXAMPLE.COM",
        "-f",
        "X",
        "-l",
        "Y",
        "--password-stdin",
        input="another pass\n",
    )
    assert again.returncode == 1
    assert "already exists" in again.stderr
    assert cli.ok("whoami", "--json").json()["first_name"] == "Ada"


def test_account_delete_needs_confirmation_without_a_terminal(cli: Cli) -> None:
    cli.signup()
    refused = cli("account", "delete")
    assert refused.returncode == 1 and "--yes" in refused.stderr
    cli.ok("whoami")
    cli.ok("account", "delete", "--yes")
    assert cli("whoami").returncode == 3
    login = cli("login", "-e", "ada@example.com", "--password-stdin", input="correct horse\n")
    assert login.returncode == 3


def test_commands_needing_a_user_exit_3(cli: Cli) -> None:
    for args in (["whoami"], ["account", "delete", "--yes"]):
        result = cli(*args)
        assert result.returncode == 3, args
        assert "Traceback" not in result.stderr


@sqlite_only
@pytest.mark.fresh_database  # mydw makes the folder and the file
def test_default_database_is_private(cli: Cli, home: Path) -> None:
    cli.signup()
    path = Path(cli.ok("db", "path").stdout.strip())
    assert path == home / "mydw.db"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert cli.ok("db", "current", "--json").json()["up_to_date"] is True


@sqlite_only
@pytest.mark.fresh_database  # the test writes its own file
def test_a_file_that_is_not_a_database(cli: Cli, home: Path) -> None:
    home.mkdir(parents=True)
    bogus = home / "mydw.db"
    bogus.write_bytes(b"this is not sqlite at all\n" * 100)
    for args in (
        ["db", "current"],
        ["signup", "-e", "a@b.co", "-f", "A", "-l", "B", "--password-stdin"],
    ):
        result = cli(*args, input="correct horse\n")
        assert result.returncode == 1, args
        assert "not a usable SQLite database" in result.stderr
        assert "Traceback" not in result.stderr
    assert bogus.read_bytes() == b"this is not sqlite at all\n" * 100


@sqlite_only
def test_a_database_from_a_newer_version_is_refused_untouched(cli: Cli, home: Path) -> None:
    cli.signup()
    db = home / "mydw.db"
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    before = _dump(db)
    for args in (["whoami"], ["db", "upgrade"]):
        result = cli(*args)
        assert result.returncode == 1, args
        assert "revision 9999" in result.stderr and "does not know" in result.stderr
        assert "Traceback" not in result.stderr
    assert _dump(db) == before


def _dump(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return list(conn.iterdump())


@sqlite_only
@pytest.mark.fresh_database  # the test builds a revision-0001 database
def test_an_old_database_is_migrated_with_a_backup(cli: Cli, home: Path) -> None:
    from alembic import command
    from alembic.config import Config
    from sqlalchemy import create_engine

    db = home / "mydw.db"
    home.mkdir(parents=True)
    engine = create_engine(f"sqlite:///{db}")
    with engine.begin() as conn:  # a database left by the first release: revision 0001
        cfg = Config()
        cfg.set_main_option("script_location", "mydw.db:migrations")
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.exec_driver_sql(
            "INSERT INTO users (first_name, last_name, email, password_hash) "
            "VALUES ('Ada', 'L', 'ada@example.com', 'x')"
        )
        conn.exec_driver_sql("INSERT INTO movies (id, tmdb_id) VALUES (1, 603)")
        conn.exec_driver_sql(
            "INSERT INTO user_movies (user_id, movie_id, status) VALUES (1, 1, 'seen')"
        )
    engine.dispose()
    result = cli.ok("db", "upgrade", "--json").json()
    assert (
        result["before"] == "0001"
        and result["after"] == cli.ok("db", "current", "--json").json()["head"]
    )
    assert result["backup"] and Path(result["backup"]).exists()
    with sqlite3.connect(db) as conn:  # nothing lost, no broken foreign keys
        assert conn.execute("SELECT count(*) FROM users").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM user_movies").fetchone() == (1,)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


@sqlite_only
@pytest.mark.fresh_database  # the test makes the folder read-only
@pytest.mark.skipif(
    os.geteuid() == 0 and os.environ.get("CI_ALLOW_ROOT_RO") != "1",
    reason="root ignores folder permissions",
)
def test_read_only_data_folder(cli: Cli, home: Path) -> None:  # pragma: no cover - non-root
    home.mkdir(parents=True)
    home.chmod(0o500)
    try:
        result = cli("whoami")
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
    finally:
        home.chmod(0o700)


@sqlite_only
def test_unwritable_data_folder_is_a_clear_error(cli: Cli, tmp_path: Path) -> None:
    # Works as root too: the "folder" is a regular file, so nothing can be created in it.
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    result = cli(
        "signup",
        "-e",
        "a@b.co",
        "-f",
        "A",
        "-l",
        "B",
        "--password-stdin",
        input="correct horse\n",
        env={"MYDW_HOME": str(blocker / "home")},
    )
    assert result.returncode == 1
    assert "cannot" in result.stderr and str(blocker) in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_database_server_is_a_clear_error(cli: Cli) -> None:
    result = cli("db", "current", env={"MYDW_DATABASE_URL": "postgresql://u:secret@127.0.0.1:1/x"})
    assert result.returncode == 1
    assert "cannot use PostgreSQL" in result.stderr
    assert "secret" not in result.stderr  # the password is never shown
    assert "Traceback" not in result.stderr


def test_debug_shows_the_traceback(cli: Cli) -> None:
    hidden = cli("whoami")
    assert "Traceback" not in hidden.stderr
    shown = cli("whoami", "--debug")
    assert shown.returncode == 3 and "Traceback" in shown.stderr


def test_config_set_get_show_unset(cli: Cli, home: Path) -> None:
    cli.ok("config", "set", "lang", "fr")
    assert cli.ok("config", "get", "lang").stdout.strip() == "fr"
    cli.ok("config", "set", "tmdb-api-key", "0123456789abcdef0123456789abcdef")
    shown = {s["name"]: s for s in cli.ok("config", "show", "--json").json()}
    assert shown["tmdb-api-key"]["value"] != "0123456789abcdef0123456789abcdef"
    assert shown["tmdb-api-key"]["secret"] is True
    assert "0123456789abcdef0123456789abcdef" not in (home / "config.toml").read_text()
    revealed = cli.ok("config", "get", "tmdb-api-key", "--reveal").stdout.strip()
    assert revealed == "0123456789abcdef0123456789abcdef"
    env = cli.ok("config", "get", "lang", "--json", env={"MYDW_LANG": "en"}).json()
    assert env["value"] == "en" and env["source"] == "env"
    cli.ok("config", "unset", "lang")
    assert cli.ok("config", "get", "lang", "--json").json()["source"] == "default"
    bad = cli("config", "set", "lang", "de")
    assert bad.returncode == 1 and "unknown language" in bad.stderr
    unknown = cli("config", "get", "colour")
    assert unknown.returncode == 2 and "unknown setting" in unknown.stderr  # not a choice


def test_account_password(cli: Cli) -> None:
    cli.signup()
    wrong = cli("account", "password", "--password-stdin", input="nope nope\nnew password\n")
    assert wrong.returncode == 3 and "current password is wrong" in wrong.stderr
    short = cli("account", "password", "--password-stdin", input="correct horse\nshort\n")
    assert short.returncode == 1 and "at least 8" in short.stderr
    cli.ok("account", "password", "--password-stdin", input="correct horse\nnew password\n")
    cli.ok("logout")
    old = cli("login", "-e", "ada@example.com", "--password-stdin", input="correct horse\n")
    assert old.returncode == 3
    cli.ok("login", "-e", "ada@example.com", "--password-stdin", input="new password\n")
