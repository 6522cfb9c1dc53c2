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
    """Create `path` owner-only (0700), and every missing folder above it too (`mkdir -p`
    would make those 0755 whatever `mode` says). Raises ConfigError when impossible."""
    from mydw.domain.errors import ConfigError

    missing: list[Path] = []
    here = path
    while not here.exists() and here != here.parent:
        missing.append(here)
        here = here.parent
    try:
        for folder in reversed(missing):
            folder.mkdir(mode=0o700, exist_ok=True)
        if not path.is_dir():
            raise NotADirectoryError(20, "Not a directory", str(path))
    except OSError as exc:
        raise ConfigError(f"cannot create folder {path}: {exc.strerror or exc}") from exc
    return path


def ensure_private_file(path: Path) -> Path:
    """Create `path` (an empty file, folders above it as `ensure_private_dir`) owner-only
    (0600) when it does not exist yet; an existing file is left as it is."""
    import os

    from mydw.domain.errors import ConfigError

    ensure_private_dir(path.parent)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    except OSError as exc:
        raise ConfigError(f"cannot create {path}: {exc.strerror or exc}") from exc
    return path
