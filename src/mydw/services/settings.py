"""`mydw config`: read and change settings; secrets go to the keyring, never the file.

Nothing here parses a stored value on the way in: `set` and `unset` work on the raw file,
so they repair a bad value (even one of the wrong TOML type) that breaks other commands.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from mydw.config import settings as cfg
from mydw.credentials.store import SecretStore
from mydw.domain.errors import ConfigError, InvalidInput
from mydw.domain.text import mask_secrets


@dataclass(frozen=True)
class SettingView:
    name: str
    value: str | None  # masked for secrets
    source: str  # env, file, keyring, secrets-file, default, unset
    secret: bool
    help: str
    problem: str | None = None  # why the value cannot be used (it is shown as it is)

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "name": self.name,
            "value": self.value,
            "source": self.source,
            "secret": self.secret,
        }
        if self.problem:
            data["problem"] = self.problem
        return data


def mask(secret: str) -> str:
    return "****" if len(secret) <= 8 else f"{secret[:2]}…{secret[-4:]}"


def get(store: SecretStore, name: str, *, reveal: bool = False,
        file_data: dict[str, Any] | None = None) -> SettingView:
    key = cfg.key(name)
    value: str | None
    if key.secret:
        if key.env and os.environ.get(key.env):
            value, source = os.environ[key.env], "env"
        else:
            value = store.get(key.name)
            where = "keyring" if store.keyring_available() else "secrets-file"
            source = where if value else "unset"
        shown = value if reveal or value is None else mask(value)
        return SettingView(key.name, shown, source, True, key.help)
    value, source = cfg.lookup(key.name, file_data)
    problem = None
    try:
        cfg.read(key.name, file_data)
    except ConfigError as exc:
        problem = exc.message
    # A URL's password (postgresql://u:***@h/db) is a secret too: shown only when asked.
    shown = value if reveal or value is None else mask_secrets(value)
    return SettingView(key.name, shown, source if value is not None else "unset", False,
                       key.help, problem)


def check_secret(name: str, value: str) -> str:
    """A credential's format, checked when it is set (not at the next search)."""
    if any(c.isspace() for c in value):
        raise InvalidInput(f"{name} must not contain spaces")
    if name == "tmdb-api-key":
        from mydw.clients.tmdb import credential_kind
        from mydw.domain.errors import UpstreamAuthError

        try:
            credential_kind(value)
        except UpstreamAuthError as exc:
            raise InvalidInput(f"{name}: {exc.message[0].lower()}{exc.message[1:]}",
                               hint="copy it from https://www.themoviedb.org/settings/api"
                               ) from None
    return value


def set_value(store: SecretStore, name: str, value: str) -> str:
    """Store a setting; returns where it went."""
    key = cfg.key(name)
    value = value.strip()
    if not value:
        raise InvalidInput(f"empty value for {key.name}; use `mydw config unset {key.name}`")
    if not key.in_file and not key.secret:
        raise InvalidInput(f"{key.name} is only read from the {key.env} variable")
    if key.secret:
        return store.set(key.name, check_secret(key.name, value))
    key.check(value)
    data = cfg.read_file()
    data[key.name] = value
    return f"file {cfg.write_file(data)}"


def unset(store: SecretStore, name: str) -> None:
    key = cfg.key(name)
    if key.secret:
        store.delete(key.name)
        return
    data = cfg.read_file()
    if key.name in data:
        del data[key.name]
        cfg.write_file(data)


def show(store: SecretStore) -> list[SettingView]:
    data = cfg.read_file()
    return [get(store, name, file_data=data) for name in cfg.KEYS]
