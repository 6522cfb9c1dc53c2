"""Tab completion offers every choice (never file names), through Click's own machinery."""

from __future__ import annotations

import os
import subprocess

import pytest

from tests.conftest import MYDW, Cli


def _complete(cli: Cli, line: str) -> list[str]:
    """What bash completion offers for `line` (the last word is being typed)."""
    words = line.split(" ")
    result = cli(env={"_MYDW_COMPLETE": "complete_bash", "COMP_WORDS": line,
                      "COMP_CWORD": str(len(words) - 1)})
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


@pytest.mark.parametrize(
    ("line", "expected"),
    [("mydw mark ", ["seen", "later", "not-interested"]),
     ("mydw mark n", ["not-interested"]),
     ("mydw list --status ", ["seen", "later", "not-interested"]),
     ("mydw list --sort ", ["updated", "rating", "votes", "year", "title"]),
     ("mydw discover --sort ", ["popularity", "rating", "votes", "year"]),
     ("mydw refresh --source ", ["auto", "imdb-dataset", "omdb"]),
     ("mydw import ", ["letterboxd", "imdb", "trakt", "mydw"]),
     ("mydw export --format ", ["json", "csv", "letterboxd"]),
     ("mydw export --status ", ["seen", "later", "not-interested"]),
     ("mydw search x --lang ", ["en", "fr"]),
     ("mydw config set lang ", ["en", "fr"]),
     ("mydw refresh --older-than ", ["12h", "1d", "7d", "2w", "30d"])],
)
def test_choices_are_completed(cli: Cli, line: str, expected: list[str]) -> None:
    assert _complete(cli, line) == expected


@pytest.mark.parametrize("command", ["get", "set", "unset"])
def test_setting_names_are_completed(cli: Cli, command: str) -> None:
    offered = _complete(cli, f"mydw config {command} ")
    assert {"lang", "tmdb-api-key", "discover-min-votes", "llm-history"} <= set(offered)
    assert _complete(cli, f"mydw config {command} tmdb-") == ["tmdb-api-key", "tmdb-base-url"]


def test_genres_are_completed_in_english_and_french(cli: Cli) -> None:
    offered = _complete(cli, "mydw list --genre ")
    assert {"drama", "drame", "comedy", "comédie", "science-fiction", "horreur"} <= set(offered)
    assert set(_complete(cli, "mydw discover -g come")) == {"comedy", "comédie"}
    assert "thriller" in _complete(cli, "mydw list -g thr")


def test_original_languages_are_completed(cli: Cli) -> None:
    assert "ja" in _complete(cli, "mydw discover --language ")


def test_the_installed_command_completes_too(cli: Cli, home: object) -> None:
    env = {**os.environ, "_MYDW_COMPLETE": "complete_bash", "COMP_WORDS": "mydw mark ",
           "COMP_CWORD": "2"}
    proc = subprocess.run([MYDW], env=env, capture_output=True, text=True, check=False,
                          stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == ["seen", "later", "not-interested"]
