"""Start-up stays light: `mydw --help` imports none of the heavy libraries."""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = ("sqlalchemy", "alembic", "httpx", "keyring", "argon2", "psycopg")


def _imported(*args: str) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mydw", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    modules = set()
    for line in proc.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            modules.add(line.rsplit("|", 1)[1].strip().split(".")[0])
    assert modules, proc.stderr[-500:]
    return modules


@pytest.mark.parametrize(
    "args",
    [("--help",), ("--version",), ("db", "--help"), ("search", "--help"), ("list", "--help")],
)
def test_help_imports_nothing_heavy(args: tuple[str, ...]) -> None:
    imported = _imported(*args)
    assert "typer" in imported  # the measurement works
    assert not imported & set(HEAVY), imported & set(HEAVY)


def test_help_for_scripts_skips_rich() -> None:
    assert "rich" not in _imported("--help")
