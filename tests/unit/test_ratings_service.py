"""services.ratings: what is believed of a rating before it is stored."""

from __future__ import annotations

import math

import pytest

from mydw.domain.constants import MAX_VOTES
from mydw.services import ratings


@pytest.mark.parametrize(
    ("value", "expected"),
    [(7.5, 7.5), (0, 0.0), (10, 10.0), (10.01, None), (-0.1, None), (math.nan, None),
     (math.inf, None), (True, None), ("7.5", None), (None, None)],
)
def test_a_rating_is_a_finite_number_from_0_to_10(value: object, expected: float | None) -> None:
    assert ratings.valid_rating(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, 0), (1234, 1234), (MAX_VOTES, MAX_VOTES), (MAX_VOTES + 1, None), (-1, None),
     (12.5, None), (False, None), (None, None)],
)
def test_votes_are_a_bounded_whole_number(value: object, expected: int | None) -> None:
    assert ratings.valid_votes(value) == expected


def test_row_values_store_checked_numbers_and_the_check_time() -> None:
    row = ratings.row_values(ratings.Rating(11.0, 5000))
    assert (row["imdb_rating"], row["vote_count"]) == (None, 5000)
    assert row["imdb_updated_on"] is not None
    unknown = ratings.row_values(None)
    assert (unknown["imdb_rating"], unknown["vote_count"]) == (None, None)
