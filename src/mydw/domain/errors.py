"""Errors as data: a stable string `code`, its exit code, and structured fields.

Every layer raises these (or subclasses); none of them knows about Typer. The CLI's one
error boundary (`mydw.cli.app.run`) prints them; a chat tool returns `to_json()` to a model.

Services name *parameters* (`limit`, `year_from`), never flags: the CLI maps a parameter to
the option of the running command (`--limit`, `--year-from`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

# Exit codes (product.md).
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_AUTH = 3
EXIT_NOT_FOUND = 4
EXIT_UPSTREAM = 5
EXIT_INTERRUPTED = 130

# The one table: stable error code -> exit code. Codes are only ever added.
EXIT_CODES: dict[str, int] = {
    "invalid_input": EXIT_FAILED,
    "conflict": EXIT_FAILED,
    "config": EXIT_FAILED,
    "database": EXIT_FAILED,
    "busy": EXIT_FAILED,
    "internal": EXIT_FAILED,
    "usage": EXIT_USAGE,
    "not_logged_in": EXIT_AUTH,
    "login_refused": EXIT_AUTH,
    "not_found": EXIT_NOT_FOUND,
    "ambiguous": EXIT_NOT_FOUND,
    "upstream": EXIT_UPSTREAM,
    "upstream_auth": EXIT_UPSTREAM,
    "rate_limited": EXIT_UPSTREAM,
    "interrupted": EXIT_INTERRUPTED,
}


class MovieLike(Protocol):
    """What an error needs of a movie candidate (services' `MovieView` fits)."""

    @property
    def tmdb_id(self) -> int: ...

    def label(self, lang: str = ...) -> str: ...

    def to_json(self) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Failure:
    """One movie of a multi-movie command that could not be used (nothing was changed)."""

    movie: str  # the reference as the user gave it
    code: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {"movie": self.movie, "code": self.code, "message": self.message}


class MydwError(Exception):
    """Base class: a one-line message, a stable code and structured fields."""

    code: str = "invalid_input"

    def __init__(
        self,
        message: str,
        *,
        hint: str | None = None,
        parameter: str | None = None,
        service: str | None = None,
        candidates: Sequence[MovieLike] = (),
        failures: Sequence[Failure] = (),
        code: str | None = None,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.parameter = parameter
        self.service = service or ""
        self.candidates: list[MovieLike] = list(candidates)
        self.failures: list[Failure] = list(failures)
        # More JSON keys for one kind of failure (a failed chat turn that still saved a
        # status change carries `session_id`): merged last into `to_json()`.
        self.extra: dict[str, Any] = dict(extra or {})
        if code is not None:
            if code not in EXIT_CODES:
                raise ValueError(f"unknown error code {code!r}")
            self.code = code

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.code]

    def __str__(self) -> str:
        return self.message

    def to_json(self) -> dict[str, Any]:
        """The error as `{"code", "message", "exit_code", ...}` (optional keys only when set)."""
        data: dict[str, Any] = {
            "code": self.code,
            "message": self.message,
            "exit_code": self.exit_code,
        }
        if self.hint:
            data["hint"] = self.hint
        if self.parameter:
            data["parameter"] = self.parameter
        if self.service:
            data["service"] = self.service
        if self.candidates:
            data["candidates"] = [c.to_json() for c in self.candidates]
        if self.failures:
            data["failures"] = [f.to_json() for f in self.failures]
        for key, value in self.extra.items():
            data.setdefault(key, value)
        return data


class InvalidInput(MydwError):
    """Well-formed but wrong input (malformed email, short password, unknown movie status)."""

    code = "invalid_input"


class UsageError(MydwError):
    """A value outside a parameter's type, choices or range (exit 2, like Click's own)."""

    code = "usage"


class Conflict(MydwError):
    """The request conflicts with stored state (duplicate email...)."""

    code = "conflict"


class ConfigError(MydwError):
    """Configuration or local environment problem (bad setting, unwritable folder)."""

    code = "config"


class DatabaseError(MydwError):
    """The database cannot be used (corrupt file, unknown revision, unreachable server)."""

    code = "database"


class NotLoggedIn(MydwError):
    code = "not_logged_in"


class LoginRefused(MydwError):
    code = "login_refused"


class NotFound(MydwError):
    code = "not_found"


class Ambiguous(MydwError):
    """A reference matched several things; `candidates` are movie views (for a movie)."""

    code = "ambiguous"


class UpstreamError(MydwError):
    """An upstream service (TMDB, OMDb, IMDb datasets, chat model) failed or refused."""

    code = "upstream"


class UpstreamAuthError(UpstreamError):
    """The service refused our credential (401), or none is configured."""

    code = "upstream_auth"


class UpstreamNotFound(NotFound):
    """The service answered that the resource does not exist (404 / empty find)."""


class RateLimited(UpstreamError):
    """The service kept answering 429 (or OMDb's daily limit was reached)."""

    code = "rate_limited"


class Busy(MydwError):
    """Another run holds the lock (refresh)."""

    code = "busy"


class Interrupted(MydwError):
    """Ctrl-C: the work in flight was cancelled."""

    code = "interrupted"
