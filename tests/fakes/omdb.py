"""FakeOmdb: answers like OMDb's ``/?apikey=…&i=tt…`` (made-up data).

OMDb semantics reproduced: every value is a string, "N/A" for missing values, votes
with thousands commas, ``{"Response":"False","Error":...}`` errors with HTTP 200 for
"no data" and HTTP 401 (JSON body) for key errors and "Request limit reached!".
Point ``OmdbClient(base_url=fake.url + "/")`` at it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from tests.fakes.server import FakeServer, RecordedRequest, Reply

FAKE_OMDB_API_KEY = "f00dface"


@dataclass(frozen=True)
class FakeOmdbTitle:
    imdb_id: str
    title: str
    year: str
    imdb_rating: str = "N/A"  # "7.6" or "N/A"
    imdb_votes: str = "N/A"  # "2,345,678" or "N/A"
    error: str | None = None  # force an answer like "Error getting data."


def default_titles() -> list[FakeOmdbTitle]:
    """Ratings for the ids of the default FakeTmdb catalogue (invented numbers)."""
    return [
        FakeOmdbTitle("tt9000001", "The Lighthouse Keeper", "1998", "7.3", "45,210"),
        FakeOmdbTitle("tt9000002", "The Lighthouse Keeper", "2019", "6.0", "12,004"),
        FakeOmdbTitle("tt9000003", "Burning Summer", "2004", "6.9", "3,877"),
        FakeOmdbTitle("tt9000004", "Quantum Orchard", "2021", "N/A", "N/A"),
        FakeOmdbTitle("tt9000005", "October Tides", "1987", "7.8", "9,120"),
        FakeOmdbTitle("tt9000006", "Midnight Paperwork", "2015", "6.4", "21,345"),
        FakeOmdbTitle("tt9000007", "The Cartographer's Daughter", "2011", "7.2", "2,345,678"),
        FakeOmdbTitle("tt9000008", "Absolute Zero", "2023", "6.7", "874"),
        FakeOmdbTitle("tt9000009", "Copper Canyon Run", "1972", "6.2", "1,002"),
        FakeOmdbTitle("tt9000011", "Garden of Quiet Machines", "2018", "8.1", "301,999"),
        FakeOmdbTitle("tt9000012", "A Very Long Intermission", "2009", "7.5", "95"),
    ]


_IMDB_ID = re.compile(r"tt\d{7,10}")


class FakeOmdb(FakeServer):
    """Fake OMDb. ``daily_limit``: after that many successful answers, every request
    gets 401 ``Request limit reached!`` (``reset_limit()`` starts a new day)."""

    name = "OMDb"

    def __init__(
        self,
        *,
        api_key: str = FAKE_OMDB_API_KEY,
        titles: Iterable[FakeOmdbTitle] | None = None,
        daily_limit: int | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(host, port)
        self.api_key = api_key
        self.daily_limit = daily_limit
        self.served = 0  # successful answers today
        self._titles_lock = threading.Lock()
        self._titles: dict[str, FakeOmdbTitle] = {}
        for t in default_titles() if titles is None else titles:
            self.add_title(t)

    def add_title(self, title: FakeOmdbTitle) -> FakeOmdbTitle:
        with self._titles_lock:
            self._titles[title.imdb_id] = title
        return title

    def reset_limit(self) -> None:
        with self._titles_lock:
            self.served = 0

    @staticmethod
    def error(message: str, status: int = 200) -> Reply:
        return Reply.json({"Response": "False", "Error": message}, status)

    def title_json(self, t: FakeOmdbTitle) -> dict[str, Any]:
        return {
            "Title": t.title,
            "Year": t.year,
            "Rated": "N/A",
            "Released": "N/A",
            "Runtime": "N/A",
            "Genre": "N/A",
            "Director": "N/A",
            "Writer": "N/A",
            "Actors": "N/A",
            "Plot": "N/A",
            "Language": "English",
            "Country": "N/A",
            "Awards": "N/A",
            "Poster": "N/A",
            "Ratings": (
                [{"Source": "Internet Movie Database", "Value": f"{t.imdb_rating}/10"}]
                if t.imdb_rating != "N/A"
                else []
            ),
            "Metascore": "N/A",
            "imdbRating": t.imdb_rating,
            "imdbVotes": t.imdb_votes,
            "imdbID": t.imdb_id,
            "Type": "movie",
            "DVD": "N/A",
            "BoxOffice": "N/A",
            "Production": "N/A",
            "Website": "N/A",
            "Response": "True",
        }

    def handle(self, request: RecordedRequest) -> Reply:
        params: Mapping[str, str] = request.params
        key = params.get("apikey")
        if not key:
            return self.error("No API key provided.", 401)
        if key != self.api_key:
            return self.error("Invalid API key!", 401)
        with self._titles_lock:
            if self.daily_limit is not None and self.served >= self.daily_limit:
                return self.error("Request limit reached!", 401)
            imdb_id = params.get("i")
            if imdb_id is None:
                return self.error("Incorrect IMDb ID.")
            if not _IMDB_ID.fullmatch(imdb_id):
                return self.error("Incorrect IMDb ID.")
            title = self._titles.get(imdb_id)
            if title is None:
                return self.error("Error getting data.")
            if title.error:
                return self.error(title.error)
            self.served += 1
            return Reply.json(self.title_json(title))
