"""The one renderer: how a movie, a rating, a vote count, a status, a genre list and
"unknown" look, and one function per output kind (human, JSON, CSV).

Human output depends on where stdout goes:
- a terminal: Rich tables fitted to its width (cells wrap at word boundaries; when the
  columns cannot fit whole words, the least useful columns are left out; URLs are never
  split: one that does not fit drops to a line of its own);
- a pipe or a file: plain text, no padding, no trailing spaces, no wrapping, no tabs: one
  line per movie for lists, `field: value` lines for one movie.

Remote text (titles, overviews) is stripped of control characters and always printed
through `rich.text.Text`, never parsed as markup. JSON and CSV never go through Rich.
Rich is imported on first use, never at start-up.

Why this module is long: it is the one renderer — every value and output kind (lists, one
movie, stats, the diary) is here so that a movie looks the same in every command.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mydw.cli import output

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from mydw.services.diary import DiaryEntry
    from mydw.services.marks import Stats
    from mydw.services.views import MovieView

UNKNOWN = "—"
SEPARATOR = " · "
TMDB_MOVIE_URL = "https://www.themoviedb.org/movie/{}"
STATUS_HEADINGS = {"seen": "Seen", "later": "Watch later", "not_interested": "Not interested"}

notice = output.notice
success = output.success

# --------------------------------------------------------------------------- values

def clean(text: str | None, *, one_line: bool = True) -> str:
    """Remote text made safe to print: control characters (ESC, CSI, OSC...) removed, tabs
    and (for one line) newlines turned into spaces. The last line of defence: upstream
    text is already cleaned where it enters (`mydw.domain.text.clean_text`)."""
    from mydw.domain.text import clean_text

    return clean_text(text, one_line=one_line)


def rating(value: float | None) -> str:
    """An IMDb rating: `7.3`, or UNKNOWN."""
    return UNKNOWN if value is None else f"{value:.1f}"


def votes(value: int | None) -> str:
    """A vote count: `45,210`, or UNKNOWN."""
    return UNKNOWN if value is None else f"{value:,}"


def rating_and_votes(movie: MovieView) -> str:
    """`7.3 (45,210 votes)`, `7.3`, or UNKNOWN."""
    if movie.imdb_rating is None:
        return UNKNOWN
    count = f" ({votes(movie.vote_count)} votes)" if movie.vote_count else ""
    return f"{rating(movie.imdb_rating)}{count}"


def status(value: str | None) -> str:
    """A status as users type it: `seen`, `later`, `not-interested`; UNKNOWN for none."""
    return value.replace("_", "-") if value else UNKNOWN


def status_heading(value: str) -> str:
    """A status as a heading: `Seen`, `Watch later`, `Not interested`."""
    return STATUS_HEADINGS.get(value, value)


def my_rating(value: float | None) -> str:
    """The user's own rating on the 10-point scale: `8/10`, `7.5/10`."""
    return f"{value:g}/10" if value is not None else UNKNOWN


def watched(movie: MovieView) -> str:
    return movie.watched_on.isoformat() if movie.watched_on else UNKNOWN


def runtime(minutes: int | None) -> str:
    """`1 h 52 min`, `48 min`."""
    if not minutes:
        return ""
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"


def genre_names(movie: MovieView, lang: str) -> list[str]:
    """The movie's genres in `lang` (TMDB ids named in English or French; a stored name
    stands in for an id we do not know)."""
    from mydw.services.filters import BUILTIN_GENRES

    stored = list(movie.genres)
    if not movie.genre_ids:
        return [clean(name) for name in stored]
    names = []
    for i, gid in enumerate(movie.genre_ids):
        pair = BUILTIN_GENRES.get(gid)
        if pair is not None:
            names.append(pair[1] if lang == "fr" else pair[0])
        elif i < len(stored) and len(stored) == len(movie.genre_ids):
            names.append(clean(stored[i]))
        else:
            names.append(f"#{gid}")
    return names


