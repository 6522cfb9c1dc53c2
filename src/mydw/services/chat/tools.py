"""Chat tools — PLACEHOLDER in the `builtin` branch: only contract 3's dataclasses, so the
built-in assistant and its tests import them. The chat helper's full `tools.py` (with
`TOOL_SCHEMAS` and `execute`) replaces this file at merge."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mydw.domain.errors import MydwError
from mydw.services.views import MovieView


@dataclass(frozen=True)
class ToolCall:
    name: str  # search_movies | get_movie | set_status | list_my_movies | recommend
    arguments: dict[str, Any]
    id: str = ""


@dataclass
class ToolOutcome:
    call: ToolCall
    ok: bool
    movies: list[MovieView] = field(default_factory=list)
    filters: dict[str, Any] | None = None
    actions: list[dict[str, Any]] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    error: MydwError | None = None
