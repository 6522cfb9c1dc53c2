"""With --json, every command fails with one JSON error object on stderr, nothing on stdout."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli

# The arguments a command needs before it can fail for a reason of its own.
ARGUMENTS = {"search": ["keeper"], "show": ["603"], "mark": ["seen", "603"],
             "unmark": ["603"], "config get": ["lang"], "account delete": ["--yes"],
             "chat show": ["0123abcd"], "chat delete": ["0123abcd"], "rate": ["603", "8"],
             "import": ["letterboxd", "watched.csv"]}


def _commands_with_json() -> list[str]:
    from typer.main import get_command

    from mydw.cli.app import app

    found: list[str] = []

    def walk(group: Any, prefix: list[str]) -> None:
        for name, command in sorted(getattr(group, "commands", {}).items()):
            path = [*prefix, name]
            if any("--json" in p.opts for p in command.params):
                found.append(" ".join(path))
            walk(command, path)

    walk(get_command(app), [])
    return found


COMMANDS = _commands_with_json()


def test_the_walk_finds_the_commands() -> None:
    assert {"search", "list", "whoami", "config show", "db current", "refresh"} <= set(COMMANDS)


def _check(result: Any) -> dict[str, Any]:
    assert result.returncode != 0
    assert result.stdout == ""
    error = json.loads(result.stderr)["error"]
    assert {"code", "message", "exit_code"} <= set(error)
    assert error["exit_code"] == result.returncode
    assert isinstance(error["message"], str) and error["message"]
    return error


@pytest.mark.parametrize("command", COMMANDS)
def test_every_json_command_fails_with_a_json_error(cli: Cli, home: Path, command: str) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text("this is = = not toml\n")
    args = [*command.split(), *ARGUMENTS.get(command, []), "--json"]
    error = _check(cli(*args))
    assert error["code"] == "config"
    assert "config.toml" in error["message"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_json_command_reports_a_usage_error_as_json(cli: Cli, command: str) -> None:
    args = [*command.split(), *ARGUMENTS.get(command, []), "--json", "--no-such-option"]
    error = _check(cli(*args))
    assert error["code"] == "usage" and error["exit_code"] == 2
