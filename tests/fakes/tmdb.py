"""FakeTmdb: answers like TMDB API v3 (shapes of docs/upstream-apis.md) from made-up data.

Point a client at ``fake.api_url`` (``http://127.0.0.1:<port>/3``). The catalogue is
invented (no real TMDB data). Add movies with ``fake.add_movie(FakeMovie(...))``.
"""

from __future__ import annotations

import math
import re
import threading
import unicodedata
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from tests.fakes.server import FakeServer, RecordedRequest, Reply

FAKE_TMDB_API_KEY = "f00dfacef00dfacef00dfacef00dface"
FAKE_TMDB_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJteWR3LWZha2UifQ.ZmFrZS1zaWduYXR1cmU"
PAGE_SIZE = 20

GENRES_EN: dict[int, str] = {
    28: "Action", 12: "Adventure", 16: "Animation", 35: "Comedy", 80: "Crime",
    99: "Documentary", 18: "Drama", 10751: "Family", 14: "Fantasy", 36: "History",
    27: "Horror", 10402: "Music", 9648: "Mystery", 10749: "Romance", 878: "Science Fiction",
    10770: "TV Movie", 53: "Thriller", 10752: "War", 37: "Western",
}  # fmt: skip
GENRES_FR: dict[int, str] = {
    28: "Action", 12: "Aventure", 16: "Animation", 35: "Comédie", 80: "Crime",
    99: "Documentaire", 18: "Drame", 10751: "Familial", 14: "Fantastique", 36: "Histoire",
    27: "Horreur", 10402: "Musique", 9648: "Mystère", 10749: "Romance", 878: "Science-Fiction",
    10770: "Téléfilm", 53: "Thriller", 10752: "Guerre", 37: "Western",
}  # fmt: skip

INVALID_KEY_BODY = {
    "status_code": 7,
    "status_message": "Invalid API key: You must be granted a valid key.",
    "success": False,
}
NOT_FOUND_BODY = {
    "status_code": 34,
    "status_message": "The resource you requested could not be found.",
    "success": False,
}
INVALID_PAGE_BODY = {
    "status_code": 22,
    "status_message": "Invalid page: Pages start at 1 and max at 500. "
    "They are expected to be an integer.",
    "success": False,
}
INVALID_PARAMS_BODY = {
    "status_code": 5,
    "status_message": "Invalid parameters: Your request parameters are incorrect.",
    "success": False,
}


@dataclass(frozen=True)
class FakeVideo:
    key: str
    iso_639_1: str | None = "en"
    type: str = "Trailer"
    official: bool = True
    published_at: str = "2020-01-01T12:00:00.000Z"
    site: str = "YouTube"
    name: str = "Official Trailer"
    iso_3166_1: str = "US"
    size: int = 1080

    def to_json(self) -> dict[str, Any]:
        return {
            "iso_639_1": self.iso_639_1,
            "iso_3166_1": self.iso_3166_1,
            "name": self.name,
            "key": self.key,
            "site": self.site,
            "size": self.size,
            "type": self.type,
            "official": self.official,
            "published_at": self.published_at,
            "id": f"{zlib.crc32(self.key.encode()):08x}{self.size:04d}fake",
        }


@dataclass(frozen=True)
class FakeMovie:
    tmdb_id: int
    original_title: str
    original_language: str
    release_date: str  # "YYYY-MM-DD" or ""
    title_en: str
    overview_en: str
    title_fr: str | None = None  # None: French title falls back to the original title
    overview_fr: str | None = None  # None: no French overview → "" as TMDB does
    genre_ids: tuple[int, ...] = ()
    imdb_id: str | None = None
    poster_path: str | None = None
    videos: tuple[FakeVideo, ...] = ()
    vote_average: float = 0.0
    vote_count: int = 0
    popularity: float = 1.0
    runtime: int = 100
    tagline_en: str = ""
    tagline_fr: str = ""
    keyword_ids: tuple[int, ...] = ()  # ids of KEYWORDS
    directors: tuple[str, ...] = ()  # the appended `credits` crew with job "Director"

    @property
    def year(self) -> int | None:
        return int(self.release_date[:4]) if self.release_date else None


