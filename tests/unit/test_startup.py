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


def _imported_mydw_modules(*args: str) -> set[str]:
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "mydw", *args],
        capture_output=True, text=True, check=False,
    )
    return {line.rsplit("|", 1)[1].strip() for line in proc.stderr.splitlines()
            if line.startswith("import time:") and "| " in line and "mydw" in line}


def test_a_command_imports_only_the_module_that_registers_it() -> None:
    imported = _imported_mydw_modules("whoami", "--help")
    assert "mydw.cli.accounts" in imported  # the measurement works
    others = {"mydw.cli.chat", "mydw.cli.transfer", "mydw.cli.marks", "mydw.cli.catalog"}
    assert not imported & others, imported & others


def test_the_command_table_matches_the_whole_app() -> None:
    from typer.main import get_command

    from mydw.cli import app as app_mod

    whole = set(get_command(app_mod.build_app()).commands)  # type: ignore[attr-defined]
    assert set(app_mod._COMMAND_MODULE) == whole
    for module in app_mod._MODULES:
        alone = set(get_command(app_mod.build_app((module,))).commands)  # type: ignore[attr-defined]
        assert alone == {c for c, m in app_mod._COMMAND_MODULE.items() if m == module}, module


def test_the_collector_is_paused_only_until_the_command_has_its_context() -> None:
    import gc

    from mydw.cli import state

    assert gc.isenabled()
    try:
        state.pause_gc()
        assert not gc.isenabled()
        state.RunState(given=object()).app_context()  # type: ignore[arg-type]
        assert gc.isenabled()
        # Somebody else's choice is kept: resuming never enables a collector it did not pause.
        gc.disable()
        state.pause_gc()
        state.resume_gc()
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()
