"""Secrets (API keys, the login session token) in the system keyring.

Where no keyring backend exists (headless server, cron, CI) the secrets go to an owner-only
file (0600) in the config folder instead, and the user is told once, when that file is
first created. Nothing here ever lets `NoKeyringError` escape.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
from pathlib import Path

from mydw.config import paths
from mydw.domain.errors import ConfigError

SERVICE = "mydw"
FALLBACK_NAME = "secrets.json"
# keyring's own ways to say "no keyring" (its docs: PYTHON_KEYRING_BACKEND on headless hosts)
_OFF = ("keyring.backends.fail.Keyring", "keyring.backends.null.Keyring")

log = logging.getLogger("mydw")


class SecretStore:
    """get/set/delete of named secrets; keyring first, owner-only file as the fallback."""

    def __init__(self, fallback_path: Path | None = None, *, use_keyring: bool = True) -> None:
        self._fallback_path = fallback_path
        self._use_keyring = use_keyring
        self._keyring_ok: bool | None = None if use_keyring else False

    @property
    def fallback_path(self) -> Path:
        return self._fallback_path or paths.config_dir() / FALLBACK_NAME

    @property
    def backend_name(self) -> str:
        if self._keyring_available():
            import keyring

            return f"keyring ({type(keyring.get_keyring()).__name__})"
        return f"file {self.fallback_path}"

    # keyring -------------------------------------------------------------------------
    def keyring_available(self) -> bool:
        return self._keyring_available()

    def _keyring_available(self) -> bool:
        if self._keyring_ok is None and os.environ.get("PYTHON_KEYRING_BACKEND") in _OFF:
            self._keyring_ok = False  # turned off by the user: no need to import it (~15 ms)
        if self._keyring_ok is None:
            try:
                import keyring
                from keyring.backends import fail

                backend = keyring.get_keyring()
                # The chainer with no members behaves like `fail`: probe it once.
                self._keyring_ok = (
                    not isinstance(backend, fail.Keyring) and getattr(backend, "priority", 1) > 0
                )
            except Exception:  # any import/initialisation problem means: no keyring
                self._keyring_ok = False
        return self._keyring_ok

    def _keyring_call(
        self, op: str, name: str, value: str | None = None
    ) -> tuple[bool, str | None]:
        """Run a keyring operation; (False, None) when the keyring turned out unusable."""
        if not self._keyring_available():
            return False, None
        import keyring
        import keyring.errors

        try:
            if op == "get":
                return True, keyring.get_password(SERVICE, name)
            if op == "set":
                assert value is not None
                keyring.set_password(SERVICE, name, value)
                return True, None
            # Nothing stored is fine: deleting is idempotent.
            with contextlib.suppress(keyring.errors.PasswordDeleteError):
                keyring.delete_password(SERVICE, name)
            return True, None
        except keyring.errors.NoKeyringError:
            self._keyring_ok = False
            return False, None
        except keyring.errors.KeyringError as exc:
            # A locked or broken keyring: use the file rather than fail the command.
            log.warning("keyring unusable (%s); using %s", exc, self.fallback_path)
            self._keyring_ok = False
            return False, None

    # fallback file -------------------------------------------------------------------
    def _read_file(self) -> dict[str, str]:
        path = self.fallback_path
        try:
            with path.open("rb") as fh:
                self._make_private(path, fh.fileno())
                raw = fh.read()
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from exc
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            raise ConfigError(
                f"{path} is corrupt (not UTF-8 JSON); delete it and log in again"
            ) from None
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    @staticmethod
    def _make_private(path: Path, fd: int) -> None:
        """A secrets file others can read is set back to 0600, with one warning."""
        import stat

        try:
            mode = stat.S_IMODE(os.fstat(fd).st_mode)
            if mode & 0o077:
                os.fchmod(fd, 0o600)
                log.warning("%s was readable by others (%o); it is now 0600 (owner only)",
                            path, mode)
        except OSError as exc:
            log.warning("%s is readable by others and could not be made private (%s)",
                        path, exc.strerror or exc)

    def _write_file(self, data: dict[str, str]) -> None:
        path = self.fallback_path
        first = not path.exists()
        paths.ensure_private_dir(path.parent)
        tmp = path.with_name(path.name + ".tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=2, sort_keys=True)
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)
        except OSError as exc:
            raise ConfigError(f"cannot write {path}: {exc.strerror or exc}") from exc
        if first:
            log.warning(
                "no system keyring available: secrets are kept in %s (readable only by you)", path
            )

    # public API ----------------------------------------------------------------------
    def get(self, name: str) -> str | None:
        # The owner-only file first: it exists only where the keyring was unavailable, and
        # reading it costs nothing, while importing and probing keyring costs ~100 ms.
        stored = self._read_file().get(name)
        if stored is not None:
            return stored
        _, value = self._keyring_call("get", name)
        return value

    def set(self, name: str, value: str) -> str:
        """Store a secret; returns where it went (for messages)."""
        used, _ = self._keyring_call("set", name, value)
        data = self._read_file()
        if used:
            if name in data:  # a keyring appeared since: drop the stale file copy
                del data[name]
                self._write_file(data)
            return self.backend_name
        data[name] = value
        self._write_file(data)
        return f"file {self.fallback_path}"

    def delete(self, name: str) -> None:
        self._keyring_call("delete", name)
        data = self._read_file()
        if name in data:
            del data[name]
            self._write_file(data)


def get_secret(store: SecretStore, name: str, env: str | None) -> str | None:
    """Environment first (a headless cron job), then the store."""
    if env and os.environ.get(env):
        return os.environ[env]
    return store.get(name)
