"""A wait over ~0.3 s shows a spinner on stderr at a terminal; scripts see nothing of it."""

from __future__ import annotations

import io
import os
import pty
import select
import subprocess
import time
from collections.abc import Iterator

import pytest
from tests.conftest import MYDW, Mydw
from tests.fakes.slow import SlowTmdb
from tests.fakes.tmdb import FAKE_TMDB_API_KEY

from mydw.cli.progress import Spinner, terminal_progress
from mydw.services.context import AppContext, no_progress


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_long_wait_shows_the_spinner_and_it_is_gone_after() -> None:
    screen = FakeTerminal()
    spinner = Spinner(screen, delay=0.1)
    with spinner("Asking TMDB…"):
        time.sleep(0.5)
    assert "Asking TMDB…" in screen.getvalue()
    shown = len(screen.getvalue())
    time.sleep(0.2)
    assert len(screen.getvalue()) == shown  # stopped: nothing more is drawn


def test_a_short_wait_shows_nothing() -> None:
    screen = FakeTerminal()
    spinner = Spinner(screen, delay=0.3)
    with spinner("Asking TMDB…"):
        time.sleep(0.05)
    time.sleep(0.4)  # past the delay: the timer was cancelled
    assert screen.getvalue() == ""


def test_nested_waits_show_one_spinner() -> None:
    screen = FakeTerminal()
    spinner = Spinner(screen, delay=0.05)
    with spinner("outer"), spinner("inner"):
        time.sleep(0.3)
    assert "outer" in screen.getvalue() and "inner" not in screen.getvalue()


def test_no_spinner_when_stderr_is_not_a_terminal() -> None:
    assert terminal_progress(io.StringIO()) is None
    assert AppContext().progress is no_progress  # services' default: nothing


@pytest.fixture
def slow_tmdb() -> Iterator[SlowTmdb]:
    with SlowTmdb(latency=0.5) as tmdb:
        yield tmdb


def _env(mydw: Mydw, tmdb: SlowTmdb) -> dict[str, str]:
    return {**mydw.env, "MYDW_TMDB_BASE_URL": tmdb.api_url, "MYDW_TMDB_API_KEY": FAKE_TMDB_API_KEY}


def test_piped_stderr_stays_empty_of_it(mydw: Mydw, slow_tmdb: SlowTmdb) -> None:
    result = mydw.ok("show", "900001", env=_env(mydw, slow_tmdb))
    assert "Lighthouse" in result.stdout
    assert result.stderr == ""


def test_a_terminal_sees_it(mydw: Mydw, slow_tmdb: SlowTmdb) -> None:
    primary, secondary = pty.openpty()
    proc = subprocess.Popen([MYDW, "show", "900001", "--json"], env=_env(mydw, slow_tmdb),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=secondary)
    os.close(secondary)
    seen = b""
    while True:
        ready, _, _ = select.select([primary], [], [], 10)
        if not ready:
            break
        try:
            chunk = os.read(primary, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    out, _ = proc.communicate(timeout=20)
    os.close(primary)
    assert proc.returncode == 0
    assert b"Asking TMDB" in seen
    assert b"Asking TMDB" not in out  # stdout (the JSON) is untouched
