"""`mydw config`: read and change settings; secrets go to the keyring, never the file."""

from __future__ import annotations

import os
from dataclasses import dataclass

from mydw.config import settings as cfg
from mydw.credentials.store import SecretStore
from mydw.domain.errors import InvalidInput


@dataclass(frozen=True)
class SettingView:
    name: str
    value: str | None  # masked for secrets
    source: str  # env, file, keyring, default, unset
    secret: bool
    help: str

    def to_json(self) -> dict[str, object]:
        return {
            "name": self.name,
            "value": self.value,
            "source": self.source,
            "secret": self.secret,
        }


def mask(secret: str) -> str:
    return "****" if len(secret) <= 8 else f"{secret[:2]}…{secret[-4:]}"


def get(store: SecretStore, name: str, *, reveal: bool = False) -> SettingView:
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
    value, source = cfg.lookup(key.name)
    return SettingView(key.name, value, source if value is not None else "unset", False, key.help)


def set_value(store: SecretStore, name: str, value: str) -> str:
    """Store a setting; returns where it went."""
    key = cfg.key(name)
    value = value.strip()
    if not value:
        raise InvalidInput(f"empty value for {key.name}; use `mydw config unset {key.name}`")
    value = cfg.validate(key.name, value)
    if key.secret:
        return store.set(key.name, value)
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
    return [get(store, name) for name in cfg.KEYS]
