"""`mydw import` / `mydw export` end to end (in-process) against the fake TMDB.

Until the `diary` branch is merged, `mydw.services.diary` does not exist: the `diary`
fixture then installs a small module implementing its contract (BRIEF3) over the real
`user_movies` table, ratings and viewings kept in memory. Once the real module exists the
same tests run against it.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
import types
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Cli
from tests.fakes.tmdb import FAKE_TMDB_API_KEY, FakeTmdb

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "exports"
REAL_DIARY = importlib.util.find_spec("mydw.services.diary") is not None


def _fake_diary() -> types.ModuleType:
    from sqlalchemy import select

    from mydw.db.models import Movie, UserMovie
    from mydw.domain.types import utcnow
    from mydw.services.views import movie_view

    module = types.ModuleType("mydw.services.diary")
    ratings: dict[tuple[int, int], float] = {}
    viewings: dict[tuple[int, int], set[date]] = {}

    @dataclass(frozen=True)
    class HistoryItem:
        movie_id: int
        status: str | None
        rating: float | None = None
        watched_on: date | None = None
        rewatch: bool = False

    @dataclass
    class ApplySummary:
        seen: int
        later: int
        rated: int
        viewings: int
        unchanged: int

    @dataclass(frozen=True)
    class HistoryRow:
        movie: Any
        status: str | None
        rating: float | None
        viewings: list[date]

    def apply_history(ctx: Any, user_id: int, items: Sequence[HistoryItem], *,
                      overwrite: bool = False, dry_run: bool = False) -> ApplySummary:
        out = ApplySummary(0, 0, 0, 0, 0)
        with ctx.db.write() as session:
            current = {m: s for m, s in session.execute(
                select(UserMovie.movie_id, UserMovie.status).where(UserMovie.user_id == user_id))}
            changed: set[int] = set()
            touched: set[int] = set()
            new_status: dict[int, str] = {}
            for item in items:
                touched.add(item.movie_id)
                key = (user_id, item.movie_id)
                old = new_status.get(item.movie_id, current.get(item.movie_id))
                status = item.status
                if status and old != status and not (old == "seen" and status == "later") \
                        and not (old == "not_interested" and not overwrite):
                    new_status[item.movie_id] = status
                if item.rating is not None and ratings.get(key) != item.rating:
                    out.rated += 1
                    changed.add(item.movie_id)
                    if not dry_run:
                        ratings[key] = item.rating
                if item.watched_on and item.watched_on not in viewings.get(key, set()):
                    out.viewings += 1
                    changed.add(item.movie_id)
                    if not dry_run:
                        viewings.setdefault(key, set()).add(item.watched_on)
            for movie_id, status in new_status.items():
                if status == current.get(movie_id):
                    continue
                changed.add(movie_id)
                out.seen += status == "seen"
                out.later += status == "later"
                if dry_run:
                    continue
                row = session.scalar(select(UserMovie).where(
                    UserMovie.user_id == user_id, UserMovie.movie_id == movie_id))
                if row is None:
                    session.add(UserMovie(user_id=user_id, movie_id=movie_id, status=status,
                                          updated_at=utcnow()))
                else:
                    row.status = status
            out.unchanged = len(touched - changed)
            if dry_run:
                session.rollback()
        return out

    def history(ctx: Any, user_id: int) -> list[HistoryRow]:
        with ctx.db.read() as session:
            rows = session.execute(select(Movie, UserMovie.status).join(
                UserMovie, UserMovie.movie_id == Movie.id).where(UserMovie.user_id == user_id)
                .order_by(Movie.tmdb_id)).all()
            return [HistoryRow(movie_view(m, status=s), s, ratings.get((user_id, m.id)),
                               sorted(viewings.get((user_id, m.id), set()))) for m, s in rows]

    module.__dict__.update(HistoryItem=HistoryItem, ApplySummary=ApplySummary,
                           HistoryRow=HistoryRow, apply_history=apply_history, history=history)
    return module


@pytest.fixture
def diary(monkeypatch: pytest.MonkeyPatch) -> None:
    if not REAL_DIARY:
        monkeypatch.setitem(sys.modules, "mydw.services.diary", _fake_diary())


@pytest.fixture
def online(cli: Cli, tmdb: FakeTmdb, monkeypatch: pytest.MonkeyPatch, diary: None) -> Cli:
    monkeypatch.setenv("MYDW_TMDB_BASE_URL", tmdb.api_url)
    monkeypatch.setenv("MYDW_TMDB_API_KEY", FAKE_TMDB_API_KEY)
    cli.signup()
    return cli


def _zip(folder: Path, target: Path) -> Path:
    with zipfile.ZipFile(target, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(folder).as_posix())
    return target


@pytest.fixture(autouse=True)
def _copied_fixtures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests read a copy of the fixtures (an import writes its report next to its input)."""
    import shutil

    copy = Path(shutil.copytree(FIXTURES, tmp_path / "exports"))
    monkeypatch.setattr(sys.modules[__name__], "FIXTURES", copy)


