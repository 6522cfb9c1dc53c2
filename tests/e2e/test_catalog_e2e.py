"""The installed `mydw show` over real HTTP to FakeTmdb and FakeOmdb on 127.0.0.1 (the rest
of search and show runs in-process: tests/cli/test_catalog_cli.py)."""

from __future__ import annotations

import pytest

from tests.conftest import Mydw
from tests.fakes.omdb import FAKE_OMDB_API_KEY, FakeOmdb
from tests.fakes.tmdb import FAKE_TMDB_API_KEY, FakeTmdb

pytestmark = pytest.mark.e2e


@pytest.fixture
def cli(mydw: Mydw, tmdb: FakeTmdb, omdb: FakeOmdb) -> Mydw:
    """The installed mydw pointed at the fakes, with short timeouts."""
    mydw.env.update(
        MYDW_TMDB_BASE_URL=tmdb.api_url,
        MYDW_TMDB_API_KEY=FAKE_TMDB_API_KEY,
        MYDW_OMDB_BASE_URL=omdb.url + "/",
        MYDW_OMDB_API_KEY=FAKE_OMDB_API_KEY,
        MYDW_HTTP_TIMEOUT="0.5",
    )
    return mydw


def test_repeated_show_makes_no_request(cli: Mydw, tmdb: FakeTmdb, omdb: FakeOmdb) -> None:
    first = cli.ok("show", "900007", "--json").json()
    assert first["imdb_rating"] == 7.2 and first["vote_count"] == 2345678
    assert tmdb.count("/3/movie/900007") == 1 and omdb.count() == 1  # en+fr at once, rating
    before = (tmdb.count(), omdb.count())
    for ref in ("900007", "tt9000007", "The Cartographer's Daughter", "la fille du cartographe"):
        again = cli.ok("show", ref, "--json")
        assert again.json() == first, ref
        assert again.stderr == ""
    cli.ok("show", "900007")  # the human view too
    assert (tmdb.count(), omdb.count()) == before

