"""What a service call needs: settings, the database, the secret store and the upstream
transport, each built lazily on first use.

One `AppContext` serves one command run (`mydw.cli.app.run` builds it, or a test hands one
in). `transport` is handed to every upstream client (TMDB, OMDb, IMDb datasets, the chat
model), so tests can answer them with `httpx.MockTransport`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from functools import cached_property
from typing import TYPE_CHECKING

from mydw.config import settings as settings_mod
from mydw.credentials.store import SecretStore, get_secret

if TYPE_CHECKING:
    import httpx

    from mydw.db.engine import Database


Progress = Callable[[str], AbstractContextManager[object]]
"""`with ctx.progress("Asking TMDB…"):` around a wait on the network. The default does
nothing; at a terminal the CLI installs a spinner on stderr (`mydw.cli.progress`)."""


def no_progress(message: str) -> AbstractContextManager[object]:
    return nullcontext()


class AppContext:
    def __init__(
        self,
        *,
        settings: settings_mod.Settings | None = None,
        secrets: SecretStore | None = None,
        transport: httpx.BaseTransport | None = None,
        progress: Progress | None = None,
    ) -> None:
        if settings is not None:
            self.__dict__["settings"] = settings
        self.secrets = secrets if secrets is not None else SecretStore()
        self.transport = transport
        self.progress: Progress = progress or no_progress

    @cached_property
    def settings(self) -> settings_mod.Settings:
        return settings_mod.load()

    @cached_property
    def db(self) -> Database:
        from mydw.db.engine import Database, resolve_url

        return Database(resolve_url(self.settings.database_url))

    @property
    def session_secret_name(self) -> str:
        """Keyring entry of this database's login session (one login per database)."""
        from mydw.db.engine import describe

        digest = hashlib.sha256(describe(self.db.url).encode()).hexdigest()[:16]
        return f"login-session:{digest}"

    def secret(self, name: str) -> str | None:
        """An API key: environment first, then the keyring (or its fallback file)."""
        key = settings_mod.key(name)
        return get_secret(self.secrets, key.name, key.env)

    def close(self) -> None:
        if "db" in self.__dict__:
            self.db.dispose()