def genres(movie: MovieView, lang: str) -> str:
    """`Drama, Mystery`, or UNKNOWN."""
    return ", ".join(genre_names(movie, lang)) or UNKNOWN


def year(movie: MovieView) -> str:
    return str(movie.release_year) if movie.release_year else UNKNOWN


def title(movie: MovieView, lang: str) -> str:
    return clean(movie.title(lang))


def label(movie: MovieView, lang: str) -> str:
    """`Title (1999)`: how a movie is named in messages and candidate lists."""
    return clean(movie.label(lang))


def reference(movie: MovieView, lang: str) -> str:
    """`Title (1999) — tmdb:603`: a movie named so that it can be typed back."""
    return f"{label(movie, lang)} — tmdb:{movie.tmdb_id}"


def date(movie: MovieView) -> str:
    return movie.updated_at.date().isoformat() if movie.updated_at else UNKNOWN


def movie_line(movie: MovieView, lang: str) -> str:
    """One plain line: `Title (1999) — tmdb:603 · IMDb 8.7 (2,100,000 votes) · Action,
    Science Fiction · seen 2024-05-01` (the status only when the movie has one)."""
    parts = [reference(movie, lang), f"IMDb {rating_and_votes(movie)}", genres(movie, lang)]
    if movie.status:
        when = f" {date(movie)}" if movie.updated_at else ""
        parts.append(f"{status(movie.status)}{when}")
    if movie.my_rating is not None:
        parts.append(f"rated {my_rating(movie.my_rating)}")
    if movie.watched_on:
        parts.append(f"watched {watched(movie)}")
    return SEPARATOR.join(parts)


# --------------------------------------------------------------------------- where to


def _piped() -> bool:
    return not (sys.stdout is not None and sys.stdout.isatty())


def _write_lines(lines: Iterable[str]) -> None:
    write = sys.stdout.write
    for line in lines:
        write(line.rstrip() + "\n")
    sys.stdout.flush()


# --------------------------------------------------------------------------- movie lists


@dataclass(frozen=True)
class _Column:
    header: str
    cell: Callable[[MovieView, str], str]
    justify: str = "left"
    drop: int = 0  # 0: always shown; higher numbers are left out first when space is short
    style: str = ""


def _columns(movies: Sequence[MovieView], extra: Sequence[_Column] = ()) -> list[_Column]:
    columns = [
        _Column("Title", title, style="bold"),
        _Column("Year", lambda m, _: year(m), "right", drop=3),
        _Column("IMDb", lambda m, _: rating(m.imdb_rating), "right"),
        _Column("Votes", lambda m, _: votes(m.vote_count), "right", drop=4),
        _Column("Genres", genres, drop=2),
    ]
    if any(m.status for m in movies):
        columns.append(_Column("Status", lambda m, _: status(m.status)))
    if any(m.my_rating is not None for m in movies):
        columns.append(_Column("Mine", lambda m, _: my_rating(m.my_rating), "right"))
    if any(m.watched_on for m in movies):
        columns.append(_Column("Watched", lambda m, _: watched(m), drop=1))
    if any(m.updated_at for m in movies):
        columns.append(_Column("Updated", lambda m, _: date(m), drop=5))
    columns += extra
    columns.append(_Column("TMDB", lambda m, _: str(m.tmdb_id), "right", style="dim"))
    return columns


