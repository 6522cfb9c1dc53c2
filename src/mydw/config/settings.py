"""Settings: ONE registry of every setting and every `MYDW_*` variable, each parsed into its
type when it is READ.

Precedence: environment > config file (TOML) > default. A value is parsed lazily, setting by
setting, the first time a command reads it (`ctx.settings.discover_min_votes`): a bad value
is a `ConfigError` (exit 1) naming the variable or the key and what it expects, on the
commands that read it and on no other. `mydw config set` / `unset` never parse the stored
values, so they can always repair a bad one (even a value of the wrong TOML type).

Secrets (API keys) are declared here too, but their stored value lives in the keyring
(see `mydw.credentials`); only the environment variable and the key name are known here.

Why this module is long (~430 lines): it is the one registry — every setting's parser with
its bounds (ASCII digits only, ranges, lengths), the file reader and writer, and the typed
`Settings` properties; split, each setting would be declared in several places.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

from mydw.config import paths
from mydw.domain.constants import LANGUAGES, MAX_VOTES
from mydw.domain.errors import ConfigError, InvalidInput
from mydw.domain.types import parse_duration, parse_language

# --------------------------------------------------------------------------- parsers
# Each takes the text of a value and returns it typed, or raises ValueError with what it
# expects ("a whole number ≥ 0"); the registry turns that into one line naming the source.


def _text(value: str) -> str:
    return value


def _url(value: str) -> str:
    scheme, sep, rest = value.partition("://")
    if not sep or not scheme or not rest or any(c.isspace() for c in value):
        raise ValueError("a URL (scheme://host...)")
    return value


def _root_url(value: str) -> str:
    return _url(value).rstrip("/")


def _language(value: str) -> str:
    try:
        return parse_language(value)
    except InvalidInput:
        raise ValueError(f"one of {', '.join(LANGUAGES)}") from None


def _duration(value: str) -> str:
    try:
        parse_duration(value)
    except InvalidInput:
        raise ValueError("a duration: a number and a unit (30m, 24h, 7d, 2w)") from None
    return value.strip()


_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+", re.ASCII)


def _number(value: str) -> float:
    """A plain decimal number in ASCII digits (`7`, `2.5`): NaN for anything else, so
    that `٣` (an Arabic-Indic digit), `1e300`, `inf` or a 5,000-digit value is refused."""
    text = value.strip()
    if len(text) > 20 or not _DECIMAL.fullmatch(text):
        return math.nan
    return float(text)


def _rating(value: str) -> float:
    number = _number(value)
    if not 0 <= number <= 10:
        raise ValueError("a rating between 0 and 10")
    return number


def _count(minimum: int, maximum: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        text = value.strip()
        if not (text.isascii() and text.isdigit() and len(text) <= len(str(maximum))
                and minimum <= int(text) <= maximum):
            raise ValueError(f"a whole number ≥ {minimum} (at most {maximum:,})")
        return int(text)

    return parse


MAX_HTTP_TIMEOUT = 600.0
"""The longest wait for one upstream request mydw accepts (seconds)."""


def _seconds(value: str) -> float:
    number = _number(value)
    if not (math.isfinite(number) and 0 < number <= MAX_HTTP_TIMEOUT):
        raise ValueError(f"a number of seconds greater than 0 and at most {MAX_HTTP_TIMEOUT:.0f} "
                         "(e.g. 10 or 2.5)")
    return number


def _shown(value: Any, limit: int = 60) -> str:
    """A value as an error message shows it: passwords masked, long values cut."""
    from mydw.domain.text import mask_secrets

    text = mask_secrets(value if isinstance(value, str) else repr(value))
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return repr(text) if isinstance(value, str) else text


def _flag(value: str) -> bool:
    text = value.strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("", "0", "false", "no", "off"):
        return False
    raise ValueError("1 or 0")


MAX_HISTORY = 10_000
"""The most past chat messages `llm-history` may ask for."""

# --------------------------------------------------------------------------- the registry


@dataclass(frozen=True)
class Key:
    """One setting: its config-file key, its environment variable, its default (as text),
    its parser and what the parser expects (for `config set` and error messages)."""

    name: str
    env: str | None
    default: str | None
    help: str
    secret: bool = False
    parse: Callable[[str], Any] = _text
    in_file: bool = True  # False: an environment variable only (MYDW_HOME, MYDW_DEBUG)
    choices: tuple[str, ...] = ()  # offered by completion of `config set NAME`
    noun: str = ""  # what a value is ("language"): a refused one is "unknown language 'de'"

    @property
    def attr(self) -> str:
        """The attribute of `Settings` that reads it (`discover-min-votes` ->
        `discover_min_votes`)."""
        return self.name.replace("-", "_")

    def check(self, value: str) -> Any:
        """`value` parsed, or InvalidInput saying what is expected (for `config set`)."""
        try:
            return self.parse(value)
        except ValueError as exc:
            if self.noun:
                raise InvalidInput(f"unknown {self.noun} {_shown(value)} ({self.name} expects "
                                   f"{exc})") from None
            raise InvalidInput(f"{self.name} expects {exc}, not {_shown(value)}") from None


KEYS: dict[str, Key] = {
    k.name: k
    for k in (
        Key("database-url", "MYDW_DATABASE_URL", None,
            "SQLAlchemy URL of the database (default: SQLite mydw.db in the data folder)",
            parse=_url),
        Key("lang", "MYDW_LANG", "en", "language of titles and overviews: en or fr",
            parse=_language, choices=LANGUAGES, noun="language"),
        Key("tmdb-api-key", "MYDW_TMDB_API_KEY", None,
            "TMDB v3 API key (32 hex) or read-access token (eyJ...)", secret=True),
        Key("omdb-api-key", "MYDW_OMDB_API_KEY", None, "OMDb API key (IMDb ratings)",
            secret=True),
        Key("tmdb-base-url", "MYDW_TMDB_BASE_URL", "https://api.themoviedb.org/3",
            "TMDB API root", parse=_root_url),
        Key("omdb-base-url", "MYDW_OMDB_BASE_URL", "https://www.omdbapi.com/", "OMDb API root",
            parse=_url),
        Key("imdb-datasets-url", "MYDW_IMDB_DATASETS_URL", "https://datasets.imdbws.com",
            "where title.ratings.tsv.gz lives", parse=_root_url),
        Key("search-freshness", "MYDW_SEARCH_FRESHNESS", "24h",
            "how long a search result is answered from the cache (30m, 24h, 7d)",
            parse=_duration, choices=("1h", "24h", "7d")),
        Key("discover-min-rating", "MYDW_DISCOVER_MIN_RATING", "7.0",
            "default minimum IMDb rating for discover", parse=_rating),
        Key("discover-min-votes", "MYDW_DISCOVER_MIN_VOTES", "5000",
            "default minimum IMDb votes for discover", parse=_count(0, MAX_VOTES)),
        Key("http-timeout", "MYDW_HTTP_TIMEOUT", None,
            "seconds to wait for each upstream request (default 10, connect 5)",
            parse=_seconds),
        Key("llm-base-url", "MYDW_LLM_BASE_URL", None,
            "OpenAI-compatible chat model root for mydw chat (default: the built-in assistant)",
            parse=_root_url),
        Key("llm-model", "MYDW_LLM_MODEL", None, "the chat model's name"),
        Key("llm-api-key", "MYDW_LLM_API_KEY", None, "the chat model's API key (optional)",
            secret=True),
        Key("llm-history", "MYDW_LLM_HISTORY", "20",
            "how many past chat messages are sent to the model (≥ 2)",
            parse=_count(2, MAX_HISTORY)),
        Key("home", "MYDW_HOME", None,
            "one folder for all state (database, config, cache)", in_file=False),
        Key("debug", "MYDW_DEBUG", "0", "show tracebacks (also --debug)", parse=_flag,
            in_file=False),
    )
}  # fmt: skip

BY_ATTR: dict[str, Key] = {k.attr: k for k in KEYS.values() if not k.secret}


def key(name: str) -> Key:
    normalized = name.strip().lower().replace("_", "-")
    try:
        return KEYS[normalized]
    except KeyError:
        known = ", ".join(sorted(KEYS))
        raise InvalidInput(f"unknown setting {name!r} (known: {known})") from None


def validate(name: str, value: str) -> str:
    """`value` if it parses as setting `name` (InvalidInput saying what it expects)."""
    key(name).check(value)
    return value


# --------------------------------------------------------------------------- the file


def read_file(path: Path | None = None) -> dict[str, Any]:
    path = path or paths.config_file()
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path} is not UTF-8 text; fix or delete it",
                          hint="fix it in an editor, or delete it to start again") from None
    except OSError as exc:
        raise ConfigError(f"cannot read config file {path}: {exc.strerror or exc}") from exc
    return data


def write_file(data: dict[str, Any], path: Path | None = None) -> Path:
    import tomli_w

    path = path or paths.config_file()
    paths.ensure_private_dir(path.parent)
    tmp = path.with_suffix(".toml.tmp")
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as fh:
            tomli_w.dump(data, fh)
        os.replace(tmp, path)
    except OSError as exc:
        raise ConfigError(f"cannot write config file {path}: {exc.strerror or exc}") from exc
    return path


def _file_text(value: Any) -> str | None:
    """A file value as text: strings and numbers are; a list, table or boolean is not."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    return str(value)