def _marks(cli: Cli) -> dict[int, str]:
    listed = cli.ok("list", "--json").json()
    movies = listed["movies"] if isinstance(listed, dict) else listed
    return {m["tmdb_id"]: m["status"] for m in movies}


def _import(cli: Cli, *args: str) -> dict[str, Any]:
    result = cli.ok("import", *args, "--json")
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_letterboxd_zip_counts_then_second_import_asks_nothing(
    online: Cli, tmdb: FakeTmdb, tmp_path: Path
) -> None:
    archive = _zip(FIXTURES / "letterboxd", tmp_path / "letterboxd-ada.zip")
    first = _import(online, "letterboxd", str(archive))
    assert {k: first[k] for k in ("seen", "later", "rated", "viewings", "unmatched",
                                  "ambiguous", "skipped")} == {
        "seen": 5, "later": 2, "rated": 4, "viewings": 4, "unmatched": 1, "ambiguous": 1,
        "skipped": 0}
    assert _marks(online) == {900001: "seen", 900003: "seen", 900004: "seen", 900005: "seen",
                              900011: "seen", 900006: "later", 900008: "later"}
    report = Path(first["report"])
    assert report.parent == tmp_path
    lines = report.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "source,problem,title,year,ref,message,candidates"
    assert any("A Film Nobody Made" in line and "unmatched" in line for line in lines)
    ambiguous = next(line for line in lines if "ambiguous" in line)
    assert "tmdb:900001" in ambiguous and "tmdb:900002" in ambiguous
    # the title TMDB does not know cost its one search, no did-you-mean searches
    searched = [r.param("query") for r in tmdb.requests if r.path == "/3/search/movie"]
    assert searched.count("A Film Nobody Made") == 1 and "nobody" not in searched

    tmdb.clear_log()
    second = _import(online, "letterboxd", str(archive))
    assert tmdb.requests == []
    assert (second["seen"], second["later"], second["rated"], second["viewings"]) == (0, 0, 0, 0)
    assert second["unchanged"] > 0 and second["requested"] == 0  # unit: the diary's
    assert (second["unmatched"], second["ambiguous"]) == (1, 1)


def test_dry_run_changes_nothing_and_says_what_would(online: Cli, tmp_path: Path) -> None:
    data = _import(online, "letterboxd", str(FIXTURES / "letterboxd"), "--dry-run")
    assert data["dry_run"] is True and (data["seen"], data["later"]) == (5, 2)
    assert _marks(online) == {}


def test_one_letterboxd_csv_by_its_header(online: Cli) -> None:
    data = _import(online, "letterboxd", str(FIXTURES / "letterboxd" / "diary.csv"))
    assert (data["seen"], data["rated"], data["viewings"]) == (2, 2, 3)


