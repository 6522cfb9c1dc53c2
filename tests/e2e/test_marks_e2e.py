"""The installed `mydw mark / unmark / list / stats / discover` against FakeTmdb on 127.0.0.1.

Movies come from the fake's default catalogue (tests/fakes/tmdb.py): 900001 and 900002
are two movies titled "The Lighthouse Keeper" (1998, 2019); tt90000NN are their IMDb ids.
"""

from __future__ import annotations

import csv
import io
import json
import os
import pty
import select
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from mydw.db.models import Movie, User, UserMovie
from mydw.services.context import AppContext
from tests.conftest import MYDW, Mydw, Result
from tests.fakes.imdb_datasets import FakeImdbDatasets
from tests.fakes.tmdb import FAKE_TMDB_API_KEY, FakeTmdb

pytestmark = pytest.mark.e2e

ADA = "ada@example.com"
BOB = "bob@example.com"
PASSWORD = "correct horse"



@pytest.fixture
def cli(mydw: Mydw, tmdb: FakeTmdb) -> Mydw:
    mydw.env.update({"MYDW_TMDB_BASE_URL": tmdb.api_url, "MYDW_TMDB_API_KEY": FAKE_TMDB_API_KEY,
                     "COLUMNS": "160"})  # wide tables: titles on one line
    return mydw


@pytest.fixture
def app(home: Path) -> Iterator[AppContext]:
    """An AppContext on the same home and database as the `mydw` subprocesses."""
    ctx = AppContext()
    yield ctx
    ctx.close()


def login(cli: Mydw, email: str) -> None:
    cli.ok("logout")
    cli.ok("login", "--email", email, "--password-stdin", input=PASSWORD + "\n")


def statuses(cli: Mydw, *args: str) -> dict[int, str]:
    result = cli.ok("list", "--json", *args)
    return {m["tmdb_id"]: m["status"] for m in result.json()}