# Invented keyword ids and names (TMDB keywords are lowercase English words).
KEYWORDS: dict[int, str] = {
    970001: "lighthouse", 970002: "letter", 970003: "island", 970004: "remake",
    970005: "summer", 970006: "vineyard", 970007: "time travel", 970008: "time",
    970009: "secret", 970010: "fishing village", 970011: "office", 970012: "rivalry",
    970013: "map", 970014: "valley", 970015: "cold", 970016: "heist",
    970017: "haunted house", 970018: "haunted", 970019: "robot", 970020: "garden",
    970021: "orchestra", 970022: "power outage", 970023: "storm", 970024: "canyon",
}  # fmt: skip

_MOVIE_KEYWORDS: dict[int, tuple[int, ...]] = {
    900001: (970001, 970002, 970003, 970023),
    900002: (970001, 970002, 970004),
    900003: (970005, 970006),
    900004: (970007, 970008, 970020),
    900005: (970009, 970010, 970023),
    900006: (970011, 970012),
    900007: (970013, 970014),
    900008: (970015, 970008),
    900009: (970016, 970024, 970023),
    900010: (970017, 970018),
    900011: (970019, 970020),
    900012: (970021, 970022),
}


# Invented directors (two for 900006: co-directed; none for 900010: TMDB has no crew).
_MOVIE_DIRECTORS: dict[int, tuple[str, ...]] = {
    900001: ("Maren Holt",), 900002: ("Ines Okafor",), 900003: ("Claire Vidal",),
    900004: ("Tomas Reyes",), 900005: ("Yann Le Goff",), 900006: ("Ada Brooks", "Sam Brooks"),
    900007: ("Lena Fischer",), 900008: ("Paul Moreau",), 900009: ("Walt Hensley",),
    900011: ("Haru Sato",), 900012: ("Greta Lind",),
}  # fmt: skip


def _v(key: str, lang: str | None, kind: str = "Trailer", official: bool = True,
       published: str = "2020-01-01", name: str = "Trailer") -> FakeVideo:  # fmt: skip
    country = {"en": "US", "fr": "FR", None: "US"}.get(lang, "US")
    return FakeVideo(key, lang, kind, official, f"{published}T10:00:00.000Z", "YouTube", name,
                     country)  # fmt: skip


def default_catalogue() -> list[FakeMovie]:
    """~12 invented movies. Two share a title (remake); accents; one without French text.
    Each has a few keywords (`KEYWORDS`)."""
    return [replace(m, keyword_ids=_MOVIE_KEYWORDS.get(m.tmdb_id, ()),
                    directors=_MOVIE_DIRECTORS.get(m.tmdb_id, ())) for m in _catalogue()]