def test_imdb_every_header_variant(online: Cli, tmdb: FakeTmdb) -> None:
    data = _import(online, "imdb", str(FIXTURES / "imdb"))
    assert {k: data[k] for k in ("seen", "later", "rated", "unmatched", "ambiguous",
                                 "skipped")} == {
        "seen": 4, "later": 1, "rated": 4, "unmatched": 1, "ambiguous": 0, "skipped": 3}
    assert _marks(online) == {900001: "seen", 900005: "seen", 900008: "seen", 900003: "seen",
                              900006: "later"}
    assert tmdb.count("/3/search") == 0  # ids only, never a title search


def test_trakt_export_zip(online: Cli, tmdb: FakeTmdb, tmp_path: Path) -> None:
    archive = _zip(FIXTURES / "trakt", tmp_path / "trakt.zip")
    data = _import(online, "trakt", str(archive))
    assert {k: data[k] for k in ("seen", "later", "rated", "viewings", "unmatched",
                                 "skipped")} == {
        "seen": 3, "later": 1, "rated": 2, "viewings": 3, "unmatched": 1, "skipped": 3}
    assert _marks(online) == {900004: "seen", 900009: "seen", 900003: "seen",
                              900006: "later"}
    assert tmdb.count("/3/search") == 0


def test_seen_never_downgraded_and_not_interested_kept(online: Cli) -> None:
    online.ok("mark", "seen", "tmdb:900006")
    online.ok("mark", "not-interested", "tmdb:900008")
    _import(online, "letterboxd", str(FIXTURES / "letterboxd" / "watchlist.csv"))
    marks = _marks(online)
    assert marks[900006] == "seen" and marks[900008] == "not_interested"
    _import(online, "letterboxd", str(FIXTURES / "letterboxd" / "watchlist.csv"),
            "--overwrite")
    assert _marks(online)[900008] == "later"


def test_export_json_round_trips_on_a_fresh_account(online: Cli, tmp_path: Path) -> None:
    _import(online, "letterboxd", str(FIXTURES / "letterboxd"))
    online.ok("mark", "not-interested", "tmdb:900012")
    target = tmp_path / "mine.json"
    online.ok("export", "-o", str(target))
    before = json.loads(target.read_text(encoding="utf-8"))
    online.ok("logout")
    online.signup("grace@example.com")
    data = _import(online, "mydw", str(target))
    assert data["unmatched"] == data["ambiguous"] == 0
    again = tmp_path / "again.json"
    online.ok("export", "-o", str(again))
    after = json.loads(again.read_text(encoding="utf-8"))

    def essence(doc: dict[str, Any]) -> list[tuple[Any, ...]]:
        return sorted((e["movie"]["tmdb_id"], e["status"], e["rating"], tuple(e["viewings"]))
                      for e in doc["movies"])

    assert essence(after) == essence(before)
    assert (900004, "seen", 10.0, ("2026-03-01", "2026-05-02")) in essence(before)
    assert (900012, "not_interested", None, ()) in essence(before)


def test_export_csv_and_letterboxd(online: Cli, tmp_path: Path) -> None:
    _import(online, "letterboxd", str(FIXTURES / "letterboxd"))
    csv_text = online.ok("export", "--format", "csv").stdout
    header = csv_text.splitlines()[0].split(",")
    assert {"tmdb_id", "imdb_id", "status", "my_rating", "watched_on"} <= set(header)
    # matched by title search: TMDB search results carry no IMDb id
    boxd = online.ok("export", "--format", "letterboxd").stdout.splitlines()
    assert boxd[0] == "tmdbID,imdbID,Title,Year,Directors,Rating,WatchedDate,Rewatch"
    assert "900004,,Quantum Orchard,2021,,5,2026-03-01," in boxd
    assert "900004,,Quantum Orchard,2021,,5,2026-05-02,Yes" in boxd
    assert len(boxd) == 1 + 6  # 5 seen, one of them twice
    later = online.ok("export", "--format", "letterboxd", "--status", "later").stdout
    assert later.splitlines() == ["tmdbID,imdbID,Title,Year",
                                  "900006,,Midnight Paperwork,2015",
                                  "900008,,Absolute Zero,2023"]


