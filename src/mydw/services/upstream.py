"""Building the upstream clients from settings and secrets (one place for every service)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mydw.domain.constants import TMDB_HINT
from mydw.domain.errors import UpstreamAuthError
from mydw.services.context import AppContext

if TYPE_CHECKING:
    from mydw.clients.imdb_datasets import ImdbDatasetsClient
    from mydw.clients.omdb import OmdbClient
    from mydw.clients.tmdb import TmdbClient


def tmdb_credential(ctx: AppContext) -> str | None:
    return ctx.secret("tmdb-api-key")


def omdb_key(ctx: AppContext) -> str | None:
    return ctx.secret("omdb-api-key")


def tmdb_client(ctx: AppContext) -> TmdbClient:
    """A TMDB client, or UpstreamAuthError (exit 5) saying how to configure a key."""
    credential = tmdb_credential(ctx)
    if not credential:
        raise UpstreamAuthError("no TMDB API key is configured", service="TMDB", hint=TMDB_HINT)
    from mydw.clients.tmdb import TmdbClient

    return TmdbClient(
        credential, base_url=ctx.settings.tmdb_base_url, timeout=ctx.settings.http_timeout,
        transport=ctx.transport,
    )


def omdb_client(ctx: AppContext) -> OmdbClient | None:
    """An OMDb client when a key is configured, else None (ratings then wait for refresh)."""
    key = omdb_key(ctx)
    if not key:
        return None
    from mydw.clients.omdb import OmdbClient

    return OmdbClient(
        key, base_url=ctx.settings.omdb_base_url, timeout=ctx.settings.http_timeout,
        transport=ctx.transport,
    )


def imdb_datasets_client(ctx: AppContext) -> ImdbDatasetsClient:
    from mydw.clients.imdb_datasets import ImdbDatasetsClient

    timeout = ctx.settings.http_timeout
    return ImdbDatasetsClient(
        base_url=ctx.settings.imdb_datasets_url, timeout=timeout, transport=ctx.transport
    )
