"""Every command and group has a help text, and `--help` works on each."""

from __future__ import annotations

from tests.conftest import Cli


def test_every_command_has_help(cli: Cli) -> None:
    from typer.main import get_command

    from mydw.cli.app import app

    root = get_command(app)
    paths: list[list[str]] = []

    def walk(group: object, prefix: list[str]) -> None:
        for name, command in getattr(group, "commands", {}).items():
            paths.append([*prefix, name])
            walk(command, [*prefix, name])

    walk(root, [])
    assert len(paths) >= 10
    for path in paths:
        result = cli(*path, "--help")
        assert result.returncode == 0, path
        assert "Usage" in result.stdout
        command = root
        for part in path:
            command = command.commands[part]  # type: ignore[attr-defined]
        assert (command.help or "").strip(), f"{' '.join(path)} has no help text"
