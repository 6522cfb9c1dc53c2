"""Which of TMDB's videos is a movie's trailer (a product choice, not TMDB's)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from mydw.clients.tmdb.models import TmdbVideo, language_code

YOUTUBE_WATCH_URL = "https://www.youtube.com/watch?v="


def _rank(video: TmdbVideo) -> tuple[int, int]:
    type_rank = 0 if video.type == "Trailer" else 1
    official_rank = 0 if video.official else 1
    return (type_rank, official_rank)


def pick_trailer(
    videos: Iterable[TmdbVideo],
    language: str,
    *,
    fallback_languages: Sequence[str] = (),
) -> str | None:
    """YouTube watch URL of the best trailer in ``language`` ("fr", "fr-FR"...), or None.

    Only YouTube videos of type Trailer or Teaser are considered. Ranking: Trailer before
    Teaser, official before unofficial, then newest ``published_at``. For English, videos
    with no language (``iso_639_1`` null) count as English. Other languages are strict
    (a French request never returns an English trailer) unless ``fallback_languages``
    (e.g. ``["en"]``) is given: those are tried in order when nothing fits.
    """
    candidates = [
        v for v in videos if v.site == "YouTube" and v.type in ("Trailer", "Teaser") and v.key
    ]
    for lang in [language, *fallback_languages]:
        code = language_code(lang)
        accepted: set[str | None] = {code}
        if code == "en":
            accepted.add(None)
        matching = [v for v in candidates if (v.iso_639_1 or None) in accepted]
        if not matching:
            continue
        # Sort newest first, then stable-sort by (type, official).
        matching.sort(key=lambda v: v.published_at or "", reverse=True)
        matching.sort(key=_rank)
        return YOUTUBE_WATCH_URL + matching[0].key
    return None
