"""The installed `mydw`: accounts, sessions and the database, with no keyring backend."""

from __future__ import annotations

import os
import sqlite3
import stat
from pathlib import Path

import pytest

from tests.conftest import BACKEND, Mydw

sqlite_only = pytest.mark.skipif(BACKEND != "sqlite", reason="about the SQLite file")


def test_signup_whoami_logout_login(mydw: Mydw, home: Path) -> None:
    created = mydw.ok(
        "signup",
        "--email",
        "Ada@Example.com",
        "--first-name",
        "Ada",
        "--last-name",
        "Lovelace",
        "--password-stdin",
        "--json",
        input="correct horse\n",
    )
    assert created.json()["email"] == "ada@example.com"
    assert "no system keyring available" in created.stderr  # said once, on first use
    me = mydw.ok("whoami", "--json")
    assert me.stderr == ""
    data = me.json()
    assert set(data) == {"id", "email", "first_name", "last_name", "joined"}
    assert data["email"] == "ada@example.com" and data["joined"].endswith("Z")
    assert "password" not in me.stdout and "$argon2" not in me.stdout
    secrets = home / "secrets.json"
    assert stat.S_IMODE(secrets.stat().st_mode) == 0o600

    mydw.ok("logout")
    gone = mydw("whoami", "--json")
    assert gone.returncode == 3 and gone.stdout == ""
    assert "nobody is logged in" in gone.stderr

    wrong = mydw("login", "--email", "ada@example.com", "--password-stdin", input="nope nope\n")
    unknown = mydw(
        "login", "--email", "eve@example.com", "--password-stdin", input="correct horse\n"
    )
    assert wrong.returncode == unknown.returncode == 3
    assert wrong.stderr == unknown.stderr
    assert "Traceback" not in wrong.stderr

    mydw.ok("login", "--email", "ADA@example.com", "--password-stdin", input="correct horse\n")
    assert mydw.ok("whoami", "--json").json()["email"] == "ada@example.com"
    assert "no system keyring" not in mydw.ok("whoami").stderr  # only once


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
    mydw: Mydw, args: list[str], stdin: str, message: str
) -> None:
    result = mydw("signup", *args, "--password-stdin", input=stdin)
    assert result.returncode == 1
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_missing_fields_without_a_terminal_are_not_prompted(mydw: Mydw) -> None:
    result = mydw("signup", "--email", "a@b.co", "--password-stdin", input="correct horse\n")
    assert result.returncode == 1
    assert "missing --first-name" in result.stderr


