"""services.diary: parsing, rate, viewings, apply_history, history; migration 0005 (run on
SQLite and, with MYDW_TEST_POSTGRES_URL, PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from mydw.db import migrate
from mydw.db.models import Movie, MovieCatalog, User, UserMovie, UserMovieRating, Viewing
from mydw.domain.errors import NotFound, UsageError
from mydw.services import catalog, diary, marks
from mydw.services.context import AppContext
from mydw.services.diary import HistoryItem
from mydw.services.views import MovieView, movie_view

TODAY = date.today()

# --------------------------------------------------------------------------- parse_rating


@pytest.mark.parametrize(("text", "value"), [
    ("8", 8.0), (" 7.5 ", 7.5), ("7,5", 7.5), ("0.5", 0.5), ("10", 10.0), ("10.0", 10.0),
    ("4.5/5", 9.0), ("4/5", 8.0), ("0.5/5", 1.0), ("5/5", 10.0), ("8/10", 8.0),
    ("★★★★½", 9.0), ("★", 2.0), ("½", 1.0), ("★★★★★", 10.0), ("★★★☆☆", 6.0), ("★★ ½", 5.0),
])
def test_parse_rating(text: str, value: float) -> None:
    assert diary.parse_rating(text) == value


@pytest.mark.parametrize("text", [
    "", " ", "11", "10.5", "0.3", "0", "-1", "abc", "7.25", "6/7", "6/5", "nan", "inf", "1e1",
    "٨", "８", "★★★★★★", "½★", "½½", "☆", "8 stars", "4.5/5/5", "/5", "5/",
])
def test_parse_rating_refuses(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        diary.parse_rating(text)
    assert caught.value.parameter == "rating"
    assert caught.value.message.startswith("rating must be")
    assert "\n" not in caught.value.message


# --------------------------------------------------------------------------- dates


def test_parse_watch_date() -> None:
    today = date(2026, 12, 1)
    assert diary.parse_watch_date("today", today=today) == today
    assert diary.parse_watch_date("Yesterday", today=today) == date(2026, 11, 30)
    assert diary.parse_watch_date("hier", today=today) == date(2026, 11, 30)
    assert diary.parse_watch_date("2026-11-30", today=today) == date(2026, 11, 30)
    assert diary.parse_watch_date("2026-12-01", today=today) == today


@pytest.mark.parametrize("text", ["2026-12-02", "2999-01-01", "1887-12-31", "30/11/2026",
                                  "2026-02-30", "tomorrow", "", "20261130", "٢٠٢٦-١١-٣٠"])
def test_parse_watch_date_refuses(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        diary.parse_watch_date(text, today=date(2026, 12, 1))
    assert caught.value.parameter == "on"
    assert caught.value.message.startswith("on ")


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def setup(ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> tuple[AppContext, int,
                                                                      dict[int, int]]:
    """A user and four cached movies; references are TMDB ids (a fake resolver)."""
    ctx.db.ensure_ready()
    with ctx.db.write() as session:
        user = User(first_name="Ada", last_name="L", email="ada@example.com", password_hash="x")
        session.add(user)
        movies = {t: Movie(tmdb_id=t, title_en=f"Movie {t}", release_year=2000 + t % 10,
                            genre_ids=[18], genres=["Drama"])
                  for t in (11, 12, 13, 14)}
        session.add_all(movies.values())
        session.flush()
        ids = {t: m.id for t, m in movies.items()}
        uid = user.id

    def resolve(_ctx: AppContext, ref: str, **_: Any) -> MovieView:
        with ctx.db.read() as session:
            movie = session.scalar(sa.select(Movie).where(Movie.tmdb_id == int(ref)))
            if movie is None:
                raise NotFound(f"no movie {ref}")
            return movie_view(movie)

    def resolve_movies(_ctx: AppContext, refs: Any, **kwargs: Any) -> list[Any]:
        out: list[Any] = []
        for ref in refs:  # each reference: its view or its error (catalog.resolve_movies)
            try:
                out.append(resolve(_ctx, ref, **kwargs))
            except NotFound as error:
                out.append(error)
        return out

    monkeypatch.setattr(catalog, "resolve_movie", resolve)
    monkeypatch.setattr(catalog, "resolve_movies", resolve_movies)
    return ctx, uid, ids


def _counts(ctx: AppContext) -> tuple[int, int, int]:
    with ctx.db.read() as session:
        return tuple(session.scalar(sa.select(sa.func.count()).select_from(t))  # type: ignore[return-value]
                     for t in (UserMovie, UserMovieRating, Viewing))


# --------------------------------------------------------------------------- rate / view


def test_rate_marks_seen_and_fills_every_view(setup: Any) -> None:
    ctx, uid, ids = setup
    view = diary.rate(ctx, uid, "11", "4.5/5")
    assert (view.status, view.my_rating, view.watched_on) == ("seen", 9.0, None)
    listed = marks.list_movies(ctx, uid)
    assert [(m.tmdb_id, m.my_rating) for m in listed] == [(11, 9.0)]
    with ctx.db.read() as session:
        [found] = catalog.common.with_status(session, uid, [movie_view(
            session.get(Movie, ids[11]))])
    assert found.my_rating == 9.0


def test_rate_refuses_bad_values_before_resolving(setup: Any) -> None:
    ctx, uid, _ = setup
    for bad in (11.0, 0.3, 0.0, 7.25):
        with pytest.raises(UsageError):
            diary.rate(ctx, uid, "11", bad)
    with pytest.raises(NotFound):
        diary.rate(ctx, uid, "999", 8.0)
    assert _counts(ctx) == (0, 0, 0)


def test_clearing_keeps_the_mark(setup: Any) -> None:
    ctx, uid, _ = setup
    diary.rate(ctx, uid, "12", 6.0)
    cleared = diary.rate(ctx, uid, "12", None)
    assert (cleared.status, cleared.my_rating) == ("seen", None)
    with pytest.raises(NotFound):
        diary.rate(ctx, uid, "12", None)
    with pytest.raises(NotFound):
        diary.rate(ctx, uid, "13", None)  # never marked


def test_viewings_and_the_diary(setup: Any) -> None:
    ctx, uid, _ = setup
    diary.add_viewings(ctx, uid, ["11", "12"], date(2024, 3, 1))
    diary.add_viewings(ctx, uid, ["11"], "2025-01-02")
    diary.add_viewings(ctx, uid, ["11"], date(2025, 1, 2))  # the same day: once
    diary.add_viewings(ctx, uid, ["11"], date(2023, 1, 1))  # an earlier one, logged late
    diary.rate(ctx, uid, "11", 8.0)
    entries = diary.diary(ctx, uid)
    assert [(e.movie.tmdb_id, e.watched_on, e.rewatch, e.rating) for e in entries] == [
        (11, date(2025, 1, 2), True, 8.0),
        (12, date(2024, 3, 1), False, None),
        (11, date(2024, 3, 1), True, 8.0),
        (11, date(2023, 1, 1), False, 8.0),
    ]
    assert all(e.movie.watched_on == date(2025, 1, 2) for e in entries if e.movie.tmdb_id == 11)
    assert [e.watched_on for e in diary.diary(ctx, uid, year=2024)] == [date(2024, 3, 1)] * 2
    assert len(diary.diary(ctx, uid, limit=1)) == 1
    data = entries[0].to_json()
    assert (data["watched_on"], data["rating"], data["rewatch"], data["my_rating"]) == (
        "2025-01-02", 8.0, True, 8.0)
    with pytest.raises(UsageError):
        diary.diary(ctx, uid, year=3000)


def test_a_future_viewing_is_refused(setup: Any) -> None:
    ctx, uid, _ = setup
    with pytest.raises(UsageError):
        diary.add_viewings(ctx, uid, ["11"], TODAY + timedelta(days=1))
    assert _counts(ctx) == (0, 0, 0)


def test_unmark_forgets_rating_and_viewings(setup: Any) -> None:
    ctx, uid, _ = setup
    diary.add_viewings(ctx, uid, ["11"], date(2024, 3, 1))
    diary.rate(ctx, uid, "11", 8.0)
    [gone] = marks.unmark(ctx, uid, ["11"])
    assert (gone.status, gone.my_rating, gone.watched_on) == (None, None, None)
    assert _counts(ctx) == (0, 0, 0)


def test_changing_status_keeps_the_diary(setup: Any) -> None:
    ctx, uid, _ = setup
    diary.rate(ctx, uid, "11", 8.0)
    [later] = marks.mark(ctx, uid, ["11"], "later")
    assert (later.status, later.my_rating) == ("later", 8.0)


def test_stats(setup: Any) -> None:
    ctx, uid, _ = setup
    diary.rate(ctx, uid, "11", 8.0)
    diary.rate(ctx, uid, "12", 5.5)
    diary.add_viewings(ctx, uid, ["11", "12"], date(2024, 3, 1))
    diary.add_viewings(ctx, uid, ["11"], date(2025, 3, 1))
    result = marks.stats(ctx, uid).diary
    assert (result.average_my_rating, result.my_rated, result.viewings) == (6.75, 2, 3)
    assert result.viewings_per_year == {2024: 2, 2025: 1}


# --------------------------------------------------------------------------- apply_history


def test_apply_history_counts_and_is_idempotent(setup: Any) -> None:
    ctx, uid, ids = setup
    items = [
        HistoryItem(ids[11], "seen", 9.0, date(2024, 1, 1)),
        HistoryItem(ids[11], "seen", 9.0, date(2024, 6, 1), rewatch=True),
        HistoryItem(ids[12], "later"),
        HistoryItem(ids[13], None, 7.0),  # a rating alone means seen
        HistoryItem(ids[14], None, watched_on=date(2023, 5, 5)),
    ]
    first = diary.apply_history(ctx, uid, items)
    assert (first.seen, first.later, first.rated, first.viewings, first.unchanged) == (
        3, 1, 2, 3, 0)
    before = _counts(ctx)
    second = diary.apply_history(ctx, uid, items)
    assert (second.seen, second.later, second.rated, second.viewings, second.unchanged) == (
        0, 0, 0, 0, 5)
    assert _counts(ctx) == before
    rows = {r.movie.tmdb_id: r for r in diary.history(ctx, uid)}
    assert (rows[11].status, rows[11].rating, rows[11].viewings) == (
        "seen", 9.0, [date(2024, 1, 1), date(2024, 6, 1)])
    assert (rows[12].status, rows[12].rating, rows[12].viewings) == ("later", None, [])
    assert rows[13].status == "seen" and rows[14].viewings == [date(2023, 5, 5)]
    assert rows[11].movie.watched_on == date(2024, 6, 1)


def test_seen_is_never_downgraded_and_not_interested_stays(setup: Any) -> None:
    ctx, uid, ids = setup
    marks.mark(ctx, uid, ["11"], "seen")
    marks.mark(ctx, uid, ["12"], "not_interested")
    items = [HistoryItem(ids[11], "later"), HistoryItem(ids[12], "seen", 8.0),
             HistoryItem(ids[12], "later")]
    result = diary.apply_history(ctx, uid, items)
    assert (result.seen, result.later, result.rated, result.unchanged) == (0, 0, 0, 3)
    status = {r.movie.tmdb_id: (r.status, r.rating) for r in diary.history(ctx, uid)}
    assert status == {11: ("seen", None), 12: ("not_interested", None)}
    forced = diary.apply_history(ctx, uid, items, overwrite=True)
    assert (forced.seen, forced.later, forced.rated) == (1, 0, 1)  # still never to later
    status = {r.movie.tmdb_id: (r.status, r.rating) for r in diary.history(ctx, uid)}
    assert status == {11: ("seen", None), 12: ("seen", 8.0)}


def test_dry_run_changes_nothing_and_says_what_would(setup: Any) -> None:
    ctx, uid, ids = setup
    items = [HistoryItem(ids[11], "seen", 9.0, date(2024, 1, 1)), HistoryItem(ids[12], "later")]
    dry = diary.apply_history(ctx, uid, items, dry_run=True)
    assert _counts(ctx) == (0, 0, 0)
    real = diary.apply_history(ctx, uid, items)
    assert dry == real


def test_one_bad_item_writes_nothing(setup: Any) -> None:
    ctx, uid, ids = setup
    with pytest.raises(UsageError):
        diary.apply_history(ctx, uid, [HistoryItem(ids[11], "seen"),
                                       HistoryItem(ids[12], "seen", 11.0)])
    with pytest.raises(UsageError):
        diary.apply_history(ctx, uid, [HistoryItem(ids[11], "watched")])
    assert _counts(ctx) == (0, 0, 0)


def test_apply_history_many_items_in_one_transaction(setup: Any) -> None:
    ctx, uid, _ = setup
    with ctx.db.write() as session:
        movies = [Movie(tmdb_id=100_000 + n) for n in range(1200)]
        session.add_all(movies)
        session.flush()
        new = [m.id for m in movies]
    statements: list[str] = []
    sa.event.listen(ctx.db.engine, "before_cursor_execute",
                    lambda *a: statements.append(str(a[2])))
    items = [HistoryItem(i, "seen", 7.0, date(2020, 1, 1)) for i in new]
    result = diary.apply_history(ctx, uid, items)
    assert (result.seen, result.rated, result.viewings) == (1200, 1200, 1200)
    assert sum(s.strip().upper() == "COMMIT" for s in statements) <= 1
    assert diary.apply_history(ctx, uid, items).unchanged == 1200


# --------------------------------------------------------------------------- schema


def test_the_database_refuses_a_rating_off_the_half_steps(setup: Any) -> None:
    ctx, uid, _ = setup
    diary.rate(ctx, uid, "11", 8.0)
    for bad in (8.3, 11.0, 0.0):
        with pytest.raises(sa.exc.IntegrityError), ctx.db.write() as session:
            session.execute(sa.update(UserMovieRating).values(rating=bad))


def test_migration_0005_keeps_existing_rows_and_downgrades(ctx: AppContext) -> None:
    from alembic import command

    db = ctx.db
    with db.engine.connect() as conn:
        migrate._run_alembic(conn, "upgrade", "0004")
        conn.execute(sa.text("INSERT INTO users (id, first_name, last_name, email, "
                             "password_hash) VALUES (1, 'a', 'b', 'a@b.co', 'x')"))
        conn.execute(sa.text("INSERT INTO movies (id, tmdb_id, title_en) VALUES (1, 5, 'M')"))
        conn.execute(sa.text("INSERT INTO movie_catalog (movie_id, search_text) "
                             "VALUES (1, 'm')"))
        conn.execute(sa.text("INSERT INTO user_movies (id, user_id, movie_id, status) "
                             "VALUES (1, 1, 1, 'seen')"))
        conn.commit()
    migrate.upgrade(db)
    with db.read() as session:
        row = session.get(MovieCatalog, 1)
        assert row is not None
        assert (row.search_text, row.original_title, row.runtime, row.directors) == (
            "m", None, None, None)
        assert session.scalar(sa.select(UserMovie.status)) == "seen"
    with db.engine.connect() as conn:
        command.downgrade(migrate._alembic_config(conn), "0004")
        conn.commit()
        tables = set(sa.inspect(conn).get_table_names())
        assert "viewings" not in tables and "user_movie_ratings" not in tables
        assert "runtime" not in {c["name"] for c in sa.inspect(conn).get_columns(
            "movie_catalog")}
        assert conn.execute(sa.text("SELECT count(*) FROM user_movies")).scalar() == 1
    migrate.upgrade(db)


def test_a_new_rating_in_the_file_replaces_the_stored_one(setup: Any) -> None:
    ctx, uid, ids = setup
    diary.rate(ctx, uid, "11", 6.0)
    marks.mark(ctx, uid, ["12"], "later")
    result = diary.apply_history(ctx, uid, [HistoryItem(ids[11], "seen", 8.5),
                                            HistoryItem(ids[12], "seen", 7.0, date(2022, 2, 2))])
    assert (result.seen, result.rated, result.viewings, result.unchanged) == (1, 2, 1, 0)
    rows = {r.movie.tmdb_id: (r.status, r.rating, r.viewings) for r in diary.history(ctx, uid)}
    assert rows == {11: ("seen", 8.5, []), 12: ("seen", 7.0, [date(2022, 2, 2)])}
    assert _counts(ctx) == (2, 2, 1)
