"""The one settings registry: every setting parsed into its type when it is read."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from mydw.config import settings as cfg
from mydw.domain.errors import ConfigError
from tests.conftest import Cli


def test_defaults_are_typed(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MYDW_DATABASE_URL", raising=False)  # set by the PostgreSQL pass
    s = cfg.load()
    assert s.lang == "en"
    assert s.discover_min_rating == 7.0 and s.discover_min_votes == 5000
    assert s.search_freshness == "24h" and s.search_freshness_delta == timedelta(hours=24)
    assert s.http_timeout is None
    assert s.tmdb_base_url == "https://api.themoviedb.org/3"
    assert s.llm_base_url is None and s.llm_model is None and s.llm_history == 20
    assert s.database_url is None


def test_environment_wins_over_the_file(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text('lang = "fr"\nllm-history = 6\nllm-model = "m1"\n')
    assert (cfg.load().lang, cfg.load().llm_history, cfg.load().llm_model) == ("fr", 6, "m1")
    monkeypatch.setenv("MYDW_LANG", "EN")
    monkeypatch.setenv("MYDW_LLM_BASE_URL", "http://127.0.0.1:8080/v1/")
    monkeypatch.setenv("MYDW_HTTP_TIMEOUT", "2.5")
    s = cfg.load()
    assert s.lang == "en" and s.llm_base_url == "http://127.0.0.1:8080/v1"
    assert s.http_timeout == 2.5


@pytest.mark.parametrize(
    ("variable", "value", "attr", "expects"),
    [("MYDW_HTTP_TIMEOUT", "abc", "http_timeout", "seconds"),
     ("MYDW_HTTP_TIMEOUT", "-1", "http_timeout", "seconds"),
     ("MYDW_HTTP_TIMEOUT", "inf", "http_timeout", "seconds"),
     ("MYDW_LLM_HISTORY", "1", "llm_history", "≥ 2"),
     ("MYDW_LLM_BASE_URL", "localhost", "llm_base_url", "URL"),
     ("MYDW_DISCOVER_MIN_RATING", "11", "discover_min_rating", "between 0 and 10"),
     ("MYDW_SEARCH_FRESHNESS", "soon", "search_freshness", "duration")],
)
def test_a_bad_variable_fails_only_when_read(
    home: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, attr: str,
    expects: str,
) -> None:
    monkeypatch.setenv(variable, value)
    s = cfg.load()
    assert s.lang == "en"  # another setting reads fine
    with pytest.raises(ConfigError) as caught:
        getattr(s, attr)
    assert variable in caught.value.message and expects in caught.value.message
    assert "\n" not in caught.value.message
    assert caught.value.exit_code == 1


def test_pinned_values_are_not_read(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MYDW_LANG", "de")
    assert cfg.Settings(lang="fr").lang == "fr"
    with pytest.raises(TypeError):
        cfg.Settings(nope=1)


def test_config_set_checks_the_type_and_show_flags_a_bad_value(cli: Cli) -> None:
    refused = cli("config", "set", "llm-history", "1")
    assert refused.returncode == 1 and "llm-history expects a whole number ≥ 2" in refused.stderr
    cli.ok("config", "set", "llm-history", "8")
    cli.ok("config", "set", "llm-api-key", "sk-test-1234567890")
    assert cli.ok("config", "get", "llm-history").stdout.strip() == "8"
    shown = cli.ok("config", "show", "--json", env={"MYDW_LLM_HISTORY": "x"}).json()
    by_name = {v["name"]: v for v in shown}
    assert by_name["llm-history"]["problem"].startswith("MYDW_LLM_HISTORY='x'")
    assert by_name["llm-api-key"]["secret"] is True and "1234567890" not in str(shown)
    warned = cli.ok("config", "get", "llm-history", env={"MYDW_LLM_HISTORY": "x"})
    assert warned.stdout.strip() == "x" and "warning:" in warned.stderr


def test_an_environment_only_variable_cannot_be_set(cli: Cli) -> None:
    result = cli("config", "set", "home", "/tmp/x")
    assert result.returncode == 1 and "MYDW_HOME" in result.stderr


def test_a_secret_is_read_from_the_context(cli: Cli, home: Path) -> None:
    from mydw.services.context import AppContext

    cli.ok("config", "set", "llm-api-key", input="sk-abc\n")
    ctx = AppContext()
    try:
        assert ctx.secret("llm-api-key") == "sk-abc"
    finally:
        ctx.close()
