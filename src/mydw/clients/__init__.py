"""Upstream clients (TMDB, OMDb, IMDb datasets, the chat model)."""

import sys

# httpx imports its own command-line client at import time when it can (rich, pygments,
# click): ~50 ms of every first request, for a CLI we never run. Marked absent, httpx
# falls back to a stub (its documented behaviour without the `cli` extra).
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
