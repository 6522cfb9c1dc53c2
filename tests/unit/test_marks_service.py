"""Marks: mark / unmark / list / stats, on SQLite and PostgreSQL, with cached movies.

The catalog's resolver is replaced by a small fake (references are TMDB ids of movies
inserted directly), so these tests pin the marks logic, not the catalog's.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from mydw.db.models import Movie, User, UserMovie
from mydw.domain.errors import Ambiguous, NotFound, UsageError
from mydw.domain.types import MovieStatus
from mydw.services import catalog, marks
from mydw.services.context import AppContext
from mydw.services.views import MovieView, movie_view

# tmdb_id: (title_en, title_fr, year, imdb_rating, votes, genre_ids, original_language)
MOVIES: dict[int, tuple[str, str | None, int | None, float | None, int | None, list[int], str]] = {
    603: ("The Matrix", "Matrix", 1999, 8.7, 2_000_000, [28, 878], "en"),
    550: ("Fight Club", None, 1999, 8.8, 2_300_000, [18], "en"),
    680: ("Pulp Fiction", None, 1994, 8.9, 2_100_000, [53, 80], "en"),
    194: ("Amélie", "Le Fabuleux Destin d'Amélie Poulain", 2001, 8.3, 780_000, [35, 10749], "fr"),
    129: ("Spirited Away", "Le Voyage de Chihiro", 2001, 8.6, 850_000, [16, 10751, 14], "ja"),
    19: ("Metropolis", None, 1927, 8.3, 190_000, [18, 878], "de"),
    777: ("Unrated Oddity", None, None, None, None, [], "en"),
}


def _add_movies(ctx: AppContext, ids: Any = MOVIES) -> dict[int, int]:
    """Insert movies directly; returns tmdb_id -> movies.id."""
    with ctx.db.write() as session:
        rows = {}
        for tmdb_id in ids:
            en, fr, year, rating, votes, genres, language = MOVIES[tmdb_id]
            movie = Movie(tmdb_id=tmdb_id, title_en=en, title_fr=fr, release_year=year,
                          imdb_rating=rating, vote_count=votes, genre_ids=genres,
                          genres=[], original_language=language)
            session.add(movie)
            rows[tmdb_id] = movie
        session.flush()
        return {t: m.id for t, m in rows.items()}


def _add_user(ctx: AppContext, email: str = "ada@example.com") -> int:
    with ctx.db.write() as session:
        user = User(first_name="Ada", last_name="Lovelace", email=email, password_hash="x")
        session.add(user)
        session.flush()
        return user.id


def _fake_resolver(ctx: AppContext) -> Callable[..., MovieView]:
    """References are TMDB ids; `ambiguous` and anything unknown fail like the catalog."""

    def resolve(_ctx: Any, ref: str, *, year: int | None = None,
                choose: Any = None, lang: str | None = None) -> MovieView:
        if ref == "ambiguous":
            raise Ambiguous("'ambiguous' matches several movies",
                            candidates=[_fake_view(1, "A", 1990), _fake_view(2, "A", 2010)])
        with ctx.db.read() as session:
            movie = session.scalar(sa.select(Movie).where(Movie.tmdb_id == int(ref)))
            if movie is None:
                raise NotFound(f"TMDB has no movie with id {ref}")
            return movie_view(movie)

    return resolve


def _fake_many(resolve: Callable[..., MovieView]) -> Callable[..., list[Any]]:
    """`catalog.resolve_movies` over the fake resolver (each ref: its view or its error)."""

    def resolve_movies(_ctx: Any, refs: Any, **kwargs: Any) -> list[Any]:
        out: list[Any] = []
        for ref in refs:
            try:
                out.append(resolve(_ctx, ref, **kwargs))
            except (NotFound, Ambiguous) as error:
                out.append(error)
        return out

    return resolve_movies


@pytest.fixture
def setup(ctx: AppContext, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[AppContext, int]]:
    _add_movies(ctx)
    monkeypatch.setattr(catalog, "resolve_movie", _fake_resolver(ctx))
    monkeypatch.setattr(catalog, "resolve_movies", _fake_many(_fake_resolver(ctx)))
    yield ctx, _add_user(ctx)


def _rows(ctx: AppContext, user_id: int | None = None) -> list[tuple[int, str | None]]:
    query = sa.select(Movie.tmdb_id, UserMovie.status).join(Movie).order_by(Movie.tmdb_id)
    if user_id is not None:
        query = query.where(UserMovie.user_id == user_id)
    with ctx.db.read() as session:
        return [(t, s) for t, s in session.execute(query)]


# --------------------------------------------------------------------------- mark


def test_mark_creates_one_row_per_movie_with_status_and_time(setup: Any) -> None:
    ctx, uid = setup
    result = marks.mark(ctx, uid, ["603", "550"], MovieStatus.SEEN)
    assert [(m.tmdb_id, m.status) for m in result] == [(603, "seen"), (550, "seen")]
    assert all(m.updated_at is not None for m in result)
    assert result[0].to_json(user_context=True)["status"] == "seen"
    assert _rows(ctx, uid) == [(550, "seen"), (603, "seen")]


def test_marking_again_changes_status_and_updated_at(setup: Any) -> None:
    ctx, uid = setup
    first = marks.mark(ctx, uid, ["603"], "later")[0]
    time.sleep(0.01)
    second = marks.mark(ctx, uid, ["603"], "not-interested")[0]
    assert second.status == "not_interested"
    assert first.updated_at is not None and second.updated_at is not None
    assert second.updated_at > first.updated_at
    with ctx.db.read() as session:
        stored = session.execute(sa.select(UserMovie.status, UserMovie.updated_at)).all()
    assert stored == [("not_interested", second.updated_at)]


def test_two_references_to_one_movie_make_one_row(setup: Any) -> None:
    ctx, uid = setup
    result = marks.mark(ctx, uid, ["603", "603"], MovieStatus.LATER)
    assert len(result) == 1
    assert _rows(ctx, uid) == [(603, "later")]


@pytest.mark.parametrize("status", ["watched", "", "seen!"])
def test_unknown_status_is_refused(setup: Any, status: str) -> None:
    ctx, uid = setup
    with pytest.raises(UsageError, match=r"^status: unknown status") as info:
        marks.mark(ctx, uid, ["603"], status)
    assert info.value.parameter == "status"
    assert _rows(ctx) == []


def test_not_interested_spellings(setup: Any) -> None:
    ctx, uid = setup
    marks.mark(ctx, uid, ["603"], "not_interested")
    marks.mark(ctx, uid, ["550"], "Not-Interested")
    assert _rows(ctx, uid) == [(550, "not_interested"), (603, "not_interested")]


def test_one_unknown_movie_marks_none_and_says_which(setup: Any) -> None:
    ctx, uid = setup
    with pytest.raises(NotFound) as error:
        marks.mark(ctx, uid, ["603", "424242", "550"], MovieStatus.SEEN)
    assert "TMDB has no movie with id 424242" in error.value.message
    assert "could not resolve 1 of 3 movies" in error.value.message
    assert "nothing was marked" in error.value.message
    assert error.value.exit_code == 4
    assert _rows(ctx) == []


def _fake_view(tmdb_id: int, title: str, year: int) -> MovieView:
    return MovieView(id=-tmdb_id, tmdb_id=tmdb_id, imdb_id=None, title_en=title, title_fr=None,
                     overview_en=None, overview_fr=None, poster_url=None, trailer_en=None,
                     trailer_fr=None, imdb_rating=None, vote_count=None, genres=[],
                     genre_ids=[], release_year=year, original_language=None, cached_on=None,
                     imdb_updated_on=None)


def test_ambiguous_reference_marks_none_and_lists_candidates(setup: Any) -> None:
    ctx, uid = setup
    with pytest.raises(Ambiguous) as error:
        marks.mark(ctx, uid, ["603", "ambiguous", "999999"], MovieStatus.SEEN)
    assert [c.label() for c in error.value.candidates] == ["A (1990)", "A (2010)"]
    assert [f.movie for f in error.value.failures] == ["ambiguous", "999999"]
    assert [f.code for f in error.value.failures] == ["ambiguous", "not_found"]
    assert "'ambiguous' matches several movies" in error.value.message
    assert "id 999999" in error.value.message
    assert _rows(ctx) == []


def test_no_reference_is_a_usage_error(setup: Any) -> None:
    ctx, uid = setup
    with pytest.raises(UsageError, match=r"^refs must name at least one movie") as info:
        marks.mark(ctx, uid, [], MovieStatus.SEEN)
    assert info.value.parameter == "refs"


def test_marks_of_two_users_are_separate(setup: Any) -> None:
    ctx, ada = setup
    bob = _add_user(ctx, "bob@example.com")
    marks.mark(ctx, ada, ["603"], MovieStatus.SEEN)
    marks.mark(ctx, bob, ["603"], MovieStatus.LATER)
    marks.mark(ctx, bob, ["550"], MovieStatus.SEEN)
    assert [(m.tmdb_id, m.status) for m in marks.list_movies(ctx, ada)] == [(603, "seen")]
    assert {(m.tmdb_id, m.status) for m in marks.list_movies(ctx, bob)} == {
        (603, "later"), (550, "seen")}
    marks.unmark(ctx, bob, ["603"])
    assert _rows(ctx, ada) == [(603, "seen")]
    assert marks.stats(ctx, ada).counts == {"seen": 1, "later": 0, "not_interested": 0}


# --------------------------------------------------------------------------- unmark


def test_unmark_removes_the_rows(setup: Any) -> None:
    ctx, uid = setup
    marks.mark(ctx, uid, ["603", "550", "680"], MovieStatus.SEEN)
    removed = marks.unmark(ctx, uid, ["603", "680"])
    assert [(m.tmdb_id, m.status, m.updated_at) for m in removed] == [
        (603, None, None), (680, None, None)]
    assert _rows(ctx, uid) == [(550, "seen")]


def test_unmark_of_a_movie_not_marked_removes_nothing(setup: Any) -> None:
    ctx, uid = setup
    marks.mark(ctx, uid, ["603"], MovieStatus.SEEN)
    with pytest.raises(NotFound, match=r"Fight Club \(1999\) is not in your list") as error:
        marks.unmark(ctx, uid, ["603", "550"])
    assert error.value.exit_code == 4
    assert _rows(ctx, uid) == [(603, "seen")]


def test_unmark_of_an_unknown_movie_removes_nothing(setup: Any) -> None:
    ctx, uid = setup
    marks.mark(ctx, uid, ["603"], MovieStatus.SEEN)
    with pytest.raises(NotFound, match="nothing was unmarked"):
        marks.unmark(ctx, uid, ["603", "31337"])
    assert _rows(ctx, uid) == [(603, "seen")]


# --------------------------------------------------------------------------- cascades


def test_deleting_a_user_or_a_movie_removes_its_marks(setup: Any) -> None:
    ctx, ada = setup
    bob = _add_user(ctx, "bob@example.com")
    marks.mark(ctx, ada, ["603", "550"], MovieStatus.SEEN)
    marks.mark(ctx, bob, ["603", "680"], MovieStatus.LATER)
    with ctx.db.write() as session:
        session.execute(sa.delete(User).where(User.id == bob))
    assert _rows(ctx) == [(550, "seen"), (603, "seen")]
    with ctx.db.write() as session:
        session.execute(sa.delete(Movie).where(Movie.tmdb_id == 603))
    assert _rows(ctx) == [(550, "seen")]
    with ctx.db.read() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(UserMovie)) == 1


# --------------------------------------------------------------------------- list


@pytest.fixture
def library(setup: Any) -> tuple[AppContext, int]:
    """Marked in this order (so `updated` sorts newest first): 603 550 680 194 129 19 777."""
    ctx, uid = setup
    for tmdb_id, status in [(603, "seen"), (550, "seen"), (680, "later"), (194, "later"),
                            (129, "not_interested"), (19, "seen"), (777, "later")]:
        marks.mark(ctx, uid, [str(tmdb_id)], status)
        time.sleep(0.002)
    return ctx, uid


def _ids(movies: list[MovieView]) -> list[int]:
    return [m.tmdb_id for m in movies]


def test_list_defaults_to_newest_first_with_status_and_time(library: Any) -> None:
    ctx, uid = library
    movies = marks.list_movies(ctx, uid)
    assert _ids(movies) == [777, 19, 129, 194, 680, 550, 603]
    assert all(m.status and m.updated_at for m in movies)
    data = movies[0].to_json(user_context=True)
    assert data["status"] == "later" and data["updated_at"].endswith("Z")


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"statuses": ["seen"]}, [19, 550, 603]),
        ({"statuses": ["later", MovieStatus.NOT_INTERESTED]}, [777, 129, 194, 680]),
        ({"genres": ["science fiction"]}, [19, 603]),
        ({"genres": ["Drame", "SCIENCE-FICTION"]}, [19]),  # French names; every genre given
        ({"genres": ["comédie"]}, [194]),
        ({"year_from": 1995, "year_to": 2001}, [129, 194, 550, 603]),
        ({"year_to": 1994}, [19, 680]),
        ({"min_rating": 8.7}, [680, 550, 603]),
        ({"language": "FR"}, [194]),
        ({"sort": "rating"}, [680, 550, 603, 129, 19, 194, 777]),
        ({"sort": "rating", "reverse": True}, [194, 19, 129, 603, 550, 680, 777]),
        ({"sort": "votes", "limit": 2}, [550, 680]),
        ({"sort": "year"}, [129, 194, 550, 603, 680, 19, 777]),
        ({"sort": "title"}, [194, 550, 19, 680, 129, 603, 777]),
        ({"sort": "updated", "reverse": True}, [603, 550, 680, 194, 129, 19, 777]),
        ({"statuses": ["seen"], "sort": "year", "limit": 1}, [550]),
    ],
)
def test_list_filters_and_sorts(library: Any, options: dict[str, Any],
                                expected: list[int]) -> None:
    ctx, uid = library
    assert _ids(marks.list_movies(ctx, uid, **options)) == expected


def test_list_title_sort_follows_the_language(library: Any) -> None:
    ctx, uid = library
    movies = marks.list_movies(ctx, uid, sort="title", lang="fr", statuses=["later", "seen"])
    assert [m.title("fr") for m in movies] == [
        "Fight Club", "Le Fabuleux Destin d'Amélie Poulain", "Matrix", "Metropolis",
        "Pulp Fiction", "Unrated Oddity"]


@pytest.mark.parametrize(
    ("options", "parameter", "message"),
    [
        ({"statuses": ["watched"]}, "statuses", "statuses: unknown status 'watched'"),
        ({"genres": ["Cooking"]}, "genres", "genres: unknown genre 'Cooking'"),
        ({"sort": "length"}, "sort", "sort: unknown sort 'length'"),
        ({"year_from": 2000, "year_to": 1990}, "year_from", "year_from 2000 is after year_to 1990"),
        ({"min_rating": 11}, "min_rating", "min_rating 11 is not between 0 and 10"),
        ({"limit": 0}, "limit", "limit must be at least 1"),
        ({"language": "english"}, "language", "language 'english' is not a language code"),
    ],
)
def test_list_rejects_bad_options(setup: Any, options: dict[str, Any], parameter: str,
                                  message: str) -> None:
    ctx, uid = setup
    with pytest.raises(UsageError) as info:
        marks.list_movies(ctx, uid, **options)
    assert info.value.parameter == parameter
    assert info.value.message.startswith(message)
    assert info.value.exit_code == 2


def test_list_rows_equal_the_orm_views(library: Any) -> None:
    ctx, uid = library
    listed = {m.id: m for m in marks.list_movies(ctx, uid)}
    with ctx.db.read() as session:
        rows = session.execute(sa.select(Movie, UserMovie).join(UserMovie)).all()
        expected = {m.id: movie_view(m, status=u.status, updated_at=u.updated_at)
                    for m, u in rows}
    assert listed == expected
    matrix = next(m for m in listed.values() if m.tmdb_id == 603)
    assert (matrix.genre_ids, matrix.status, matrix.title_fr) == ([28, 878], "seen", "Matrix")


def test_list_is_empty_for_a_new_user(setup: Any) -> None:
    ctx, uid = setup
    assert marks.list_movies(ctx, uid) == []


def test_list_runs_one_query_whatever_the_number_of_movies(library: Any) -> None:
    ctx, uid = library
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    sa.event.listen(ctx.db.engine, "before_cursor_execute", count)
    try:
        movies = marks.list_movies(ctx, uid, genres=["drama"], sort="rating")
        [m.to_json(user_context=True) for m in movies]
    finally:
        sa.event.remove(ctx.db.engine, "before_cursor_execute", count)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1, statements
    assert _ids(movies) == [550, 19]


# --------------------------------------------------------------------------- stats


def test_stats(library: Any) -> None:
    ctx, uid = library
    result = marks.stats(ctx, uid)
    assert result.counts == {"seen": 3, "later": 3, "not_interested": 1}
    assert result.total == 7
    # seen: The Matrix 8.7, Fight Club 8.8, Metropolis 8.3
    assert result.average_imdb_rating_seen == pytest.approx(8.6)
    assert result.rated_seen == 3
    top = [(g.genre, g.count) for g in result.top_genres]
    assert top[:2] == [("Drama", 2), ("Science Fiction", 2)]
    assert ("Action", 1) in top
    assert result.decades == {1920: 1, 1990: 2}
    assert result.years == {1927: 1, 1999: 2}
    data = result.to_json()
    assert data["total"] == 7
    assert data["decades"] == [{"decade": 1920, "count": 1}, {"decade": 1990, "count": 2}]
    assert data["top_genres"][0] == {"genre": "Drama", "genre_id": 18, "count": 2}
    assert data["last_updated"].endswith("Z")


def test_stats_of_a_new_user(setup: Any) -> None:
    ctx, uid = setup
    data = marks.stats(ctx, uid).to_json()
    assert data == {
        "total": 0, "counts": {"seen": 0, "later": 0, "not_interested": 0},
        "average_imdb_rating_seen": None, "rated_seen": 0, "top_genres": [],
        "decades": [], "years": [], "last_updated": None,
        "average_my_rating": None, "my_rated": 0, "viewings": 0, "viewings_per_year": [],
    }


def test_stats_counts_genres_stored_only_by_name(setup: Any) -> None:
    ctx, uid = setup
    with ctx.db.write() as session:
        session.execute(sa.update(Movie).where(Movie.tmdb_id == 550)
                        .values(genre_ids=[], genres=["Drama", "Cult"]))
    marks.mark(ctx, uid, ["550", "19"], MovieStatus.SEEN)
    top = {(g.genre, g.genre_id): g.count for g in marks.stats(ctx, uid).top_genres}
    assert top[("Drama", 18)] == 2
    assert top[("Cult", None)] == 1


# --------------------------------------------------------------------------- concurrency


def test_concurrent_marks_of_the_same_movie_leave_one_row(setup: Any) -> None:
    """Eight threads, each with its own context (own connections), upsert at once."""
    ctx, uid = setup
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def worker(status: str) -> None:
        own = AppContext()
        try:
            barrier.wait()
            marks.mark(own, uid, ["603", "550"], status)
        except BaseException as error:  # collected and asserted below
            errors.append(error)
        finally:
            own.close()

    statuses = ["seen", "later", "not_interested", "seen"] * 2
    threads = [threading.Thread(target=worker, args=(s,)) for s in statuses]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    rows = _rows(ctx, uid)
    assert [t for t, _ in rows] == [550, 603]
    assert all(s in ("seen", "later", "not_interested") for _, s in rows)