def movie_table(
    movies: Sequence[MovieView], lang: str, *, title: str | None = None, width: int = 80,
    extra: Sequence[_Column] = (),
) -> Table:
    """A Rich table of `movies` that fits `width` columns without cutting a word: columns
    are left out (updated, votes, year, genres: in that order) until the words fit."""
    from rich import box
    from rich.measure import Measurement
    from rich.table import Table
    from rich.text import Text

    columns = _columns(movies, extra)
    rows = [[column.cell(m, lang) for column in columns] for m in movies]
    # Rich measures a table's smallest width as the sum of its columns' longest words.
    from rich.console import Console

    probe = Console(width=10_000, file=io.StringIO(), no_color=True)

    def build(widths: Sequence[int | None]) -> Table:
        table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                      show_edge=False)
        for column, fixed in zip(columns, widths, strict=True):
            table.add_column(column.header, justify=column.justify,  # type: ignore[arg-type]
                             style=column.style or None, overflow="fold", width=fixed)
        for row in rows:
            table.add_row(*(Text(cell) for cell in row))
        return table

    while True:
        table = build([None] * len(columns))
        measured = Measurement.get(probe, probe.options, table)
        droppable = [c for c in columns if c.drop]
        if measured.minimum <= width or not droppable:
            break
        victim = max(droppable, key=lambda c: c.drop)
        index = columns.index(victim)
        columns.pop(index)
        for row in rows:
            row.pop(index)
    if measured.maximum <= width:
        return table
    # Too wide for every cell on one line: Rich would narrow the widest columns first, even
    # below their longest word (folding "Science-Fiction"). Here the widest give way only
    # down to their longest word (`_share`).
    texts = [[column.header, *(row[i] for row in rows)] for i, column in enumerate(columns)]
    least = [max(_longest_word(t) for t in cells) for cells in texts]
    most = [max(cell_len(t) for t in cells) for cells in texts]
    room = width - (measured.minimum - sum(least))  # the padding and rules take the rest
    return build(_share(least, most, room))


def _longest_word(text: str) -> int:
    return max((cell_len(word) for word in text.split()), default=0)


def cell_len(text: str) -> int:
    from rich.cells import cell_len as measure

    return measure(text)


def _share(least: Sequence[int], most: Sequence[int], room: int) -> list[int]:
    """Widths between `least` (each column's longest word) and `most` (its longest cell)
    adding up to at most `room`: only the widest columns give way, down to one cap (the
    largest that fits), never below their longest word."""

    def capped(cap: int) -> list[int]:
        return [min(m, max(w, cap)) for w, m in zip(least, most, strict=True)]

    low, high = 0, max(most, default=0)
    while low < high:  # the largest cap whose widths fit
        mid = (low + high + 1) // 2
        if sum(capped(mid)) <= room:
            low = mid
        else:
            high = mid - 1
    widths = capped(low)
    spare = room - sum(widths)
    for i, (w, m) in enumerate(zip(widths, most, strict=True)):  # what the cap left over
        if spare > 0 and w < m:
            widths[i] += 1
            spare -= 1
    return widths


def movies(
    movies: Sequence[MovieView], lang: str, *, title: str | None = None,
    console: Console | None = None,
) -> None:
    """A human list of movies on stdout: a Rich table at a terminal, fitted to its width
    (or to `console`'s); one plain tab-free line per movie when piped (no title)."""
    if console is None and _piped():
        _write_lines(movie_line(m, lang) for m in movies)
        return
    console = console or output.out()
    console.print(movie_table(movies, lang, title=title, width=console.width))


def recommendations(
    movies: Sequence[MovieView], reasons: Sequence[str], lang: str, *,
    title: str | None = None, console: Console | None = None,
) -> None:
    """`movies` as `movies()` shows them, plus why each one (`reasons`, in the same order):
    a "Because" column at a terminal, a ` · because …` part of each plain line when piped."""
    if console is None and _piped():
        _write_lines(SEPARATOR.join([movie_line(m, lang)] + ([clean(r)] if r else []))
                     for m, r in zip(movies, reasons, strict=True))
        return
    why = {m.tmdb_id: clean(r) for m, r in zip(movies, reasons, strict=True)}
    because = _Column("Because", lambda m, _: why.get(m.tmdb_id, ""), drop=1)
    console = console or output.out()
    console.print(movie_table(movies, lang, title=title, width=console.width, extra=[because]))


