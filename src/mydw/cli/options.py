"""The options (and arguments) commands share, with their types, ranges, choices and tab
completion declared once.

A value outside an option's type, choices or range is refused by Click itself: a usage
error (exit 2) on every command alike, before any service runs. Input that is well-formed
but wrong (a bad email, an unknown movie) stays the service's to refuse, with its own code.

Kept light: nothing heavy is imported here; the choices that live in services (sorts,
genres) are looked up only when a value is checked or completed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta  # Typer reads the annotation at start-up
from typing import TYPE_CHECKING, Annotated, Any

import typer
from typer._click import types as click_types  # Typer bundles Click: never `import click`

from mydw.domain.constants import MAX_VOTES
from mydw.domain.errors import MydwError

if TYPE_CHECKING:
    from typer._click.core import Context, Parameter
    from typer._click.shell_completion import CompletionItem

YEARS = (1800, 2200)

# Original languages offered by completion of --language (any ISO 639-1 code is accepted).
ORIGINAL_LANGUAGES = (
    "en", "fr", "es", "de", "it", "ja", "ko", "zh", "hi", "ru", "pt", "sv", "da", "no",
    "fi", "nl", "pl", "tr", "fa", "ar", "he", "th", "cs", "hu", "el", "ro", "id", "ta",
    "te", "ml", "bn", "uk", "is", "ga", "ca", "eu",
)  # fmt: skip

DURATIONS = ("12h", "1d", "7d", "2w", "30d")


class Checked(click_types.ParamType):
    """A value checked by `parse` (a `MydwError` -> a usage error naming the option), with
    `choices()` offered by tab completion."""

    def __init__(
        self,
        name: str,
        parse: Callable[[str], Any],
        choices: Callable[[], Iterable[str]] = tuple,
        *,
        metavar: str | None = None,
    ) -> None:
        self.name = name
        self._parse = parse
        self._choices = choices
        self._metavar = metavar

    def convert(self, value: Any, param: Parameter | None, ctx: Context | None) -> Any:
        if not isinstance(value, str):
            return value  # a default, already parsed
        try:
            return self._parse(value)
        except MydwError as exc:
            self.fail(exc.message, param, ctx)

    def get_metavar(self, param: Parameter, ctx: Context | None = None) -> str | None:
        return self._metavar

    def shell_complete(
        self, ctx: Context, param: Parameter, incomplete: str
    ) -> list[CompletionItem]:
        return complete(self._choices(), incomplete)


def complete(choices: Iterable[str], incomplete: str) -> list[CompletionItem]:
    """The choices that start with what was typed (case and accents ignored)."""
    from typer._click.shell_completion import CompletionItem

    from mydw.domain.types import fold

    typed = fold(incomplete)
    seen: dict[str, None] = {}
    for choice in choices:
        if fold(choice).startswith(typed):
            seen.setdefault(choice)
    return [CompletionItem(c) for c in seen]


def _one_of(choices: Callable[[], Sequence[str]], what: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        wanted = value.strip().lower()
        known = tuple(choices())
        if wanted not in known:
            from mydw.domain.errors import UsageError

            raise UsageError(f"unknown {what} {value!r} (choose from {', '.join(known)})")
        return wanted

    return parse


def _constant(name: str) -> Callable[[], Sequence[str]]:
    """A tuple of `mydw.domain.constants` (the one place each is written), read when needed."""

    def get() -> Sequence[str]:
        from mydw.domain import constants

        return tuple(getattr(constants, name))

    return get


# --------------------------------------------------------------------------- types


def _status(value: str) -> str:
    from mydw.domain.types import MovieStatus

    return MovieStatus.parse(value).value


def _statuses() -> list[str]:
    from mydw.domain.types import MovieStatus

    return [s.cli_name for s in MovieStatus]


STATUS = Checked("status", _status, _statuses, metavar="STATUS")


def _genre(value: str) -> str:
    from mydw.services.filters import parse_genres

    parse_genres([value])
    return value


def genre_choices() -> list[str]:
    """Every genre in English and in French (lower case, `-` for spaces), for completion."""
    from mydw.domain.constants import GENRES
    from mydw.domain.types import fold

    names = [name for pair in GENRES.values() for name in pair]
    return sorted({n.lower().replace(" ", "-") for n in names}, key=fold)


GENRE = Checked("genre", _genre, genre_choices, metavar="GENRE")


def _lang(value: str) -> str:
    from mydw.domain.types import parse_language

    return parse_language(value)


def _languages() -> Sequence[str]:
    from mydw.domain.constants import LANGUAGES

    return LANGUAGES


LANG = Checked("lang", _lang, _languages, metavar="[en|fr]")


def _original_language(value: str) -> str:
    code = value.strip().lower()
    if not (2 <= len(code) <= 3 and code.isalpha() and code.isascii()):
        from mydw.domain.errors import UsageError

        raise UsageError(f"{value!r} is not a language code (two letters: en, fr, ja)")
    return code


ORIGINAL_LANGUAGE = Checked("language", _original_language, lambda: ORIGINAL_LANGUAGES,
                            metavar="CODE")


def _duration(value: str) -> timedelta:
    from mydw.domain.types import parse_duration

    return parse_duration(value)


DURATION = Checked("duration", _duration, lambda: DURATIONS, metavar="DURATION")

LIST_SORTS = _constant("LIST_SORTS")
DISCOVER_SORTS = _constant("DISCOVER_SORTS")
LIST_SORT = Checked("sort", _one_of(LIST_SORTS, "sort"), LIST_SORTS, metavar="SORT")
DISCOVER_SORT = Checked("sort", _one_of(DISCOVER_SORTS, "sort"), DISCOVER_SORTS,
                        metavar="SORT")
REFRESH_SOURCES = _constant("REFRESH_SOURCES")
REFRESH_SOURCE = Checked("source", _one_of(REFRESH_SOURCES, "source"), REFRESH_SOURCES,
                         metavar="SOURCE")
IMPORT_SOURCES = _constant("IMPORT_SOURCES")
IMPORT_SOURCE = Checked("source", _one_of(IMPORT_SOURCES, "source"), IMPORT_SOURCES,
                        metavar="SOURCE")
EXPORT_FORMATS = _constant("EXPORT_FORMATS")
EXPORT_FORMAT = Checked("format", _one_of(EXPORT_FORMATS, "format"), EXPORT_FORMATS,
                        metavar="FORMAT")


def setting_names() -> list[str]:
    from mydw.config.settings import KEYS

    return list(KEYS)


def _setting(value: str) -> str:
    from mydw.config.settings import key

    return key(value).name


class _SettingValue(click_types.StringParamType):
    """Any text (the setting checks it); completion offers the values of the setting named
    before it (`config set lang <TAB>`: en, fr)."""

    name = "value"

    def shell_complete(
        self, ctx: Context, param: Parameter, incomplete: str
    ) -> list[CompletionItem]:
        from mydw.config.settings import KEYS

        setting = KEYS.get(str(ctx.params.get("name") or ""))
        return complete(setting.choices if setting else (), incomplete)


SETTING = Checked("setting", _setting, setting_names, metavar="NAME")
SETTING_VALUE = _SettingValue()

# --------------------------------------------------------------------------- options

JsonOption = Annotated[
    bool, typer.Option("--json", help="Print one JSON document on stdout (for scripts).")
]
CsvOption = Annotated[bool, typer.Option("--csv", help="Print CSV on stdout.")]
YearOption = Annotated[
    int | None,
    typer.Option("--year", "-y", min=YEARS[0], max=YEARS[1],
                 help="Release year (picks among remakes)."),
]
YearFromOption = Annotated[
    int | None,
    typer.Option("--year-from", min=YEARS[0], max=YEARS[1], help="Released in or after."),
]
YearToOption = Annotated[
    int | None,
    typer.Option("--year-to", min=YEARS[0], max=YEARS[1], help="Released in or before."),
]
LangOption = Annotated[
    str | None,
    typer.Option("--lang", click_type=LANG,
                 help="Language of titles and overviews: en or fr (default: the lang setting)."),
]
MAX_COUNT = 10_000_000
"""The largest --limit of a list or a refresh (more than any database mydw keeps)."""
LimitOption = Annotated[
    int | None, typer.Option("--limit", "-n", min=1, max=MAX_COUNT, metavar="N",
                             help="At most N movies.")
]
PageLimitOption = Annotated[
    int, typer.Option("--limit", "-n", min=1, max=100, metavar="N",
                      help="At most N movies (1-100).")
]
PageOption = Annotated[
    int, typer.Option("--page", min=1, max=500, help="Which page of --limit results.")
]
GenreOption = Annotated[
    list[str] | None,
    typer.Option("--genre", "-g", click_type=GENRE,
                 help="Genre in English or French (repeat: every one given)."),
]
WithoutGenreOption = Annotated[
    list[str] | None,
    typer.Option("--without-genre", "-G", click_type=GENRE,
                 help="Leave out this genre (repeat: none of those given)."),
]
StatusOption = Annotated[
    list[str] | None,
    typer.Option("--status", "-s", click_type=STATUS,
                 help="seen, later or not-interested (repeatable)."),
]
StatusArgument = Annotated[
    str, typer.Argument(click_type=STATUS, metavar="STATUS", show_default=False,
                        help="seen, later or not-interested."),
]
LanguageOption = Annotated[
    str | None,
    typer.Option("--language", click_type=ORIGINAL_LANGUAGE,
                 help="Original language, two letters (fr, ja)."),
]
MinRatingOption = Annotated[
    float | None, typer.Option("--min-rating", min=0, max=10, help="Minimum IMDb rating.")
]
MaxRatingOption = Annotated[
    float | None, typer.Option("--max-rating", min=0, max=10, help="Maximum IMDb rating.")
]
MinVotesOption = Annotated[
    int | None, typer.Option("--min-votes", min=0, max=MAX_VOTES, help="Minimum IMDb votes.")
]
ListSortOption = Annotated[
    str, typer.Option("--sort", click_type=LIST_SORT,
                      help="updated, rating, votes, year or title.")
]
DiscoverSortOption = Annotated[
    str, typer.Option("--sort", click_type=DISCOVER_SORT,
                      help="popularity, rating, votes or year.")
]
OfflineOption = Annotated[
    bool, typer.Option("--offline", help="Answer from the local cache only (no network).")
]
DurationOption = Annotated[
    timedelta, typer.Option("--older-than", click_type=DURATION,
                            help="Refresh ratings checked longer ago than this (30m, 12h, 7d, "
                            "2w). Movies with no rating yet are always due.")
]
SettingArgument = Annotated[
    str, typer.Argument(click_type=SETTING, metavar="NAME", show_default=False,
                        help="Setting name, e.g. lang or tmdb-api-key.")
]
SettingValueArgument = Annotated[
    str | None,
    typer.Argument(click_type=SETTING_VALUE, metavar="[VALUE]",
                   help="The value (read from stdin when piped; prompted, hidden for "
                   "secrets, at a terminal).", show_default=False),
]
MoviesArgument = Annotated[
    list[str],
    typer.Argument(help="TMDB id (603, tmdb:603), IMDb id (tt0133093), URL or title "
                   "(quote it; \"Dune (2021)\" picks a year).", show_default=False),
]
MovieArgument = Annotated[
    str,
    typer.Argument(help="A TMDB id (603), an IMDb id (tt0133093), a URL or a title.",
                   show_default=False),
]
QueryArgument = Annotated[
    list[str],
    typer.Argument(help="Words of the title, in English or French (quotes optional).",
                   show_default=False),
]


def chosen_lang(value: str | None) -> str:
    """`--lang` when given (already checked), else the `lang` setting."""
    from mydw.cli.state import context

    return value if value is not None else context().settings.lang
