"""TMDB details with appended credits: the directors (issue 11, the movie page)."""

from __future__ import annotations

from typing import Any

import pytest

from mydw.clients.tmdb import parse
from mydw.domain.errors import UpstreamError

BODY: dict[str, Any] = {"id": 7, "title": "T", "original_title": "Té", "vote_average": 7.0,
                        "popularity": 1.0, "runtime": 112}


def _details(**extra: Any) -> Any:
    return parse.validated(parse.parse_details, {**BODY, **extra})


def test_directors_are_the_crew_whose_job_is_director_once_each() -> None:
    crew = [
        {"name": "Ann Writer", "job": "Screenplay"},
        {"name": " Bo Director ", "job": "Director"},
        {"name": "Cy Co", "job": "Director"},
        {"name": "Bo Director", "job": "Director"},
        {"name": "", "job": "Director"},
        {"name": None, "job": "Director"},
        {"job": "Director"},
    ]
    details = _details(credits={"cast": [], "crew": crew})
    assert details.directors == ("Bo Director", "Cy Co")
    assert (details.original_title, details.runtime) == ("Té", 112)


def test_without_credits_there_are_no_directors() -> None:
    assert _details().directors == ()
    assert _details(credits={"id": 7, "cast": []}).directors == ()


@pytest.mark.parametrize("credits", [{"crew": "x"}, {"crew": ["x"]}, "x",
                                     {"crew": [{"name": 5, "job": "Director"}]}])
def test_malformed_credits_are_one_upstream_error(credits: Any) -> None:
    with pytest.raises(UpstreamError):
        _details(credits=credits)
