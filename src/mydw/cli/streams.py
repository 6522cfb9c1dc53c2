"""The standard streams, made harmless when the process started with one closed
(`mydw whoami >&-`, `mydw login --password-stdin <&-`, cron with `2>&-`).

Importing this module does it (`mydw.cli.app` imports it first, before anything looks
at `sys.stdout`); `ensure()` does it again (idempotent). Stdlib only.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys


class _ClosedStdout(io.TextIOBase):
    """What stdout is when the process started with it closed (`mydw whoami >&-`): writing
    to it is a broken pipe, as for a reader that went away (exit 1, no message)."""

    encoding = "utf-8"
    errors = "strict"

    def __init__(self, fd: int | None) -> None:
        super().__init__()
        self._fd = fd

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError("write() argument must be str")
        if text:
            import errno

            raise BrokenPipeError(errno.EPIPE, "stdout is closed")
        return 0

    def flush(self) -> None:
        return None

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        if self._fd is None:
            raise io.UnsupportedOperation("stdout is closed")
        return self._fd


def ensure() -> None:
    """Make a closed stdin, stdout or stderr harmless before anything uses it.

    A descriptor 0-2 that is closed is pointed at /dev/null first, so that no file mydw
    opens later (the database!) takes its number. Then Python's stream objects (None for a
    closed descriptor): stdin reads as empty (the input ended), stderr discards what is
    written (a notice never crashes a command), stdout raises BrokenPipeError when written
    to (exit 1, no message)."""
    closed = []
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            closed.append(fd)
    for fd in closed:
        with contextlib.suppress(OSError):
            got = os.open(os.devnull, os.O_RDWR)
            if got != fd:  # a lower descriptor was free after all: keep only `fd`
                os.dup2(got, fd)
                os.close(got)
    if sys.stdin is None:
        sys.stdin = io.StringIO("")
    if sys.stdout is None:
        sys.stdout = _ClosedStdout(1 if 1 in closed else None)
    if sys.stderr is None:
        sys.stderr = io.StringIO() if 2 not in closed else open(  # noqa: SIM115
            2, "w", encoding="utf-8", errors="replace", closefd=False)



ensure()
