"""A spinner on stderr while a command waits on the network — at a terminal only.

`terminal_progress()` returns the `AppContext.progress` hook `run()` installs: a callable
`progress(message)` giving a context manager. Nothing shows for a wait shorter than
`DELAY` seconds, and nothing at all when stderr is not a terminal (scripts, pipes, files):
then the hook is None and the context keeps its no-op. Rich is imported only once a wait
really lasts (start-up stays fast).
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import IO, Any

DELAY = 0.3  # seconds: a shorter wait shows nothing


class Spinner:
    """Rich's status spinner on `stream`, after `delay` seconds of the outermost wait."""

    def __init__(self, stream: IO[str], *, delay: float = DELAY) -> None:
        self.stream = stream
        self.delay = delay
        self._lock = threading.Lock()
        self._depth = 0
        self._status: Any = None
        self._timer: threading.Timer | None = None

    def __call__(self, message: str) -> AbstractContextManager[object]:
        return self._waiting(message)

    @contextmanager
    def _waiting(self, message: str) -> Iterator[None]:
        with self._lock:
            self._depth += 1
            outermost = self._depth == 1
            if outermost:
                self._timer = threading.Timer(self.delay, self._show, args=(message,))
                self._timer.daemon = True
                self._timer.start()
        try:
            yield
        finally:
            with self._lock:
                self._depth -= 1
                if self._depth == 0:
                    self._hide()

    def _show(self, message: str) -> None:
        from rich.console import Console

        with self._lock:
            if self._depth == 0 or self._status is not None:
                return
            console = Console(file=self.stream, stderr=True)
            self._status = console.status(message)
            self._status.start()

    def _hide(self) -> None:  # under the lock
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._status is not None:
            self._status.stop()
            self._status = None


def terminal_progress(stream: IO[str] | None = None) -> Spinner | None:
    """The spinner when `stream` (default: stderr) is a terminal, else None."""
    stream = stream if stream is not None else sys.stderr
    try:
        at_terminal = stream is not None and stream.isatty()
    except (AttributeError, ValueError):  # closed or not a real stream
        at_terminal = False
    return Spinner(stream) if at_terminal and stream is not None else None
