"""The clients' own error type (no httpx here: services test for it without importing it)."""

from __future__ import annotations

from mydw.domain.errors import UpstreamError


class UpstreamFailure(UpstreamError):
    """The service could not be used: `reason` says why in a few words a user can read
    ("timed out", "no connection", "server error 503", "unexpected answer")."""

    def __init__(self, message: str, *, reason: str, service: str, hint: str | None = None):
        super().__init__(message, service=service, hint=hint)
        self.reason = reason
