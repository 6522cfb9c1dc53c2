"""Where mydw keeps its state. `MYDW_HOME` relocates everything; otherwise platformdirs (XDG)."""

from __future__ import annotations

import os
from pathlib import Path

APP_NAME = "mydw"


def _home() -> Path | None:
    value = os.environ.get("MYDW_HOME")
    return Path(value).expanduser() if value else None


def data_dir() -> Path:
    home = _home()
    if home is not None:
        return home
    import platformdirs

    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def config_dir() -> Path:
    home = _home()
    if home is not None:
        return home
    import platformdirs

    return platformdirs.user_config_path(APP_NAME, appauthor=False)


def cache_dir() -> Path:
    home = _home()
    if home is not None:
        return home / "cache"
    import platformdirs

    return platformdirs.user_cache_path(APP_NAME, appauthor=False)


def config_file() -> Path:
    return config_dir() / "config.toml"


def default_database_path() -> Path:
    return data_dir() / "mydw.db"


def ensure_private_dir(path: Path) -> Path:
    """Create `path` (and parents) owner-only (0700). Raises ConfigError when impossible."""
    from mydw.domain.errors import ConfigError

    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot create folder {path}: {exc.strerror or exc}") from exc
    return path
