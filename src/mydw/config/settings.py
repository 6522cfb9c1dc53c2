"""Settings: environment wins over the config file (TOML), which wins over defaults.

Secrets (API keys) are declared here too, but their stored value lives in the keyring
(see `mydw.credentials`); only the environment variable and the key name are known here.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mydw.config import paths
from mydw.domain.errors import ConfigError, InvalidInput
from mydw.domain.types import parse_duration, parse_language


@dataclass(frozen=True)
class Key:
    name: str
    env: str | None
    default: str | None
    help: str
    secret: bool = False


def _check_url(value: str) -> str:
    if "://" not in value:
        raise InvalidInput(f"{value!r} is not a URL")
    return value


def _check_rating(value: str) -> str:
    try:
        number = float(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not a rating between 0 and 10") from None
    if not 0 <= number <= 10:
        raise InvalidInput(f"{value!r} is not a rating between 0 and 10")
    return value


def _check_count(value: str) -> str:
    if not value.isdigit():
        raise InvalidInput(f"{value!r} is not a whole number")
    return value


KEYS: dict[str, Key] = {
    k.name: k
    for k in (
        Key(
            "database-url",
            "MYDW_DATABASE_URL",
            None,
            "SQLAlchemy URL of the database (default: SQLite mydw.db in the data folder)",
        ),
        Key("lang", "MYDW_LANG", "en", "language of titles and overviews: en or fr"),
        Key(
            "tmdb-api-key",
            "MYDW_TMDB_API_KEY",
            None,
            "TMDB v3 API key (32 hex) or read-access token (eyJ...)",
            secret=True,
        ),
        Key("omdb-api-key", "MYDW_OMDB_API_KEY", None, "OMDb API key (IMDb ratings)", secret=True),
        Key("tmdb-base-url", "MYDW_TMDB_BASE_URL", "https://api.themoviedb.org/3", "TMDB API root"),
        Key("omdb-base-url", "MYDW_OMDB_BASE_URL", "https://www.omdbapi.com/", "OMDb API root"),
        Key(
            "imdb-datasets-url",
            "MYDW_IMDB_DATASETS_URL",
            "https://datasets.imdbws.com",
            "where title.ratings.tsv.gz lives",
        ),
        Key(
            "search-freshness",
            "MYDW_SEARCH_FRESHNESS",
            "24h",
            "how long a search result is answered from the cache (30m, 24h, 7d)",
        ),
        Key(
            "discover-min-rating",
            "MYDW_DISCOVER_MIN_RATING",
            "7.0",
            "default minimum IMDb rating for discover",
        ),
        Key(
            "discover-min-votes",
            "MYDW_DISCOVER_MIN_VOTES",
            "5000",
            "default minimum IMDb votes for discover",
        ),
        Key(
            "llm-base-url",
            "MYDW_LLM_BASE_URL",
            None,
            "OpenAI-compatible API root of a chat model (http://localhost:11434/v1 for Ollama)",
        ),
        Key("llm-model", "MYDW_LLM_MODEL", None, "name of the chat model (llama3.1, gpt-4.1-mini)"),
        Key(
            "llm-api-key",
            "MYDW_LLM_API_KEY",
            None,
            "API key of the chat model's server (none: no Authorization header)",
            secret=True,
        ),
        Key(
            "llm-history",
            "MYDW_LLM_HISTORY",
            "20",
            "how many earlier chat messages are sent to the model (2 or more)",
        ),
    )
}


def _check_history(value: str) -> str:
    if not value.strip().isdigit() or int(value) < 2:
        raise InvalidInput(f"{value!r} is not a whole number of at least 2")
    return value.strip()


_VALIDATORS = {
    "lang": parse_language,
    "tmdb-base-url": _check_url,
    "omdb-base-url": _check_url,
    "imdb-datasets-url": _check_url,
    "database-url": _check_url,
    "search-freshness": lambda v: (parse_duration(v), v)[1],
    "discover-min-rating": _check_rating,
    "discover-min-votes": _check_count,
    "llm-base-url": _check_url,
    "llm-history": _check_history,
}


def key(name: str) -> Key:
    normalized = name.strip().lower().replace("_", "-")
    try:
        return KEYS[normalized]
    except KeyError:
        known = ", ".join(sorted(KEYS))
        raise InvalidInput(f"unknown setting {name!r} (known: {known})") from None


def validate(name: str, value: str) -> str:
    check = _VALIDATORS.get(key(name).name)
    return check(value) if check else value


def read_file(path: Path | None = None) -> dict[str, Any]:
    path = path or paths.config_file()
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
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


def lookup(name: str, file_data: dict[str, Any] | None = None) -> tuple[str | None, str]:
    """Value of a non-secret setting and where it came from: env, file or default."""
    k = key(name)
    if k.env and os.environ.get(k.env):
        return os.environ[k.env], "env"
    data = read_file() if file_data is None else file_data
    if k.name in data and not k.secret:
        return str(data[k.name]), "file"
    return k.default, "default"


def get(name: str) -> str | None:
    return lookup(name)[0]


@dataclass(frozen=True)
class Settings:
    """A snapshot of the settings one command needs."""

    database_url: str | None
    lang: str
    tmdb_base_url: str
    omdb_base_url: str
    imdb_datasets_url: str
    search_freshness: str
    discover_min_rating: float
    discover_min_votes: int
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_history: int = 20


def load() -> Settings:
    data = read_file()

    def value(name: str) -> str:
        found, _ = lookup(name, data)
        return found or ""

    lang = value("lang") or "en"
    try:
        lang = parse_language(lang)
    except InvalidInput as exc:
        raise ConfigError(f"setting lang: {exc}") from exc
    return Settings(
        database_url=lookup("database-url", data)[0],
        lang=lang,
        tmdb_base_url=value("tmdb-base-url").rstrip("/"),
        omdb_base_url=value("omdb-base-url"),
        imdb_datasets_url=value("imdb-datasets-url").rstrip("/"),
        search_freshness=value("search-freshness"),
        discover_min_rating=float(value("discover-min-rating")),
        discover_min_votes=int(value("discover-min-votes")),
        llm_base_url=(value("llm-base-url").strip().rstrip("/") or None),
        llm_model=(value("llm-model").strip() or None),
        llm_history=_setting(_check_history, "llm-history", value("llm-history") or "20"),
    )


def _setting(check: Any, name: str, raw: str) -> int:
    try:
        return int(check(raw))
    except InvalidInput as exc:
        raise ConfigError(f"setting {name}: {exc}") from exc
