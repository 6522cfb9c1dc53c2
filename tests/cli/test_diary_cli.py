"""mydw rate, mark seen --on, diary; my_rating / watched_on in every movie object; the movie
page's original title, runtime and directors (issue 11, "Ratings and watch dates")."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest

from tests.conftest import Cli
from tests.fakes.tmdb import FakeTmdb

TODAY = date.today()
YESTERDAY = TODAY - timedelta(days=1)


@pytest.fixture
def user(online: Cli) -> Cli:
    online.signup()
    return online


def _error_line(result: Any) -> str:
    """The one error line (an optional `hint:` line may follow); never a traceback."""
    lines = result.stderr.splitlines()
    assert "Traceback" not in result.stderr
    assert len(lines) == 1 or (len(lines) == 2 and lines[1].startswith("hint:")), lines
    return str(lines[0])


def _one(result: Any) -> dict[str, Any]:
    data = result.json()
    return data[0] if isinstance(data, list) else data


# --------------------------------------------------------------------------- rate


@pytest.mark.parametrize(("given", "stored"), [
    ("8", 8.0), ("7.5", 7.5), ("4.5/5", 9.0), ("★★★★½", 9.0), ("0.5", 0.5), ("10", 10.0),
    ("½", 1.0), ("8/10", 8.0),
])
def test_rate_stores_the_ten_point_value_and_marks_seen(user: Cli, given: str,
                                                        stored: float) -> None:
    movie = user.ok("rate", "900001", given, "--json").json()
    assert movie["my_rating"] == stored
    assert movie["status"] == "seen"
    listed = user.ok("list", "--json").json()
    assert [(m["tmdb_id"], m["my_rating"], m["status"]) for m in listed] == [
        (900001, stored, "seen")]


@pytest.mark.parametrize("bad", ["11", "0.3", "abc", "0", "-1", "7.25", "6/7", "nan", "inf",
                                 "٨", "★★★★★★", "½★"])
def test_a_bad_rating_is_a_usage_error_naming_it(user: Cli, bad: str) -> None:
    result = user("rate", "900001", "--", bad)
    assert result.returncode == 2, result
    assert _error_line(result).startswith("mydw: error: rating must be a number from 0.5 to 10")
    assert user.ok("list", "--json").json() == []  # nothing was marked


def test_a_bad_rating_in_json_is_an_error_object(user: Cli) -> None:
    result = user("rate", "900001", "11", "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    error = json.loads(result.stderr)["error"]
    assert error["code"] == "usage"
    assert error["parameter"] == "rating"


def test_rate_an_unknown_movie_exits_4(user: Cli) -> None:
    result = user("rate", "no such film at all", "8")
    assert result.returncode == 4, result


def test_rate_again_replaces_and_clear_removes_it_but_keeps_seen(user: Cli) -> None:
    user.ok("rate", "900003", "6")
    assert _one(user.ok("rate", "900003", "7.5", "--json"))["my_rating"] == 7.5
    cleared = user.ok("rate", "900003", "--clear", "--json").json()
    assert cleared["my_rating"] is None
    assert cleared["status"] == "seen"
    again = user("rate", "900003", "--clear")
    assert again.returncode == 4
    assert "no rating" in again.stderr


def test_rate_needs_a_rating_or_clear_not_both(user: Cli) -> None:
    assert user("rate", "900003").returncode == 2
    both = user("rate", "900003", "8", "--clear")
    assert both.returncode == 2
    assert "--clear" in both.stderr


def test_rating_a_later_movie_makes_it_seen(user: Cli) -> None:
    user.ok("mark", "later", "900004")
    assert user.ok("rate", "900004", "9", "--json").json()["status"] == "seen"


def test_rate_needs_a_login(online: Cli) -> None:
    assert online("rate", "900001", "8").returncode == 3


def test_rate_human_output(user: Cli) -> None:
    result = user.ok("rate", "900001", "★★★★")
    assert "Rated 8/10" in result.stdout + result.stderr


# --------------------------------------------------------------------------- mark --on


def test_mark_seen_on_a_date_logs_a_viewing(user: Cli) -> None:
    day = (TODAY - timedelta(days=30)).isoformat()
    movie = _one(user.ok("mark", "seen", "900001", "--on", day, "--json"))
    assert (movie["status"], movie["watched_on"]) == ("seen", day)
    entries = user.ok("diary", "--json").json()
    assert [(e["tmdb_id"], e["watched_on"], e["rewatch"]) for e in entries] == [
        (900001, day, False)]


def test_yesterday_today_and_rewatches(user: Cli) -> None:
    user.ok("mark", "seen", "900002", "--on", "2020-05-01")
    user.ok("mark", "seen", "900002", "--on", "yesterday")
    user.ok("mark", "seen", "900002", "--on", "today")
    user.ok("mark", "seen", "900002", "--on", "today")  # the same day once
    user.ok("rate", "900002", "7")
    entries = user.ok("diary", "--json").json()
    assert [(e["watched_on"], e["rewatch"], e["rating"]) for e in entries] == [
        (TODAY.isoformat(), True, 7.0), (YESTERDAY.isoformat(), True, 7.0),
        ("2020-05-01", False, 7.0)]
    # Every entry is the movie object (latest viewing as its watched_on ... then replaced
    # by the entry's own day) plus watched_on, rating, rewatch.
    assert {"tmdb_id", "title_en", "status", "my_rating", "rating", "rewatch"} <= set(entries[0])
    shown = user.ok("show", "900002", "--json").json()
    assert shown["watched_on"] == TODAY.isoformat()
    assert shown["my_rating"] == 7.0


def test_plain_mark_seen_adds_no_viewing(user: Cli) -> None:
    movie = _one(user.ok("mark", "seen", "900001", "--json"))
    assert movie["watched_on"] is None
    assert user.ok("diary", "--json").json() == []


@pytest.mark.parametrize("bad", ["2999-01-01", (TODAY + timedelta(days=1)).isoformat(),
                                 "30/11/2026", "soon", "2026-13-01", "1850-01-01", "٢٠٢٦-١١-٣٠"])
def test_a_bad_date_is_a_usage_error(user: Cli, bad: str) -> None:
    result = user("mark", "seen", "900001", "--on", bad)
    assert result.returncode == 2, result
    assert _error_line(result).startswith("mydw: error: --on "), result.stderr
    assert user.ok("list", "--json").json() == []


def test_on_with_another_status_is_a_usage_error(user: Cli) -> None:
    result = user("mark", "later", "900001", "--on", "yesterday")
    assert result.returncode == 2
    assert "--on" in result.stderr and "seen" in result.stderr
    assert user.ok("list", "--json").json() == []


def test_mark_seen_on_an_unknown_movie_exits_4_and_logs_nothing(user: Cli) -> None:
    result = user("mark", "seen", "900001", "zzz unknown zzz", "--on", "yesterday")
    assert result.returncode == 4
    assert user.ok("diary", "--json").json() == []


# --------------------------------------------------------------------------- unmark


def test_unmark_forgets_status_rating_and_viewings(user: Cli) -> None:
    user.ok("mark", "seen", "900001", "--on", "yesterday")
    user.ok("rate", "900001", "9")
    gone = _one(user.ok("unmark", "900001", "--json"))
    assert (gone["status"], gone["my_rating"], gone["watched_on"]) == (None, None, None)
    assert user.ok("diary", "--json").json() == []
    again = user.ok("mark", "seen", "900001", "--json").json()[0]
    assert (again["my_rating"], again["watched_on"]) == (None, None)


# --------------------------------------------------------------------------- diary


def test_diary_by_year_and_human_lines(user: Cli) -> None:
    user.ok("mark", "seen", "900001", "--on", "2024-02-03")
    user.ok("mark", "seen", "900003", "--on", "2025-06-07")
    user.ok("rate", "900003", "4.5/5")
    only = user.ok("diary", "--year", "2025", "--json").json()
    assert [(e["tmdb_id"], e["rating"]) for e in only] == [(900003, 9.0)]
    lines = user.ok("diary").stdout.splitlines()
    assert lines[0].startswith("2025-06-07 · Burning Summer (2004) — tmdb:900003 · 9/10")
    assert lines[1].startswith("2024-02-03 · The Lighthouse Keeper (1998)")
    assert "\t" not in "".join(lines)


def test_empty_diary_says_how_to_log(user: Cli) -> None:
    result = user.ok("diary")
    assert result.stdout == ""
    assert "--on" in result.stderr


def test_diary_bad_year_is_a_usage_error(user: Cli) -> None:
    assert user("diary", "--year", "abc").returncode == 2
    assert user("diary", "--year", "3000").returncode == 2


# --------------------------------------------------------------------------- every object


def test_every_movie_object_has_the_diary_keys(user: Cli, tmdb: FakeTmdb) -> None:
    user.ok("rate", "900001", "8")
    objects = [
        *user.ok("search", "lighthouse", "--json").json(),
        user.ok("show", "900001", "--json").json(),
        *user.ok("list", "--json").json(),
        *user.ok("mark", "later", "900004", "--json").json(),
        *user.ok("discover", "--json", "--min-rating", "0", "--min-votes", "0").json(),
    ]
    for movie in objects:
        assert "my_rating" in movie and "watched_on" in movie, movie
    rated = [m for m in objects if m["tmdb_id"] == 900001]
    assert rated and all(m["my_rating"] == 8.0 for m in rated)


def test_without_a_user_the_keys_are_null(online: Cli) -> None:
    for movie in online.ok("search", "lighthouse", "--json").json():
        assert (movie["my_rating"], movie["watched_on"]) == (None, None)


def test_list_human_output_shows_rating_and_date(user: Cli) -> None:
    user.ok("mark", "seen", "900001", "--on", "2024-02-03")
    user.ok("rate", "900001", "8.5")
    line = user.ok("list").stdout.splitlines()[0]
    assert "rated 8.5/10" in line and "watched 2024-02-03" in line


def test_stats_has_the_average_personal_rating_and_viewings_per_year(user: Cli) -> None:
    user.ok("rate", "900001", "8")
    user.ok("rate", "900003", "7")
    user.ok("mark", "seen", "900001", "--on", "2024-02-03")
    user.ok("mark", "seen", "900003", "--on", "2024-05-03")
    user.ok("mark", "seen", "900003", "--on", "2025-05-03")
    data = user.ok("stats", "--json").json()
    assert data["average_my_rating"] == 7.5
    assert data["my_rated"] == 2
    assert data["viewings"] == 3
    assert data["viewings_per_year"] == [{"year": 2024, "count": 2}, {"year": 2025, "count": 1}]
    text = user.ok("stats").stdout
    assert "Average of your own ratings: 7.50/10 (2 rated)" in text
    assert "Viewings per year: 2024 2, 2025 1" in text


# --------------------------------------------------------------------------- movie page


def test_show_has_original_title_runtime_and_directors(online: Cli, tmdb: FakeTmdb) -> None:
    data = online.ok("show", "900006", "--json").json()
    assert data["directors"] == ["Ada Brooks", "Sam Brooks"]
    assert data["runtime"] == tmdb.movie(900006).runtime  # type: ignore[union-attr]
    assert data["original_title"] == "Midnight Paperwork"
    french = online.ok("show", "900003", "--json").json()
    assert french["original_title"] == "Été brûlant"
    # One details request per language, credits appended to it.
    details = [r for r in tmdb.requests if r.path.endswith("/movie/900006")]
    assert details and all("credits" in (r.param("append_to_response") or "")
                           for r in details)
    text = online.ok("show", "900003").stdout
    assert "Directors: Claire Vidal" in text
    assert "Runtime: 1 h 37 min" in text


def test_a_movie_without_crew_has_no_directors(online: Cli) -> None:
    data = online.ok("show", "900010", "--json").json()
    assert data["directors"] == []


def test_only_show_json_has_the_page_keys(online: Cli) -> None:
    online.ok("show", "900001")
    for movie in online.ok("search", "lighthouse", "--json").json():
        assert "directors" not in movie


def test_list_csv_has_your_rating_and_last_viewing_at_the_end(user: Cli) -> None:
    import csv
    import io

    day = (TODAY - timedelta(days=3)).isoformat()
    user.ok("mark", "seen", "900001", "--on", day)
    user.ok("rate", "900001", "4.5/5")
    user.ok("mark", "later", "900002")
    text = user.ok("list", "--csv", "--sort", "title").stdout
    header = text.splitlines()[0].split(",")
    assert header[:3] == ["tmdb_id", "imdb_id", "title"]  # the old columns keep their places
    assert header[-2:] == ["my_rating", "watched_on"]
    rows = {r["tmdb_id"]: r for r in csv.DictReader(io.StringIO(text))}
    assert (rows["900001"]["my_rating"], rows["900001"]["watched_on"]) == ("9.0", day)
    assert (rows["900002"]["my_rating"], rows["900002"]["watched_on"]) == ("", "")