def _catalogue() -> list[FakeMovie]:
    return [
        FakeMovie(
            900001, "The Lighthouse Keeper", "en", "1998-03-13",
            "The Lighthouse Keeper",
            "A keeper on a storm-battered island starts receiving letters from a ship that sank "
            "forty years earlier.",
            "Le Gardien du phare",
            "Sur une île battue par les tempêtes, un gardien reçoit des lettres d'un navire "
            "disparu.",
            (18, 9648), "tt9000001", "/fakeLighthouse1998.jpg",
            (_v("LhK98enTr01", "en", published="1998-01-20", name="Official Trailer"),
             _v("LhK98frTr01", "fr", published="1998-02-02", name="Bande-annonce VF"),
             _v("LhK98teaser", "en", "Teaser", published="1997-11-01")),
            7.4, 3120, 21.5, 112,
        ),
        FakeMovie(
            900002, "The Lighthouse Keeper", "en", "2019-10-04",
            "The Lighthouse Keeper",
            "A modern retelling: a data engineer takes a remote lighthouse job and finds the "
            "letters again.",
            "Le Gardien du phare",
            "Une relecture moderne : une ingénieure accepte un poste isolé dans un phare.",
            (18, 53), "tt9000002", "/fakeLighthouse2019.jpg",
            (_v("LhK19enOld0", "en", official=True, published="2019-06-01"),
             _v("LhK19enNew0", "en", official=True, published="2019-09-01"),
             _v("LhK19enFan0", "en", official=False, published="2019-09-20"),
             _v("LhK19noLang", None, "Teaser", published="2019-05-01")),
            6.1, 845, 30.2, 104,
        ),
        FakeMovie(
            900003, "Été brûlant", "fr", "2004-07-21",
            "Burning Summer",
            "Three cousins spend a scorching summer restoring their grandmother's vineyard.",
            "Été brûlant",
            "Trois cousins passent un été caniculaire à restaurer le vignoble de leur "
            "grand-mère.",
            (18, 10749), "tt9000003", "/fakeEteBrulant.jpg",
            (_v("EteBrFrTr01", "fr", published="2004-05-10", name="Bande-annonce"),
             _v("EteBrEnTr01", "en", official=False, published="2005-01-10")),
            6.8, 1500, 12.0, 97,
        ),
        FakeMovie(
            900004, "Quantum Orchard", "en", "2021-02-26",
            "Quantum Orchard",
            "Botanists discover that an orchard's apples ripen in every possible timeline at once.",
            None, None,
            (878,), "tt9000004", "/fakeQuantumOrchard.jpg",
            (_v("QOrchEnTr01", "en", published="2020-12-01"),),
            5.9, 410, 8.3, 95,
        ),
        FakeMovie(
            900005, "Les Marées d'Octobre", "fr", "1987-10-14",
            "October Tides",
            "In a Breton fishing town, a harbour master keeps a secret for thirty autumns.",
            "Les Marées d'Octobre",
            "Dans un port breton, une capitaine garde un secret pendant trente automnes.",
            (18, 36), "tt9000005", "/fakeMarees.jpg",
            (_v("MareeFrTr01", "fr", published="1987-09-01"),),
            7.9, 2210, 9.1, 121,
        ),
        FakeMovie(
            900006, "Midnight Paperwork", "en", "2015-04-17",
            "Midnight Paperwork",
            "Two rival accountants are locked in the office overnight during tax season.",
            "Paperasse de minuit",
            "Deux comptables rivaux sont enfermés au bureau pendant la nuit des impôts.",
            (35,), "tt9000006", "/fakeMidnightPaperwork.jpg",
            (_v("MidPapEnTr1", "en", published="2015-02-01"),
             _v("MidPapFrTsr", "fr", "Teaser", published="2015-03-01")),
            6.5, 980, 14.7, 92,
        ),
        FakeMovie(
            900007, "The Cartographer's Daughter", "en", "2011-11-23",
            "The Cartographer's Daughter",
            "A young mapmaker follows her father's unfinished map into a valley that moves.",
            "La Fille du cartographe",
            "Une jeune cartographe suit la carte inachevée de son père vers une vallée mouvante.",
            (12, 14), "tt9000007", "/fakeCartographer.jpg",
            (_v("CartoEnTr01", "en", published="2011-08-01"),
             _v("CartoFrTr01", "fr", official=False, published="2011-10-01")),
            7.1, 5400, 40.5, 131,
        ),
        FakeMovie(
            900008, "Zéro Absolu", "fr", "2023-03-08",
            "Absolute Zero",
            "A physicist races to stop a cold front that freezes time along with water.",
            "Zéro Absolu",
            "Une physicienne tente d'arrêter un front froid qui gèle le temps avec l'eau.",
            (878, 53), "tt9000008", "/fakeZeroAbsolu.jpg",
            (_v("ZeroAbFrTr1", "fr", published="2023-01-15"),
             _v("ZeroAbEnTr1", "en", published="2023-02-01"),
             replace(_v("ZeroAbVimeo", "fr", published="2023-02-20"), site="Vimeo")),
            6.9, 760, 55.0, 108,
        ),
        FakeMovie(
            900009, "Copper Canyon Run", "en", "1972-06-30",
            "Copper Canyon Run",
            "A stagecoach driver and a fugitive telegraphist cross the canyon before the storm.",
            "La Course du canyon de cuivre",
            "Un cocher et une télégraphiste en fuite traversent le canyon avant l'orage.",
            (37, 28), "tt9000009", "/fakeCopperCanyon.jpg",
            (),
            6.3, 220, 3.2, 99,
        ),
        FakeMovie(
            900010, "Small Hours", "en", "",
            "Small Hours",
            "Something knocks on every door of the building at 3:12 a.m.",
            "Petites Heures",
            "Quelque chose frappe à toutes les portes de l'immeuble à 3 h 12.",
            (27,), None, None,
            (),
            0.0, 0, 0.6, 0,
        ),
        FakeMovie(
            900011, "静かな機械の庭", "ja", "2018-08-10",
            "Garden of Quiet Machines",
            "A girl and a retired gardening robot tend the last garden of a sleeping city.",
            "Le Jardin des machines silencieuses",
            "Une fillette et un robot jardinier à la retraite entretiennent le dernier jardin.",
            (16, 10751), "tt9000011", "/fakeQuietMachines.jpg",
            (_v("QuietMJaTr1", "ja", published="2018-05-01"),
             _v("QuietMEnTr1", "en", published="2018-07-01")),
            8.2, 12800, 66.6, 88,
        ),
        FakeMovie(
            900012, "A Very Long Intermission", "en", "2009-09-09",
            "A Very Long Intermission",
            "A documentary about the orchestra that played through a 14-hour power cut.",
            "Un très long entracte",
            "Un documentaire sur l'orchestre qui a joué pendant une panne de 14 heures.",
            (99, 10402), "tt9000012", "/fakeIntermission.jpg",
            (_v("IntermEnCl1", "en", "Clip", published="2009-09-01"),),
            7.7, 150, 2.4, 76,
        ),
    ]  # fmt: skip


