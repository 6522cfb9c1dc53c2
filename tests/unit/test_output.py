"""Machine output: one valid JSON document, whatever the titles contain."""

from __future__ import annotations

import json

import pytest

from mydw.cli import output


@pytest.mark.parametrize(
    "data",
    [[], [{"title_en": "Alien [/]", "n": 1}], [{"a": "é\n\"x\""}, {"b": None}, 3], {"k": [1, 2]}],
)
def test_emit_json_round_trips(data: object, capsys: pytest.CaptureFixture[str]) -> None:
    output.emit_json(data)
    captured = capsys.readouterr()
    assert json.loads(captured.out) == data
    assert captured.err == ""
    assert captured.out.endswith("\n")


def test_arrays_have_one_item_per_line(capsys: pytest.CaptureFixture[str]) -> None:
    output.emit_json([{"a": 1}, {"b": 2}])
    assert capsys.readouterr().out.splitlines() == ["[", '{"a": 1},', '{"b": 2}', "]"]


def test_csv_writes_empty_cells_for_none(capsys: pytest.CaptureFixture[str]) -> None:
    output.emit_csv(["title", "year"], [['Alien, the "one"', None]])
    assert capsys.readouterr().out == 'title,year\n"Alien, the ""one""",\n'