def failed(result: Result, code: int, *needles: str) -> None:
    assert result.returncode == code, (result.returncode, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr


def closed_port_url() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/3"


def mark_rows(app: AppContext) -> list[tuple[str, int, str | None]]:
    with app.db.read() as session:
        return [tuple(r) for r in session.execute(  # type: ignore[misc]
            sa.select(User.email, Movie.tmdb_id, UserMovie.status)
            .join(User, User.id == UserMovie.user_id).join(Movie, Movie.id == UserMovie.movie_id)
            .order_by(User.email, Movie.tmdb_id))]


# --------------------------------------------------------------------------- the round trip


def test_mark_list_change_status_unmark(cli: Mydw, tmdb: FakeTmdb) -> None:
    cli.signup(ADA)
    marked = cli.ok("mark", "seen", "900001", "tt9000011", "--json")
    data = marked.json()
    assert [(m["tmdb_id"], m["status"]) for m in data] == [(900001, "seen"), (900011, "seen")]
    assert data[0]["title_fr"] == "Le Gardien du phare" and data[0]["updated_at"].endswith("Z")
    assert statuses(cli) == {900001: "seen", 900011: "seen"}

    requests = tmdb.count()
    first_time = cli.ok("list", "--json").json()[1]["updated_at"]
    human = cli.ok("mark", "later", "900001")
    assert "Marked later: The Lighthouse Keeper (1998)" in human.stderr
    assert tmdb.count() == requests  # a cached movie needs no request
    assert statuses(cli) == {900001: "later", 900011: "seen"}
    changed = cli.ok("list", "--json", "--status", "later").json()
    assert [m["tmdb_id"] for m in changed] == [900001]
    assert changed[0]["updated_at"] >= first_time

    lines = cli.ok("list").stdout.splitlines()  # piped: one plain line per movie
    assert len(lines) == 2
    assert "Garden of Quiet Machines (2018) — tmdb:900011" in lines[0] and " · seen " in lines[0]
    assert "The Lighthouse Keeper (1998) — tmdb:900001" in lines[1] and " · later " in lines[1]
    french = cli.ok("list", "--lang", "fr", "--status", "seen").stdout
    assert "Le Jardin des machines" in french
    rows = list(csv.DictReader(io.StringIO(cli.ok("list", "--csv", "--sort", "title").stdout)))
    assert [(r["tmdb_id"], r["status"]) for r in rows] == [("900011", "seen"),
                                                           ("900001", "later")]

    unmarked = cli.ok("unmark", "900001", "--json").json()
    assert [(m["tmdb_id"], m["status"]) for m in unmarked] == [(900001, None)]
    assert statuses(cli) == {900011: "seen"}
    stats = cli.ok("stats", "--json").json()
    assert stats["counts"] == {"seen": 1, "later": 0, "not_interested": 0}
    assert stats["decades"] == [{"decade": 2010, "count": 1}]
    assert "1 movies marked" in cli.ok("stats").stdout


def test_not_interested_both_spellings_and_json_only_on_stdout(cli: Mydw) -> None:
    cli.signup(ADA)
    one = cli.ok("mark", "not-interested", "900003", "--json")
    two = cli.ok("mark", "not_interested", "900004", "--json")
    assert one.json()[0]["status"] == two.json()[0]["status"] == "not_interested"
    listed = cli.ok("list", "--json", "--status", "not-interested")
    assert listed.stderr == ""
    assert {m["tmdb_id"] for m in listed.json()} == {900003, 900004}
    assert cli.ok("list", "--json", "--status", "seen").json() == []


def test_an_ambiguous_title_with_year_is_marked(cli: Mydw) -> None:
    cli.signup(ADA)
    cli.ok("mark", "seen", "The Lighthouse Keeper", "--year", "2019")
    assert statuses(cli) == {900002: "seen"}


def test_unmark_by_an_ambiguous_title_takes_the_one_you_marked(cli: Mydw) -> None:
    cli.signup(ADA)
    cli.ok("mark", "later", "900001", "900002")  # both cached, both marked: ambiguous
    failed(cli("unmark", "The Lighthouse Keeper"), 4, "matches 2 movies", "nothing was unmarked")
    assert statuses(cli) == {900001: "later", 900002: "later"}
    cli.ok("unmark", "900001")  # now only the 2019 one is marked: that is the one meant
    removed = cli.ok("unmark", "The Lighthouse Keeper", "--json").json()
    assert [m["tmdb_id"] for m in removed] == [900002]
    assert statuses(cli) == {}


# --------------------------------------------------------------------------- two users


def test_two_users_never_see_each_others_marks(cli: Mydw) -> None:
    cli.signup(ADA)
    cli.ok("mark", "seen", "900001")
    cli.ok("logout")
    cli.signup(BOB)
    assert statuses(cli) == {}
    cli.ok("mark", "later", "900001", "900005")
    assert statuses(cli) == {900001: "later", 900005: "later"}
    assert cli.ok("stats", "--json").json()["total"] == 2

    login(cli, ADA)
    assert statuses(cli) == {900001: "seen"}
    assert cli.ok("stats", "--json").json()["counts"]["later"] == 0
    failed(cli("unmark", "900005"), 4, "not in your list")
    discovered = {m["tmdb_id"] for m in cli.ok("discover", "--json").json()}
    assert 900005 in discovered and 900001 not in discovered  # Bob's marks don't count
    login(cli, BOB)
    assert statuses(cli) == {900001: "later", 900005: "later"}


# --------------------------------------------------------------------------- discover


def test_discover_never_shows_a_marked_movie(cli: Mydw, tmdb: FakeTmdb) -> None:
    cli.signup(ADA)
    everything = ["--min-rating", "0", "--min-votes", "0", "--limit", "100"]
    before = cli.ok("discover", "--json", *everything).json()
    assert len(before) == 12
    assert all(m["status"] is None for m in before)
    default = [m["tmdb_id"] for m in cli.ok("discover", "--json").json()]
    assert default == [900011, 900007, 900001, 900005]

    cli.ok("mark", "seen", "900011", "900002")
    cli.ok("mark", "later", "900007", "900003")
    cli.ok("mark", "not-interested", "900001", "900010")
    marked = set(statuses(cli))
    assert len(marked) == 6

    after = [m["tmdb_id"] for m in cli.ok("discover", "--json", *everything).json()]
    assert len(after) == 6 and not marked & set(after)
    assert [m["tmdb_id"] for m in cli.ok("discover", "--json").json()] == [900005]
    table = cli.ok("discover", "--lang", "fr").stdout
    assert "Les Marées d'Octobre" in table

    # Without TMDB: the cache answers, says so on stderr, still never a marked movie.
    offline = cli("discover", "--json", *everything,
                  env={"MYDW_TMDB_BASE_URL": closed_port_url()})
    assert offline.returncode == 0, offline.stderr
    assert "local cache" in offline.stderr and "Traceback" not in offline.stderr
    cached = {m["tmdb_id"] for m in offline.json()}
    assert cached == set(after)
    no_key = cli("discover", "--json", env={"MYDW_TMDB_API_KEY": ""})
    assert no_key.returncode == 0
    assert "TMDB unavailable (no API key configured)" in no_key.stderr
    assert no_key.json() == []  # no IMDb rating is cached yet: nothing passes 7.0/5000


def test_discover_offline_asks_nothing_of_tmdb(cli: Mydw, tmdb: FakeTmdb) -> None:
    cli.signup(ADA)
    everything = ["--min-rating", "0", "--min-votes", "0", "--limit", "100"]
    cached = {m["tmdb_id"] for m in cli.ok("discover", "--json", *everything).json()}
    cli.ok("mark", "seen", "900005")
    requests = len(tmdb.requests)
    offline = cli.ok("discover", "--json", "--offline", *everything)
    assert len(tmdb.requests) == requests  # not one request
    assert "TMDB unavailable (offline); answered from the local cache" in offline.stderr
    found = {m["tmdb_id"] for m in offline.json()}
    assert found and found <= cached and 900005 not in found


def test_discover_filters_from_the_command_line(cli: Mydw, tmdb: FakeTmdb) -> None:
    cli.signup(ADA)
    found = cli.ok("discover", "--json", "--genre", "Drame", "--genre", "history",
                   "--year-from", "1980", "--year-to", "1990", "--language", "fr",
                   "--sort", "rating", "--limit", "5").json()
    assert [m["tmdb_id"] for m in found] == [900005]
    request = tmdb.last("/3/discover/movie")
    assert request is not None
    assert request.params["with_genres"] == "18,36"
    assert request.params["sort_by"] == "vote_average.desc"


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("args", "code", "needles"),
    [
        (["mark", "watched", "900001"], 2, ["unknown status 'watched'", "not-interested"]),
        (["mark", "seen", "987654321"], 4, ["987654321", "nothing was marked"]),
        (["mark", "seen", "No Such Film Anywhere"], 4, ["No Such Film Anywhere"]),
        (["mark", "seen", "The Lighthouse Keeper"], 4,
         ["matches 2 movies", "tmdb:900001", "tmdb:900002", "(1998)", "(2019)"]),
        (["mark", "seen", "900001", "tt0000000"], 4, ["tt0000000", "nothing was marked"]),
        (["mark", "seen"], 2, ["Missing argument"]),
        (["unmark", "900001"], 4, ["not in your list"]),
        (["list", "--json", "--csv"], 2, ["mutually exclusive"]),
        (["list", "--status", "watched"], 2, ["unknown status"]),
        (["list", "--sort", "length"], 2, ["unknown sort"]),
        (["list", "--genre", "Bollywood"], 2, ["unknown genre"]),
        (["list", "--lang", "de"], 2, ["unknown language"]),
        (["discover", "--min-rating", "8", "--max-rating", "7"], 2, ["8 is above --max-rating 7"]),
        (["discover", "--limit", "0"], 2, ["1<=x<=100"]),
        (["discover", "--sort", "title"], 2, ["unknown sort"]),
    ],
)
def test_bad_input(cli: Mydw, app: AppContext, args: list[str], code: int,
                   needles: list[str]) -> None:
    cli.signup(ADA)
    failed(cli(*args), code, *needles)
    assert mark_rows(app) == []


