"""The one wording of the notices that say an answer did not come from where it should
(search, discover, similar, show): ``"TMDB unavailable (timed out); answered from the
local cache"``. No exception class names, no flags; the CLI prints them as they are."""

from __future__ import annotations

from mydw.clients.errors import UpstreamFailure
from mydw.domain.errors import MydwError, RateLimited, UpstreamAuthError

OFFLINE = "offline"
NO_KEY = "no API key configured"
FROM_CACHE = "answered from the local cache"


def reason(error: MydwError) -> str:
    """Why an upstream service could not be used, in a few plain words."""
    if isinstance(error, UpstreamFailure):
        return error.reason
    if isinstance(error, RateLimited):
        return "too many requests"
    if isinstance(error, UpstreamAuthError):
        return NO_KEY if error.message.lower().startswith("no ") else "API key refused"
    return "it answered with an error"


def unavailable(service: str, why: str | MydwError) -> str:
    """``"TMDB unavailable (timed out)"``: `why` is a reason or the error itself."""
    text = why if isinstance(why, str) else reason(why)
    return f"{service} unavailable ({text})"


def from_cache(service: str, why: str | MydwError) -> str:
    """``"TMDB unavailable (offline); answered from the local cache"``."""
    return f"{unavailable(service, why)}; {FROM_CACHE}"


def stopped(service: str, after: str, error: MydwError) -> str:
    """A service that failed part-way: ``"TMDB unavailable (timed out) after page 2"``."""
    return f"{unavailable(service, error)} after {after}"