def normalize(text: str) -> str:
    """Case- and accent-insensitive form used for matching."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _lang(language: str | None) -> str:
    return (language or "en-US").split("-")[0].lower()


class FakeTmdb(FakeServer):
    """Fake TMDB v3. ``appended_ids``: whether appended objects carry their own "id"."""

    name = "TMDB"

    def __init__(
        self,
        *,
        api_key: str = FAKE_TMDB_API_KEY,
        bearer_token: str = FAKE_TMDB_TOKEN,
        movies: Iterable[FakeMovie] | None = None,
        appended_ids: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        super().__init__(host, port)
        self.api_key = api_key
        self.bearer_token = bearer_token
        self.appended_ids = appended_ids
        self._movies_lock = threading.Lock()
        self._movies: dict[int, FakeMovie] = {}
        for movie in default_catalogue() if movies is None else movies:
            self.add_movie(movie)

    @property
    def api_url(self) -> str:
        return self.url + "/3"

    # -- catalogue -------------------------------------------------------------------
    def add_movie(self, movie: FakeMovie) -> FakeMovie:
        with self._movies_lock:
            self._movies[movie.tmdb_id] = movie
        return movie

    def update_movie(self, tmdb_id: int, **changes: Any) -> FakeMovie:
        with self._movies_lock:
            movie = replace(self._movies[tmdb_id], **changes)
            self._movies[tmdb_id] = movie
        return movie

    def remove_movie(self, tmdb_id: int) -> None:
        with self._movies_lock:
            self._movies.pop(tmdb_id, None)

    @property
    def movies(self) -> list[FakeMovie]:
        with self._movies_lock:
            return list(self._movies.values())

    def movie(self, tmdb_id: int) -> FakeMovie | None:
        with self._movies_lock:
            return self._movies.get(tmdb_id)

    # -- rendering -------------------------------------------------------------------
    @staticmethod
    def localized(movie: FakeMovie, language: str | None) -> tuple[str, str]:
        lang = _lang(language)
        if lang == "en":
            return movie.title_en, movie.overview_en
        if lang == "fr":
            return movie.title_fr or movie.original_title, movie.overview_fr or ""
        return movie.original_title, ""

    def summary_json(
        self, movie: FakeMovie, language: str | None, *, media_type: bool = False
    ) -> dict[str, Any]:
        title, overview = self.localized(movie, language)
        item: dict[str, Any] = {
            "adult": False,
            "backdrop_path": movie.poster_path.replace(".jpg", "_bd.jpg")
            if movie.poster_path
            else None,
            "genre_ids": list(movie.genre_ids),
            "id": movie.tmdb_id,
            "original_language": movie.original_language,
            "original_title": movie.original_title,
            "overview": overview,
            "popularity": movie.popularity,
            "poster_path": movie.poster_path,
            "release_date": movie.release_date,
            "title": title,
            "video": False,
            "vote_average": movie.vote_average,
            "vote_count": movie.vote_count,
        }
        if media_type:
            item["media_type"] = "movie"
        return item

    def _translations(self, movie: FakeMovie) -> list[dict[str, Any]]:
        out = [
            {
                "iso_3166_1": "US",
                "iso_639_1": "en",
                "name": "English",
                "english_name": "English",
                "data": {
                    "homepage": "",
                    "overview": movie.overview_en,
                    "runtime": movie.runtime,
                    "tagline": movie.tagline_en,
                    "title": "" if movie.title_en == movie.original_title else movie.title_en,
                },
            }
        ]
        if movie.title_fr is not None or movie.overview_fr is not None:
            title_fr = movie.title_fr or ""
            out.append(
                {
                    "iso_3166_1": "FR",
                    "iso_639_1": "fr",
                    "name": "Français",
                    "english_name": "French",
                    "data": {
                        "homepage": "",
                        "overview": movie.overview_fr or "",
                        "runtime": movie.runtime,
                        "tagline": movie.tagline_fr,
                        "title": "" if title_fr == movie.original_title else title_fr,
                    },
                }
            )
        return out

    def _external_ids(self, movie: FakeMovie) -> dict[str, Any]:
        return {
            "imdb_id": movie.imdb_id,
            "wikidata_id": None,
            "facebook_id": None,
            "instagram_id": None,
            "twitter_id": None,
        }

    def _videos(self, movie: FakeMovie, request: RecordedRequest) -> list[dict[str, Any]]:
        include = request.param("include_video_language")
        allowed: set[str | None]
        if include:
            allowed = {
                None if x.strip() == "null" else x.strip().lower() for x in include.split(",")
            }
        else:
            allowed = {_lang(request.param("language"))}
        return [v.to_json() for v in movie.videos if v.iso_639_1 in allowed]

    def details_json(self, movie: FakeMovie, request: RecordedRequest) -> dict[str, Any]:
        language = request.param("language")
        lang = _lang(language)
        names = GENRES_FR if lang == "fr" else GENRES_EN
        title, overview = self.localized(movie, language)
        body: dict[str, Any] = {
            "adult": False,
            "backdrop_path": None,
            "belongs_to_collection": None,
            "budget": 0,
            "genres": [{"id": g, "name": names.get(g, "?")} for g in movie.genre_ids],
            "homepage": "",
            "id": movie.tmdb_id,
            "imdb_id": movie.imdb_id or "",
            "origin_country": ["FR"] if movie.original_language == "fr" else ["US"],
            "original_language": movie.original_language,
            "original_title": movie.original_title,
            "overview": overview,
            "popularity": movie.popularity,
            "poster_path": movie.poster_path,
            "production_companies": [],
            "production_countries": [],
            "release_date": movie.release_date,
            "revenue": 0,
            "runtime": movie.runtime,
            "spoken_languages": [],
            "status": "Released",
            "tagline": movie.tagline_fr if lang == "fr" else movie.tagline_en,
            "title": title,
            "video": False,
            "vote_average": movie.vote_average,
            "vote_count": movie.vote_count,
        }
        append = [a.strip() for a in (request.param("append_to_response") or "").split(",")]
        extra: dict[str, Any] = {"id": movie.tmdb_id} if self.appended_ids else {}
        if "videos" in append:
            body["videos"] = {**extra, "results": self._videos(movie, request)}
        if "external_ids" in append:
            body["external_ids"] = {**extra, **self._external_ids(movie)}
        if "translations" in append:
            body["translations"] = {**extra, "translations": self._translations(movie)}
        if "credits" in append:
            body["credits"] = {**extra, "cast": [], "crew": self._crew(movie)}
        return body

    @staticmethod
    def _crew(movie: FakeMovie) -> list[dict[str, Any]]:
        """TMDB's crew shape: a writer next to each director, as real answers have."""
        crew: list[dict[str, Any]] = []
        for n, name in enumerate(movie.directors):
            crew.append({"id": movie.tmdb_id * 10 + n, "name": name, "job": "Director",
                         "department": "Directing", "known_for_department": "Directing"})
            crew.append({"id": movie.tmdb_id * 10 + 5 + n, "name": f"{name} Jr.",
                         "job": "Screenplay", "department": "Writing"})
        return crew

    # -- routing ---------------------------------------------------------------------
    def _authorized(self, request: RecordedRequest) -> bool:
        if request.param("api_key") is not None:
            return request.param("api_key") == self.api_key
        return request.headers.get("authorization") == f"Bearer {self.bearer_token}"

    @staticmethod
    def _page(request: RecordedRequest) -> int | None:
        raw = request.param("page", "1") or "1"
        try:
            page = int(raw)
        except ValueError:
            return None
        return page if 1 <= page <= 500 else None

    def _paginated(
        self, movies: list[FakeMovie], page: int, language: str | None
    ) -> dict[str, Any]:
        start = (page - 1) * PAGE_SIZE
        chunk = movies[start : start + PAGE_SIZE]
        return {
            "page": page,
            "results": [self.summary_json(m, language) for m in chunk],
            "total_pages": math.ceil(len(movies) / PAGE_SIZE),
            "total_results": len(movies),
        }

    def handle(self, request: RecordedRequest) -> Reply:
        if not self._authorized(request):
            return Reply.json(INVALID_KEY_BODY, 401)
        path = request.path.rstrip("/")
        language = request.param("language")
        if path == "/3/search/movie":
            return self._search(request)
        if path == "/3/discover/movie":
            return self._discover(request)
        if path == "/3/search/keyword":
            return self._search_keyword(request)
        if path == "/3/genre/movie/list":
            names = GENRES_FR if _lang(language or "en") == "fr" else GENRES_EN
            return Reply.json({"genres": [{"id": i, "name": n} for i, n in names.items()]})
        m = re.fullmatch(r"/3/find/([^/]+)", path)
        if m:
            if request.param("external_source") != "imdb_id":
                return Reply.json(INVALID_PARAMS_BODY, 422)
            found = [mv for mv in self.movies if mv.imdb_id == m.group(1)]
            return Reply.json(
                {
                    "movie_results": [
                        self.summary_json(mv, language, media_type=True) for mv in found
                    ],
                    "person_results": [],
                    "tv_results": [],
                    "tv_episode_results": [],
                    "tv_season_results": [],
                }
            )
        m = re.fullmatch(r"/3/movie/(\d+)(/external_ids|/recommendations)?", path)
        if m:
            movie = self.movie(int(m.group(1)))
            if movie is None:
                return Reply.json(NOT_FOUND_BODY, 404)
            if m.group(2) == "/external_ids":
                return Reply.json({"id": movie.tmdb_id, **self._external_ids(movie)})
            if m.group(2) == "/recommendations":
                return self._recommendations(movie, request)
            return Reply.json(self.details_json(movie, request))
        return Reply.json(NOT_FOUND_BODY, 404)

    def _query_and_page(self, request: RecordedRequest) -> tuple[str, int] | Reply:
        """A search's `query` and `page`, or TMDB's answer to a missing query / bad page."""
        query = (request.param("query") or "").strip()
        if not query:
            return Reply.json({"errors": ["query must be provided"]}, 422)
        page = self._page(request)
        if page is None:
            return Reply.json(INVALID_PAGE_BODY, 400)
        return query, page

    def _search(self, request: RecordedRequest) -> Reply:
        checked = self._query_and_page(request)
        if isinstance(checked, Reply):
            return checked
        query, page = checked
        needle = normalize(query)
        year = request.param("primary_release_year") or request.param("year")
        hits = []
        for movie in self.movies:
            haystacks = [movie.title_en, movie.original_title, movie.title_fr or ""]
            if not any(needle in normalize(h) for h in haystacks):
                continue
            if year and str(movie.year) != year.strip():
                continue
            hits.append(movie)
        hits.sort(key=lambda mv: (-mv.popularity, mv.tmdb_id))
        return Reply.json(self._paginated(hits, page, request.param("language")))

    def recommended(self, movie: FakeMovie) -> list[FakeMovie]:
        """What the fake recommends after `movie`: every other movie sharing a genre or a
        keyword, most shared first, then the most popular."""

        def shared(other: FakeMovie) -> int:
            return len(set(other.genre_ids) & set(movie.genre_ids)) + len(
                set(other.keyword_ids) & set(movie.keyword_ids)
            )

        found = [mv for mv in self.movies if mv.tmdb_id != movie.tmdb_id and shared(mv)]
        found.sort(key=lambda mv: (-shared(mv), -mv.popularity, mv.tmdb_id))
        return found

    def _recommendations(self, movie: FakeMovie, request: RecordedRequest) -> Reply:
        page = self._page(request)
        if page is None:
            return Reply.json(INVALID_PAGE_BODY, 400)
        body = self._paginated(self.recommended(movie), page, request.param("language"))
        for item in body["results"]:
            item["media_type"] = "movie"  # as TMDB's recommendations carry it
        return Reply.json(body)

    def _search_keyword(self, request: RecordedRequest) -> Reply:
        checked = self._query_and_page(request)
        if isinstance(checked, Reply):
            return checked
        query, page = checked
        needle = normalize(query)
        hits = sorted((kid, name) for kid, name in KEYWORDS.items() if needle in normalize(name))
        start = (page - 1) * PAGE_SIZE
        return Reply.json({
            "page": page,
            "results": [{"id": kid, "name": name} for kid, name in hits[start:start + PAGE_SIZE]],
            "total_pages": math.ceil(len(hits) / PAGE_SIZE),
            "total_results": len(hits),
        })

    def _discover(self, request: RecordedRequest) -> Reply:
        page = self._page(request)
        if page is None:
            return Reply.json(INVALID_PAGE_BODY, 400)
        movies = self.movies
        if genres := request.param("with_genres"):
            movies = [mv for mv in movies if _ids_match(genres, mv.genre_ids)]
        if without := request.param("without_genres"):  # none of them (comma or pipe)
            none_of = _ids(without)
            movies = [mv for mv in movies if not none_of & set(mv.genre_ids)]
        vote_avg = request.param("vote_average.gte")
        if vote_avg:
            movies = [mv for mv in movies if mv.vote_average >= float(vote_avg)]
        vote_cnt = request.param("vote_count.gte")
        if vote_cnt:
            movies = [mv for mv in movies if mv.vote_count >= float(vote_cnt)]
        date_gte = request.param("primary_release_date.gte")
        if date_gte:
            movies = [mv for mv in movies if mv.release_date and mv.release_date >= date_gte]
        date_lte = request.param("primary_release_date.lte")
        if date_lte:
            movies = [mv for mv in movies if mv.release_date and mv.release_date <= date_lte]
        if keywords := request.param("with_keywords"):
            movies = [mv for mv in movies if _ids_match(keywords, mv.keyword_ids)]
        orig = request.param("with_original_language")
        if orig:
            movies = [mv for mv in movies if mv.original_language == orig]
        sort_by = request.param("sort_by") or "popularity.desc"
        field_name, _, order = sort_by.partition(".")
        keys = {
            "popularity": lambda mv: mv.popularity,
            "vote_average": lambda mv: mv.vote_average,
            "vote_count": lambda mv: mv.vote_count,
            "primary_release_date": lambda mv: mv.release_date,
            "title": lambda mv: normalize(mv.title_en),
            "original_title": lambda mv: normalize(mv.original_title),
        }
        key = keys.get(field_name, keys["popularity"])
        movies.sort(key=lambda mv: mv.tmdb_id)
        movies.sort(key=key, reverse=(order != "asc"))
        return Reply.json(self._paginated(movies, page, request.param("language")))


def _ids(value: str) -> set[int]:
    return {int(i) for i in value.replace("|", ",").split(",") if i}


def _ids_match(value: str, have: Sequence[int]) -> bool:
    """TMDB's convention for id lists: `a|b` any of them, `a,b` all of them."""
    wanted = _ids(value)
    return bool(wanted & set(have)) if "|" in value else wanted <= set(have)


__all__ = [
    "FAKE_TMDB_API_KEY",
    "FAKE_TMDB_TOKEN",
    "GENRES_EN",
    "GENRES_FR",
    "KEYWORDS",
    "FakeMovie",
    "FakeTmdb",
    "FakeVideo",
    "default_catalogue",
    "normalize",
]

