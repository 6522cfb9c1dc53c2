"""Issue 10, "every boundary checks what crosses it": each test failed before its fix.

In-process through the `cli` fixture (tests/conftest.py); the closed standard streams
need real processes and are in test_guard_streams.py.
"""

from __future__ import annotations

import json
import os
import sqlite3
import stat
from pathlib import Path

import pytest

from tests.conftest import BACKEND, Cli
from tests.fakes.tmdb import FAKE_TMDB_API_KEY, FakeMovie, FakeTmdb

PG_URL = "postgresql://ada:hunter2secret@db.example:5432/mydw"
sqlite_only = pytest.mark.skipif(
    BACKEND != "sqlite", reason="PostgreSQL's typed columns cannot hold these values")


def strict_json(text: str) -> object:
    """json.loads that refuses NaN / Infinity (not JSON)."""
    def refuse(name: str) -> object:
        raise ValueError(f"{name} is not JSON")

    return json.loads(text, parse_constant=refuse)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def db_file(home: Path) -> Path:
    return home / "mydw.db"


# --------------------------------------------------------------------------- masked URLs


def test_config_show_and_get_mask_the_database_password(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MYDW_DATABASE_URL", PG_URL)
    shown = cli.ok("config", "show")
    assert "hunter2secret" not in shown.stdout + shown.stderr
    assert "postgresql://ada:***@db.example:5432/mydw" in shown.stdout
    as_json = cli.ok("config", "show", "--json").json()
    (url,) = [v["value"] for v in as_json if v["name"] == "database-url"]
    assert url == "postgresql://ada:***@db.example:5432/mydw"
    one = cli.ok("config", "get", "database-url")
    assert one.stdout.strip() == "postgresql://ada:***@db.example:5432/mydw"
    assert "hunter2secret" not in cli.ok("config", "get", "database-url", "--json").stdout
    # asked for in full, it is shown in full
    assert "hunter2secret" in cli.ok("config", "get", "database-url", "--reveal").stdout


def test_a_password_in_a_bad_url_is_masked_in_the_error(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MYDW_DATABASE_URL", "postgresql://ada:hunter2secret@db example/x")
    for args in (("list",), ("list", "--json"), ("--debug", "list")):
        result = cli(*args)
        assert result.returncode == 1, result.stderr
        assert "hunter2secret" not in result.stderr + result.stdout
        assert "***" in result.stderr


def test_config_set_of_a_url_with_a_password_does_not_echo_it(cli: Cli) -> None:
    result = cli("config", "set", "llm-base-url", "http://bob:pa55word@127.0.0.1:1/ v1")
    assert result.returncode == 1
    assert "pa55word" not in result.stderr
    cli.ok("config", "set", "llm-base-url", "http://bob:pa55word@127.0.0.1:1/v1")
    assert "pa55word" not in cli.ok("config", "show").stdout


@pytest.mark.parametrize("first_name", ["A", "Ada\x00"])  # PostgreSQL refuses NUL
def test_debug_never_prints_a_password_hash(cli: Cli, first_name: str) -> None:
    cli.signup()
    result = cli("--debug", "signup", "--email", "ada@example.com" if first_name == "A"
                 else "bob@example.com", "--first-name", first_name, "--last-name", "L",
                 "--password-stdin", input="another password\n")
    if result.returncode != 0:
        assert "Traceback" in result.stderr  # --debug shows the traceback...
    assert "$argon2" not in result.stderr  # ...never a hash
    assert "another password" not in result.stderr


def test_the_engine_hides_sql_parameters(ctx) -> None:  # type: ignore[no-untyped-def]
    assert ctx.db.engine.hide_parameters is True


# --------------------------------------------------------------------------- upstream text

EVIL_TITLE = "Evil\x1b]0;pwned\x07 \x1b[31mRed\x1b[0m\x9b2J Title\x00\x08"
EVIL_OVERVIEW = "First line\x1b[2J\nsecond\x07 line \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\"


@pytest.fixture
def evil(cli: Cli, tmdb: FakeTmdb, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.setenv("MYDW_TMDB_BASE_URL", tmdb.api_url)
    monkeypatch.setenv("MYDW_TMDB_API_KEY", FAKE_TMDB_API_KEY)
    tmdb.add_movie(FakeMovie(777001, EVIL_TITLE, "en", "2011-05-05", EVIL_TITLE,
                             EVIL_OVERVIEW, title_fr=EVIL_TITLE, overview_fr=EVIL_OVERVIEW,
                             genre_ids=(18,), imdb_id="tt7770001"))
    return cli


def _no_controls(text: str) -> None:
    bad = [c for c in text if (ord(c) < 32 and c != "\n") or 0x7F <= ord(c) < 0xA0]
    assert not bad, repr(text[:400])


def test_control_characters_from_tmdb_never_reach_output(evil: Cli) -> None:
    evil.signup()
    for args in (("search", "evil", "--json"), ("search", "evil"), ("show", "777001"),
                 ("show", "777001", "--json"), ("show", "777001", "--lang", "fr")):
        result = evil.ok(*args)
        _no_controls(result.stdout)
        _no_controls(result.stderr)
        assert "\\u001b" not in result.stdout and "\\u0007" not in result.stdout
    evil.ok("mark", "seen", "777001")
    for args in (("list", "--csv"), ("list", "--json"), ("list",)):
        result = evil.ok(*args)
        _no_controls(result.stdout)
        assert "\\u001b" not in result.stdout
        assert "Evil" in result.stdout and "Red" in result.stdout


def test_control_characters_are_stripped_before_they_are_stored(evil: Cli, home: Path) -> None:
    evil.ok("show", "777001")
    from mydw.services.context import AppContext

    ctx = AppContext()
    try:
        from sqlalchemy import select

        from mydw.db.models import Movie

        with ctx.db.read() as session:
            movie = session.scalars(select(Movie).where(Movie.tmdb_id == 777001)).one()
        for value in (movie.title_en, movie.title_fr, movie.overview_en, movie.overview_fr):
            assert value is not None
            assert "\x1b" not in value and "\x07" not in value and "\x9b" not in value
        assert movie.overview_en is not None and "\n" in movie.overview_en  # kept
    finally:
        ctx.close()


# --------------------------------------------------------------------------- stored numbers


def _seed_rated(cli: Cli, tmdb: FakeTmdb, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYDW_TMDB_BASE_URL", tmdb.api_url)
    monkeypatch.setenv("MYDW_TMDB_API_KEY", FAKE_TMDB_API_KEY)
    cli.signup()
    cli.ok("mark", "seen", "900001", "900003")


def test_dataset_values_out_of_bounds_are_stored_as_unknown(
    cli: Cli, tmdb: FakeTmdb, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _seed_rated(cli, tmdb, monkeypatch)
    import gzip

    dataset = tmp_path / "ratings.tsv.gz"
    dataset.write_bytes(gzip.compress(
        b"tconst\taverageRating\tnumVotes\n"
        b"tt9000001\tinf\t12345678901234567890123\n"
        b"tt9000003\t99.9\t-3\n"))
    cli.ok("refresh", "--all", "--dataset-file", str(dataset))
    listed = strict_json(cli.ok("list", "--json").stdout)
    assert isinstance(listed, list)
    assert {(m["imdb_rating"], m["vote_count"]) for m in listed} == {(None, None)}


def test_dataset_parser_refuses_impossible_values(tmp_path: Path) -> None:
    import gzip

    from mydw.clients.imdb_datasets import iter_ratings

    path = tmp_path / "r.tsv.gz"
    path.write_bytes(gzip.compress(
        b"tconst\taverageRating\tnumVotes\n"
        b"tt0000001\tinf\t12345678901234567890123\n"
        b"tt0000002\t-3\t-5\n"
        b"tt0000003\tnan\t10\n"
        b"tt0000004\t99.9\t1e3\n"
        b"tt0000005\t7.5\t1000\n"))
    rows = {t: (r, v) for t, r, v in iter_ratings(path)}
    assert rows == {"tt0000001": (None, None), "tt0000002": (None, None),
                    "tt0000003": (None, 10), "tt0000004": (None, None),
                    "tt0000005": (7.5, 1000)}


@sqlite_only
def test_a_stored_infinity_is_printed_as_null_json(
    cli: Cli, tmdb: FakeTmdb, monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    _seed_rated(cli, tmdb, monkeypatch)
    with sqlite3.connect(db_file(home)) as conn:
        conn.execute("UPDATE movies SET imdb_rating = 9e999, vote_count = -4")
    for args in (("list", "--json"), ("show", "900001", "--json"), ("stats", "--json")):
        result = cli.ok(*args)
        strict_json(result.stdout)
        assert "Infinity" not in result.stdout


def test_json_writers_refuse_non_finite_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    from mydw.cli import output

    output.emit_json({"a": float("inf"), "b": [float("nan"), 1.5], "c": -float("inf")})
    assert strict_json(capsys.readouterr().out) == {"a": None, "b": [None, 1.5], "c": None}
    output.emit_json([{"x": float("nan")}, {"x": 2}])
    assert strict_json(capsys.readouterr().out) == [{"x": None}, {"x": 2}]


# --------------------------------------------------------------------------- bounds


@pytest.mark.parametrize("args", [
    ("list", "--limit", "9" * 30),
    ("list", "--year-from", "9" * 30),
    ("discover", "--offline", "--min-votes", "9" * 30),
    ("discover", "--offline", "--limit", "9" * 30),
    ("discover", "--offline", "--year-from", "9" * 30),
    ("refresh", "--older-than", "100000000d"),
    ("refresh", "--limit", "9" * 30),
    ("search", "--offline", "--limit", "9" * 30, "x"),
    ("search", "--offline", "--page", "9" * 30, "x"),
])
def test_huge_numbers_are_usage_errors(cli: Cli, args: tuple[str, ...]) -> None:
    cli.signup()
    result = cli(*args)
    assert result.returncode == 2, result.stderr
    assert "internal error" not in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2  # the error and its hint


@pytest.mark.parametrize("args", [
    ("search", "q" * 65536),
    ("search", "--offline", "q" * 65536),
    ("show", "t" * 51200),
    ("mark", "seen", "t" * 51200),
])
def test_huge_text_arguments_are_usage_errors(
    cli: Cli, tmdb: FakeTmdb, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...]
) -> None:
    monkeypatch.setenv("MYDW_TMDB_BASE_URL", tmdb.api_url)
    monkeypatch.setenv("MYDW_TMDB_API_KEY", FAKE_TMDB_API_KEY)
    cli.signup()
    result = cli(*args)
    assert result.returncode == 2, result.stderr[:500]
    assert "internal error" not in result.stderr
    assert len(result.stderr) < 600


def test_a_config_file_that_is_not_utf8_is_one_clear_error(cli: Cli, home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_bytes(b'lang = "\xff\xfe"\n')
    for args in (("config", "show"), ("search", "--offline", "x")):
        result = cli(*args)
        assert result.returncode == 1, result.stderr
        assert "internal error" not in result.stderr
        assert "UTF-8" in result.stderr and "config.toml" in result.stderr


def test_a_secrets_file_that_is_not_utf8_is_one_clear_error(
    cli: Cli, home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "secrets.json").write_bytes(b'{"tmdb-api-key": "\xff\xfe"}')
    result = cli("config", "get", "tmdb-api-key")
    assert result.returncode == 1, result.stderr
    assert "internal error" not in result.stderr
    assert "secrets.json" in result.stderr


@pytest.mark.parametrize(("name", "value"), [
    ("discover-min-votes", "٣"),
    ("discover-min-votes", "9" * 5000),
    ("discover-min-votes", "99999999999999999"),
    ("discover-min-rating", "٣"),
    ("discover-min-rating", "inf"),
    ("http-timeout", "١٠"),
    ("http-timeout", "1e300"),
    ("llm-history", "²"),
    ("llm-history", "9" * 40),
])
def test_settings_refuse_non_ascii_digits_and_values_out_of_bounds(
    cli: Cli, name: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = cli("config", "set", name, value)
    assert result.returncode == 1, (name, value, result.stderr)
    assert "internal error" not in result.stderr
    assert len(result.stderr) < 400
    env = "MYDW_" + name.upper().replace("-", "_")
    monkeypatch.setenv(env, value)
    from mydw.config import settings
    from mydw.domain.errors import ConfigError

    with pytest.raises(ConfigError):
        settings.read(name)


# --------------------------------------------------------------------------- rows of others


def _cache_and_mark(cli: Cli, tmdb: FakeTmdb, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYDW_TMDB_BASE_URL", tmdb.api_url)
    monkeypatch.setenv("MYDW_TMDB_API_KEY", FAKE_TMDB_API_KEY)
    cli.signup()
    cli.ok("search", "a")
    cli.ok("mark", "seen", "900001", "900003")
    cli.ok("mark", "later", "900005")


@sqlite_only
def test_rows_written_by_another_tool_show_as_unknown_and_are_reported_once(
    cli: Cli, tmdb: FakeTmdb, monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    _cache_and_mark(cli, tmdb, monkeypatch)
    with sqlite3.connect(db_file(home)) as conn:
        conn.execute("UPDATE user_movies SET status = 'watched' WHERE movie_id = "
                     "(SELECT id FROM movies WHERE tmdb_id = 900003)")
        conn.execute("UPDATE movies SET genre_ids = 'not json', genres = '[1, 2' "
                     "WHERE tmdb_id = 900001")
        conn.execute("UPDATE movies SET cached_on = 'yesterday', imdb_updated_on = 'soon', "
                     "release_year = 'nineteen', imdb_rating = 'high', vote_count = 'many' "
                     "WHERE tmdb_id = 900005")
        conn.execute("UPDATE user_movies SET updated_at = 'a while ago' WHERE movie_id = "
                     "(SELECT id FROM movies WHERE tmdb_id = 900005)")
        conn.execute("UPDATE movies SET genre_ids = '[\"x\", 18]' WHERE tmdb_id = 900002")
    commands = [("list",), ("list", "--json"), ("list", "--csv"), ("list", "--genre", "drama"),
                ("list", "--sort", "rating"), ("show", "900001"), ("show", "900005", "--json"),
                ("stats",), ("stats", "--json"), ("discover", "--offline"),
                ("discover", "--offline", "--json", "--genre", "drama"),
                ("search", "--offline", "a"),
                ("chat", "--builtin", "-m", "what have I seen?")]
    for args in commands:
        result = cli(*args)
        assert result.returncode == 0, (args, result.stderr)
        assert "internal error" not in result.stderr and "Traceback" not in result.stderr
        if "--json" in args:
            strict_json(result.stdout)
        reports = [line for line in result.stderr.splitlines()
                   if "does not understand" in line]
        assert len(reports) <= 1, (args, result.stderr)
    listed = {m["tmdb_id"]: m for m in strict_json(cli.ok("list", "--json").stdout)}  # type: ignore[union-attr]
    assert listed[900003]["status"] is None  # 'watched': unknown
    assert listed[900001]["genre_ids"] == []
    assert listed[900005]["release_year"] is None and listed[900005]["imdb_rating"] is None
    assert listed[900005]["updated_at"] is None
    result = cli("list")
    (report,) = [line for line in result.stderr.splitlines() if "does not understand" in line]
    assert "user_movies.status='watched'" in report
    assert "shown as unknown" in report


# --------------------------------------------------------------------------- permissions


@pytest.mark.parametrize("first", [("db", "upgrade"), ("refresh",), ("config", "set", "lang",
                                                                        "fr"), ("signup",)])
def test_every_folder_and_file_is_created_owner_only(
    cli: Cli, home: Path, first: tuple[str, ...], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch, datasets  # type: ignore[no-untyped-def]
) -> None:
    monkeypatch.setenv("MYDW_IMDB_DATASETS_URL", datasets.url)
    nested = tmp_path / "deep" / "er" / "home"
    monkeypatch.setenv("MYDW_HOME", str(nested))
    old = os.umask(0o022)
    try:
        if first == ("signup",):
            cli.signup()
        else:
            cli.ok(*first)
        if first != ("signup",):
            cli.signup()
        cli.ok("config", "set", "lang", "en")
        cli.ok("refresh", "--all")
    finally:
        os.umask(old)
    for path in [nested, *nested.rglob("*")]:
        if path.is_dir():
            assert mode(path) == 0o700, (first, path, oct(mode(path)))
        else:
            assert mode(path) & 0o077 == 0, (first, path, oct(mode(path)))
    for parent in (tmp_path / "deep", tmp_path / "deep" / "er"):
        assert mode(parent) == 0o700, parent


def test_a_secrets_file_readable_by_others_is_made_private_with_one_warning(
    cli: Cli, home: Path
) -> None:
    home.mkdir(parents=True, exist_ok=True)
    secrets = home / "secrets.json"
    secrets.write_text('{"omdb-api-key": "abcdef12"}')
    secrets.chmod(0o644)
    result = cli.ok("config", "get", "omdb-api-key")
    assert mode(secrets) == 0o600
    warnings = [line for line in result.stderr.splitlines() if "secrets.json" in line]
    assert len(warnings) == 1 and "0600" in warnings[0], result.stderr
    assert "secrets.json" not in cli.ok("config", "get", "omdb-api-key").stderr


# --------------------------------------------------------------------------- migrations


@sqlite_only
def test_failed_migrations_keep_only_the_three_newest_backups(
    ctx, home: Path, monkeypatch: pytest.MonkeyPatch  # type: ignore[no-untyped-def]
) -> None:
    from mydw.db import migrate
    from mydw.domain.errors import DatabaseError

    ctx.db.ensure_ready()
    with sqlite3.connect(db_file(home)) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0003'")
    real_run = migrate._run_alembic

    def failing(conn, what: str, target: str) -> None:  # type: ignore[no-untyped-def]
        if what == "upgrade":
            raise DatabaseError("boom")
        real_run(conn, what, target)

    monkeypatch.setattr(migrate, "_run_alembic", failing)
    clock = iter(range(10))
    import datetime as dt

    monkeypatch.setattr(migrate, "utcnow",
                        lambda: dt.datetime(2030, 1, 1) + dt.timedelta(minutes=next(clock)))
    for _ in range(6):
        with pytest.raises(DatabaseError):
            migrate.upgrade(ctx.db)
    backups = sorted(p.name for p in home.glob("mydw.db.bak-*"))
    assert len(backups) == 3, backups
    assert backups == [f"mydw.db.bak-0003-20300101T00{m:02d}00" for m in (3, 4, 5)]
    for backup in home.glob("mydw.db.bak-*"):
        assert mode(backup) & 0o077 == 0


# --------------------------------------------------------------------------- refresh


@sqlite_only
def test_the_refresh_lock_belongs_to_the_database_not_the_home(
    cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from filelock import FileLock

    shared = tmp_path / "shared" / "mydw.db"
    monkeypatch.setenv("MYDW_DATABASE_URL", f"sqlite:///{shared}")
    monkeypatch.setenv("MYDW_HOME", str(tmp_path / "home-a"))
    cli.ok("refresh", "--all")
    lock = Path(str(shared) + ".refresh.lock")
    assert mode(lock) & 0o077 == 0
    with FileLock(str(lock), timeout=0):  # a run from another home holds it
        monkeypatch.setenv("MYDW_HOME", str(tmp_path / "home-b"))
        result = cli("refresh", "--all")
        assert result.returncode == 1, result.stderr
        assert "another `mydw refresh` is running" in result.stderr
    cli.ok("refresh", "--all")  # released: runs


def test_a_refresh_where_every_due_movie_failed_exits_5(
    cli: Cli, tmdb: FakeTmdb, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MYDW_TMDB_BASE_URL", tmdb.api_url)
    monkeypatch.setenv("MYDW_TMDB_API_KEY", FAKE_TMDB_API_KEY)
    cli.ok("search", "keeper")  # cached without IMDb ids
    tmdb.fail_next(50, status=503)
    result = cli("refresh", "--source", "imdb-dataset")
    assert result.returncode == 5, (result.stdout, result.stderr)
    assert "could not be refreshed" in result.stderr
    as_json = cli("refresh", "--source", "imdb-dataset", "--json")
    assert as_json.returncode == 5
    assert as_json.json()["failed"] >= 1 and as_json.json()["updated"] == 0