def test_duplicate_email_any_case(mydw: Mydw) -> None:
    mydw.signup("ada@example.com")
    again = mydw(
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
    assert mydw.ok("whoami", "--json").json()["first_name"] == "Ada"


def test_account_delete_needs_confirmation_without_a_terminal(mydw: Mydw) -> None:
    mydw.signup()
    refused = mydw("account", "delete")
    assert refused.returncode == 1 and "--yes" in refused.stderr
    mydw.ok("whoami")
    mydw.ok("account", "delete", "--yes")
    assert mydw("whoami").returncode == 3
    login = mydw("login", "-e", "ada@example.com", "--password-stdin", input="correct horse\n")
    assert login.returncode == 3


def test_commands_needing_a_user_exit_3(mydw: Mydw) -> None:
    for args in (["whoami"], ["account", "delete", "--yes"]):
        result = mydw(*args)
        assert result.returncode == 3, args
        assert "Traceback" not in result.stderr


@sqlite_only
def test_default_database_is_private(mydw: Mydw, home: Path) -> None:
    mydw.signup()
    path = Path(mydw.ok("db", "path").stdout.strip())
    assert path == home / "mydw.db"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert mydw.ok("db", "current", "--json").json()["up_to_date"] is True


@sqlite_only
def test_a_file_that_is_not_a_database(mydw: Mydw, home: Path) -> None:
    home.mkdir(parents=True)
    bogus = home / "mydw.db"
    bogus.write_bytes(b"this is not sqlite at all\n" * 100)
    for args in (
        ["db", "current"],
        ["signup", "-e", "a@b.co", "-f", "A", "-l", "B", "--password-stdin"],
    ):
        result = mydw(*args, input="correct horse\n")
        assert result.returncode == 1, args
        assert "not a usable SQLite database" in result.stderr
        assert "Traceback" not in result.stderr
    assert bogus.read_bytes() == b"this is not sqlite at all\n" * 100


@sqlite_only
def test_a_database_from_a_newer_version_is_refused_untouched(mydw: Mydw, home: Path) -> None:
    mydw.signup()
    db = home / "mydw.db"
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    before = _dump(db)
    for args in (["whoami"], ["db", "upgrade"]):
        result = mydw(*args)
        assert result.returncode == 1, args
        assert "revision 9999" in result.stderr and "does not know" in result.stderr
        assert "Traceback" not in result.stderr
    assert _dump(db) == before


def _dump(path: Path) -> list[str]:
    with sqlite3.connect(path) as conn:
        return list(conn.iterdump())


@sqlite_only
def test_an_old_database_is_migrated_with_a_backup(mydw: Mydw, home: Path) -> None:
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
    result = mydw.ok("db", "upgrade", "--json").json()
    assert (
        result["before"] == "0001"
        and result["after"] == mydw.ok("db", "current", "--json").json()["head"]
    )
    assert result["backup"] and Path(result["backup"]).exists()
    with sqlite3.connect(db) as conn:  # nothing lost, no broken foreign keys
        assert conn.execute("SELECT count(*) FROM users").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM user_movies").fetchone() == (1,)
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []


@sqlite_only
@pytest.mark.skipif(
    os.geteuid() == 0 and os.environ.get("CI_ALLOW_ROOT_RO") != "1",
    reason="root ignores folder permissions",
)
def test_read_only_data_folder(mydw: Mydw, home: Path) -> None:  # pragma: no cover - non-root
    home.mkdir(parents=True)
    home.chmod(0o500)
    try:
        result = mydw("whoami")
        assert result.returncode == 1
        assert "Traceback" not in result.stderr
    finally:
        home.chmod(0o700)


@sqlite_only
def test_unwritable_data_folder_is_a_clear_error(mydw: Mydw, tmp_path: Path) -> None:
    # Works as root too: the "folder" is a regular file, so nothing can be created in it.
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    result = mydw(
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


def test_unreachable_database_server_is_a_clear_error(mydw: Mydw) -> None:
    result = mydw("db", "current", env={"MYDW_DATABASE_URL": "postgresql://u:secret@127.0.0.1:1/x"})
    assert result.returncode == 1
    assert "cannot use PostgreSQL" in result.stderr
    assert "secret" not in result.stderr  # the password is never shown
    assert "Traceback" not in result.stderr


def test_version_and_debug(mydw: Mydw) -> None:
    assert mydw.ok("--version").stdout.startswith("mydw ")
    hidden = mydw("whoami")
    assert "Traceback" not in hidden.stderr
    shown = mydw("whoami", "--debug")
    assert shown.returncode == 3 and "Traceback" in shown.stderr


def test_config_set_get_show_unset(mydw: Mydw, home: Path) -> None:
    mydw.ok("config", "set", "lang", "fr")
    assert mydw.ok("config", "get", "lang").stdout.strip() == "fr"
    mydw.ok("config", "set", "tmdb-api-key", "0123456789abcdef0123456789abcdef")
    shown = {s["name"]: s for s in mydw.ok("config", "show", "--json").json()}
    assert shown["tmdb-api-key"]["value"] != "0123456789abcdef0123456789abcdef"
    assert shown["tmdb-api-key"]["secret"] is True
    assert "0123456789abcdef0123456789abcdef" not in (home / "config.toml").read_text()
    revealed = mydw.ok("config", "get", "tmdb-api-key", "--reveal").stdout.strip()
    assert revealed == "0123456789abcdef0123456789abcdef"
    env = mydw.ok("config", "get", "lang", "--json", env={"MYDW_LANG": "en"}).json()
    assert env["value"] == "en" and env["source"] == "env"
    mydw.ok("config", "unset", "lang")
    assert mydw.ok("config", "get", "lang", "--json").json()["source"] == "default"
    bad = mydw("config", "set", "lang", "de")
    assert bad.returncode == 1 and "unknown language" in bad.stderr
    unknown = mydw("config", "get", "colour")
    assert unknown.returncode == 2 and "unknown setting" in unknown.stderr  # not a choice


def test_account_password(mydw: Mydw) -> None:
    mydw.signup()
    wrong = mydw("account", "password", "--password-stdin", input="nope nope\nnew password\n")
    assert wrong.returncode == 3 and "current password is wrong" in wrong.stderr
    short = mydw("account", "password", "--password-stdin", input="correct horse\nshort\n")
    assert short.returncode == 1 and "at least 8" in short.stderr
    mydw.ok("account", "password", "--password-stdin", input="correct horse\nnew password\n")
    mydw.ok("logout")
    old = mydw("login", "-e", "ada@example.com", "--password-stdin", input="correct horse\n")
    assert old.returncode == 3
    mydw.ok("login", "-e", "ada@example.com", "--password-stdin", input="new password\n")
