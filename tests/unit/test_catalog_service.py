"""The catalog service against FakeTmdb / FakeOmdb on 127.0.0.1: what is stored, when it
asks upstream, and what happens when upstream fails."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, insert, select, update
from tests.fakes.omdb import FAKE_OMDB_API_KEY, FakeOmdb
from tests.fakes.tmdb import FAKE_TMDB_API_KEY, FAKE_TMDB_TOKEN, FakeMovie, FakeTmdb

from mydw.db.models import Movie, MovieCatalog, SearchCache, TmdbGenre, UserMovie
from mydw.domain.errors import (
    Ambiguous,
    InvalidInput,
    NotFound,
    RateLimited,
    UpstreamAuthError,
    UpstreamError,
    UsageError,
)
from mydw.domain.types import utcnow
from mydw.services import catalog
from mydw.services.context import AppContext
from mydw.services.views import MovieView


@pytest.fixture
def cat(  # the AppContext of a user with a TMDB key and an OMDb key
    home: Path, memory_keyring: Any, tmdb: FakeTmdb, omdb: FakeOmdb,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[AppContext]:
    monkeypatch.setenv("MYDW_TMDB_BASE_URL", tmdb.api_url)
    monkeypatch.setenv("MYDW_TMDB_API_KEY", FAKE_TMDB_API_KEY)
    monkeypatch.setenv("MYDW_OMDB_BASE_URL", omdb.url + "/")
    monkeypatch.setenv("MYDW_OMDB_API_KEY", FAKE_OMDB_API_KEY)
    monkeypatch.setenv("MYDW_HTTP_TIMEOUT", "0.5")
    ctx = AppContext()
    yield ctx
    ctx.close()


def _movie(ctx: AppContext, tmdb_id: int) -> Movie | None:
    with ctx.db.read() as session:
        movie: Movie | None = session.scalar(select(Movie).where(Movie.tmdb_id == tmdb_id))
        return movie


def _snapshot(ctx: AppContext) -> tuple[Any, ...]:
    with ctx.db.read() as session:
        return (
            session.execute(select(Movie).order_by(Movie.id)).scalars().all().__len__(),
            [tuple(r) for r in session.execute(
                select(Movie.tmdb_id, Movie.title_en, Movie.title_fr, Movie.imdb_rating)
                .order_by(Movie.id)
            )],
            [tuple(r) for r in session.execute(select(SearchCache.query_key))],
            [tuple(r) for r in session.execute(select(MovieCatalog.movie_id,
                                                      MovieCatalog.details_on))],
        )


# --------------------------------------------------------------------------- search


def test_search_stores_rows_in_the_chosen_language_with_english_genres(
    cat: AppContext, tmdb: FakeTmdb
) -> None:
    result = catalog.search(cat, "lighthouse")
    assert result.source == "tmdb" and result.notice is None and not result.from_search_cache
    assert [m.tmdb_id for m in result.movies] == [900002, 900001]  # TMDB's order
    first = result.movies[0]
    assert first.title_en == "The Lighthouse Keeper" and first.title_fr is None
    assert first.genres == ["Drama", "Thriller"] and first.genre_ids == [18, 53]
    assert first.release_year == 2019 and first.original_language == "en"
    assert first.poster_url == "https://image.tmdb.org/t/p/w500/fakeLighthouse2019.jpg"
    # Search results carry no IMDb data: those columns stay empty, never TMDB's votes.
    assert first.imdb_rating is None and first.vote_count is None
    assert first.imdb_updated_on is None
    assert tmdb.count("/3/genre/movie/list") == 1

    french = catalog.search(cat, "lighthouse", lang="fr")
    assert [m.title_fr for m in french.movies] == ["Le Gardien du phare"] * 2
    assert french.movies[0].title_en == "The Lighthouse Keeper"  # kept from the first search
    assert tmdb.last("/3/search/movie").param("language") == "fr-FR"  # type: ignore[union-attr]
    assert tmdb.count("/3/genre/movie/list") == 1  # fetched once, then read from the table


def test_same_search_within_the_freshness_window_makes_no_request(
    cat: AppContext, tmdb: FakeTmdb
) -> None:
    catalog.search(cat, "Lighthouse  keeper")
    before = tmdb.count()
    again = catalog.search(cat, "lighthouse keeper")  # case and spaces do not matter
    assert tmdb.count() == before
    assert again.from_search_cache and again.source == "tmdb"
    assert [m.tmdb_id for m in again.movies] == [900002, 900001]

    catalog.search(cat, "lighthouse keeper", refresh=True)
    assert tmdb.count("/3/search/movie") == 2

    with cat.db.write() as session:  # the window passes
        session.execute(update(SearchCache).values(fetched_on=utcnow() - timedelta(hours=25)))
    catalog.search(cat, "lighthouse keeper")
    assert tmdb.count("/3/search/movie") == 3


def test_freshness_setting_is_honoured(
    home: Path, memory_keyring: Any, tmdb: FakeTmdb, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MYDW_TMDB_BASE_URL", tmdb.api_url)
    monkeypatch.setenv("MYDW_TMDB_API_KEY", FAKE_TMDB_API_KEY)
    monkeypatch.setenv("MYDW_SEARCH_FRESHNESS", "0s")
    ctx = AppContext()
    try:
        catalog.search(ctx, "orchard")
        catalog.search(ctx, "orchard")
        assert tmdb.count("/3/search/movie") == 2
    finally:
        ctx.close()


def test_empty_french_overview_is_stored_as_null(cat: AppContext) -> None:
    result = catalog.search(cat, "quantum", lang="fr")
    movie = result.movies[0]
    assert movie.overview_fr is None and movie.overview_en is None
    assert movie.title_fr == "Quantum Orchard"  # TMDB's French answer (original title)


def test_limit_and_page_span_tmdb_pages_and_reuse_them(cat: AppContext, tmdb: FakeTmdb) -> None:
    for n in range(45):
        tmdb.add_movie(FakeMovie(800000 + n, f"Sequel {n:02d}", "en", "2001-01-01",
                                 f"Sequel {n:02d}", "Again.", popularity=100 - n))
    first = catalog.search(cat, "sequel", limit=30)
    assert [m.title_en for m in first.movies][:2] == ["Sequel 00", "Sequel 01"]
    assert len(first.movies) == 30 and first.total_results == 45
    assert tmdb.count("/3/search/movie") == 2  # TMDB pages 1 and 2
    second = catalog.search(cat, "sequel", limit=30, page=2)
    assert [m.title_en for m in second.movies] == [f"Sequel {n:02d}" for n in range(30, 45)]
    assert tmdb.count("/3/search/movie") == 3  # only TMDB page 3 was new
    beyond = catalog.search(cat, "sequel", limit=30, page=3)
    assert beyond.movies == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"query": "  "}, "empty"),
        ({"query": "x", "limit": 0}, "limit"),
        ({"query": "x", "limit": 101}, "limit"),
        ({"query": "x", "page": 0}, "page"),
        ({"query": "x", "year": 12}, "year"),
        ({"query": "x", "lang": "de"}, "language"),
    ],
)
def test_bad_search_input(cat: AppContext, tmdb: FakeTmdb, kwargs: dict[str, Any],
                          message: str) -> None:
    from mydw.domain.errors import MydwError

    with pytest.raises(MydwError, match=message) as caught:
        catalog.search(cat, **kwargs)
    assert not caught.value.message.startswith("--")  # services name parameters, not flags
    assert tmdb.count() == 0


def test_search_carries_the_users_status(cat: AppContext) -> None:
    from mydw.services import accounts

    user = accounts.signup(cat, first_name="Ada", last_name="L", email="ada@example.com",
                           password="correct horse")
    found = catalog.search(cat, "lighthouse")
    with cat.db.write() as session:
        session.add(UserMovie(user_id=user.id, movie_id=found.movies[1].id, status="seen"))
    again = catalog.search(cat, "lighthouse", user_id=user.id)
    assert [m.status for m in again.movies] == [None, "seen"]
    assert again.movies[1].to_json(user_context=True)["status"] == "seen"
    assert catalog.search(cat, "lighthouse").movies[1].status is None  # nobody given


# --------------------------------------------------------------------------- offline


def test_offline_search_is_accent_and_case_insensitive_in_both_languages(
    cat: AppContext, tmdb: FakeTmdb
) -> None:
    catalog.search(cat, "zero")
    catalog.search(cat, "summer")
    catalog.search(cat, "gardien", lang="fr")
    before = tmdb.count()
    for query, expected in [
        ("ZERO absolu", 900008),  # "Zéro Absolu"
        ("absolute", 900008),  # English title
        ("été BRULANT", 900003),  # original title (from the search result)
        ("gardien phare", 900002),  # French title, words in any position
    ]:
        result = catalog.search(cat, query, offline=True)
        assert result.source == "cache" and "offline" in (result.notice or "")
        assert expected in [m.tmdb_id for m in result.movies], query
    assert catalog.search(cat, "gardien", offline=True, year=1998).movies[0].tmdb_id == 900001
    assert catalog.search(cat, "nothing like this", offline=True).movies == []
    assert tmdb.count() == before


def test_offline_search_ranks_exact_titles_first(cat: AppContext, tmdb: FakeTmdb) -> None:
    tmdb.add_movie(FakeMovie(700001, "Zero Absolute Return", "en", "2024-01-01",
                             "Zero Absolute Return", "Again."))
    catalog.search(cat, "zero")
    catalog.search(cat, "absolu")
    result = catalog.search(cat, "zero absolu", offline=True)
    assert result.movies[0].tmdb_id == 900008


def test_offline_search_finds_movies_written_by_other_tools(cat: AppContext) -> None:
    cat.db.ensure_ready()
    with cat.db.write() as session:  # an importer writing the seed's table directly
        session.execute(insert(Movie).values(tmdb_id=5, title_en="Amélie", title_fr="Le Fabuleux "
                                             "Destin d'Amélie Poulain", release_year=2001))
    assert [m.tmdb_id for m in catalog.search(cat, "amelie", offline=True).movies] == [5]
    assert [m.tmdb_id for m in catalog.search(cat, "DESTIN", offline=True).movies] == [5]


def test_offline_query_with_like_wildcards_is_literal(cat: AppContext) -> None:
    catalog.search(cat, "lighthouse")
    assert catalog.search(cat, "%", offline=True).movies == []
    assert catalog.search(cat, "_", offline=True).movies == []


def test_without_a_key_the_cache_answers_or_the_error_says_how_to_set_one(
    cat: AppContext, tmdb: FakeTmdb, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog.search(cat, "lighthouse")
    monkeypatch.delenv("MYDW_TMDB_API_KEY")
    result = catalog.search(cat, "lighthouse keeper")  # not the same query: not fresh
    assert result.source == "cache"
    assert result.notice == (
        "TMDB unavailable (no API key configured); answered from the local cache"
    )
    assert {m.tmdb_id for m in result.movies} == {900001, 900002}
    with pytest.raises(UpstreamAuthError) as caught:
        catalog.search(cat, "orchard")
    assert "mydw config set tmdb-api-key" in (caught.value.hint or "")
    # A fresh answer needs no key at all.
    assert [m.tmdb_id for m in catalog.search(cat, "lighthouse").movies] == [900002, 900001]


def test_network_down_falls_back_to_the_cache(
    cat: AppContext, tmdb: FakeTmdb, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog.search(cat, "lighthouse")
    tmdb.fail_next(10, status=503)
    result = catalog.search(cat, "keeper")
    assert result.source == "cache" and "TMDB" in (result.notice or "")
    assert len(result.movies) == 2


# --------------------------------------------------------------------------- resolve


def test_tmdb_id_fetches_full_details_once(cat: AppContext, tmdb: FakeTmdb,
                                           omdb: FakeOmdb) -> None:
    movie = catalog.resolve_movie(cat, "900001")
    assert movie.title_en == "The Lighthouse Keeper"
    assert movie.title_fr == "Le Gardien du phare"
    assert movie.overview_fr is not None and movie.overview_fr.startswith("Sur une île")
    assert movie.imdb_id == "tt9000001"
    assert movie.trailer_en == "https://www.youtube.com/watch?v=LhK98enTr01"
    assert movie.trailer_fr == "https://www.youtube.com/watch?v=LhK98frTr01"
    assert movie.imdb_rating == 7.3 and movie.vote_count == 45210
    assert movie.imdb_updated_on is not None and movie.cached_on is not None
    languages = sorted(r.param("language") or "" for r in tmdb.requests)
    assert languages == ["en-US"]  # one request carries both languages (translations)
    assert omdb.count() == 1
    for ref in ("900001", "tmdb:900001", "tt9000001", "The Lighthouse Keeper"):
        again = catalog.resolve_movie(cat, ref, year=1998 if "Keeper" in ref else None)
        assert again == movie
    assert tmdb.count() == 1 and omdb.count() == 1


def test_trailer_rules(cat: AppContext) -> None:
    newest_official = catalog.resolve_movie(cat, "900002")
    assert newest_official.trailer_en == "https://www.youtube.com/watch?v=LhK19enNew0"
    assert newest_official.trailer_fr is None  # no French video: never an English one
    teaser = catalog.resolve_movie(cat, "900006")
    assert teaser.trailer_fr == "https://www.youtube.com/watch?v=MidPapFrTsr"
    youtube_only = catalog.resolve_movie(cat, "900008")
    assert youtube_only.trailer_fr == "https://www.youtube.com/watch?v=ZeroAbFrTr1"
    none = catalog.resolve_movie(cat, "900009")
    assert none.trailer_en is None and none.trailer_fr is None


def test_imdb_na_is_null_but_checked(cat: AppContext) -> None:
    movie = catalog.resolve_movie(cat, "tt9000004")
    assert movie.tmdb_id == 900004
    assert movie.imdb_rating is None and movie.vote_count is None
    assert movie.imdb_updated_on is not None
    assert movie.overview_fr is None  # TMDB answered "" in French


def test_without_an_omdb_key_ratings_stay_null(
    cat: AppContext, omdb: FakeOmdb, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MYDW_OMDB_API_KEY")
    movie = catalog.resolve_movie(cat, "900007")
    assert movie.imdb_rating is None and movie.imdb_updated_on is None
    assert omdb.count() == 0
    monkeypatch.setenv("MYDW_OMDB_API_KEY", FAKE_OMDB_API_KEY)
    filled = catalog.fill_imdb_rating(cat, 900007)
    assert filled.imdb_rating == 7.2 and filled.vote_count == 2345678
    assert filled.imdb_updated_on is not None


def test_omdb_failure_keeps_tmdb_details_and_warns(
    cat: AppContext, omdb: FakeOmdb, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setenv("MYDW_OMDB_API_KEY", "deadbeef")
    movie = catalog.resolve_movie(cat, "900005")
    assert movie.title_fr == "Les Marées d'Octobre" and movie.imdb_rating is None
    assert "IMDb rating not fetched" in caplog.text
    with pytest.raises(UpstreamAuthError):
        catalog.fill_imdb_rating(cat, 900005)


def test_omdb_daily_limit_is_not_fatal(cat: AppContext, omdb: FakeOmdb) -> None:
    omdb.daily_limit = 0
    movie = catalog.resolve_movie(cat, "900005")
    assert movie.imdb_rating is None and movie.imdb_updated_on is None
    with pytest.raises(RateLimited):
        catalog.fill_imdb_rating(cat, 900005)


def test_bearer_token_works(cat: AppContext, tmdb: FakeTmdb,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYDW_TMDB_API_KEY", FAKE_TMDB_TOKEN)
    assert catalog.resolve_movie(cat, "900003").title_en == "Burning Summer"
    assert tmdb.last().headers["authorization"] == f"Bearer {FAKE_TMDB_TOKEN}"  # type: ignore[union-attr]


def test_ambiguous_title_lists_candidates_or_asks(cat: AppContext, tmdb: FakeTmdb) -> None:
    with pytest.raises(Ambiguous) as caught:
        catalog.resolve_movie(cat, "the lighthouse keeper")
    assert caught.value.exit_code == 4
    assert [(c.label(), c.tmdb_id) for c in caught.value.candidates] == [
        ("The Lighthouse Keeper (2019)", 900002),
        ("The Lighthouse Keeper (1998)", 900001),
    ]
    assert caught.value.code == "ambiguous"
    assert caught.value.to_json()["candidates"][0]["tmdb_id"] == 900002
    offered: list[list[MovieView]] = []

    def pick_the_old_one(movies: list[MovieView]) -> MovieView | None:
        offered.append(movies)
        return next(m for m in movies if m.release_year == 1998)

    chosen = catalog.resolve_movie(cat, "The Lighthouse Keeper", choose=pick_the_old_one)
    assert chosen.tmdb_id == 900001 and chosen.trailer_en is not None
    assert len(offered[0]) == 2
    with pytest.raises(Ambiguous):
        catalog.resolve_movie(cat, "The Lighthouse Keeper", choose=lambda movies: None)
    assert catalog.resolve_movie(cat, "The Lighthouse Keeper", year=2019).tmdb_id == 900002


def test_title_in_french_and_partial_title(cat: AppContext, tmdb: FakeTmdb) -> None:
    assert catalog.resolve_movie(cat, "Les marées d'octobre").tmdb_id == 900005
    # Not an exact title, but one single TMDB result: that one.
    assert catalog.resolve_movie(cat, "cartographer").tmdb_id == 900007
    # Cached titles answer without searching again.
    searches = tmdb.count("/3/search/movie")
    assert catalog.resolve_movie(cat, "LES MAREES D'OCTOBRE").tmdb_id == 900005
    assert tmdb.count("/3/search/movie") == searches


def test_title_search_uses_the_lang_setting(cat: AppContext, tmdb: FakeTmdb) -> None:
    movie = catalog.resolve_movie(cat, "La Fille du cartographe", lang="fr")
    assert movie.tmdb_id == 900007
    assert tmdb.requests[0].param("language") == "fr-FR"


@pytest.mark.parametrize("ref", ["424242", "tt0000001", "No Such Movie At All"])
def test_unknown_movies_are_not_found(cat: AppContext, ref: str) -> None:
    with pytest.raises(NotFound):
        catalog.resolve_movie(cat, ref)
    assert _movie(cat, 424242) is None


def test_blank_reference_is_invalid(cat: AppContext, tmdb: FakeTmdb) -> None:
    with pytest.raises(InvalidInput):
        catalog.resolve_movie(cat, "   ")
    assert tmdb.count() == 0


@pytest.mark.parametrize(
    ("ref", "tmdb_id"),
    [
        ("https://www.themoviedb.org/movie/900003-ete-brulant", 900003),
        ("https://www.imdb.com/title/tt9000003/", 900003),
        ("TT9000003", 900003),
    ],
)
def test_references_in_url_form(cat: AppContext, ref: str, tmdb_id: int) -> None:
    assert catalog.resolve_movie(cat, ref).tmdb_id == tmdb_id


# --------------------------------------------------------------------------- failures


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"status": None, "truncate": True}, "not valid JSON"),
        ({"status": 500, "n": 5}, "having trouble"),
        ({"status": 429, "n": 5}, "too many"),
        ({"status": None, "delay": 1.0, "n": 5}, "did not answer in time"),
    ],
)
def test_failed_fetch_leaves_the_cache_unchanged(
    cat: AppContext, tmdb: FakeTmdb, fault: dict[str, Any], error: str
) -> None:
    catalog.search(cat, "orchard")
    before = _snapshot(cat)
    n = fault.pop("n", 1)
    tmdb.fail_next(n, path_prefix="/3/movie/", **fault)
    with pytest.raises(UpstreamError, match=error):
        catalog.resolve_movie(cat, "900001")
    assert _snapshot(cat) == before


def test_half_fetched_details_are_not_stored(cat: AppContext, tmdb: FakeTmdb) -> None:
    catalog.search(cat, "orchard")
    before = _snapshot(cat)
    calls = {"n": 0}
    original = tmdb.handle

    def second_call_truncated(request: Any) -> Any:
        reply = original(request)
        if request.path.startswith("/3/movie/"):
            calls["n"] += 1
            if calls["n"] == 1:  # the details (both languages: one request)
                reply.body = reply.body[: len(reply.body) // 2]
        return reply

    tmdb.handle = second_call_truncated  # type: ignore[method-assign]
    with pytest.raises(UpstreamError, match="not valid JSON"):
        catalog.resolve_movie(cat, "900001")
    assert calls["n"] == 1
    assert _snapshot(cat) == before


def test_a_cached_partial_row_is_shown_when_details_cannot_be_fetched(
    cat: AppContext, tmdb: FakeTmdb, caplog: pytest.LogCaptureFixture
) -> None:
    catalog.search(cat, "orchard")
    tmdb.fail_next(5, status=503)
    movie = catalog.resolve_movie(cat, "900004")
    assert movie.title_en == "Quantum Orchard" and movie.trailer_en is None
    assert "local cache" in caplog.text
    # Next time (TMDB back) the details are fetched.
    assert catalog.resolve_movie(cat, "900004").trailer_en is not None


def test_refused_key_is_an_auth_error(cat: AppContext, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYDW_TMDB_API_KEY", "0" * 32)
    with pytest.raises(UpstreamAuthError, match="refused"):
        catalog.search(cat, "orchard")
    assert _snapshot(cat)[0] == 0


# --------------------------------------------------------------------------- storing


def test_search_results_do_not_clobber_fetched_details(cat: AppContext, tmdb: FakeTmdb) -> None:
    full = catalog.resolve_movie(cat, "900003")
    tmdb.update_movie(900003, title_fr="Autre titre", overview_en="Changed upstream.")
    catalog.search(cat, "summer", lang="fr", refresh=True)
    catalog.search(cat, "summer", refresh=True)
    kept = catalog.resolve_movie(cat, "900003")
    assert kept == full


def test_store_summaries_keeps_order_and_returns_views(cat: AppContext) -> None:
    from mydw.clients.tmdb import TmdbClient

    with TmdbClient(FAKE_TMDB_API_KEY, base_url=cat.settings.tmdb_base_url) as client:
        page = client.discover(language="fr-FR")
    views = catalog.store_summaries(cat, page.results, lang="fr")
    assert [v.tmdb_id for v in views] == [s.tmdb_id for s in page.results]
    assert all(v.title_en is None and v.title_fr for v in views)
    assert catalog.store_summaries(cat, [], lang="fr") == []
    with cat.db.read() as session:
        assert session.scalar(select(func.count()).select_from(MovieCatalog)) == len(views)


def test_genre_list_falls_back_to_the_built_in_table(cat: AppContext, tmdb: FakeTmdb) -> None:
    tmdb.fail_next(5, status=500, path_prefix="/3/genre/")
    movie = catalog.search(cat, "intermission").movies[0]
    assert movie.genres == ["Documentary", "Music"]
    with cat.db.read() as session:
        assert session.scalar(select(func.count()).select_from(TmdbGenre)) == 0
    assert catalog.genre_labels(movie, "fr") == ["Documentaire", "Musique"]


def test_show_adds_the_status(cat: AppContext) -> None:
    from mydw.services import accounts

    user = accounts.signup(cat, first_name="Ada", last_name="L", email="ada@example.com",
                           password="correct horse")
    movie = catalog.show(cat, "900012", user_id=user.id)
    assert movie.status is None
    with cat.db.write() as session:
        session.add(UserMovie(user_id=user.id, movie_id=movie.id, status="later"))
    assert catalog.show(cat, "900012", user_id=user.id).status == "later"


@pytest.mark.fresh_database  # migrates from 0002 itself
def test_migration_backfills_existing_movies(ctx: AppContext) -> None:
    from alembic import command

    from mydw.db import migrate

    with ctx.db.engine.connect() as conn:
        command.upgrade(migrate._alembic_config(conn), "0002")
        conn.execute(insert(Movie).values(tmdb_id=1, title_en="Amélie", title_fr="Amélie"))
        conn.execute(insert(Movie).values(tmdb_id=2))
        conn.commit()
    ctx.db.ensure_ready()
    with ctx.db.read() as session:
        rows = dict(session.execute(select(Movie.tmdb_id, MovieCatalog.search_text).join(
            MovieCatalog, MovieCatalog.movie_id == Movie.id)).all())  # type: ignore[arg-type]
    assert rows == {1: "amelie", 2: ""}


def test_cli_chooser_prompts_with_a_numbered_list(
    cat: AppContext, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import typer

    from mydw.cli import output
    from mydw.cli.prompts import movie_chooser

    monkeypatch.setattr(output, "interactive", lambda: False)
    assert movie_chooser("en") is None  # no terminal: no prompt, Ambiguous instead

    answers = iter(["9", "x", "2"])
    monkeypatch.setattr(output, "interactive", lambda: True)
    monkeypatch.setattr(typer, "prompt", lambda *a, **k: next(answers))
    choose = movie_chooser("fr")
    assert choose is not None
    movie = catalog.resolve_movie(cat, "The Lighthouse Keeper", choose=choose)
    assert movie.tmdb_id == 900001  # the second one listed
    err = capsys.readouterr().err
    assert "1. The Lighthouse Keeper (2019) — tmdb:900002" in err  # no French title cached
    assert "2. The Lighthouse Keeper (1998) — tmdb:900001" in err
    assert "Type a number from 1 to 2." in err

    monkeypatch.setattr(typer, "prompt", lambda *a, **k: "")  # cancelled
    with pytest.raises(Ambiguous):
        catalog.resolve_movie(cat, "The Lighthouse Keeper", choose=movie_chooser("en"))


# --------------------------------------------------------------------------- references with a year


def test_a_year_in_the_reference_wins_over_the_year_argument(cat: AppContext) -> None:
    old = catalog.resolve_movie(cat, "The Lighthouse Keeper (1998)", year=2019)
    new = catalog.resolve_movie(cat, "the lighthouse keeper (2019)")
    assert (old.tmdb_id, new.tmdb_id) == (900001, 900002)
    assert catalog.resolve_movie(cat, "The Lighthouse Keeper", year=2019).tmdb_id == 900002
    assert catalog.resolve_movie(cat, "tmdb:900003", year=1900).tmdb_id == 900003


def test_candidates_of_an_ambiguous_title_are_labelled_title_and_year(cat: AppContext) -> None:
    with pytest.raises(Ambiguous) as info:
        catalog.resolve_movie(cat, "The Lighthouse Keeper")
    labels = sorted(c.label() for c in info.value.candidates)
    assert labels == ["The Lighthouse Keeper (1998)", "The Lighthouse Keeper (2019)"]
    assert info.value.hint is not None and '"The Lighthouse Keeper (' in info.value.hint


def test_an_implausible_year_in_the_reference_is_a_usage_error(cat: AppContext) -> None:
    with pytest.raises(UsageError) as info:
        catalog.resolve_movie(cat, "Dune (1200)")
    assert info.value.parameter == "year" and info.value.message.startswith("year 1200")


def test_search_with_no_result_says_the_year(cat: AppContext) -> None:
    result = catalog.search(cat, "lighthouse", year=1900)
    assert result.movies == []
    assert result.year == 1900
    assert result.empty_message == "no movie matches 'lighthouse' from 1900"
    assert catalog.search(cat, "nothing like it").empty_message == (
        "no movie matches 'nothing like it'"
    )


def test_offline_search_notice_has_one_wording(cat: AppContext) -> None:
    catalog.search(cat, "lighthouse")
    result = catalog.search(cat, "lighthouse", offline=True)
    assert result.notice == "TMDB unavailable (offline); answered from the local cache"


def test_unreachable_tmdb_notice_names_no_exception_class(
    cat: AppContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalog.search(cat, "lighthouse")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("MYDW_TMDB_BASE_URL", f"http://127.0.0.1:{port}/3")
    fresh = AppContext()
    try:
        result = catalog.search(fresh, "lighthouse keeper")
    finally:
        fresh.close()
    assert result.notice == "TMDB unavailable (no connection); answered from the local cache"
    assert "Error" not in result.notice
