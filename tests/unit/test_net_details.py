"""A movie's details in one TMDB call (append_to_response carries videos, translations and
external ids): what is stored is what two calls (English, French) stored before."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from tests.fakes.omdb import FAKE_OMDB_API_KEY, FakeOmdb
from tests.fakes.tmdb import FAKE_TMDB_API_KEY, FakeMovie, FakeTmdb, _v

from mydw.db.models import Movie
from mydw.services import catalog
from mydw.services.context import AppContext

YT = "https://www.youtube.com/watch?v="


@pytest.fixture
def ctx(home: Path, memory_keyring: Any, tmdb: FakeTmdb, omdb: FakeOmdb,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[AppContext]:
    monkeypatch.setenv("MYDW_TMDB_BASE_URL", tmdb.api_url)
    monkeypatch.setenv("MYDW_TMDB_API_KEY", FAKE_TMDB_API_KEY)
    monkeypatch.setenv("MYDW_OMDB_BASE_URL", omdb.url + "/")
    monkeypatch.setenv("MYDW_OMDB_API_KEY", FAKE_OMDB_API_KEY)
    context = AppContext()
    yield context
    context.close()


def _row(ctx: AppContext, tmdb_id: int) -> Movie:
    with ctx.db.read() as session:
        movie = session.scalar(select(Movie).where(Movie.tmdb_id == tmdb_id))
        assert movie is not None
        return movie


@pytest.mark.parametrize(("tmdb_id", "title_fr", "overview_fr", "trailer_en", "trailer_fr"), [
    (900001, "Le Gardien du phare", "Sur une île battue par les tempêtes, un gardien reçoit "
     "des lettres d'un navire disparu.", YT + "LhK98enTr01", YT + "LhK98frTr01"),
    # no French text: the original title, no overview (never English), no French trailer
    (900004, "Quantum Orchard", None, YT + "QOrchEnTr01", None),
    # a French original: its title in French; the English trailer is not official
    (900003, "Été brûlant", "Trois cousins passent un été caniculaire à restaurer le vignoble "
     "de leur grand-mère.", YT + "EteBrEnTr01", YT + "EteBrFrTr01"),
    # a video with no language counts as English only
    (900002, "Le Gardien du phare", "Une relecture moderne : une ingénieure accepte un poste "
     "isolé dans un phare.", YT + "LhK19enNew0", None),
])
def test_show_asks_tmdb_once_and_stores_both_languages(
    ctx: AppContext, tmdb: FakeTmdb, omdb: FakeOmdb, tmdb_id: int, title_fr: str,
    overview_fr: str | None, trailer_en: str, trailer_fr: str | None,
) -> None:
    view = catalog.show(ctx, str(tmdb_id), lang="en")
    assert tmdb.count() == 1
    assert tmdb.count(f"/3/movie/{tmdb_id}") == 1
    assert omdb.count() == 1
    movie = _row(ctx, tmdb_id)
    fake = tmdb.movie(tmdb_id)
    assert fake is not None
    assert (movie.title_en, movie.overview_en) == (fake.title_en, fake.overview_en)
    assert (movie.title_fr, movie.overview_fr) == (title_fr, overview_fr)
    assert (movie.trailer_en, movie.trailer_fr) == (trailer_en, trailer_fr)
    assert movie.imdb_id == fake.imdb_id
    assert movie.genres
    assert movie.imdb_updated_on is not None  # OMDb was asked (900004 has no rating)
    assert view.title_en == fake.title_en


def test_a_french_translation_of_another_country_is_used_when_france_has_none(
    ctx: AppContext, tmdb: FakeTmdb,
) -> None:
    class Quebec(FakeTmdb):
        def _translations(self, movie: FakeMovie) -> list[dict[str, Any]]:
            out = super()._translations(movie)
            for t in out:
                if t["iso_639_1"] == "fr":
                    t["iso_3166_1"] = "CA"
            return out

    tmdb.__class__ = Quebec
    tmdb.add_movie(FakeMovie(960100, "Snowbound", "en", "2001-01-01", "Snowbound",
                             "Stuck in the snow.", "Pris dans la neige", "Coincés.",
                             (18,), "tt9600100", None, (_v("SnowFr00001", "fr"),)))
    catalog.show(ctx, "960100", lang="fr")
    movie = _row(ctx, 960100)
    assert (movie.title_fr, movie.overview_fr) == ("Pris dans la neige", "Coincés.")
    assert movie.trailer_fr == YT + "SnowFr00001"
    assert tmdb.count("/3/movie/960100") == 1
