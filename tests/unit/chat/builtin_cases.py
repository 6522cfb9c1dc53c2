"""Shared fixtures of the built-in assistant's tests: a small title index and movies."""

from __future__ import annotations

from mydw.services.chat.titles import TitleEntry, TitleIndex
from mydw.services.views import MovieView

ENTRIES = [
    TitleEntry(27205, "Inception", "Inception", 2010, 2_500_000),
    TitleEntry(194, "Amélie", "Le Fabuleux Destin d'Amélie Poulain", 2001, 800_000),
    TitleEntry(603, "The Matrix", "Matrix", 1999, 2_000_000),
    TitleEntry(949, "Heat", "Heat", 1995, 700_000),
    TitleEntry(438631, "Dune", "Dune", 2021, 900_000),
    TitleEntry(841, "Dune", "Dune", 1984, 200_000),
    TitleEntry(597, "Titanic", "Titanic", 1997, 1_200_000),
    TitleEntry(238, "The Godfather", "Le Parrain", 1972, 2_000_000),
    TitleEntry(78, "Blade Runner", "Blade Runner", 1982, 800_000),
    TitleEntry(335984, "Blade Runner 2049", "Blade Runner 2049", 2017, 600_000),
    TitleEntry(120, "The Lord of the Rings: The Fellowship of the Ring",
               "Le Seigneur des anneaux : La Communauté de l'anneau", 2001, 2_000_000),
    TitleEntry(121, "The Lord of the Rings: The Two Towers",
               "Le Seigneur des anneaux : Les Deux Tours", 2002, 1_800_000),
    TitleEntry(406, "La Haine", "La Haine", 1995, 190_000),
    TitleEntry(348, "Alien", "Alien, le huitième passager", 1979, 950_000),
]


def index() -> TitleIndex:
    return TitleIndex(ENTRIES)


def movie(tmdb_id: int, title: str, year: int | None = 2000, rating: float | None = 7.5, *,
          title_fr: str | None = None, status: str | None = None,
          genre_ids: tuple[int, ...] = (18,), overview: str | None = None) -> MovieView:
    return MovieView(
        id=tmdb_id, tmdb_id=tmdb_id, imdb_id=f"tt{tmdb_id:07d}", title_en=title,
        title_fr=title_fr or title, overview_en=overview, overview_fr=None, poster_url=None,
        trailer_en=None, trailer_fr=None, imdb_rating=rating, vote_count=1000,
        genres=["Drama"], genre_ids=list(genre_ids), release_year=year,
        original_language="en", cached_on=None, imdb_updated_on=None, status=status)
