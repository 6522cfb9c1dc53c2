"""Did you mean …? (services/catalog/suggest.py): which searches a missed title is worth,
and how close a title has to be."""

from __future__ import annotations

import pytest
from tests.unit.chat.builtin_cases import movie

from mydw.services.catalog.suggest import did_you_mean, edits_allowed, queries_for, typos


@pytest.mark.parametrize(("title", "queries"), [
    ("Quantum Orchrad", ["orchrad", "quantum", "orch"]),
    ("Inceptoin", ["inceptoin", "incep"]),  # one word: its first half catches a late typo
    ("The Lord of the Rigns", ["rigns", "lord"]),  # articles and linking words say nothing
    ("Le Fabuleux Destin d'Amélie Poulain", ["fabuleux", "poulain", "amelie", "fabu"]),
    ("Up", []), ("The", []), ("", []),  # too short to guess from
])
def test_the_searches_a_missed_title_is_worth(title: str, queries: list[str]) -> None:
    assert queries_for(title) == queries


@pytest.mark.parametrize(("typed", "title"), [
    ("quantum orchrad", "quantum orchard"),
    ("inceptoin", "inception"),
    ("lord of the rigns", "the lord of the rings"),  # the article is optional
    ("amelei", "amelie"),  # two letters swapped: one typo
    ("cartographers dauhgter", "the cartographer's daughter"),  # punctuation left out
    ("haet", "heat"),
])
def test_a_typo_is_close(typed: str, title: str) -> None:
    assert typos(typed, {title}) <= edits_allowed(len(typed))


@pytest.mark.parametrize(("typed", "title"), [
    ("heat", "hot fuzz"), ("dune", "dunkirk"), ("zzyzx", "the matrix"),
    ("alien", "aliens in the attic"), ("up", "us"),  # under 4 characters: no guess
])
def test_a_different_title_is_not(typed: str, title: str) -> None:
    assert typos(typed, {title}) > edits_allowed(len(typed))


def test_the_hint_names_each_suggestion_in_the_language_asked() -> None:
    amelie = movie(194, "Amélie", 2001, 7.8, title_fr="Le Fabuleux Destin d'Amélie Poulain")
    assert did_you_mean([], "en") is None
    assert did_you_mean([amelie], "en") == 'did you mean "Amélie (2001)"?'
    assert did_you_mean([amelie], "fr") == (
        'did you mean "Le Fabuleux Destin d\'Amélie Poulain (2001)"?')
