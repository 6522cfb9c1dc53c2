"""The export reader: names inside a ZIP, caps, encodings, streaming; the format parsers."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path
from typing import IO

import pytest

from mydw.domain.errors import InvalidInput
from mydw.services.transfer import imdb, letterboxd, trakt
from mydw.services.transfer.reader import CsvRows, Member, _safe_name, members


@pytest.mark.parametrize("name", ["../x.csv", "a/../../x.csv", "/etc/passwd", "\\x.csv",
                                  "C:\\x.csv", "..\\x.csv", "a\x00b"])
def test_names_that_leave_the_archive_are_refused(name: str) -> None:
    assert not _safe_name(name)


@pytest.mark.parametrize("name", ["watched.csv", "lists/my list.csv", "a..b.csv", "..a"])
def test_ordinary_names_are_fine(name: str) -> None:
    assert _safe_name(name)


def test_nothing_is_extracted_to_disk(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("watched.csv", "Date,Name,Year,Letterboxd URI\n2026-01-01,Dune,2021,x\n")
    before = sorted(p.name for p in tmp_path.iterdir())
    parsed = letterboxd.parse(archive)
    assert [r.key for r in parsed.rows] == ["title:Dune|2021"]
    assert sorted(p.name for p in tmp_path.iterdir()) == before


class _Endless(io.RawIOBase):
    """A CSV that fails once more than 1 MB was read: rows before must already be out."""

    def __init__(self) -> None:
        self.sent = 0
        self.head = b"\xef\xbb\xbfDate,Name,Year,Letterboxd URI\n"

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if self.sent > 1024 * 1024:
            raise OSError("read too far: the file is not streamed")
        chunk = (self.head if not self.sent else b"2026-01-01,Dune,2021,x\n" * 64)[:len(buffer)]
        buffer[: len(chunk)] = chunk
        self.sent += len(chunk)
        return len(chunk)


def test_csv_rows_are_streamed() -> None:
    def opener() -> IO[bytes]:
        return io.BufferedReader(_Endless())

    rows = iter(CsvRows(Member("watched.csv", "watched.csv", opener)))
    first = next(rows)
    assert first == {"Date": "2026-01-01", "Name": "Dune", "Year": "2021",
                     "Letterboxd URI": "x"}  # BOM dropped from the first column name


def test_a_bom_and_crlf_lines(tmp_path: Path) -> None:
    path = tmp_path / "ratings.csv"
    path.write_bytes(b"\xef\xbb\xbfDate,Name,Year,Letterboxd URI,Rating\r\n"
                     b"2026-01-01,\"Dune, Part Two\",2024,x,4.5\r\n")
    parsed = letterboxd.parse(path)
    assert parsed.rows[0].key == "title:Dune, Part Two|2024"
    assert parsed.rows[0].rating == 9.0 and parsed.rows[0].watched_on is None


def test_letterboxd_watched_date_is_a_viewing_date_is_not(tmp_path: Path) -> None:
    path = tmp_path / "diary.csv"
    path.write_text("Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n"
                    "2026-02-02,Dune,2021,x,,Yes,,2026-01-30\n", encoding="utf-8")
    row = letterboxd.parse(path).rows[0]
    assert (row.watched_on, row.rewatch, row.rating) == (date(2026, 1, 30), True, None)


def test_letterboxd_bad_star_ratings_are_invalid_rows(tmp_path: Path) -> None:
    path = tmp_path / "ratings.csv"
    path.write_text("Date,Name,Year,Letterboxd URI,Rating\n2026-01-01,Dune,2021,x,4.3\n"
                    "2026-01-01,Heat,1995,x,6\n2026-01-01,Alien,1979,x,5\n", encoding="utf-8")
    parsed = letterboxd.parse(path)
    assert [r.title for r in parsed.rows] == ["Alien"]
    assert len(parsed.problems) == 2


def test_imdb_const_digits_only_and_title_types(tmp_path: Path) -> None:
    path = tmp_path / "ratings.csv"
    path.write_text("Const,Your Rating,Date Rated,Title,Title Type,Year\n"
                    "133093,9,2026-01-01,The Matrix,movie,1999\n"
                    "tt0000002,8,2026-01-01,A TV Movie,TV Movie,1999\n"
                    "tt0000003,8,2026-01-01,A Podcast,Podcast Series,2020\n", encoding="utf-8")
    parsed = imdb.parse(path)
    assert [r.key for r in parsed.rows] == ["imdb:tt0133093", "imdb:tt0000002"]
    assert parsed.skipped == 1


def test_imdb_missing_columns(tmp_path: Path) -> None:
    path = tmp_path / "list.csv"
    path.write_text("Const,Title\ntt0133093,The Matrix\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="Your Rating or Position"):
        imdb.parse(path)


def test_trakt_json_of_the_wrong_shape(tmp_path: Path) -> None:
    path = tmp_path / "watched-history.json"
    path.write_text('{"not": "a list"}', encoding="utf-8")
    with pytest.raises(InvalidInput, match="not a JSON array"):
        trakt.parse(path)


def test_trakt_watched_movies_date_only_without_history(tmp_path: Path) -> None:
    path = tmp_path / "watched-movies.json"
    path.write_text('[{"plays": 2, "last_watched_at": "2026-01-02T03:04:05.000Z", '
                    '"movie": {"title": "Dune", "year": 2021, "ids": {"tmdb": 438631}}}]',
                    encoding="utf-8")
    row = trakt.parse(path).rows[0]
    assert (row.key, row.watched_on) == ("tmdb:438631", date(2026, 1, 2))


def test_a_folder_skips_our_own_reports(tmp_path: Path) -> None:
    (tmp_path / "watched.csv").write_text("Date,Name,Year,Letterboxd URI\n", encoding="utf-8")
    (tmp_path / "x-import-report.csv").write_text("source\n", encoding="utf-8")
    assert [m.name for m in members(tmp_path)] == ["watched.csv"]


def test_letterboxd_zip_in_a_folder_but_never_deleted_or_likes(tmp_path: Path) -> None:
    archive = tmp_path / "export.zip"
    header = "Date,Name,Year,Letterboxd URI\n"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("letterboxd-ada/watched.csv", header + "2026-01-01,Dune,2021,x\n")
        zf.writestr("letterboxd-ada/deleted/watched.csv", header + "2026-01-01,Heat,1995,x\n")
        zf.writestr("letterboxd-ada/likes/films.csv", header + "2026-01-01,Alien,1979,x\n")
    assert [r.title for r in letterboxd.parse(archive).rows] == ["Dune"]