# --------------------------------------------------------------------------- one movie


def _detail_fields(movie: MovieView, lang: str) -> list[tuple[str, str, bool]]:
    """(label, value, is_url) of `show`, in order; empty values are left out."""
    other = "en" if lang == "fr" else "fr"
    other_title = movie.title_en if lang == "fr" else movie.title_fr
    trailer = (movie.trailer_fr or movie.trailer_en) if lang == "fr" else movie.trailer_en
    fields = [
        ("Title", title(movie, lang), False),
        (f"Title ({other})", clean(other_title) if other_title and
         clean(other_title) != title(movie, lang) else "", False),
        ("Original title", clean(movie.original_title) if movie.original_title and
         clean(movie.original_title) not in (title(movie, lang), clean(other_title)) else "",
         False),
        ("Year", year(movie), False),
        ("Runtime", runtime(movie.runtime), False),
        ("Directors", ", ".join(clean(d) for d in movie.directors), False),
        ("Genres", genres(movie, lang), False),
        ("Original language", movie.original_language or UNKNOWN, False),
        ("IMDb rating", rating_and_votes(movie), False),
        ("Status", status(movie.status) if movie.status else "", False),
        ("Updated", date(movie) if movie.updated_at else "", False),
        ("Your rating", my_rating(movie.my_rating) if movie.my_rating is not None else "",
         False),
        ("Watched", watched(movie) if movie.watched_on else "", False),
        ("Overview", clean(movie.overview(lang), one_line=False), False),
        ("Trailer", trailer or movie.trailer_fr or "", True),
        ("Poster", movie.poster_url or "", True),
        ("IMDb", movie.imdb_url or "", True),
        ("TMDB", TMDB_MOVIE_URL.format(movie.tmdb_id), True),
    ]
    return [(name, value, url) for name, value, url in fields if value]


def movie_details(movie: MovieView, lang: str, *, console: Console | None = None) -> None:
    """One movie in full: a label/value grid at a terminal (a URL too long for its cell
    gets a line of its own, unsplit); `field: value` lines when piped."""
    fields = _detail_fields(movie, lang)
    if console is None and _piped():
        _write_lines(f"{name}: {clean(value)}" for name, value, _ in fields)
        return
    from rich.table import Table
    from rich.text import Text

    console = console or output.out()
    label_width = max(len(name) for name, _, _ in fields)
    room = console.width - label_width - 2
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column()
    long_urls = []
    for name, value, is_url in fields:
        if is_url and len(value) > room:
            long_urls.append((name, value))
            continue
        grid.add_row(name, Text(value, style="bold" if name == "Title" else ""))
    console.print(grid)
    for name, value in long_urls:
        console.print(Text(f"{name}: {value}"), soft_wrap=True)


# --------------------------------------------------------------------------- machine


def json(data: Any) -> None:
    """One JSON document on stdout (arrays one compact item per line)."""
    output.emit_json(data)


def movies_json(movies: Iterable[MovieView]) -> None:
    """Movies as every command prints them in JSON: `MovieView.to_json()`."""
    output.emit_json([m.to_json() for m in movies])


# New columns go at the end: scripts that read columns by position keep working.
CSV_HEADER = ("tmdb_id", "imdb_id", "title", "title_en", "title_fr", "release_year", "status",
              "updated_at", "imdb_rating", "vote_count", "genres", "original_language",
              "my_rating", "watched_on")


def movies_csv(movies: Iterable[MovieView], lang: str) -> None:
    """Movies as CSV on stdout (genres joined with `|`, empty cells for unknown; your rating
    out of 10 and your last viewing, as in JSON)."""
    from mydw.domain.types import iso_utc

    output.emit_csv(CSV_HEADER, (
        [m.tmdb_id, m.imdb_id, m.title(lang), m.title_en, m.title_fr, m.release_year,
         m.status, iso_utc(m.updated_at), m.imdb_rating, m.vote_count, "|".join(m.genres),
         m.original_language, m.my_rating,
         m.watched_on.isoformat() if m.watched_on else None]
        for m in movies
    ))