def test_letterboxd_export_names_the_directors_a_movie_page_stored(online: Cli) -> None:
    online.ok("mark", "seen", "tmdb:900001")  # the details fetch stores its directors
    assert online.ok("show", "900001", "--json").json()["directors"] == ["Maren Holt"]
    boxd = online.ok("export", "--format", "letterboxd").stdout.splitlines()
    assert boxd[1].startswith("900001,tt9000001,The Lighthouse Keeper,1998,Maren Holt,")


def test_an_empty_csv_export_has_the_same_header(online: Cli) -> None:
    empty = online.ok("export", "--format", "csv").stdout
    online.ok("mark", "later", "tmdb:900006")
    full = online.ok("export", "--format", "csv").stdout
    assert empty.splitlines() == full.splitlines()[:1]


def test_letterboxd_files_of_at_most_1000_rows(
    online: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    export_mod = importlib.import_module("mydw.services.transfer.export")

    monkeypatch.setattr(export_mod, "LETTERBOXD_ROWS", 2)
    _import(online, "letterboxd", str(FIXTURES / "letterboxd"))
    online.ok("export", "--format", "letterboxd", "-o", str(tmp_path / "boxd.csv"))
    parts = sorted(tmp_path.glob("boxd-*.csv"))
    assert [p.name for p in parts] == ["boxd-1.csv", "boxd-2.csv", "boxd-3.csv"]
    assert [len(p.read_text().splitlines()) for p in parts] == [3, 3, 3]
    assert not (tmp_path / "boxd.csv").exists()


# --------------------------------------------------------------------------- bad files


def _fails(cli: Cli, *args: str) -> dict[str, Any]:
    result = cli("import", *args, "--json")
    assert result.returncode == 1, result
    assert result.stdout == ""
    error: dict[str, Any] = json.loads(result.stderr)["error"]
    return error


def test_bad_files_get_a_clear_error_and_change_nothing(online: Cli, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    assert "is empty" in _fails(online, "letterboxd", str(empty))["message"]
    latin = tmp_path / "watched.csv"
    latin.write_bytes("Date,Name,Year,Letterboxd URI\n2026-01-01,Amélie,2001,x\n"
                      .encode("latin-1"))
    assert "not UTF-8" in _fails(online, "letterboxd", str(latin))["message"]
    wrong = tmp_path / "ratings.csv"
    wrong.write_text("Title,Score\nDune,5\n", encoding="utf-8")
    assert "Name and Year" in _fails(online, "letterboxd", str(wrong))["message"]
    assert "Const" in _fails(online, "imdb", str(wrong))["message"]
    assert "does not exist" in _fails(online, "trakt", str(tmp_path / "nope.zip"))["message"]
    evil = tmp_path / "evil.zip"
    with zipfile.ZipFile(evil, "w") as archive:
        archive.writestr("watched.csv", "Date,Name,Year,Letterboxd URI\n")
        archive.writestr("../../etc/watched.csv", "Date,Name,Year,Letterboxd URI\n")
    assert "outside the archive" in _fails(online, "letterboxd", str(evil))["message"]
    not_json = tmp_path / "mine.json"
    not_json.write_text("{not json", encoding="utf-8")
    assert "not valid JSON" in _fails(online, "mydw", str(not_json))["message"]
    assert _marks(online) == {}


def test_zip_bomb_stops_at_the_cap(online: Cli, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from mydw.services.transfer import reader

    monkeypatch.setattr(reader, "MAX_FILE_BYTES", 1024 * 1024)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("watched.csv", "Date,Name,Year,Letterboxd URI\n"
                         + "2026-01-01,Burning Summer,2004,x\n" * 200_000)
    assert bomb.stat().st_size < 100_000
    assert "ZIP bomb" in _fails(online, "letterboxd", str(bomb))["message"]
    assert _marks(online) == {}


def test_bad_rows_do_not_lose_good_ones(online: Cli, tmp_path: Path) -> None:
    diary_csv = tmp_path / "diary.csv"
    diary_csv.write_text(
        "Date,Name,Year,Letterboxd URI,Rating,Rewatch,Tags,Watched Date\n"
        "2026-01-01,Burning Summer,2004,x,7,,,2026-01-01\n"
        "2026-01-01,October Tides,1987,x,4,,,yesterday\n"
        "2026-01-01,,1987,x,4,,,2026-01-01\n"
        "2026-01-01,Absolute Zero,2023,x,3,,,2026-01-02\n", encoding="utf-8")
    data = _import(online, "letterboxd", str(diary_csv))
    assert (data["seen"], data["invalid"]) == (1, 3)
    assert _marks(online) == {900008: "seen"}


def test_report_goes_to_the_cache_folder_when_the_input_folder_is_read_only(
    online: Cli, tmp_path: Path, home: Path
) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    (folder / "watched.csv").write_text("Date,Name,Year,Letterboxd URI\n"
                                        "2026-01-01,A Film Nobody Made,2000,x\n")
    folder.chmod(0o500)
    try:
        data = _import(online, "letterboxd", str(folder / "watched.csv"))
    finally:
        folder.chmod(0o700)
    assert data["unmatched"] == 1
    if Path(data["report"]).parent != folder:  # root ignores permissions
        assert Path(data["report"]).is_relative_to(home)


def test_installed_command(mydw: Any, tmp_path: Path) -> None:
    """One subprocess run: a file that cannot be used exits 1 with a JSON error."""
    bad = tmp_path / "watched.csv"
    bad.write_text("nope\n", encoding="utf-8")
    mydw.signup()
    result = mydw("import", "letterboxd", str(bad), "--json")
    assert result.returncode == 1
    assert json.loads(result.stderr)["error"]["code"] == "invalid_input"


def test_an_interrupted_import_resumes_where_it_stopped(
    online: Cli, tmdb: FakeTmdb, monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    matching = importlib.import_module("mydw.services.transfer.matching")
    monkeypatch.setattr(matching, "WORKERS", 1)
    monkeypatch.setattr(matching, "SAVE_EVERY", 1)
    original = matching._by_title
    calls = []

    def flaky(ctx: Any, value: str) -> Any:
        calls.append(value)
        if len(calls) == 4:
            raise KeyboardInterrupt
        return original(ctx, value)

    monkeypatch.setattr(matching, "_by_title", flaky)
    path = str(FIXTURES / "letterboxd")
    result = online("import", "letterboxd", path, "--json")
    assert result.returncode == 130
    assert _marks(online) == {}  # nothing written before every row was matched
    remembered = json.loads((home / "cache" / "import-matches.json").read_text())["keys"]
    assert 3 <= len(remembered) < 9 and "title:The Lighthouse Keeper|1998" not in remembered
    before = len(calls)
    data = _import(online, "letterboxd", path)
    keys = 9  # distinct (Name, Year) pairs of the Letterboxd fixtures
    assert len(calls) - before == keys - len(remembered)  # only what was not remembered
    assert (data["seen"], data["later"]) == (5, 2)


def test_tmdb_refusing_the_key_stops_with_exit_5_and_changes_nothing(
    online: Cli, tmdb: FakeTmdb
) -> None:
    tmdb.fail_next(100, status=401, body={"status_code": 7, "success": False,
                                          "status_message": "Invalid API key"})
    result = online("import", "letterboxd", str(FIXTURES / "letterboxd"), "--json")
    assert result.returncode == 5
    assert json.loads(result.stderr)["error"]["code"] in ("upstream_auth", "upstream")
    tmdb.clear_faults()
    assert _marks(online) == {}