@pytest.mark.parametrize(
    "args",
    [["mark", "seen", "900001"], ["unmark", "900001"], ["list"], ["list", "--json"],
     ["stats", "--json"], ["discover"]],
)
def test_not_logged_in(cli: Mydw, tmdb: FakeTmdb, args: list[str]) -> None:
    failed(cli(*args), 3, "nobody is logged in", "mydw login")
    assert tmdb.count() == 0


# --------------------------------------------------------------------------- cascades


def test_deleting_a_movie_or_a_user_removes_their_marks(cli: Mydw, app: AppContext) -> None:
    cli.signup(ADA)
    cli.ok("mark", "seen", "900001", "900011")
    cli.ok("logout")
    cli.signup(BOB)
    cli.ok("mark", "later", "900001", "900005")
    with app.db.write() as session:
        session.execute(sa.delete(Movie).where(Movie.tmdb_id == 900001))
    assert mark_rows(app) == [(ADA, 900011, "seen"), (BOB, 900005, "later")]
    assert statuses(cli) == {900005: "later"}
    cli.ok("account", "delete", "--yes")
    assert mark_rows(app) == [(ADA, 900011, "seen")]


# --------------------------------------------------------------------------- concurrency


def start(cli: Mydw, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen([MYDW, *args], env={**cli.env, **(env or {})},
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(processes: list[subprocess.Popen[str]]) -> list[tuple[int, str, str]]:
    outputs = [p.communicate(timeout=120) for p in processes]
    return [(p.returncode, out, err) for p, (out, err) in zip(processes, outputs, strict=True)]


def test_parallel_marks_and_a_refresh_lose_no_write(cli: Mydw, app: AppContext) -> None:
    cli.signup(ADA)
    # A refresh that really writes: 3,000 cached movies the IMDb dataset rates.
    with app.db.write() as session:
        session.add_all(Movie(tmdb_id=100_000 + i, imdb_id=f"tt7{i:06d}", title_en=f"M{i}")
                        for i in range(3000))
    rows = [(f"tt7{i:06d}", 6.5, 1000 + i) for i in range(3000)]
    jobs = {  # six processes, each marking two movies of its own
        "seen": ["900001", "900002"], "later": ["900003", "900004"],
        "not-interested": ["900005", "900006"],
    }
    with FakeImdbDatasets(rows) as datasets:
        refresh = start(cli, "refresh", "--source", "imdb-dataset", "--all", "--json",
                        env={"MYDW_IMDB_DATASETS_URL": datasets.url})
        marks = [start(cli, "mark", status, ref) for status, refs in jobs.items()
                 for ref in refs]
        marks += [start(cli, "mark", "seen", r) for r in ("900007", "900008", "tt9000009")]
        marks += [start(cli, "mark", "later", r) for r in ("900011", "900012", "900010")]
        results = finish([refresh, *marks])
    for code, _out, err in results:
        assert code == 0, err
        assert "locked" not in err and "Traceback" not in err
    expected = {900001: "seen", 900002: "seen", 900003: "later", 900004: "later",
                900005: "not_interested", 900006: "not_interested", 900007: "seen",
                900008: "seen", 900009: "seen", 900011: "later", 900012: "later",
                900010: "later"}
    assert statuses(cli) == expected
    with app.db.read() as session:
        rated = session.scalar(sa.select(sa.func.count()).select_from(Movie)
                               .where(Movie.imdb_rating.is_not(None)))
    assert rated == 3000


def test_parallel_marks_of_one_movie_leave_one_row(cli: Mydw, app: AppContext) -> None:
    cli.signup(ADA)
    cli.ok("mark", "seen", "900001")  # cached once; then six processes race on the row
    processes = [start(cli, "mark", s, "900001", "900002")
                 for s in ("seen", "later", "not-interested") * 2]
    for code, _out, err in finish(processes):
        assert code == 0, err
        assert "locked" not in err
    rows: Any = mark_rows(app)
    assert [(e, t) for e, t, _ in rows] == [(ADA, 900001), (ADA, 900002)]
    assert all(s in ("seen", "later", "not_interested") for _, _, s in rows)


# ------------------------------------------------------------------ a person at the terminal


def test_an_ambiguous_title_at_a_terminal_offers_a_choice(cli: Mydw, app: AppContext) -> None:
    """stdin and stderr on a pseudo-terminal: a numbered prompt instead of exit 4."""
    cli.signup(ADA)
    primary, secondary = pty.openpty()
    child = subprocess.Popen([MYDW, "mark", "seen", "The Lighthouse Keeper", "--json"],
                             env=cli.env, stdin=secondary, stderr=secondary,
                             stdout=subprocess.PIPE, text=True)
    os.close(secondary)
    seen = b""
    while b"Which one?" not in seen:
        ready, _, _ = select.select([primary], [], [], 30)
        assert ready, seen
        seen += os.read(primary, 4096)
    assert b"1. The Lighthouse Keeper (" in seen and b"2. The Lighthouse Keeper (" in seen
    second = seen.split(b"2. ")[1].split(b"tmdb:")[1][:6].decode()
    os.write(primary, b"2\n")
    out, _ = child.communicate(timeout=60)
    os.close(primary)
    assert child.returncode == 0
    assert [m["tmdb_id"] for m in json.loads(out)] == [int(second)]
    assert mark_rows(app) == [(ADA, int(second), "seen")]
