"""The installed `mydw` as a user gets it: the console script, and accounts with no keyring
backend at all (a headless server: secrets fall back to a 0600 file). The rest of accounts
and settings runs in-process: tests/cli/test_accounts_cli.py."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from tests.conftest import Mydw

pytestmark = pytest.mark.e2e


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


def test_version(mydw: Mydw) -> None:
    assert mydw.ok("--version").stdout.startswith("mydw ")