def lookup(name: str, file_data: dict[str, Any] | None = None) -> tuple[str | None, str]:
    """Raw text of a non-secret setting and where it came from: env, file or default.

    Never parses: `config show` / `get` display a bad value as it is. A file value of the
    wrong TOML type (a list, a table) is shown as TOML would write it.
    """
    k = key(name)
    if k.env and os.environ.get(k.env):
        return os.environ[k.env], "env"
    if k.in_file and not k.secret:
        data = read_file() if file_data is None else file_data
        if k.name in data:
            raw = data[k.name]
            text = _file_text(raw)
            return (text if text is not None else repr(raw)), "file"
    return k.default, "default"


def get(name: str) -> str | None:
    return lookup(name)[0]


def read(name: str, file_data: dict[str, Any] | None = None) -> Any:
    """Setting `name` parsed into its type (None when unset with no default), or a
    ConfigError naming the variable or key, and what it expects."""
    k = key(name)
    if k.env and os.environ.get(k.env):
        raw = os.environ[k.env]
        where = f"{k.env}={_shown(raw)}"
        fix = f"fix or unset the {k.env} variable"
    else:
        data = (read_file() if file_data is None else file_data) if k.in_file else {}
        if k.name in data and not k.secret:
            value = data[k.name]
            text = _file_text(value)
            where = f"setting {k.name} = {_shown(value)} in {paths.config_file()}"
            fix = f"`mydw config set {k.name} VALUE` or `mydw config unset {k.name}`"
            if text is None:
                raise ConfigError(f"{where}: expected {_expects(k)}", hint=fix,
                                  parameter=k.name)
            raw = text
        elif k.default is None:
            return None
        else:
            raw = k.default
            where, fix = f"default of {k.name}", ""
    try:
        return k.parse(raw)
    except ValueError as exc:
        raise ConfigError(f"{where}: expected {exc}", hint=fix or None,
                          parameter=k.name) from None