# --------------------------------------------------------------------------- stats


def _stats_sections(result: Stats, lang: str) -> list[tuple[str, str, list[tuple[str, int]]]]:
    from mydw.services.filters import genre_name

    return [
        ("Top genres (seen)", "Genre",
         [(genre_name(g.genre_id, lang) if g.genre_id else clean(g.genre), g.count)
          for g in result.top_genres]),
        ("Decades (seen)", "Decade",
         [(f"{decade}s", n) for decade, n in sorted(result.decades.items())]),
        ("Years (seen)", "Year", [(str(y), n) for y, n in sorted(result.years.items())]),
        ("Viewings per year", "Year",
         [(str(y), n) for y, n in sorted(result.diary.viewings_per_year.items())]),
    ]


def stats(result: Stats, lang: str, *, console: Console | None = None) -> None:
    """Counts per status, the average IMDb rating of what was seen, top genres, decades and
    years: tables at a terminal, `field: value` lines when piped."""
    counts = ", ".join(f"{status_heading(s).lower()} {n}" for s, n in result.counts.items())
    lines = [f"{result.total} movies marked: {counts}"]
    average = result.average_imdb_rating_seen
    if average is not None:
        lines.append(f"Average IMDb rating of what you saw: {average:.2f} "
                     f"({result.rated_seen} rated)")
    if result.diary.average_my_rating is not None:
        lines.append(f"Average of your own ratings: {result.diary.average_my_rating:.2f}/10 "
                     f"({result.diary.my_rated} rated)")
    sections = [s for s in _stats_sections(result, lang) if s[2]]
    if console is None and _piped():
        for heading, _, items in sections:
            lines.append(f"{heading}: " + ", ".join(f"{name} {n}" for name, n in items))
        _write_lines(lines)
        return
    from rich.table import Table
    from rich.text import Text

    console = console or output.out()
    for line in lines:
        console.print(Text(line))
    for heading, column, items in sections:
        table = Table(title=heading, title_justify="left")
        table.add_column(column)
        table.add_column("Movies", justify="right")
        for name, n in items:
            table.add_row(Text(name), str(n))
        console.print(table)


# --------------------------------------------------------------------------- diary


def diary_line(entry: DiaryEntry, lang: str) -> str:
    """`2026-11-30 · Title (1999) — tmdb:603 · 8/10 · rewatch` (rating and rewatch only
    when known / true)."""
    parts = [entry.watched_on.isoformat(), reference(entry.movie, lang)]
    if entry.rating is not None:
        parts.append(my_rating(entry.rating))
    if entry.rewatch:
        parts.append("rewatch")
    return SEPARATOR.join(parts)


def diary(entries: Sequence[DiaryEntry], lang: str, *, title: str | None = None,
          console: Console | None = None) -> None:
    """The viewings, newest first: a table at a terminal, one plain line each when piped."""
    if console is None and _piped():
        _write_lines(diary_line(e, lang) for e in entries)
        return
    from rich import box
    from rich.table import Table
    from rich.text import Text

    console = console or output.out()
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False,
                  show_edge=False)
    table.add_column("Watched", no_wrap=True)
    table.add_column("Title", style="bold", overflow="fold")
    table.add_column("Year", justify="right")
    table.add_column("Mine", justify="right")
    table.add_column("Rewatch")
    table.add_column("TMDB", justify="right", style="dim")
    for e in entries:
        table.add_row(e.watched_on.isoformat(), Text(clean(e.movie.title(lang))), year(e.movie),
                      my_rating(e.rating) if e.rating is not None else "",
                      "yes" if e.rewatch else "", str(e.movie.tmdb_id))
    console.print(table)

