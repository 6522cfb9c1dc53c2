"""Secrets: keyring first; with no keyring backend, an owner-only file, announced once."""

from __future__ import annotations

import logging
import stat
from pathlib import Path
from typing import Any

import pytest

from mydw.credentials.store import SecretStore, get_secret


@pytest.fixture
def no_keyring(monkeypatch: pytest.MonkeyPatch) -> None:
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def test_fallback_file_is_owner_only_and_announced_once(
    home: Path, no_keyring: None, caplog: pytest.LogCaptureFixture
) -> None:
    store = SecretStore()
    with caplog.at_level(logging.WARNING, logger="mydw"):
        assert store.set("tmdb-api-key", "abc").startswith("file ")
        store.set("omdb-api-key", "def")
    path = home / "secrets.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert [r.getMessage() for r in caplog.records if "no system keyring" in r.getMessage()]
    assert len([r for r in caplog.records if "no system keyring" in r.getMessage()]) == 1
    assert SecretStore().get("tmdb-api-key") == "abc"
    store.delete("tmdb-api-key")
    assert SecretStore().get("tmdb-api-key") is None
    assert SecretStore().get("omdb-api-key") == "def"


def test_keyring_is_used_when_present(home: Path, memory_keyring: Any) -> None:
    store = SecretStore()
    assert store.set("tmdb-api-key", "k3y").startswith("keyring")
    assert memory_keyring.store[("mydw", "tmdb-api-key")] == "k3y"
    assert not (home / "secrets.json").exists()
    assert store.get("tmdb-api-key") == "k3y"
    store.delete("tmdb-api-key")
    store.delete("tmdb-api-key")  # idempotent
    assert store.get("tmdb-api-key") is None


def test_a_broken_keyring_falls_back_instead_of_failing(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import keyring
    import keyring.errors

    class Broken(keyring.backend.KeyringBackend):  # type: ignore[misc]
        priority = 5  # type: ignore[assignment]

        def get_password(self, service: str, username: str) -> str | None:
            raise keyring.errors.KeyringLocked("locked")

        def set_password(self, service: str, username: str, password: str) -> None:
            raise keyring.errors.KeyringLocked("locked")

        def delete_password(self, service: str, username: str) -> None:
            raise keyring.errors.KeyringLocked("locked")

    previous = keyring.get_keyring()
    keyring.set_keyring(Broken())
    try:
        store = SecretStore()
        assert store.set("tmdb-api-key", "x").startswith("file ")
        assert store.get("tmdb-api-key") == "x"
    finally:
        keyring.set_keyring(previous)


def test_environment_wins(home: Path, memory_keyring: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    store = SecretStore()
    store.set("tmdb-api-key", "stored")
    monkeypatch.setenv("MYDW_TMDB_API_KEY", "from-env")
    assert get_secret(store, "tmdb-api-key", "MYDW_TMDB_API_KEY") == "from-env"


@pytest.mark.fresh_database  # the home folder must not exist yet
def test_corrupt_fallback_file_is_a_clear_error(home: Path, no_keyring: None) -> None:
    from mydw.domain.errors import ConfigError

    home.mkdir(parents=True)
    (home / "secrets.json").write_text("{not json")
    with pytest.raises(ConfigError, match="corrupt"):
        SecretStore().get("tmdb-api-key")


@pytest.mark.parametrize("backend", ["keyring.backends.fail.Keyring",
                                     "keyring.backends.null.Keyring"])
def test_a_keyring_turned_off_in_the_environment_is_not_even_probed(
        home: Path, memory_keyring: Any, monkeypatch: pytest.MonkeyPatch, backend: str) -> None:
    # keyring's documented switch for headless hosts: honoured without importing keyring
    # (a backend installed in-process, as here, would otherwise be used).
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", backend)
    store = SecretStore()
    assert store.set("tmdb-api-key", "abc").startswith("file ")
    assert memory_keyring.store == {}
    assert SecretStore().get("tmdb-api-key") == "abc"
