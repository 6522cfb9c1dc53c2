"""OMDb client: IMDb rating and vote count for an IMDb id.

OMDb signals errors in the body (``{"Response":"False","Error":"..."}``) and its HTTP
status is unreliable: "not found" comes back as 200, key and quota errors as 401 with a
JSON body. So the body is always read first and the status only matters when the body
is not an OMDb answer.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass
from typing import Any

import httpx

from mydw.clients.http import HttpClient, JsonObject, Sleep
from mydw.domain.constants import OMDB_HINT
from mydw.domain.errors import RateLimited, UpstreamAuthError, UpstreamError
from mydw.domain.text import clean_text
from mydw.domain.values import valid_rating, valid_votes

SERVICE = "OMDb"
DEFAULT_BASE_URL = "https://www.omdbapi.com/"
AUTH_HINT = OMDB_HINT
LIMIT_HINT = "OMDb's free key allows 1,000 requests a day; try again tomorrow."

# "No data" answers: cacheable misses, not failures.
NO_DATA_ERRORS = frozenset(
    {
        "movie not found!",
        "incorrect imdb id.",
        "error getting data.",
        "series or episode not found!",
    }
)
AUTH_ERRORS = frozenset({"invalid api key!", "no api key provided."})
LIMIT_ERROR = "request limit reached!"

_IMDB_ID = re.compile(r"tt\d{7,10}")


@dataclass(frozen=True)
class OmdbRating:
    imdb_id: str
    imdb_rating: float | None
    imdb_votes: int | None


def _unexpected(what: str) -> UpstreamError:
    return UpstreamError(f"OMDb sent an unexpected response ({what})", service=SERVICE)


def parse_rating(value: Any) -> float | None:
    """``"7.6"`` → 7.6; ``"N/A"``/missing → None; anything else → UpstreamError."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise _unexpected("imdbRating is not a string")
    text = value.strip()
    if text in ("", "N/A"):
        return None
    try:
        rating = float(text) if text.isascii() and len(text) <= 8 else math.nan
    except ValueError:
        rating = math.nan
    if valid_rating(rating) is None:  # also NaN and Infinity
        raise _unexpected(f"imdbRating {text[:20]!r}")
    return rating


def parse_votes(value: Any) -> int | None:
    """``"2,345,678"`` → 2345678; ``"N/A"``/missing → None; anything else → UpstreamError."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise _unexpected("imdbVotes is not a string")
    text = value.strip()
    if text in ("", "N/A"):
        return None
    digits = text.replace(",", "")
    if not digits.isascii() or not digits.isdigit():
        raise _unexpected(f"imdbVotes {text[:20]!r}")
    # More votes than anyone believes (MAX_VOTES) is unknown, not an error.
    return valid_votes(int(digits)) if len(digits) <= 12 else None


class OmdbClient:
    """OMDb client. Use as a context manager or call ``close()``."""

    def __init__(
        self,
        api_key: str,
        *,
        base_url: str = DEFAULT_BASE_URL,
        transport: httpx.BaseTransport | None = None,
        sleep: Sleep = time.sleep,
        rate_per_second: float | None = 5,
        burst: float | None = 20,
        timeout: httpx.Timeout | float | None = None,
    ) -> None:
        key = api_key.strip()
        if not key:
            raise UpstreamAuthError(
                "No OMDb API key is configured", service=SERVICE, hint=AUTH_HINT
            )
        self._api_key = key
        self._http = HttpClient(
            SERVICE,
            base_url,
            transport=transport,
            sleep=sleep,
            rate_per_second=rate_per_second,
            burst=burst,  # one discover's lookups go out at once; the daily quota is the limit
            timeout=timeout,
            credential_params=("apikey",),
            # no documented limit on connections: one discover's 20 lookups in one wave
            max_connections=20,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> OmdbClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def rating(self, imdb_id: str) -> OmdbRating | None:
        """IMDb rating/votes for ``imdb_id``; None when OMDb has no data for it.

        A malformed id returns None without a request (it would cost a quota unit for
        "Incorrect IMDb ID."). Raises RateLimited on "Request limit reached!" (no retry:
        stop calling OMDb for the day) and UpstreamAuthError on key errors.
        """
        imdb_id = imdb_id.strip()
        if not _IMDB_ID.fullmatch(imdb_id):
            return None
        response = self._http.send("GET", "", params={"apikey": self._api_key, "i": imdb_id})
        body = self._body_or_status_error(response)
        if body.get("Response") == "False":
            self._raise_for_error(body)
            return None
        if body.get("Response") != "True":
            raise _unexpected("no 'Response' field")
        return OmdbRating(
            imdb_id=imdb_id,
            imdb_rating=parse_rating(body.get("imdbRating")),
            imdb_votes=parse_votes(body.get("imdbVotes")),
        )

    def _body_or_status_error(self, response: httpx.Response) -> JsonObject:
        """The JSON body when it is an OMDb answer, whatever the status; else map the status."""
        try:
            body = self._http.parse_json_object(response)
        except UpstreamError:
            if 200 <= response.status_code < 300:
                raise
            self._http.raise_for_status(response, credential="API key", auth_hint=AUTH_HINT)
            raise
        if "Response" not in body and not 200 <= response.status_code < 300:
            self._http.raise_for_status(response, credential="API key", auth_hint=AUTH_HINT)
        return body

    @staticmethod
    def _raise_for_error(body: JsonObject) -> None:
        """Raise for an error answer; return for a "no data" answer."""
        raw = body.get("Error")
        error = clean_text(raw, max_length=200) if isinstance(raw, str) else ""
        lowered = error.lower()
        if lowered in NO_DATA_ERRORS:
            return
        if lowered == LIMIT_ERROR:
            raise RateLimited(
                f"OMDb's daily request limit is reached ({error})", service=SERVICE, hint=LIMIT_HINT
            )
        if lowered in AUTH_ERRORS:
            raise UpstreamAuthError(
                f"OMDb refused the API key ({error})", service=SERVICE, hint=AUTH_HINT
            )
        raise UpstreamError(f"OMDb reported an error ({error or 'no details'})", service=SERVICE)
