"""Errors with a stable exit code. The CLI's one error boundary maps them to exit codes.

Every layer raises these (or subclasses); none of them knows about Typer.
"""

from __future__ import annotations

from collections.abc import Sequence

# Exit codes (product.md).
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_NOT_FOUND = 4
EXIT_UPSTREAM = 5
EXIT_INTERRUPTED = 130


class MydwError(Exception):
    """Base class: a one-line message for the user and an exit code."""

    exit_code: int = EXIT_FAILED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class InvalidInput(MydwError):
    """Bad input from the user (malformed email, short password, unknown status...)."""


class Conflict(MydwError):
    """The request conflicts with stored state (duplicate email...)."""


class ConfigError(MydwError):
    """Configuration or local environment problem (unwritable folder, bad config file)."""


class DatabaseError(MydwError):
    """The database cannot be used (corrupt file, unknown revision, unreachable server)."""


class NotLoggedIn(MydwError):
    exit_code = 3


class LoginRefused(MydwError):
    exit_code = 3


class NotFound(MydwError):
    exit_code = 4


class Ambiguous(MydwError):
    """A title matched several movies. `candidates` are short human-readable lines."""

    exit_code = 4

    def __init__(self, message: str, candidates: Sequence[str], *, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.candidates = list(candidates)


class UpstreamError(MydwError):
    """An upstream service (TMDB, OMDb, IMDb datasets, chat model) failed or refused."""

    exit_code = 5

    def __init__(self, message: str, *, service: str = "", hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.service = service


class UpstreamAuthError(UpstreamError):
    """The service refused our credential (401), or none is configured."""


class UpstreamNotFound(NotFound):
    """The service answered that the resource does not exist (404 / empty find)."""


class RateLimited(UpstreamError):
    """The service kept answering 429 (or OMDb's daily limit was reached)."""


class Busy(MydwError):
    """Another run holds the lock (refresh)."""
