"""What a service call needs: settings, the database and the secret store, built lazily."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property

from mydw.config import settings as settings_mod
from mydw.credentials.store import SecretStore, get_secret
from mydw.db.engine import Database, describe, resolve_url


@dataclass
class AppContext:
    settings: settings_mod.Settings = field(default_factory=settings_mod.load)
    secrets: SecretStore = field(default_factory=SecretStore)

    @cached_property
    def db(self) -> Database:
        return Database(resolve_url(self.settings.database_url))

    @property
    def session_secret_name(self) -> str:
        """Keyring entry of this database's login session (one login per database)."""
        digest = hashlib.sha256(describe(self.db.url).encode()).hexdigest()[:16]
        return f"login-session:{digest}"

    def secret(self, name: str) -> str | None:
        """An API key: environment first, then the keyring (or its fallback file)."""
        key = settings_mod.key(name)
        return get_secret(self.secrets, key.name, key.env)

    def close(self) -> None:
        if "db" in self.__dict__:
            self.db.dispose()
