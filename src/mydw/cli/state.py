"""The per-process AppContext the commands share (built on first use)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mydw.services.context import AppContext


@cache
def context() -> AppContext:
    from mydw.services.context import AppContext

    return AppContext()
