"""`mydw mark / unmark / list / stats / discover` run in-process against FakeTmdb (several
processes at once and a real terminal: tests/e2e/test_marks_e2e.py).

Movies come from the fake's default catalogue (tests/fakes/tmdb.py): 900001 and 900002
are two movies titled "The Lighthouse Keeper" (1998, 2019); tt90000NN are their IMDb ids.
"""

from __future__ import annotations

import csv
import io
import socket

import pytest
import sqlalchemy as sa

from mydw.db.models import Movie
from mydw.services.context import AppContext
from tests.conftest import Cli, Result
from tests.fakes.tmdb import FAKE_TMDB_API_KEY, FakeTmdb
from tests.helpers import mark_rows, statuses

ADA = "ada@example.com"
BOB = "bob@example.com"
PASSWORD = "correct horse"



@pytest.fixture
def cli(cli: Cli, tmdb: FakeTmdb) -> Cli:
    cli.env.update({"MYDW_TMDB_BASE_URL": tmdb.api_url, "MYDW_TMDB_API_KEY": FAKE_TMDB_API_KEY,
                     "COLUMNS": "160"})  # wide tables: titles on one line
    return cli


def login(cli: Cli, email: str) -> None:
    cli.ok("logout")
    cli.ok("login", "--email", email, "--password-stdin", input=PASSWORD + "\n")


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


# --------------------------------------------------------------------------- the round trip


def test_mark_list_change_status_unmark(cli: Cli, tmdb: FakeTmdb) -> None:
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


def test_not_interested_both_spellings_and_json_only_on_stdout(cli: Cli) -> None:
    cli.signup(ADA)
    one = cli.ok("mark", "not-interested", "900003", "--json")
    two = cli.ok("mark", "not_interested", "900004", "--json")
    assert one.json()[0]["status"] == two.json()[0]["status"] == "not_interested"
    listed = cli.ok("list", "--json", "--status", "not-interested")
    assert listed.stderr == ""
    assert {m["tmdb_id"] for m in listed.json()} == {900003, 900004}
    assert cli.ok("list", "--json", "--status", "seen").json() == []


def test_an_ambiguous_title_with_year_is_marked(cli: Cli) -> None:
    cli.signup(ADA)
    cli.ok("mark", "seen", "The Lighthouse Keeper", "--year", "2019")
    assert statuses(cli) == {900002: "seen"}


def test_unmark_by_an_ambiguous_title_takes_the_one_you_marked(cli: Cli) -> None:
    cli.signup(ADA)
    cli.ok("mark", "later", "900001", "900002")  # both cached, both marked: ambiguous
    failed(cli("unmark", "The Lighthouse Keeper"), 4, "matches 2 movies", "nothing was unmarked")
    assert statuses(cli) == {900001: "later", 900002: "later"}
    cli.ok("unmark", "900001")  # now only the 2019 one is marked: that is the one meant
    removed = cli.ok("unmark", "The Lighthouse Keeper", "--json").json()
    assert [m["tmdb_id"] for m in removed] == [900002]
    assert statuses(cli) == {}


# --------------------------------------------------------------------------- two users


def test_two_users_never_see_each_others_marks(cli: Cli) -> None:
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


def test_discover_never_shows_a_marked_movie(cli: Cli, tmdb: FakeTmdb) -> None:
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


def test_discover_offline_asks_nothing_of_tmdb(cli: Cli, tmdb: FakeTmdb) -> None:
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


def test_discover_filters_from_the_command_line(cli: Cli, tmdb: FakeTmdb) -> None:
    cli.signup(ADA)
    found = cli.ok("discover", "--json", "--genre", "Drame", "--genre", "history",
                   "--year-from", "1980", "--year-to", "1990", "--language", "fr",
                   "--sort", "rating", "--limit", "5").json()
    assert [m["tmdb_id"] for m in found] == [900005]
    request = tmdb.last("/3/discover/movie")
    assert request is not None
    assert request.params["with_genres"] == "18,36"
    assert request.params["sort_by"] == "vote_average.desc"


def test_without_genre_on_discover_and_list(cli: Cli, tmdb: FakeTmdb) -> None:
    cli.signup(ADA)
    every = cli.ok("discover", "--json", "--min-rating", "0", "--min-votes", "0",
                   "--limit", "50").json()
    kept = cli.ok("discover", "--json", "--min-rating", "0", "--min-votes", "0",
                  "--limit", "50", "-G", "drame", "--without-genre", "comedy").json()
    request = tmdb.last("/3/discover/movie")
    assert request is not None and request.params["without_genres"] == "18,35"
    assert {m["tmdb_id"] for m in kept} == {
        m["tmdb_id"] for m in every if not {18, 35} & set(m["genre_ids"])}
    cli.ok("mark", "seen", *(str(m["tmdb_id"]) for m in every))
    listed = cli.ok("list", "--json", "-G", "drama").json()
    assert {m["tmdb_id"] for m in listed} == {
        m["tmdb_id"] for m in every if 18 not in m["genre_ids"]}
    both = cli("list", "-g", "drama", "-G", "drame")
    assert both.returncode == 2
    assert "--without-genre: Drama is also a wanted genre" in both.stderr


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
        (["discover", "--min-rating", "8", "--max-rating", "7"], 2,
         ["8 is above --max-rating 7"]),
        (["discover", "--limit", "0"], 2, ["1<=x<=100"]),
        (["discover", "--sort", "title"], 2, ["unknown sort"]),
    ],
)
def test_bad_input(cli: Cli, app: AppContext, args: list[str], code: int,
                   needles: list[str]) -> None:
    cli.signup(ADA)
    failed(cli(*args), code, *needles)
    assert mark_rows(app) == []


@pytest.mark.parametrize(
    "args",
    [["mark", "seen", "900001"], ["unmark", "900001"], ["list"], ["list", "--json"],
     ["stats", "--json"], ["discover"]],
)
def test_not_logged_in(cli: Cli, tmdb: FakeTmdb, args: list[str]) -> None:
    failed(cli(*args), 3, "nobody is logged in", "mydw login")
    assert tmdb.count() == 0


# --------------------------------------------------------------------------- cascades


def test_deleting_a_movie_or_a_user_removes_their_marks(cli: Cli, app: AppContext) -> None:
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
