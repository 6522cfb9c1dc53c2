"""Issue 10: a closed stdout is a broken pipe (exit 1, no message); a closed stdin or
stderr never crashes. Real processes: only a process starts with a descriptor closed."""

from __future__ import annotations

import shlex
import subprocess

from tests.conftest import MYDW, Mydw


def _sh(mydw: Mydw, line: str, *, input: str | None = None) -> subprocess.CompletedProcess[str]:
    """`line` in sh, with `mydw` the installed command (its redirections close streams)."""
    return subprocess.run(["sh", "-c", line.replace("mydw ", shlex.quote(MYDW) + " ")],
                          input=input, capture_output=True, text=True, env=mydw.env,
                          timeout=60, stdin=None if input is not None else subprocess.DEVNULL)


def test_a_closed_stdout_is_a_broken_pipe(mydw: Mydw) -> None:
    mydw.signup()
    for line in ("mydw whoami >&-", "mydw --version >&-", "mydw whoami --json >&-",
                 "mydw list --json >&-", "mydw config show >&-"):
        result = _sh(mydw, line)
        assert result.returncode == 1, (line, result.returncode, result.stderr)
        assert result.stderr == "", (line, result.stderr)


def test_a_command_that_writes_nothing_on_stdout_works_with_it_closed(mydw: Mydw) -> None:
    mydw.signup()
    result = _sh(mydw, "mydw config set lang fr >&-")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert mydw.ok("config", "get", "lang").stdout.strip() == "fr"


def test_password_stdin_with_stdin_closed_is_one_clear_error(mydw: Mydw) -> None:
    mydw.signup()
    result = _sh(mydw, "mydw login --email ada@example.com --password-stdin <&-")
    assert result.returncode in (1, 2), result.stderr
    assert "internal error" not in result.stderr and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines and lines[0].startswith("mydw: error:") and "stdin" in lines[0], lines
    assert len(lines) <= 2
    config = _sh(mydw, "mydw config set omdb-api-key <&-")
    assert config.returncode in (1, 2) and "Traceback" not in config.stderr
    assert "internal error" not in config.stderr


def test_a_closed_stderr_never_crashes(mydw: Mydw) -> None:
    assert _sh(mydw, "mydw whoami 2>&-").returncode == 3  # not logged in: the code tells
    assert _sh(mydw, "mydw whoami --json 2>&-").returncode == 3
    mydw.signup()
    result = _sh(mydw, "mydw whoami 2>&-")
    assert result.returncode == 0 and "ada@example.com" in result.stdout
    assert _sh(mydw, "mydw search --offline keeper 2>&-").returncode == 0
    assert _sh(mydw, "mydw list --limit 0 2>&-").returncode == 2


def test_all_three_closed(mydw: Mydw) -> None:
    mydw.signup()
    assert _sh(mydw, "mydw whoami <&- >&- 2>&-").returncode == 1
    assert _sh(mydw, "mydw whoami --json <&- 2>&-").returncode == 0