def _expects(k: Key) -> str:
    """What `k` expects, as its parser says of a value that cannot be right."""
    try:
        k.parse("\0")
    except ValueError as exc:
        return str(exc)
    return "text"


class Settings:
    """The settings of one command, each read (and parsed) on first use.

    `Settings(lang="fr")` pins values (tests, a chat tool); anything not pinned comes from
    the environment, the config file and the defaults. Attribute names are the keys with
    `_` for `-`.
    """

    def __init__(self, **pinned: Any) -> None:
        unknown = set(pinned) - set(BY_ATTR)
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
        self._values: dict[str, Any] = dict(pinned)
        self._file: dict[str, Any] | None = None

    def value(self, attr: str) -> Any:
        """Setting `attr` (`discover_min_votes`), read and parsed once."""
        if attr not in self._values:
            k = BY_ATTR[attr]
            if self._file is None and k.in_file:
                self._file = read_file()
            self._values[attr] = read(k.name, self._file or {})
        return self._values[attr]

    @property
    def database_url(self) -> str | None:
        return cast("str | None", self.value("database_url"))

    @property
    def lang(self) -> str:
        return cast(str, self.value("lang"))

    @property
    def tmdb_base_url(self) -> str:
        return cast(str, self.value("tmdb_base_url"))

    @property
    def omdb_base_url(self) -> str:
        return cast(str, self.value("omdb_base_url"))

    @property
    def imdb_datasets_url(self) -> str:
        return cast(str, self.value("imdb_datasets_url"))

    @property
    def search_freshness(self) -> str:
        """The text (`24h`), checked when read; `search_freshness_delta` is the timedelta."""
        return cast(str, self.value("search_freshness"))

    @property
    def search_freshness_delta(self) -> timedelta:
        return parse_duration(self.search_freshness)

    @property
    def discover_min_rating(self) -> float:
        return cast(float, self.value("discover_min_rating"))

    @property
    def discover_min_votes(self) -> int:
        return cast(int, self.value("discover_min_votes"))

    @property
    def http_timeout(self) -> float | None:
        """Seconds for each upstream request; None: the client's default."""
        return cast("float | None", self.value("http_timeout"))

    @property
    def llm_base_url(self) -> str | None:
        return cast("str | None", self.value("llm_base_url"))

    @property
    def llm_model(self) -> str | None:
        return cast("str | None", self.value("llm_model"))

    @property
    def llm_history(self) -> int:
        return cast(int, self.value("llm_history"))

    @property
    def home(self) -> str | None:
        return cast("str | None", self.value("home"))

    @property
    def debug(self) -> bool:
        return cast(bool, self.value("debug"))

    def __repr__(self) -> str:
        return f"Settings({', '.join(f'{k}={v!r}' for k, v in self._values.items())})"


def load() -> Settings:
    """The settings of a command (nothing is read until a setting is)."""
    return Settings()
